"""Real browser: the comparison and the landscape in both languages, desktop and phone width,
with no WCAG 2.1 A/AA violation; picking schemes to compare works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

AxeCheck = Callable[[Page], list[dict[str, Any]]]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
COMPARE = "/{lang}/aides/comparer?ids=cnc-xn-production&ids=cnc-creation-immersive-production"
LANDSCAPE = {"fr": "/fr/panorama/", "en": "/en/landscape/"}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("which", ["compare", "landscape", "opendata", "compare-error"])
def test_no_accessibility_violation(
    browser: Browser,
    live_server: str,
    lang: str,
    viewport: str,
    which: str,
    axe_violations: AxeCheck,
) -> None:
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
    page = context.new_page()
    path = {
        "compare": COMPARE.format(lang=lang),
        "landscape": LANDSCAPE[lang],
        "opendata": {"fr": "/fr/donnees-ouvertes/", "en": "/en/open-data/"}[lang],
        "compare-error": f"/{lang}/aides/comparer?ids=cnc-xn&ids=no-such-scheme",
    }[which]
    page.goto(live_server + path)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    # Nothing wider than the screen but the tables' own scrolling regions.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"] + 1
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pick_and_compare_without_javascript(browser: Browser, live_server: str, lang: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/{lang}/aides/?funder=cnl")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() >= 2
    first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
    page.locator(f"label[for=compare-{first}]").click()
    page.locator(f"label[for=compare-{second}]").click()
    page.locator("#compare-form button").click()
    assert "/aides/comparer?" in page.url
    assert f"ids={first}" in page.url
    assert f"ids={second}" in page.url
    headers = page.locator("table.compare thead th")
    expect(headers).to_have_count(2)
    # The same address gives the same comparison.
    again = context.new_page()
    again.goto(page.url)
    expect(again.locator("table.compare thead th")).to_have_count(2)
    context.close()


def test_landscape_bars_lead_to_the_list(page: Page, live_server: str) -> None:
    page.goto(live_server + "/en/landscape/")
    svg = page.locator("#funders ~ .chart-layout svg[role=img]")
    expect(svg).to_have_attribute("aria-labelledby", "funders-svg-title funders-svg-desc")
    bar = svg.locator("a").first
    href = bar.get_attribute("xlink:href") or bar.get_attribute("href")
    assert href
    assert "/en/aides/?funder=" in href
    bar.locator("rect").click()
    page.wait_for_url("**/en/aides/?funder=*")
    expect(page.locator("h1")).to_have_text("Support schemes")


def test_compare_prints_the_table_only(page: Page, live_server: str) -> None:
    page.goto(live_server + COMPARE.format(lang="en"))
    page.emulate_media(media="print")
    expect(page.locator("table.compare")).to_be_visible()
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".site-search")).to_be_hidden()

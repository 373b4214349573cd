"""Real-browser journeys: no WCAG 2.1 A/AA violation, keyboard, no-JavaScript filters, phones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

AxeCheck = Callable[[Page], list[dict[str, Any]]]

PAGES = [
    "/{lang}/",
    "/{lang}/aides/",
    "/{lang}/aides/?include_closed=y&sector=immersive",
    "/{lang}/aides/cnc-xn-ecriture",
    "/{lang}/aides/cnc-creation-immersive",
    "/{lang}/aides/cnl-bourse-auteurs",
    "/{lang}/aides/no-such-scheme",
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violation(
    page: Page, live_server: str, lang: str, path: str, axe_violations: AxeCheck
) -> None:
    page.goto(live_server + path.format(lang=lang))
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_keyboard_reaches_the_skip_link_and_main_content(page: Page, live_server: str) -> None:
    page.goto(live_server + "/fr/aides/cnc-creation-immersive")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_language_switch_keeps_the_page_and_filters(page: Page, live_server: str) -> None:
    page.goto(live_server + "/fr/aides/?sector=books")
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/en/aides/?sector=books")
    expect(page.locator("h1")).to_have_text("Support schemes")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_filters_and_opening_a_scheme_work_without_javascript(
    browser: Browser, live_server: str, lang: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/{lang}/aides/")
    page.locator("#filter-funder summary").click()
    page.locator("label[for=funder-cnl]").click()
    page.locator("form.filters button[type=submit]").click()
    assert "funder=cnl" in page.url
    cards = page.locator("article.card")
    assert cards.count() > 0
    for text in cards.locator(".card-meta").all_inner_texts():
        assert "CNL" in text
    cards.first.locator("a").first.click()
    expect(page.locator("h2#sources")).to_be_visible()
    context.close()


def test_pages_fit_a_phone_screen(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in (
        "/fr/",
        "/fr/aides/",
        "/fr/aides/cnc-creation-immersive",
        "/en/aides/pass-culture-offreurs",
    ):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def test_the_checker_itself_finds_violations(page: Page, axe_violations: AxeCheck) -> None:
    # Guards against a silently broken harness: a known-bad page must fail.
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "html-has-lang", "link-name"} <= found

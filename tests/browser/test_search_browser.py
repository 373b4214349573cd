"""Search in a real browser: type with a typo, follow the suggestion, filter by facet, open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

AxeCheck = Callable[[Page], list[dict[str, Any]]]
SEARCH = {"fr": "Rechercher", "en": "Search"}
FUNDER = {"fr": "Financeur", "en": "Funder"}
APPLY = {"fr": "Appliquer les filtres", "en": "Apply filters"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_search_suggestion_facet_and_result(
    page: Page, live_server: str, lang: str, axe_violations: AxeCheck
) -> None:
    page.goto(f"{live_server}/{lang}/")
    # With suggest.js the search box is a combobox (a plain search field without JavaScript).
    page.get_by_role("combobox").fill("bourse de residense")
    page.get_by_role("button", name=SEARCH[lang], exact=True).click()
    assert "/aides/?q=" in page.url
    assert axe_violations(page) == []
    page.locator("#correction a").click()  # the corrected spelling, shown with the typed words
    expect(page.locator("#q")).to_have_value("bourse de residence")
    page.locator("#filter-funder summary").click()
    page.locator("label[for=funder-cnl]").click()
    page.get_by_role("button", name=APPLY[lang]).click()
    assert "funder=cnl" in page.url
    cards = page.locator("article.card")
    assert cards.count() >= 1
    assert axe_violations(page) == []
    cards.first.locator("h3 a").click()
    expect(page.locator("h2#sources")).to_be_visible()
    assert "/aides/cnl-" in page.url


OPTION_KIND = {"fr": "thème", "en": "topic"}
MUSIC = {"fr": "Musique", "en": "Music"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_search_box_suggestions_are_an_accessible_combobox(
    page: Page, live_server: str, lang: str, axe_violations: AxeCheck
) -> None:
    page.goto(f"{live_server}/{lang}/aides/")
    box = page.get_by_role("combobox", name=None).first
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("musi", delay=30)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_text(f"{MUSIC[lang]} – {OPTION_KIND[lang]}")
    # A polite live region tells screen reader users how many suggestions there are.
    expect(page.locator("[role=status]").filter(has_text=str(options.count()))).to_have_count(1)
    assert axe_violations(page) == []
    # Keyboard only: arrows move through the options, Enter searches the chosen one.
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id") or "")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url("**/aides/?q=*")
    expect(page.locator("#q")).to_have_value(MUSIC[lang])
    assert page.locator("article.card").count() >= 1
    # Escape closes the list and keeps what was typed.
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("dicr", delay=30)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("dicr")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_search_works_the_same_without_javascript(
    browser: Any, live_server: str, lang: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/{lang}/")
    box = page.get_by_role("searchbox")
    box.fill("dicream")
    box.press("Enter")
    page.wait_for_url("**/aides/?q=dicream")
    assert page.locator("article.card").count() >= 4
    assert "cnc-dicream" in (page.locator("article.card h3 a").first.get_attribute("href") or "")
    context.close()

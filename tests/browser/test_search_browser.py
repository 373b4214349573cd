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
    page.get_by_role("searchbox").fill("résidance")
    page.get_by_role("button", name=SEARCH[lang], exact=True).click()
    assert "/aides/?q=" in page.url
    assert axe_violations(page) == []
    page.locator(".notice a").first.click()  # the suggested spelling
    expect(page.locator("#q")).to_have_value("residence")
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

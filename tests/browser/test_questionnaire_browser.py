"""A creator walks the questionnaire in a real browser to results that can be shared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

AxeCheck = Callable[[Page], list[dict[str, Any]]]

# A VR author's answers, by variable; questions not listed are answered "I don't know".
VR_AUTHOR: dict[str, list[str] | str] = {
    "applicant_type": "individual",
    "roles": ["author", "artist"],
    "sectors": ["immersive"],
    "country_zone": "france",
    "nationality_zone": "france",
    "project_stage": "writing",
    "project_types": ["immersive_work"],
    "project_language": "fr",
}
START = {"fr": "Commencer le questionnaire", "en": "Start the questionnaire"}
CONTINUE = {"fr": "Continuer", "en": "Continue"}
DONT_KNOW = {"fr": "Je ne sais pas", "en": "I don't know"}
ELIGIBLE = {"fr": "Éligible", "en": "Eligible"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_walk_the_questionnaire_to_shareable_results(
    page: Page, live_server: str, lang: str, axe_violations: AxeCheck
) -> None:
    page.goto(f"{live_server}/{lang}/questionnaire/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=START[lang]).click()
    checked_pages = 0
    for _step in range(40):
        if "/questionnaire/results" in page.url:
            break
        variable = page.locator("input[name=asked]").get_attribute("value")
        if checked_pages < 3:  # one choice, one set and one more question are enough
            assert axe_violations(page) == [], variable
            checked_pages += 1
        answer = VR_AUTHOR.get(variable or "")
        if answer is None:
            page.get_by_role("button", name=DONT_KNOW[lang]).click()
            continue
        for value in [answer] if isinstance(answer, str) else answer:
            page.locator(f"input[name={variable}][value={value}]").check()
        page.get_by_role("button", name=CONTINUE[lang]).click()
    assert "/questionnaire/results" in page.url
    expect(page.locator("h2#group-eligible")).to_contain_text(ELIGIBLE[lang])
    assert page.locator("section:has(h2#group-eligible) article").count() >= 1
    assert axe_violations(page) == []
    shared = page.locator("#share-url").input_value()
    results_text = page.locator("main").inner_text()
    other = page.context.new_page()
    other.goto(shared.replace("http://localhost", live_server))
    assert other.locator("main").inner_text() == results_text
    other.close()


def test_a_wrong_number_is_explained_next_to_the_field(
    page: Page, live_server: str, axe_violations: AxeCheck
) -> None:
    page.goto(
        f"{live_server}/en/questionnaire/question?applicant_type=company&ask=years_of_activity"
    )
    page.locator("input[name=years_of_activity]").fill("-4")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("input[name=years_of_activity]")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

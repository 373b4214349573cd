"""Three creators' results in a real browser, desktop and phone, French and English (issue 11):
each failed criterion names the answer it failed on, closed schemes are never "to verify", the
first eligible scheme shows without scrolling on a phone, and axe finds nothing."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from app.config import PROJECT_ROOT

AxeCheck = Callable[[Page], list[dict[str, Any]]]


def _bench() -> ModuleType:
    """bench/results_page.py: the same walk and profiles the benchmark measures."""
    spec = importlib.util.spec_from_file_location(
        "results_bench", PROJECT_ROOT / "bench" / "results_page.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
ANSWERED = {"fr": "Votre réponse : ", "en": "You answered: "}


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("profile", sorted(BENCH.PROFILES))
def test_results_read_right_on_desktop_and_phone(
    browser: Browser, live_server: str, axe_violations: AxeCheck, profile: str, lang: str, view: str
) -> None:
    width, height = BENCH.VIEWPORTS[view]
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    page = context.new_page()
    figures = BENCH.measure(page, live_server, lang, BENCH.PROFILES[profile])
    assert "/questionnaire/results" in page.url
    folded = page.locator("details.ineligible-list > summary")
    if folded.count():
        folded.click()  # as a reader who wants to know why
    for line in page.locator("li.result-ineligible").all():
        first = line.inner_text().split("\n")[0]
        assert ANSWERED[lang] in first, first
    to_verify = page.locator("section:has(#group-unknown)")
    assert to_verify.locator(".badge-closed, .badge-replaced").count() == 0
    if figures["first_eligible_top"] is not None and view == "phone":
        assert figures["first_eligible_visible"], figures
    assert axe_violations(page) == []
    context.close()


def test_the_vr_author_has_an_eligible_scheme_above_the_fold_on_a_phone(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    figures = BENCH.measure(page, live_server, "fr", BENCH.PROFILES["vr-author"])
    assert figures["first_eligible_visible"], figures
    assert re.search(r"\d+ aides? en cours", page.locator("main .lead").inner_text())
    context.close()

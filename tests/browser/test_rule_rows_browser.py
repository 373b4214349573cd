"""An editor changes a rule nested three groups deep in a browser without JavaScript: a value,
a group moved up, a group removed and one added, all through the row buttons; axe clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import sessionmaker

from app import accounts
from app.catalogue import parse_scheme
from app.editing import latest_revision
from app.repository import import_schemes

AxeCheck = Callable[[Page], list[dict[str, Any]]]
PASSWORD = "correct-horse-battery-staple-42"
EDITED_SCHEME = "cnl-bourse-auteurs"  # as conftest's frozen_scheme freezes it
FROZEN = Path(__file__).parents[1] / "fixtures" / "editor-scheme.yaml"
INDIVIDUAL = {"variable": "applicant_type", "operator": "equals", "value": "individual"}
AUTHOR = {"variable": "roles", "operator": "includes_any", "value": ["author", "illustrator"]}
THREE_BOOKS = {"variable": "published_books_sole_author", "operator": "at_least", "value": 3}
TRANSLATOR = {"variable": "roles", "operator": "includes_any", "value": ["translator"]}
NESTED = {"all": [INDIVIDUAL, {"any": [AUTHOR, {"all": [THREE_BOOKS, {"not": TRANSLATOR}]}]}]}
ARTIST = {"variable": "roles", "operator": "includes_any", "value": ["artist"]}
WORDS = {
    "en": {
        "sign_in": "Sign in",
        "up": "Move up Group 2",
        "remove": "Remove Group 3",
        "add_group": "Add a group inside Group 2",
        "save": "Save draft",
    },
}


@pytest.fixture
def nested_editor(frozen_scheme: sessionmaker[Any]) -> str:
    """An editor account, and the edited scheme's first criterion nested three groups deep."""
    document = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
    document["criteria"][0]["rule"] = NESTED
    scheme, problems = parse_scheme(f"{EDITED_SCHEME}.yaml", yaml.safe_dump(document))
    assert scheme is not None, problems
    with frozen_scheme.begin() as db:
        import_schemes(db, [scheme], author="tests", comment="a nested rule")
    with frozen_scheme() as db:  # create_user commits its own unit of work
        return accounts.create_user(
            db, "rules-editor@example.org", PASSWORD, "editor", actor="test"
        ).email


@pytest.fixture
def no_script_page(browser: Browser) -> Iterator[Page]:
    """A page whose scripts never run."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["en"])
def test_a_nested_rule_is_edited_without_javascript(
    no_script_page: Page,
    page: Page,
    live_server: str,
    lang: str,
    nested_editor: str,
    frozen_scheme: sessionmaker[Any],
    axe_violations: AxeCheck,
) -> None:
    words = WORDS[lang]
    script_page = page  # axe needs scripts: it checks a copy of the page shown without them
    page = no_script_page

    def violations() -> list[dict[str, Any]]:
        script_page.goto(f"{live_server}/robots.txt")  # the same origin, for the style sheet
        script_page.set_content(page.content())
        return axe_violations(script_page)

    page.goto(f"{live_server}/{lang}/admin/login")
    page.locator("#email").fill(nested_editor)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.goto(f"{live_server}/{lang}/admin/schemes/{EDITED_SCHEME}/edit")
    assert violations() == []
    group = page.get_by_role("group", name="Group 2: all of")
    expect(group).to_contain_text("inside “any of” (Group 1)")

    # A value three groups deep, then its group moved above "roles": the value goes with it.
    page.locator("#criteria-0-conditions-4-value").fill("5")
    page.get_by_role("button", name=words["up"]).click()
    # Back at the moved group (its anchor, and tabindex="-1"): the focus is on it, and the
    # keyboard goes on inside it.
    assert page.url.endswith("#criteria-0-conditions-2")
    expect(page.get_by_role("group", name="Group 2: all of")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#criteria-0-conditions-2-group")).to_be_focused()
    expect(page.locator("#criteria-0-conditions-3-value")).to_have_value("5")
    page.get_by_role("button", name=words["remove"]).click()
    page.get_by_role("button", name=words["add_group"]).click()
    page.locator("#criteria-0-conditions-4-group").select_option("any")
    page.locator("#criteria-0-conditions-5-variable").select_option("roles")
    page.locator("#criteria-0-conditions-5-operator").select_option("includes_any")
    page.locator("#criteria-0-conditions-5-value").fill("artist")
    assert violations() == []
    page.get_by_role("button", name=words["save"]).first.click()

    assert f"/admin/schemes/{EDITED_SCHEME}/revisions" in page.url
    with frozen_scheme() as db:
        saved = latest_revision(db, EDITED_SCHEME)
        assert saved is not None
        rule = saved.document["criteria"][0]["rule"]
    deep = {"all": [{**THREE_BOOKS, "value": 5}, {"any": [ARTIST]}]}
    assert rule == {"all": [INDIVIDUAL, {"any": [deep, AUTHOR]}]}

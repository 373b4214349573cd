"""An administrator changes a rule in a real browser, previews, publishes, and the public verdict
changes: in French and in English, with no accessibility violation on the admin pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import sessionmaker

from app import accounts

AxeCheck = Callable[[Page], list[dict[str, Any]]]
PASSWORD = "correct-horse-battery-staple-42"
SCHEME = "cnl-bourse-auteurs"  # as conftest's frozen_scheme freezes it
# A writer with one published book: eligible while the rule asks for one book, not after.
PROFILE = (
    "applicant_type=individual&roles=author&published_books_sole_author=1"
    "&project_types=writing_project"
)
BUTTONS = {
    "fr": {
        "sign_in": "Se connecter",
        "confirm": "Confirmer",
        "preview": "Vérifier et prévisualiser",
        "save": "Enregistrer le brouillon",
        "publish": "Publier",
    },
    "en": {
        "sign_in": "Sign in",
        "confirm": "Confirm",
        "preview": "Check and preview",
        "save": "Save draft",
        "publish": "Publish",
    },
}


@pytest.fixture
def admin(frozen_scheme: sessionmaker[Any]) -> tuple[str, str]:
    """A real admin account in the live server's database, removed afterwards with its changes."""
    with frozen_scheme() as db:
        user = accounts.create_user(
            db, "browser-admin@example.org", PASSWORD, "admin", actor="test"
        )
        user.totp_secret = pyotp.random_base32()
        db.commit()
        return user.email, user.totp_secret


def eligible_section(page: Page) -> str:
    return page.locator("section:has(h2#group-eligible)").inner_text()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_admin_raises_a_threshold_and_the_public_verdict_changes(
    page: Page, live_server: str, lang: str, admin: tuple[str, str], axe_violations: AxeCheck
) -> None:
    email, secret = admin
    words = BUTTONS[lang]
    page.goto(f"{live_server}/{lang}/questionnaire/results?{PROFILE}")
    assert "/aides/" + SCHEME in page.locator("section:has(h2#group-eligible)").inner_html()

    page.goto(f"{live_server}/{lang}/admin/login")
    assert axe_violations(page) == []
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    assert axe_violations(page) == []
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=words["confirm"]).click()
    assert axe_violations(page) == []

    page.goto(f"{live_server}/{lang}/admin/schemes/{SCHEME}/edit")
    expect(page.locator("#criteria-1-conditions-0-operator")).to_have_value("at_least")
    page.locator("#criteria-1-conditions-0-value").fill("2")
    page.locator("#criteria-1-label-en").fill(
        "You have published at least two books as sole author with a trade publisher."
    )
    page.locator("#criteria-1-label-fr").fill(
        "Vous avez publié au moins deux livres à compte d'éditeur, seul auteur ou seule autrice."
    )
    page.get_by_role("button", name=words["preview"]).first.click()
    expect(page.locator("main")).not_to_contain_text("FAIL")
    assert axe_violations(page) == []
    page.get_by_role("button", name=words["save"]).first.click()
    assert f"/admin/schemes/{SCHEME}/revisions" in page.url
    assert axe_violations(page) == []
    page.get_by_role("button", name=words["publish"], exact=True).click()
    assert f"/admin/schemes/{SCHEME}/revisions" in page.url

    page.goto(f"{live_server}/{lang}/questionnaire/results?{PROFILE}")
    assert "/aides/" + SCHEME not in page.locator("section:has(h2#group-eligible)").inner_html()
    not_eligible = page.locator("section:has(h2#group-ineligible)")
    expect(not_eligible).to_contain_text("two books" if lang == "en" else "deux livres")
    page.goto(f"{live_server}/{lang}/aides/{SCHEME}")
    expect(page.locator("section:has(#conditions)")).to_contain_text(
        "two books" if lang == "en" else "deux livres"
    )

"""Issue 13's journey in a real browser, through the pages only: an administrator enrols with one
QR code and signs in; an editor changes a threshold and its wording, previews and submits; the
administrator reads the human diff and publishes; a visitor's suggestion reaches the dashboard.
In French and in English, with axe (WCAG 2.1 AA) clean on every admin page visited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
import segno
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import sessionmaker

from app import accounts
from app.models import User

AxeCheck = Callable[[Page], list[dict[str, Any]]]
SCHEME = "cnl-bourse-auteurs"  # as conftest's frozen_scheme freezes it
ADMIN = "journey-admin@example.org"
EDITOR = "journey-editor@example.org"
PASSWORD = "correct-horse-battery-staple-42"
EDITOR_PASSWORD = "violet-lantern-orchard-1987"
# The second criterion of the frozen scheme asks for one published book; the editor asks for two.
VALUE = "#criteria-1-conditions-0-value"
LABELS = {
    "en": "You have published at least two books as sole author with a trade publisher.",
    "fr": "Vous avez publié au moins deux livres à compte d'éditeur, seul auteur ou seule autrice.",
}
OLD_LABEL = {
    "en": "at least one book of which",
    "fr": "au moins un livre dont vous êtes",
}
SUGGESTION = "La date limite de la session d'automne a changé : voir la page du CNL."
WORDS = {
    "fr": {
        "sign_in": "Se connecter",
        "confirm": "Confirmer",
        "sign_out": "Se déconnecter",
        "users": "Utilisateurs",
        "draft": "brouillon",
        "in_page_language": "en français",
        "create": "Créer le compte",
        "created": f"Compte créé pour {EDITOR}",
        "preview": "Vérifier et prévisualiser",
        "all_pass": "Tous les exemples donnent le verdict attendu.",
        "save": "Enregistrer le brouillon",
        "public_look": "Aperçu de la dernière révision",
        "back": "Retour aux révisions",
        "submit": "Soumettre à relecture",
        "submitted": "Soumis à relecture.",
        "apply": "Appliquer les filtres",
        "waiting": "En attente de relecture",
        "revisions": "Révisions",
        "edit": "Modifier",
        "criterion": "Critère",
        "wording_before": "Formulation avant :",
        "wording_after": "Formulation après :",
        "publish": "Publier",
        "published": "Publication effectuée.",
        "send": "Envoyer aux éditeurs",
        "thanks": "Merci : votre message est parvenu aux éditeurs.",
        "one_suggestion": "1 suggestion du public attend.",
    },
    "en": {
        "sign_in": "Sign in",
        "confirm": "Confirm",
        "sign_out": "Sign out",
        "users": "Users",
        "draft": "draft",
        "in_page_language": "in English",
        "create": "Create the account",
        "created": f"Account created for {EDITOR}",
        "preview": "Check and preview",
        "all_pass": "Every example gives the expected verdict.",
        "save": "Save draft",
        "public_look": "Preview the latest revision",
        "back": "Back to the revisions",
        "submit": "Submit for review",
        "submitted": "Submitted for review.",
        "apply": "Apply filters",
        "waiting": "Waiting for review",
        "revisions": "Revisions",
        "edit": "Edit",
        "criterion": "Criterion",
        "wording_before": "Wording before:",
        "wording_after": "Wording after:",
        "publish": "Publish",
        "published": "Published.",
        "send": "Send to the editors",
        "thanks": "Thank you: your message has reached the editors.",
        "one_suggestion": "1 suggestion from the public waits.",
    },
}


@pytest.fixture
def admin_without_totp(frozen_scheme: sessionmaker[Any]) -> str:
    """The first administrator, as `aides users create` makes one: a password, no second factor
    yet. The only shortcut in the database; the editor is invited through the Users page."""
    with frozen_scheme() as db:
        return accounts.create_user(db, ADMIN, PASSWORD, "admin", actor="test").email


def new_page(browser: Browser) -> Page:
    """A page in its own browser context: its own cookies, as another person's browser."""
    # The strict CSP forbids injected scripts; bypass it for axe only, as the axe docs advise.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    return context.new_page()


def path(page: Page) -> str:
    """The page's path, without the fragment a browser keeps across a redirect."""
    return urlsplit(page.url).path


class Journey:
    """One language's run: the live server, the words of its pages and the axe check."""

    def __init__(self, base: str, lang: str, axe: AxeCheck) -> None:
        self.base, self.lang, self.words, self.axe = base, lang, WORDS[lang], axe

    def url(self, path: str) -> str:
        return f"{self.base}/{self.lang}{path}"

    def clean(self, page: Page) -> None:
        """An admin page in the expected language, with no WCAG 2.1 AA violation."""
        assert page.locator("html").get_attribute("lang") == self.lang, page.url
        assert self.axe(page) == [], page.url

    def button(self, page: Page, key: str) -> None:
        page.get_by_role("button", name=self.words[key], exact=True).first.click()

    def password_step(self, page: Page, email: str, password: str) -> None:
        page.goto(self.url("/admin/login"))
        self.clean(page)
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        self.button(page, "sign_in")

    def nothing_of_the_admin(self, page: Page) -> None:
        """Between the password and the code: no admin menu, no link into the admin (but the
        language switch, to this same page, and the way to use a recovery code instead)."""
        expect(page.locator("nav.admin-nav")).to_have_count(0)
        links = page.locator("a[href*='/admin']:not([href*='/admin/second-factor'])")
        expect(links).to_have_count(0)
        expect(page.locator("body")).not_to_contain_text(ADMIN)

    def code_step(self, page: Page, code: str) -> None:
        page.locator("#code").fill(code)
        self.button(page, "confirm")


def enrol_and_sign_in(journey: Journey, page: Page) -> None:
    """Step 1: one QR code and its key, kept across reloads; confirmed; then a real sign-in."""
    journey.password_step(page, ADMIN, PASSWORD)
    assert path(page).endswith("/admin/second-factor")
    journey.clean(page)
    journey.nothing_of_the_admin(page)
    qr_codes = page.locator("main img[src^='data:image/svg+xml']")
    expect(qr_codes).to_have_count(1)
    secret = page.locator("main code").inner_text().strip()
    assert len(secret) >= 16, secret
    # What the phone scans is the key the page shows, for this account.
    scanned = segno.make(accounts.totp_uri(User(email=ADMIN), secret)).svg_data_uri(scale=4)
    assert qr_codes.get_attribute("src") == scanned
    page.reload()
    expect(qr_codes).to_have_count(1)
    assert page.locator("main code").inner_text().strip() == secret  # one pending secret
    # Before the code, the admin is still out of reach.
    page.goto(journey.url("/admin/"))
    assert path(page).endswith("/admin/login")
    page.goto(journey.url("/admin/second-factor"))
    assert page.locator("main code").inner_text().strip() == secret

    phone = pyotp.TOTP(secret)
    enrolment_code = phone.now()
    journey.code_step(page, enrolment_code)
    # Enrolled: the ten recovery codes, shown this once, then on to the dashboard.
    expect(page.locator("ol.recovery-codes li code")).to_have_count(10)
    journey.clean(page)
    page.locator("main ol.recovery-codes + p a").click()
    assert path(page).endswith(f"/{journey.lang}/admin/")
    journey.clean(page)
    expect(page.locator("nav.admin-nav")).to_be_visible()
    journey.button(page, "sign_out")
    page.goto(journey.url("/admin/"))
    assert path(page).endswith("/admin/login")

    journey.password_step(page, ADMIN, PASSWORD)
    assert path(page).endswith("/admin/second-factor")
    journey.clean(page)
    journey.nothing_of_the_admin(page)
    expect(page.locator("main img")).to_have_count(0)  # enrolled: no QR code any more
    expect(page.locator("main code")).to_have_count(0)
    journey.code_step(page, enrolment_code)  # a code already used is refused
    expect(page.locator(".error-summary")).to_be_visible()
    journey.clean(page)
    journey.nothing_of_the_admin(page)
    # The phone's next code (the server allows one step of clock drift), not a replay.
    journey.code_step(page, phone.at(time.time() + phone.interval))
    assert path(page).endswith(f"/{journey.lang}/admin/")
    expect(page.locator("nav.admin-nav")).to_be_visible()


def invite_editor(journey: Journey, page: Page) -> None:
    """The administrator creates the editor's account on the Users page."""
    page.locator("nav.admin-nav").get_by_role("link", name=journey.words["users"]).click()
    journey.clean(page)
    page.locator("#email").fill(EDITOR)
    page.locator("#password").fill(EDITOR_PASSWORD)
    page.locator("#role").select_option("editor")
    journey.button(page, "create")
    expect(page.locator(".notice")).to_contain_text(journey.words["created"])
    journey.clean(page)


def edit_preview_submit(journey: Journey, page: Page) -> None:
    """Step 2: the editor raises the threshold, rewords the criterion, previews and submits."""
    words = journey.words
    journey.password_step(page, EDITOR, EDITOR_PASSWORD)
    assert path(page).endswith(f"/{journey.lang}/admin/")  # editors have no second factor
    journey.clean(page)
    page.locator("#dash-q").fill(SCHEME)
    journey.button(page, "apply")
    page.get_by_role("link", name=f"{words['edit']} {SCHEME}").click()
    journey.clean(page)
    expect(page.locator(VALUE)).to_have_value("1")
    page.locator(VALUE).fill("2")
    page.locator("#criteria-1-label-en").fill(LABELS["en"])
    page.locator("#criteria-1-label-fr").fill(LABELS["fr"])
    journey.button(page, "preview")
    preview = page.locator("#preview")
    expect(preview).to_contain_text(words["all_pass"])  # the examples' verdicts
    expect(page.locator(VALUE)).to_have_value("2")  # nothing typed is lost
    journey.clean(page)

    journey.button(page, "save")
    assert path(page).endswith(f"/admin/schemes/{SCHEME}/revisions")
    journey.clean(page)
    expect(page.get_by_role("button", name=words["publish"], exact=True)).to_have_count(0)
    page.get_by_role("link", name=words["public_look"]).click()  # the public page's look
    expect(page.locator(".banner[role=note]").first).to_contain_text(f"({words['draft']})")
    expect(page.locator("section:has(#conditions)")).to_contain_text(LABELS[journey.lang])
    journey.clean(page)
    page.get_by_role("link", name=words["back"]).click()
    page.locator("#submit-comment").fill("2 livres / 2 books")
    journey.button(page, "submit")
    expect(page.locator(".notice")).to_contain_text(words["submitted"])
    journey.clean(page)


def review_and_publish(journey: Journey, page: Page) -> None:
    """Step 3: the draft waits on the dashboard; its diff reads as people speak; publish."""
    words = journey.words
    page.goto(journey.url("/admin/"))
    page.locator("#dash-show").select_option("review")
    journey.button(page, "apply")
    journey.clean(page)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(words["waiting"])
    rows.get_by_role("link", name=f"{words['revisions']} {SCHEME}").click()
    journey.clean(page)

    diff = page.locator("article.revision").first.locator("table.diff tbody tr")
    threshold = diff.filter(has=page.locator("del", has_text="1")).filter(
        has=page.locator("ins", has_text="2")
    )
    expect(threshold).to_have_count(1)
    where = threshold.locator("th").inner_text()
    assert words["criterion"] in where, where
    assert "criteria[" not in where, where
    expect(threshold).to_contain_text(words["wording_before"])
    expect(threshold).to_contain_text(OLD_LABEL[journey.lang])
    expect(threshold).to_contain_text(words["wording_after"])
    expect(threshold).to_contain_text(LABELS[journey.lang])
    expect(page.locator("article.revision").first).not_to_contain_text("criteria[")

    journey.button(page, "publish")
    expect(page.locator(".notice")).to_contain_text(words["published"])
    journey.clean(page)
    page.goto(journey.url(f"/aides/{SCHEME}"))
    expect(page.locator("section:has(#conditions)")).to_contain_text(LABELS[journey.lang])


def visitor_suggests(journey: Journey, page: Page) -> None:
    """Step 4, the visitor's part: the scheme page's "report an error or a change" form."""
    page.goto(journey.url(f"/aides/{SCHEME}"))
    page.locator("section:has(#suggest)").get_by_role("link").click()
    assert journey.axe(page) == []
    page.get_by_role("textbox").first.fill(SUGGESTION)
    page.locator("#source_url").fill("https://www.centrenationaldulivre.fr/aides")
    journey.button(page, "send")
    expect(page.locator("main")).to_contain_text(journey.words["thanks"])


def suggestion_reaches_dashboard(journey: Journey, page: Page) -> None:
    """Step 4, the administrator's part: the count and the suggestion on the dashboard, then
    the suggestion on the Suggestions page, to accept or decline."""
    page.goto(journey.url("/admin/"))
    expect(page.get_by_role("link", name=journey.words["one_suggestion"])).to_be_visible()
    on_dashboard = page.locator("section:has(#dashboard-suggestions-title) li")
    expect(on_dashboard).to_have_count(1)
    expect(on_dashboard).to_contain_text(SUGGESTION)
    journey.clean(page)
    on_dashboard.get_by_role("link", name=SCHEME).click()
    journey.clean(page)
    suggestion = page.locator("article", has_text=SUGGESTION)
    expect(suggestion).to_be_visible()
    assert page.url.endswith(f"#{suggestion.get_attribute('id')}")
    expect(suggestion).to_contain_text(journey.words["in_page_language"])  # as the visitor wrote


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_enrol_edit_review_publish_and_suggest(
    browser: Browser, live_server: str, lang: str, admin_without_totp: str, axe_violations: AxeCheck
) -> None:
    journey = Journey(live_server, lang, axe_violations)
    administrator, editor, visitor = new_page(browser), new_page(browser), new_page(browser)
    try:
        enrol_and_sign_in(journey, administrator)
        invite_editor(journey, administrator)
        edit_preview_submit(journey, editor)
        review_and_publish(journey, administrator)
        visitor_suggests(journey, visitor)
        suggestion_reaches_dashboard(journey, administrator)
    finally:
        for page in (administrator, editor, visitor):
            page.context.close()

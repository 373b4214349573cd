"""What funders read and do in the admin: a diff in words, review before publishing, suggestions
from the public, a dashboard that searches and filters."""

from __future__ import annotations

import re

import pytest
from admin_support import assert_sent_to_sign_in, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from harness import csrf_token_in
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.editing import latest_revision, revisions, save_draft
from app.models import Suggestion
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web.admin import readable_diff


def lowered_threshold(catalogue: list[Scheme], wording: bool) -> Scheme:
    """cnm-transition-numerique with its music share threshold at 30 (and its label, if asked)."""
    base = next(s for s in catalogue if s.id == "cnm-transition-numerique")
    document = base.document()
    share = next(c for c in document["criteria"] if c["id"] == "music-activity-share")
    share["rule"]["value"] = 30
    if wording:
        share["label"] = {
            "fr": "Au moins 30 % de l'activité de votre structure relève de la musique.",
            "en": "At least 30% of your organisation's activity is in music and variety.",
        }
    document["examples"] = [e for e in document["examples"] if "40%" not in e["title"]]
    return Scheme.model_validate(document)


@pytest.fixture
def lowered_draft(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> str:
    """A draft with the lowered threshold and its new wording; an editor signed in to read it."""
    scheme_id = save_lowered_draft(db, catalogue, vocabulary)
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    return scheme_id


def save_lowered_draft(db: Session, catalogue: list[Scheme], vocabulary: Vocabulary) -> str:
    """Save the lowered threshold, reworded, as a draft; returns the scheme's id."""
    scheme = lowered_threshold(catalogue, wording=True)
    base = latest_revision(db, scheme.id)
    assert base is not None
    save_draft(db, scheme, base=base.number, author="editor", comment="30 %", vocabulary=vocabulary)
    return scheme.id


@pytest.mark.parametrize(
    ("lang", "where", "before"),
    [
        ("en", r"Criterion \d+ \(music-activity-share\) › Condition 1 › Value", "Wording before"),
        ("fr", r"Critère \d+ \(music-activity-share\) › Condition 1 › Valeur", "Formulation avant"),
    ],
)
def test_the_revision_diff_names_fields_in_words_with_the_wording_of_both_versions(
    client: FlaskClient, lowered_draft: str, lang: str, where: str, before: str
) -> None:
    html = client.get(f"/{lang}/admin/schemes/{lowered_draft}/revisions").get_data(as_text=True)
    latest = html.split('<article class="card revision">')[1]
    assert re.search(where, latest)
    assert "criteria[" not in latest
    assert before in latest
    assert "30 %" in latest.replace("\u00a0", " ") or "30%" in latest


@pytest.fixture
def diffs_worked_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The scheme id of each pair of revisions whose readable diff is worked out, in turn."""
    worked_out: list[str] = []
    original = readable_diff._readable_changes

    def counted(before: dict[str, object] | None, after: dict[str, object]) -> object:
        worked_out.append(str(after["id"]))
        return original(before, after)

    monkeypatch.setattr(readable_diff, "_readable_changes", counted)
    return worked_out


def save_renamed(db: Session, catalogue: list[Scheme], vocabulary: Vocabulary, name: str) -> None:
    """A new draft of the lowered threshold, its English name changed."""
    document = lowered_threshold(catalogue, wording=True).document()
    document["name"]["en"] = name
    scheme = Scheme.model_validate(document)
    base = latest_revision(db, scheme.id)
    assert base is not None
    save_draft(db, scheme, base=base.number, author="editor", comment=name, vocabulary=vocabulary)


def test_the_revisions_page_works_out_each_pair_of_revisions_once_per_language(
    client: FlaskClient,
    db: Session,
    lowered_draft: str,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    diffs_worked_out: list[str],
) -> None:
    url = f"/{{}}/admin/schemes/{lowered_draft}/revisions"
    pairs = len(revisions(db, lowered_draft))

    def page(lang: str) -> str:  # without the forms' tokens, which change at each view
        html = client.get(url.format(lang)).get_data(as_text=True)
        return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", html)

    english = page("en")
    assert len(diffs_worked_out) == pairs
    french = page("fr")
    assert len(diffs_worked_out) == 2 * pairs  # each language names the places in its own words
    assert page("en") == english
    assert page("fr") == french
    assert len(diffs_worked_out) == 2 * pairs  # seen again: nothing worked out
    assert re.search(r"Critère \d+ \(music-activity-share\) › Condition 1 › Valeur", french)
    assert "Formulation avant" in french
    assert "Wording before" not in french
    # A new revision: only its pair with the one before is worked out.
    save_renamed(db, catalogue, vocabulary, "Renamed")
    newest = page("en")
    assert len(diffs_worked_out) == 2 * pairs + 1
    assert newest.count('<article class="card revision">') == pairs + 1


def test_a_long_history_is_shown_ten_revisions_a_page_with_the_latest_draft_on_each(
    client: FlaskClient,
    db: Session,
    lowered_draft: str,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    diffs_worked_out: list[str],
) -> None:
    for number in range(12):
        save_renamed(db, catalogue, vocabulary, f"Renamed {number}")
    history = revisions(db, lowered_draft)
    assert len(history) > 10  # two pages
    url = f"/fr/admin/schemes/{lowered_draft}/revisions"
    first = client.get(url).get_data(as_text=True)
    assert first.count('<article class="card revision">') == 10
    assert len(diffs_worked_out) == 10  # only the page's revisions are compared
    assert f"<h2>N° {history[0].number} –" in first  # newest first
    assert 'aria-label="Pages des révisions"' in first
    assert f'href="/fr/admin/schemes/{lowered_draft}/revisions?page=2"' in first
    last_page = (len(history) + 9) // 10
    last = client.get(f"{url}?page={last_page}").get_data(as_text=True)
    assert last.count('<article class="card revision">') == len(history) - 10 * (last_page - 1)
    assert "<h2>N° 1 –" in last
    assert f"<h2>N° {history[0].number} –" not in last
    # The panels above the history are the latest revision's on every page.
    assert f"brouillon n° {history[0].number}" in last.lower()
    assert client.get(f"{url}?page=zero").status_code == 400


@pytest.mark.parametrize(("lang", "state"), [("fr", "(brouillon)"), ("en", "(draft)")])
def test_the_draft_preview_names_its_state_in_the_reader_language(
    client: FlaskClient, lowered_draft: str, lang: str, state: str
) -> None:
    html = client.get(f"/{lang}/admin/schemes/{lowered_draft}/draft").get_data(as_text=True)
    banner = html.split('<div class="banner" role="note">')[1].split("</div>")[0]
    assert state in banner


def _suggest(client: FlaskClient, lang: str, data: dict[str, str]) -> tuple[int, str]:
    scheme_page = client.get(f"/{lang}/aides/cnc-fajv").get_data(as_text=True)
    assert f'href="/{lang}/aides/cnc-fajv/suggestion"' in scheme_page
    assert "csrf_token" not in scheme_page  # cacheable: no session, no token
    page = client.get(f"/{lang}/aides/cnc-fajv/suggestion").get_data(as_text=True)
    token = csrf_token_in(page)
    response = client.post(f"/{lang}/aides/cnc-fajv/suggestion", data={"csrf_token": token, **data})
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "thanks", "written_in"),
    [("fr", "Merci", ", en français."), ("en", "Thank you", ", in English.")],
)
def test_a_public_suggestion_reaches_the_editors(
    client: FlaskClient, db: Session, lang: str, thanks: str, written_in: str
) -> None:
    status, html = _suggest(
        client,
        lang,
        {
            "message": "The 2027 committee dates are out.",
            "source_url": "https://www.cnc.fr/professionnels/aides-et-financements",
            "email": "Reader@Example.org",
        },
    )
    assert status == 200
    assert thanks in html
    kept = db.scalars(select(Suggestion)).one()
    assert (kept.scheme_id, kept.email, kept.lang) == ("cnc-fajv", "reader@example.org", lang)
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    dashboard = client.get(f"/{lang}/admin/").get_data(as_text=True)
    assert "The 2027 committee dates are out." in dashboard
    assert f'href="/{lang}/admin/suggestions#suggestion-{kept.id}"' in dashboard
    listing = client.get(f"/{lang}/admin/suggestions").get_data(as_text=True)
    assert f'id="suggestion-{kept.id}"' in listing
    assert "The 2027 committee dates are out." in listing
    assert written_in in listing  # the sender's language named in the reader's
    token = csrf_token_in(listing)
    accepted = client.post(
        f"/{lang}/admin/suggestions/{kept.id}/accepted", data={"csrf_token": token}
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/{lang}/admin/schemes/cnc-fajv/edit")
    db.refresh(kept)
    assert kept.state == "accepted"
    assert kept.email is None  # the sender's address goes once the message is handled
    assert (
        client.post(
            f"/{lang}/admin/suggestions/{kept.id}/declined", data={"csrf_token": token}
        ).status_code
        == 404
    )  # already handled


def test_a_bot_filling_the_honeypot_is_thanked_but_not_kept(
    client: FlaskClient, db: Session
) -> None:
    status, _html = _suggest(
        client, "en", {"message": "Buy now", "website": "https://spam.example"}
    )
    assert status == 200
    assert db.scalars(select(Suggestion)).all() == []


def test_an_empty_suggestion_is_explained(client: FlaskClient, db: Session) -> None:
    status, html = _suggest(client, "en", {"message": "", "source_url": "not a url"})
    assert status == 400
    assert "Describe the error or the change." in html
    assert "Enter a web address starting with https://." in html
    assert db.scalars(select(Suggestion)).all() == []


def test_suggestions_are_rate_limited(client: FlaskClient) -> None:
    statuses = [_suggest(client, "en", {"message": f"note {n}"})[0] for n in range(6)]
    assert statuses == [200] * 5 + [429]


def test_the_public_cannot_read_or_decide_suggestions(client: FlaskClient, db: Session) -> None:
    # The test's own suggestion (no id left by another test) and a valid CSRF token, so that
    # only the access check can refuse: a 400 for a missing token would prove nothing.
    status, _html = _suggest(client, "en", {"message": "Dates changed.", "email": "r@example.org"})
    assert status == 200
    kept = db.scalars(select(Suggestion)).one()
    page = client.get("/en/aides/cnc-fajv/suggestion").get_data(as_text=True)
    token = csrf_token_in(page)
    assert_sent_to_sign_in(client.get("/en/admin/suggestions"), "/en/admin/suggestions")
    for decision in ("accepted", "declined"):
        url = f"/en/admin/suggestions/{kept.id}/{decision}"
        assert_sent_to_sign_in(client.post(url, data={"csrf_token": token}), url)
    db.refresh(kept)
    assert (kept.state, kept.email, kept.handled_by) == ("new", "r@example.org", None)


def _token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match[1]


def test_an_editor_submits_for_review_and_an_administrator_sends_it_back(
    app: Flask, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    scheme_id = save_lowered_draft(db, catalogue, vocabulary)
    editor, admin = app.test_client(), app.test_client()
    sign_in(editor, make_user(db, "editor@example.org", "editor"))
    sign_in(admin, make_user(db, "admin@example.org", "admin"))
    page = f"/en/admin/schemes/{scheme_id}/revisions"
    token = _token(editor, page)
    submitted = editor.post(
        f"/en/admin/schemes/{scheme_id}/submit", data={"csrf_token": token, "comment": "30 %"}
    )
    assert submitted.status_code == 302
    assert latest_revision(db, scheme_id).state == "review"  # type: ignore[union-attr]
    waiting = admin.get("/en/admin/?show=review").get_data(as_text=True)
    assert f"({scheme_id})" in waiting
    assert "(cnc-fajv)" not in waiting
    token = _token(admin, page)
    back = admin.post(
        f"/en/admin/schemes/{scheme_id}/send-back",
        data={"csrf_token": token, "comment": "Quote the 2026 rules."},
    )
    assert back.status_code == 302
    draft = latest_revision(db, scheme_id)
    assert (draft.state, draft.review_note) == ("draft", "Quote the 2026 rules.")  # type: ignore[union-attr]
    assert "Quote the 2026 rules." in editor.get(page).get_data(as_text=True)
    assert (
        editor.post(
            f"/en/admin/schemes/{scheme_id}/send-back",
            data={"csrf_token": _token(editor, page)},
        ).status_code
        == 403
    )


def test_publish_is_disabled_with_the_reason_while_it_would_be_refused(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    scheme = lowered_threshold(catalogue, wording=True)
    document = scheme.document()
    document["examples"][0]["expect"] = "ineligible"
    document["examples"][0]["failed"] = [document["criteria"][0]["id"]]
    broken = Scheme.model_validate(document)
    base = latest_revision(db, scheme.id)
    assert base is not None
    save_draft(db, broken, base=base.number, author="editor", comment="", vocabulary=vocabulary)
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    html = client.get(f"/en/admin/schemes/{scheme.id}/revisions").get_data(as_text=True)
    assert 'id="publish-blocked"' in html
    assert "expects ineligible" in html
    assert re.search(
        r'<button type="submit" disabled aria-describedby="publish-blocked">Publish', html
    )


def test_the_dashboard_searches_and_sorts(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    found = client.get("/en/admin/?q=jeu+video&funder=cnc").get_data(as_text=True)
    assert "(cnc-fajv)" in found
    assert "(cnm-transition-numerique)" not in found
    by_name = client.get("/fr/admin/?sort=name").get_data(as_text=True)
    names = re.findall(r'<th scope="row">([^<]+) <span class="muted">', by_name)
    assert names == sorted(names, key=str.casefold)

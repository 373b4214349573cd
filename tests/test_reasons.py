"""One validation path: every refusal of the domain is a code with parameters, worded in English
for the command line and in the reader's language in the admin and the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from admin_support import csrf_token, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from app.catalogue import check_catalogue, parse_scheme
from app.editing import latest_revision, save_draft
from app.reasons import WORDINGS, parameters, reason
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SCHEME = "cnl-bourse-auteurs"
# Codes whose wording is only a parameter: the same in every language.
SAME_IN_EVERY_LANGUAGE = {"invalid"}


@pytest.mark.parametrize("code", sorted(WORDINGS))
def test_every_code_is_worded_in_both_languages(app: Flask, code: str) -> None:
    params = {name: f"<{name}>" for name in parameters(code)}
    english = reason(code, **params).words()
    assert "%(" not in english
    assert all(value in english for value in params.values())
    with app.test_request_context("/fr/"), force_locale("fr"):
        french = reason(code, **params).words(gettext)
    assert "%(" not in french
    assert all(value in french for value in params.values())  # no parameter lost
    if code not in SAME_IN_EVERY_LANGUAGE:
        assert french != english, f"{code} has no French wording"


def test_a_reason_needs_its_parameters() -> None:
    with pytest.raises(KeyError, match="unknown_scheme needs id"):
        reason("unknown_scheme")
    with pytest.raises(KeyError):
        reason("no_such_code")


def test_the_command_line_keeps_its_english(
    catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    scheme = next(s for s in catalogue if s.id == SCHEME)
    orphan = scheme.model_copy(update={"parent": "x"})
    problems = check_catalogue({Path(f"{SCHEME}.yaml"): orphan}, vocabulary, run_examples=False)
    unknown = next(p for p in problems if p.field == "parent")
    assert str(unknown) == f"{SCHEME}.yaml: parent: unknown scheme 'x'"
    assert unknown.reason == reason("unknown_scheme", id="x")

    text = "id: x\nkind: gift\n"
    _scheme, refused = parse_scheme("x.yaml", text)
    kinds = {p.field: p for p in refused}
    assert kinds["kind"].message.startswith("Input should be")  # pydantic's own English
    assert kinds["kind"].reason is not None
    assert kinds["kind"].reason.code == "must_be_one_of"
    assert kinds["name"].reason == reason("required")


def _failing_draft(db: Session, catalogue: list[Scheme], vocabulary: Vocabulary) -> None:
    """A draft whose first example now expects the wrong verdict: publishing is refused."""
    original = next(s for s in catalogue if s.id == SCHEME)
    example = next(e for e in original.examples if e.expect != "ineligible")
    wrong = example.model_copy(
        update={"expect": "ineligible", "failed": (original.criteria[0].id,)}
    )
    examples = tuple(wrong if e is example else e for e in original.examples)
    base = latest_revision(db, SCHEME)
    assert base is not None
    save_draft(
        db,
        original.model_copy(update={"examples": examples}),
        base=base.number,
        author="editor@example.org",
        comment="",
        vocabulary=vocabulary,
    )


@pytest.mark.parametrize(
    ("lang", "refused", "expects"),
    [
        ("fr", "publication refusée", "attend ineligible, les règles donnent"),
        ("en", "publishing refused", "expects ineligible, the rules give"),
    ],
)
def test_a_refused_publication_is_explained_in_the_readers_language(
    client: FlaskClient,
    db: Session,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    lang: str,
    refused: str,
    expects: str,
) -> None:
    _failing_draft(db, catalogue, vocabulary)
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    revisions = f"/{lang}/admin/schemes/{SCHEME}/revisions"
    page = client.get(revisions).get_data(as_text=True)
    assert expects in page  # why "Publish" is disabled, before anyone presses it
    response = client.post(
        f"/{lang}/admin/schemes/{SCHEME}/publish",
        data={"csrf_token": csrf_token(client, revisions), "comment": ""},
        follow_redirects=True,
    )
    flashed = " ".join(
        re.findall(r'<p class="notice notice-error">([^<]*)</p>', response.get_data(as_text=True))
    )
    assert refused in flashed
    assert expects in flashed.replace("&#39;", "'")
    assert latest_revision(db, SCHEME).state == "draft"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("lang", "unknown", "number"),
    [
        ("fr", "variable inconnue", "doit être un nombre"),
        ("en", "unknown variable", "must be a number"),
    ],
)
def test_the_api_words_refused_answers_in_the_requested_language(
    client: FlaskClient, lang: str, unknown: str, number: str
) -> None:
    response = client.post(
        "/api/v1/eligibility",
        json={"lang": lang, "answers": {"astronaut": True, "employees": "many"}},
    )
    assert response.status_code == 400
    messages = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert messages["answers.astronaut"] == unknown
    assert messages["answers.employees"] == number

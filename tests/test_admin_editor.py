"""The scheme editor through HTTP, as a browser without JavaScript uses it: facts in both
languages, rules as rows, the preview, new schemes, retiring, concurrent edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from harness import FormReader, csrf_token_in, read_form
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app import accounts
from app.catalogue import parse_scheme
from app.editing import diff_documents, latest_revision
from app.models import SchemeRecord
from app.repository import import_schemes
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web.admin.scheme_form.data import form_data_from_scheme
from app.web.admin.scheme_form.document import scheme_from_form
from app.web.admin.scheme_form.errors import attach_error
from app.web.admin.scheme_form.form import (
    SchemeForm,
    configure,
    leaves,
)

PASSWORD = "correct-horse-battery-staple-42"
FROZEN = Path(__file__).parent / "fixtures" / "editor-scheme.yaml"
EDITOR = "editor@example.org"


def edit_url(scheme_id: str) -> str:
    return f"/en/admin/schemes/{scheme_id}/edit"


def scheme_form_values(html: str) -> MultiDict[str, str]:
    """What a browser submits from the editor's form, no button pressed."""
    return MultiDict(read_form(html, "scheme-form"))


def press(
    client: FlaskClient, url: str, data: MultiDict[str, str], action: str
) -> tuple[int, str, MultiDict[str, str]]:
    """Submit the form with one button; the status, the page (or the redirect's target) and
    the values of the form shown again."""
    sent = MultiDict(data)
    sent["action"] = action
    response = client.post(url, data=sent)
    if response.status_code == 302:
        return 302, response.headers["Location"], MultiDict()
    page = response.get_data(as_text=True)
    return response.status_code, page, scheme_form_values(page)


def summary_html(page: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return match.group(0) if match else ""


def summary_of(page: str) -> str:
    """The error summary's text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary_html(page)))


@pytest.fixture
def frozen_scheme(db: Session) -> Scheme:
    """cnl-bourse-auteurs as these tests know it (tests/fixtures/editor-scheme.yaml), published
    in the test's transaction: the editor's tests name its rows and values, which the real
    catalogue is free to change."""
    scheme, problems = parse_scheme("cnl-bourse-auteurs.yaml", FROZEN.read_text(encoding="utf-8"))
    assert scheme is not None, problems
    import_schemes(db, [scheme], author="tests", comment="the editor tests' scheme")
    db.commit()
    return scheme


@pytest.fixture
def editor(client: FlaskClient, db: Session, frozen_scheme: Scheme) -> FlaskClient:
    """A client signed in as an editor through the login form."""
    accounts.create_user(db, EDITOR, PASSWORD, "editor", actor="test")
    login = client.get("/en/admin/login").get_data(as_text=True)
    token = csrf_token_in(login)
    response = client.post(
        "/en/admin/login", data={"csrf_token": token, "email": EDITOR, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def open_editor(client: FlaskClient, scheme_id: str) -> MultiDict[str, str]:
    response = client.get(edit_url(scheme_id))
    assert response.status_code == 200
    return scheme_form_values(response.get_data(as_text=True))


@pytest.mark.parametrize("url", [edit_url("cnl-bourse-auteurs"), "/en/admin/schemes/new"])
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/admin/login")


def test_unknown_scheme_is_not_found(editor: FlaskClient) -> None:
    assert editor.get(edit_url("no-such-scheme")).status_code == 404


def test_editing_a_fact_in_both_languages_saves_a_draft(editor: FlaskClient, db: Session) -> None:
    # Sessions, a nested rule kept as it is, and audience lists out of vocabulary order.
    scheme_id = "cnc-dicream-developpement"
    base = latest_revision(db, scheme_id)
    assert base is not None
    data = open_editor(editor, scheme_id)
    assert data["base_revision"] == str(base.number)
    data["name-fr"] = "DICRéAM – aide au développement (nouveau nom)"
    data["name-en"] = "DICRéAM – development grant (new name)"
    data["comment"] = "New name"

    status, location, _form = press(editor, edit_url(scheme_id), data, "save")

    assert status == 302
    assert location.endswith(f"/en/admin/schemes/{scheme_id}/revisions")
    db.expire_all()
    draft = latest_revision(db, scheme_id)
    assert draft is not None
    assert (draft.number, draft.state, draft.author) == (base.number + 1, "draft", EDITOR)
    changes = diff_documents(base.document, draft.document)
    assert {change.field for change in changes} == {"name.fr", "name.en"}
    public = editor.get(f"/en/aides/{scheme_id}").get_data(as_text=True)
    assert "(new name)" not in public
    assert Scheme.model_validate(base.document).name.en in public


def test_a_missing_translation_is_refused_and_named(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    before = latest_revision(db, scheme_id)
    data = open_editor(editor, scheme_id)
    data["summary-en"] = ""

    status, page, _form = press(editor, edit_url(scheme_id), data, "save")

    assert status == 400
    assert "Summary › English: empty English translation" in summary_of(page)
    assert '<a href="#summary-en">' in page
    anchors = re.findall(r'<a href="#([^"]+)">', summary_html(page))
    assert anchors
    assert all(f'id="{anchor}"' in page for anchor in anchors)
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*id="summary-en"', page)
    db.expire_all()
    assert latest_revision(db, scheme_id) == before


def test_a_rule_value_outside_the_vocabulary_is_refused_on_its_row(
    editor: FlaskClient, db: Session
) -> None:
    scheme_id = "cnl-bourse-auteurs"
    before = latest_revision(db, scheme_id)
    data = open_editor(editor, scheme_id)
    assert data["criteria-0-conditions-1-variable"] == "roles"
    data["criteria-0-conditions-1-value"] = "author, astronaut"

    status, page, form = press(editor, edit_url(scheme_id), data, "save")

    assert status == 400
    summary = summary_of(page)
    assert "Criterion 1 (individual-author-or-illustrator) › Condition 2 › Value" in summary
    assert "astronaut" in summary
    assert '<a href="#criteria-0-conditions-1-value">' in page
    assert form["criteria-0-conditions-1-value"] == "author, astronaut"  # the input is kept
    db.expire_all()
    assert latest_revision(db, scheme_id) == before


def test_an_operator_that_does_not_fit_the_variable_is_refused(editor: FlaskClient) -> None:
    data = open_editor(editor, "cnl-bourse-auteurs")
    data["criteria-1-conditions-0-operator"] = "includes_any"

    status, page, _form = press(editor, edit_url("cnl-bourse-auteurs"), data, "preview")

    assert status == 400
    assert "Criterion 2 (published-sole-author-book) › Condition 1 › Operator" in summary_of(page)


def test_raising_a_threshold_shows_a_failing_example_in_the_preview(editor: FlaskClient) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    assert data["criteria-1-conditions-0-operator"] == "at_least"
    status, page, _form = press(editor, edit_url(scheme_id), data, "preview")
    assert status == 200
    assert "FAIL" not in page
    assert "Every example gives the expected verdict." in page

    data["criteria-1-conditions-0-value"] = "3"
    status, page, form = press(editor, edit_url(scheme_id), data, "preview")

    assert status == 200
    heading = re.search(r"<h3>Example 1: A novelist with two published novels[^<]*(.*?)</h3>", page)
    assert heading
    assert "FAIL" in heading.group(1)
    assert "1 example fails: publishing will be refused until it passes." in page
    assert "Got: ineligible (failing: published-sole-author-book)" in page
    assert form["criteria-1-conditions-0-value"] == "3"  # previewing saves nothing
    # A draft may be saved, with a warning: publishing is refused until the examples pass.
    status, location, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 302
    revisions = editor.get(location).get_data(as_text=True)
    assert "1 example does not give the expected verdict" in revisions


def test_a_profile_typed_in_the_preview_can_become_an_example(editor: FlaskClient) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    assert "examples-4-title" not in data
    data["trial_answers"] = "applicant_type = individual\nroles = astronaut"
    status, page, _form = press(editor, edit_url(scheme_id), data, "preview")
    assert status == 400
    assert "roles: unknown values astronaut" in summary_of(page)

    data["trial_answers"] = "applicant_type = company\nroles = publisher"
    data["trial_title"] = "A publisher"
    status, page, form = press(editor, edit_url(scheme_id), data, "preview")
    assert status == 200
    assert "Verdict: ineligible (failing: individual-author-or-illustrator)" in page

    status, page, form = press(editor, edit_url(scheme_id), form, "add-example")

    assert status == 200
    assert form["examples-4-title"] == "A publisher"
    assert form["examples-4-expect"] == "ineligible"
    assert form["examples-4-failed"] == "individual-author-or-illustrator"
    assert form["examples-4-answers"] == "applicant_type = company\nroles = publisher"
    assert "Example 5: A publisher – PASS" in page


def test_adding_a_session_date(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    assert "calendar-sessions-3-closes" not in data

    status, page, form = press(editor, edit_url(scheme_id), data, "add:calendar-sessions")

    assert status == 200
    assert 'id="calendar-sessions-3"' in page
    assert "calendar-sessions-3-closes" in form
    form["calendar-sessions-3-label-fr"] = "Session de printemps 2027"
    form["calendar-sessions-3-label-en"] = "Spring 2027 session"
    form["calendar-sessions-3-opens"] = "2027-01-05"
    form["calendar-sessions-3-closes"] = "2027-02-15"
    form["calendar-sessions-3-source"] = "cnl-bourse-auteurs"
    status, _page, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 302
    db.expire_all()
    draft = latest_revision(db, scheme_id)
    assert draft is not None
    sessions = draft.document["calendar"]["sessions"]
    assert sessions[-1] == {
        "label": {"fr": "Session de printemps 2027", "en": "Spring 2027 session"},
        "opens": "2027-01-05",
        "closes": "2027-02-15",
        "source": "cnl-bourse-auteurs",
    }
    assert len(sessions) == 4


def test_removing_a_condition_row_renumbers_the_rows(editor: FlaskClient) -> None:
    data = open_editor(editor, "cnl-bourse-auteurs")

    status, _page, form = press(
        editor, edit_url("cnl-bourse-auteurs"), data, "remove:criteria-0-conditions-0"
    )

    assert status == 200
    assert form["criteria-0-conditions-0-variable"] == "roles"
    assert "criteria-0-conditions-1-variable" not in form


def test_rows_move_up_and_down_without_javascript(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    first, second = data["criteria-0-id"], data["criteria-1-id"]
    page = editor.get(edit_url(scheme_id)).get_data(as_text=True)
    assert 'value="down:criteria-0"' in page
    assert 'value="up:criteria-0"' not in page  # the first row cannot go up

    status, _page, form = press(editor, edit_url(scheme_id), data, "down:criteria-0")
    assert status == 200
    assert (form["criteria-0-id"], form["criteria-1-id"]) == (second, first)
    status, _page, form = press(editor, edit_url(scheme_id), form, "up:criteria-1")
    assert (form["criteria-0-id"], form["criteria-1-id"]) == (first, second)
    status, _page, _form = press(editor, edit_url(scheme_id), form, "up:criteria-0")
    assert status == 400

    status, _target, _form = press(
        editor,
        edit_url(scheme_id),
        press(editor, edit_url(scheme_id), data, "down:criteria-0")[2],
        "save",
    )
    assert status == 302
    db.expire_all()
    saved = latest_revision(db, scheme_id)
    assert saved is not None
    assert [c["id"] for c in saved.document["criteria"]][:2] == [second, first]


def test_retiring_a_scheme_names_its_successor(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    data["lifecycle-status"] = "replaced"
    data["lifecycle-since"] = "2027-01"

    status, page, form = press(editor, edit_url(scheme_id), data, "save")

    assert status == 400
    assert "Lifecycle › Successor: a replaced scheme needs replaced_by" in summary_of(page)
    form["lifecycle-replaced_by"] = "cnl-bourse-residence"
    status, _page, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 302
    db.expire_all()
    draft = latest_revision(db, scheme_id)
    assert draft is not None
    assert draft.document["lifecycle"]["status"] == "replaced"
    assert draft.document["lifecycle"]["replaced_by"] == "cnl-bourse-residence"
    assert draft.document["lifecycle"]["since"] == "2027-01"


def _input_tag(page: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page)
    assert match, field_id
    return match.group(0)


def test_links_to_other_schemes_are_typed_checked_and_named(
    editor: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parent or a successor is an identifier typed in a text box (a list of every scheme
    would weigh megabytes at national scale): a small catalogue's identifiers are offered in a
    datalist, a wrong one is refused at its field with the closest identifiers, and the hint
    names the scheme an identifier designates."""
    scheme_id, successor = "cnl-bourse-auteurs", "cnl-bourse-residence"
    record = db.get(SchemeRecord, successor)
    assert record is not None
    successor_name = record.document["name"]
    page = editor.get(edit_url(scheme_id)).get_data(as_text=True)
    for field_id in ("parent", "lifecycle-replaced_by"):
        tag = _input_tag(page, field_id)
        assert 'type="text"' in tag
        assert 'list="scheme-ids"' in tag
    listed = re.search(r'<datalist id="scheme-ids">(.*?)</datalist>', page, re.S)
    assert listed
    assert f'value="{successor}"' in listed.group(1)
    assert f'value="{scheme_id}"' not in listed.group(1)  # never linked to itself
    revisions = latest_revision(db, scheme_id)
    assert revisions is not None
    data = open_editor(editor, scheme_id)
    data["lifecycle-status"] = "replaced"
    data["lifecycle-since"] = "2027-01"
    data["lifecycle-replaced_by"] = "cnl-bourse-residnce"

    status, page, form = press(editor, edit_url(scheme_id), data, "save")

    assert status == 400
    assert (
        "Lifecycle › Successor: unknown scheme &#39;cnl-bourse-residnce&#39;; "
        f"did you mean {successor}?" in summary_of(page)
    )
    assert form["lifecycle-replaced_by"] == "cnl-bourse-residnce"  # kept as typed
    assert 'aria-invalid="true"' in _input_tag(page, "lifecycle-replaced_by")
    form["lifecycle-replaced_by"] = scheme_id
    status, page, form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 400
    assert "Lifecycle › Successor: a scheme cannot point to itself" in summary_of(page)
    db.expire_all()
    unchanged = latest_revision(db, scheme_id)
    assert unchanged is not None
    assert unchanged.number == revisions.number

    form["lifecycle-replaced_by"] = successor
    status, _target, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 302
    page = editor.get(edit_url(scheme_id)).get_data(as_text=True)
    assert f"Names the scheme “{successor_name['en']}”." in page
    french = editor.get(f"/fr/admin/schemes/{scheme_id}/edit").get_data(as_text=True)
    assert f"Désigne le dispositif « {successor_name['fr']} »." in french

    # A catalogue too large to list: no datalist, the identifier is typed, its scheme named.
    monkeypatch.setattr("app.web.admin.editor.LISTED_LINKS", 1)
    page = editor.get(edit_url(scheme_id)).get_data(as_text=True)
    assert "<datalist" not in page
    assert "list=" not in _input_tag(page, "parent")
    assert f"Names the scheme “{successor_name['en']}”." in page


def test_creating_a_scheme_keeps_it_hidden_until_published(
    editor: FlaskClient, db: Session
) -> None:
    url = "/en/admin/schemes/new"
    data = scheme_form_values(editor.get(url).get_data(as_text=True))
    typed = {
        "id": "test-new-scheme",
        "name-fr": "Nouvelle aide",
        "name-en": "New grant",
        "summary-fr": "Une aide de test.",
        "summary-en": "A test grant.",
        "description-fr": "Description.",
        "description-en": "Description.",
        "funder": "cnc",
        "kind": "grant",
        "lifecycle-status": "open",
        "sources-0-id": "cnc-page",
        "sources-0-url": "https://www.cnc.fr/test",
        "sources-0-title": "CNC – test page",
        "sources-0-kind": "official",
        "sources-0-checked": "2026-11-27",
    }
    for name, value in typed.items():
        data[name] = value
    data.setlist("audience-applicant_types", ["company"])
    # The new source can be chosen once the form is shown again (any button does it).
    status, page, form = press(editor, url, data, "preview")
    assert status == 400
    assert '<option value="cnc-page">cnc-page</option>' in page
    form["lifecycle-source"] = form["audience-source"] = "cnc-page"

    status, location, _form = press(editor, url, form, "save")

    assert status == 302
    assert location.endswith("/en/admin/schemes/test-new-scheme/revisions")
    db.expire_all()
    record = db.get(SchemeRecord, "test-new-scheme")
    assert record is not None
    assert not record.published
    draft = latest_revision(db, "test-new-scheme")
    assert draft is not None
    assert (draft.number, draft.state) == (1, "draft")
    assert editor.get("/en/aides/test-new-scheme").status_code == 404
    status, page, _form = press(editor, url, form, "save")
    assert status == 400
    # The editing domain refuses the id (app/editing.py), at the field.
    error = re.search(r'<p class="field-error" id="id-error">(.*?)</p>', page, re.S)
    assert error
    assert "a scheme with id &#39;test-new-scheme&#39; already exists" in error.group(1)


def test_a_concurrent_edit_is_refused_with_the_other_changes(
    editor: FlaskClient, db: Session
) -> None:
    scheme_id = "cnl-bourse-auteurs"
    first = open_editor(editor, scheme_id)
    second = MultiDict(first)
    first["name-en"] = "First editor's name"
    second["summary-en"] = "Second editor's summary."

    status, _page, _form = press(editor, edit_url(scheme_id), first, "save")
    assert status == 302
    status, page, form = press(editor, edit_url(scheme_id), second, "save")

    assert status == 409
    assert "Someone else saved this scheme while you were editing" in page
    assert EDITOR in page
    assert "<code>name.en</code>" in page
    assert form["summary-en"] == "Second editor's summary."  # the input is kept
    db.expire_all()
    latest = latest_revision(db, scheme_id)
    assert latest is not None
    assert latest.document["name"]["en"] == "First editor's name"
    assert latest.document["summary"]["en"] != "Second editor's summary."


def test_every_input_has_a_label(editor: FlaskClient) -> None:
    reader = FormReader("scheme-form")
    page = editor.get(edit_url("cnc-dicream-developpement")).get_data(as_text=True)
    assert 'Add a condition<span class="visually-hidden"> (Criterion 2 (nationality-or' in page
    reader.feed(page)
    assert reader.inputs
    assert not [i for i in reader.inputs if i not in reader.label_targets]


@pytest.mark.parametrize(
    "scheme_id", ["cnc-dicream-developpement", "pass-culture-offreurs", "cnl-numerisation-revues"]
)
def test_saving_untouched_changes_nothing(editor: FlaskClient, db: Session, scheme_id: str) -> None:
    """Through the real page: nested rules, lists out of order, numbers and dates survive."""
    base = latest_revision(db, scheme_id)
    assert base is not None
    data = open_editor(editor, scheme_id)
    status, page, _form = press(editor, edit_url(scheme_id), data, "preview")
    assert status == 200
    assert "FAIL" not in page
    status, _page, _form = press(editor, edit_url(scheme_id), data, "save")
    assert status == 302
    db.expire_all()
    draft = latest_revision(db, scheme_id)
    assert draft is not None
    assert draft.number == base.number + 1
    assert diff_documents(base.document, draft.document) == []


def test_every_scheme_survives_the_form(
    app: Flask, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    with app.test_request_context("/en/admin/"):
        for scheme in catalogue:
            form = SchemeForm(formdata=None, data=form_data_from_scheme(scheme))
            configure(form, vocabulary, "en")
            assert scheme_from_form(form, vocabulary).document() == scheme.document(), scheme.id


@pytest.mark.parametrize(
    ("path", "field_id"),
    [
        ("name.en", "name-en"),
        ("criteria[0].rule.all[1].value", "criteria-0-conditions-1-value"),
        ("criteria[1].rule.value", "criteria-1-conditions-0-value"),
        ("calendar.sessions[2].closes", "calendar-sessions-2-closes"),
        ("audience.roles[1]", "audience-roles"),
        ("examples[1].answers.roles", "examples-1-answers"),
        ("lifecycle.replaced_by", "lifecycle-replaced_by"),
    ],
)
def test_problem_paths_land_on_their_field(
    app: Flask, frozen_scheme: Scheme, vocabulary: Vocabulary, path: str, field_id: str
) -> None:
    scheme = frozen_scheme
    with app.test_request_context("/en/admin/"):
        form = SchemeForm(formdata=None, data=form_data_from_scheme(scheme))
        configure(form, vocabulary, "en")
        attach_error(form, path, "wrong")
        assert [f.id for f in _fields_with_errors(form)] == [field_id]
        attach_error(form, "sources", "duplicate")
        attach_error(form, "(file)", "broken")
        assert form.group_errors == {"sources": ["duplicate"]}
        assert form.other_errors == ["(file): broken"]


def _fields_with_errors(form: SchemeForm) -> list[object]:
    return [field for field in leaves(form) if field.errors]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "the wording says 80 but the rule checks 30"),
        ("fr", "le libellé indique 80 mais la règle vérifie 30"),
    ],
)
def test_a_threshold_changed_without_its_wording_is_flagged(
    editor: FlaskClient, db: Session, lang: str, message: str
) -> None:
    scheme_id = "cnm-transition-numerique"
    before = latest_revision(db, scheme_id)
    url = edit_url(scheme_id).replace("/en/", f"/{lang}/")
    data = scheme_form_values(editor.get(url).get_data(as_text=True))
    row = next(
        key.split("-")[1]
        for key, value in data.items(multi=True)
        if key.startswith("criteria-") and key.endswith("-id") and value == "music-activity-share"
    )
    data[f"criteria-{row}-conditions-0-value"] = "30"
    for action in ("preview", "save"):
        status, page, _form = press(editor, url, data, action)
        assert status == 400
        assert message in summary_of(page).replace("&#39;", "'")
    db.expire_all()
    assert latest_revision(db, scheme_id) == before  # nothing saved

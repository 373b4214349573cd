"""One validation path: the rules of a scheme are the domain's alone. The editor shows each
problem the domain reports next to its field, in the reader's language, and linked from the
error summary; the command line says the same problem in English as `file: field: message`."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session
from test_admin_editor import (
    FROZEN,
    editor,
    frozen_scheme,
    press,
    scheme_form_values,
    summary_html,
)
from werkzeug.datastructures import MultiDict

from app.cli import main
from app.editing import latest_revision
from app.reasons import Reason, reason

__all__ = ["editor", "frozen_scheme"]  # fixtures used by name

SCHEME = "cnl-bourse-auteurs"
Change = Callable[[MultiDict[str, str]], None]


def _set(**values: str) -> Change:
    def change(data: MultiDict[str, str]) -> None:
        for name, value in values.items():
            data[name.replace("__", "-")] = value

    return change


def _drop(prefix: str) -> Change:
    """Remove the rows whose names start with prefix (a criterion's conditions)."""

    def change(data: MultiDict[str, str]) -> None:
        for name in [name for name in data if name.startswith(prefix)]:
            del data[name]

    return change


# (what the editor changes, the field that must show the problem, the domain's reason)
CASES: dict[str, tuple[Change, str, Reason]] = {
    "replaced-without-successor": (
        _set(lifecycle__status="replaced"),
        "lifecycle-replaced_by",
        reason("replaced_needs_successor"),
    ),
    "successor-of-a-running-scheme": (
        _set(lifecycle__replaced_by="cnl-bourse-residence"),
        "lifecycle-replaced_by",
        reason("successor_only_when_replaced"),
    ),
    "minimum-above-maximum": (
        _set(amounts__min_eur="40000"),
        "amounts-max_eur",
        reason("minimum_above_maximum"),
    ),
    "negative-minimum": (
        _set(amounts__min_eur="-5"),
        "amounts-min_eur",
        reason("must_be_at_least", limit=0),
    ),
    "minimum-not-whole": (
        _set(amounts__min_eur="12.5"),
        "amounts-min_eur",
        reason("must_be_whole_number"),
    ),
    "percentage-above-100": (
        _set(amounts__max_rate_percent="150"),
        "amounts-max_rate_percent",
        reason("must_be_at_most", limit=100),
    ),
    "percentage-zero": (
        _set(amounts__max_rate_percent="0"),
        "amounts-max_rate_percent",
        reason("must_be_above", limit=0),
    ),
    "amounts-without-source": (
        _set(amounts__source=""),
        "amounts-source",
        reason("required"),
    ),
    "session-opens-after-deadline": (
        _set(calendar__sessions__0__opens="2020-03-01"),
        "calendar-sessions-0-opens",
        reason("opens_after_closes"),
    ),
    "rolling-with-sessions": (
        _set(calendar__rolling="y"),
        "calendar-rolling",
        reason("rolling_without_sessions"),
    ),
    "calendar-note-without-source": (
        _set(calendar__source=""),
        "calendar-source",
        reason("calendar_source_required"),
    ),
    "ineligible-example-without-failed": (
        _set(examples__1__failed=""),
        "examples-1-failed",
        reason("ineligible_names_failed"),
    ),
    "failed-on-an-eligible-example": (
        _set(examples__0__failed="published-sole-author-book"),
        "examples-0-failed",
        reason("failed_only_when_ineligible"),
    ),
    "failed-names-no-criterion": (
        _set(examples__1__failed="no-such-criterion"),
        "examples-1-failed",
        reason("unknown_criterion", id="no-such-criterion"),
    ),
    "duplicate-source-id": (
        # The amounts' source is the renamed one: it points to the first source instead.
        _set(sources__1__id="cnl-bourse-auteurs", amounts__source="cnl-bourse-auteurs"),
        "sources-1-id",
        reason("duplicate_source", id="cnl-bourse-auteurs"),
    ),
    "unknown-source": (
        # A renamed source: the amounts still point to its old id.
        _set(sources__1__id="snac-interview"),
        "amounts-source",
        reason("unknown_source", id="snac-entretien-cnl"),
    ),
    "source-without-id": (
        _set(sources__1__id="", amounts__source="cnl-bourse-auteurs"),
        "sources-1-id",
        reason("required"),
    ),
    "source-id-not-a-slug": (
        _set(sources__1__id="SNAC interview", amounts__source="cnl-bourse-auteurs"),
        "sources-1-id",
        reason("not_a_slug"),
    ),
    "source-address-not-a-url": (
        _set(sources__0__url="centrenationaldulivre.fr"),
        "sources-0-url",
        reason("not_a_url"),
    ),
    "source-checked-not-a-date": (
        _set(sources__0__checked="yesterday"),
        "sources-0-checked",
        reason("not_a_date"),
    ),
    "status-since-not-a-partial-date": (
        _set(lifecycle__since="2022-13"),
        "lifecycle-since",
        reason("not_a_partial_date"),
    ),
    "session-without-deadline": (
        _set(calendar__sessions__1__closes=""),
        "calendar-sessions-1-closes",
        reason("required"),
    ),
    "session-without-source": (
        _set(calendar__sessions__1__source=""),
        "calendar-sessions-1-source",
        reason("required"),
    ),
    "no-funder": (_set(funder=""), "funder", reason("required")),
    "duplicate-criterion-id": (
        _set(criteria__2__id="published-sole-author-book"),
        "criteria-2-id",
        reason("duplicate_criterion", id="published-sole-author-book"),
    ),
    # Criteria, their rules' rows and examples: the domain's codes, no copy in the form.
    "criterion-without-id": (_set(criteria__1__id=""), "criteria-1-id", reason("required")),
    "criterion-id-not-a-slug": (
        _set(criteria__2__id="Writing project"),
        "criteria-2-id",
        reason("not_a_slug"),
    ),
    "criterion-without-rule-or-verification": (
        _drop("criteria-1-conditions-"),
        "criteria-1-verify_by",
        reason("criterion_needs_rule"),
    ),
    "condition-without-variable": (
        _set(criteria__1__conditions__0__variable=""),
        "criteria-1-conditions-0-variable",
        reason("required"),
    ),
    "condition-without-value": (
        _set(criteria__0__conditions__1__value=""),
        "criteria-0-conditions-1-value",
        reason("required"),
    ),
    "condition-value-only-commas": (
        _set(criteria__0__conditions__1__value=", ,"),
        "criteria-0-conditions-1-value",
        reason("required"),
    ),
    "operator-not-for-the-variable": (
        _set(criteria__1__conditions__0__operator="equals"),
        "criteria-1-conditions-0-operator",
        reason(
            "operator_not_for_type",
            operator="equals",
            type="integer",
            allowed="at_least, at_most, greater_than, less_than",
        ),
    ),
    "value-not-a-number": (
        _set(criteria__1__conditions__0__value="one"),
        "criteria-1-conditions-0-value",
        reason("operator_takes_number", operator="at_least"),
    ),
    "value-not-whole": (
        _set(criteria__1__conditions__0__value="1.5"),
        "criteria-1-conditions-0-value",
        reason("must_be_whole_number"),
    ),
    "value-below-the-variables-minimum": (
        _set(criteria__1__conditions__0__value="-1"),
        "criteria-1-conditions-0-value",
        reason("below_minimum_of", value=-1, variable="published_books_sole_author", limit=0),
    ),
    "value-not-in-the-vocabulary": (
        _set(criteria__0__conditions__1__value="author, poet"),
        "criteria-0-conditions-1-value",
        reason("unknown_values_for", variable="roles", values="poet"),
    ),
    "several-values-for-one": (
        _set(criteria__0__conditions__0__value="individual, company"),
        "criteria-0-conditions-0-value",
        reason("operator_takes_one", operator="equals"),
    ),
    "boolean-not-true-or-false": (
        _set(
            criteria__2__conditions__0__variable="cnm_affiliated",
            criteria__2__conditions__0__operator="is",
            criteria__2__conditions__0__value="yes",
        ),
        "criteria-2-conditions-0-value",
        reason("boolean_takes_true_false"),
    ),
    "example-answer-to-no-question": (
        _set(examples__0__answers="applicant_type = individual\nno_such_question = 1"),
        "examples-0-answers",
        reason("unknown_variable"),
    ),
    "example-without-title": (_set(examples__0__title=""), "examples-0-title", reason("required")),
    "empty-translation": (
        _set(summary__en=""),
        "summary-en",
        reason("empty_translation_en"),
    ),
    "optional-text-in-one-language": (
        _set(lifecycle__note__fr=""),
        "lifecycle-note-fr",
        reason("empty_translation_fr"),
    ),
}


def _worded(app: Flask, why: Reason, lang: str) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return why.words(gettext)


def _field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown at {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_domain_names_the_field_in_the_readers_language(
    app: Flask, editor: FlaskClient, db: Session, case: str, lang: str
) -> None:
    change, field_id, why = CASES[case]
    url = f"/{lang}/admin/schemes/{SCHEME}/edit"
    before = latest_revision(db, SCHEME)
    data = scheme_form_values(editor.get(url).get_data(as_text=True))
    change(data)

    for action in ("preview", "save"):
        status, page, _form = press(editor, url, data, action)

        assert status == 400, action
        message = _worded(app, why, lang)
        assert message in _field_error(page, field_id)
        summary = html.unescape(summary_html(page))
        assert f'<a href="#{field_id}">' in summary  # the summary links to the field
        assert message in summary
        assert f'id="{field_id}"' in page
        assert re.search(rf'aria-invalid="true"[^>]*id="{field_id}"', page)
    db.expire_all()
    assert latest_revision(db, SCHEME) == before  # nothing saved


def test_the_wording_is_french_on_french_pages(app: Flask) -> None:
    assert _worded(app, reason("replaced_needs_successor"), "fr") == (
        "un dispositif remplacé doit indiquer son successeur (replaced_by)"
    )
    assert _worded(app, reason("duplicate_source", id="x"), "fr") == (
        "identifiant de source en double : « x »"
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_scheme_without_an_official_source_is_refused_on_its_sources(
    app: Flask, editor: FlaskClient, db: Session, lang: str
) -> None:
    url = f"/{lang}/admin/schemes/{SCHEME}/edit"
    before = latest_revision(db, SCHEME)
    data = scheme_form_values(editor.get(url).get_data(as_text=True))
    data["sources-0-kind"] = "press"

    status, page, _form = press(editor, url, data, "save")

    assert status == 400
    message = _worded(app, reason("official_source_required"), lang)
    summary = html.unescape(summary_html(page))
    assert '<a href="#sources">' in summary
    assert message in summary
    sources = page[page.index('<fieldset id="sources">') :]
    assert message in html.unescape(sources[: sources.index('<fieldset id="sources-0"')])
    db.expire_all()
    assert latest_revision(db, SCHEME) == before


# The same problems in a scheme file, as the command line says them (in English).
FILE_CASES = [
    (
        ("  status: recurring\n", "  status: replaced\n"),
        "lifecycle.replaced_by: a replaced scheme needs replaced_by",
    ),
    (("  min_eur: 5000\n", "  min_eur: 50000\n"), "amounts.max_eur: min_eur is above max_eur"),
    (
        ("    closes: 2020-02-20\n", "    opens: 2020-03-01\n    closes: 2020-02-20\n"),
        "calendar.sessions[0].opens: opens is after closes",
    ),
    (
        ("calendar:\n", "calendar:\n  rolling: true\n"),
        "calendar.rolling: a rolling calendar has no sessions",
    ),
    (
        (
            "  expect: ineligible\n  failed:\n  - published-sole-author-book\n",
            "  expect: ineligible\n",
        ),
        "examples[1].failed: an ineligible example names the criteria that fail",
    ),
    (
        (
            "  - published-sole-author-book\n- title: A publishing",
            "  - no-such\n- title: A publishing",
        ),
        "examples[1].failed: unknown criterion 'no-such'",
    ),
    (
        ("- id: snac-entretien-cnl\n", "- id: cnl-bourse-auteurs\n"),
        "sources[1].id: duplicate source id 'cnl-bourse-auteurs'",
    ),
    (
        ("- id: writing-or-illustration-project\n", "- id: published-sole-author-book\n"),
        "criteria[2].id: duplicate criterion id 'published-sole-author-book'",
    ),
    (
        ("- id: writing-or-illustration-project\n", "- id: Writing project\n"),
        # pydantic's own English, kept for the command line (tests/test_reasons.py)
        "criteria[2].id: String should match pattern",
    ),
    (
        (
            "  rule:\n    variable: published_books_sole_author\n    operator: at_least\n"
            "    value: 1\n",
            "",
        ),
        "criteria[1].verify_by: a criterion needs a rule, verify_by, or both",
    ),
    (
        ("    operator: at_least\n    value: 1\n", "    operator: at_least\n"),
        "criteria[1].rule.value: this field is required",
    ),
    (
        ("    operator: at_least\n    value: 1\n", "    operator: equals\n    value: 1\n"),
        "criteria[1].rule.operator: 'equals' does not apply to a integer",
    ),
    (
        ("    operator: at_least\n    value: 1\n", "    operator: at_least\n    value: 1.5\n"),
        "criteria[1].rule.value: must be a whole number",
    ),
    (
        ("    operator: at_least\n    value: 1\n", "    operator: at_least\n    value: one\n"),
        "criteria[1].rule.value: operator 'at_least' takes a number",
    ),
    (
        ("      - illustrator\n", "      - poet\n"),
        "criteria[0].rule.all[1].value: unknown values for roles: poet",
    ),
    (
        ("- title: A novelist with two published novels writing a third\n", "- title: ''\n"),
        "examples[0].title: String should have at least 1 character",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), FILE_CASES)
def test_the_command_line_names_the_same_field_in_english(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    text = FROZEN.read_text(encoding="utf-8")
    old, new = edit
    assert old in text
    path = tmp_path / f"{SCHEME}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    result = CliRunner().invoke(main, ["schemes", "validate", str(path)])

    assert result.exit_code == 1
    assert f"{SCHEME}.yaml: {expected}" in result.output


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_new_scheme_cannot_take_an_existing_id(
    app: Flask, editor: FlaskClient, db: Session, lang: str
) -> None:
    before = latest_revision(db, SCHEME)
    data = scheme_form_values(
        editor.get(f"/{lang}/admin/schemes/{SCHEME}/edit").get_data(as_text=True)
    )
    data["id"] = SCHEME  # the edit page shows the id without an input

    status, page, _form = press(editor, f"/{lang}/admin/schemes/new", data, "save")

    assert status == 400
    message = _worded(app, reason("scheme_exists", id=SCHEME), lang)
    assert message in _field_error(page, "id")
    summary = html.unescape(summary_html(page))
    assert '<a href="#id">' in summary
    assert message in summary
    assert re.search(r'aria-invalid="true"[^>]*id="id"', page)
    db.expire_all()
    assert latest_revision(db, SCHEME) == before

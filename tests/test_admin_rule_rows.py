"""A criterion's rule nested at any depth, edited as rows through HTTP without JavaScript:
values deep in the tree, moving, indenting and outdenting rows, adding and removing groups."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from test_admin_editor import (
    FROZEN,
    edit_url,
    editor,
    frozen_scheme,
    open_editor,
    press,
    summary_html,
)
from werkzeug.datastructures import MultiDict

from app.catalogue import parse_scheme
from app.editing import latest_revision
from app.repository import import_schemes
from app.scheme_rules import Rule
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web.admin.scheme_form.data import form_data_from_scheme
from app.web.admin.scheme_form.errors import attach_error
from app.web.admin.scheme_form.form import SchemeForm, configure, leaves
from app.web.admin.scheme_form.rule_row_edits import RowEditError, edit_rows
from app.web.admin.scheme_form.rule_rows import rows_from_rule, rule_document, rule_paths
from app.web.admin.scheme_form.values import rule_value_text

__all__ = ["editor", "frozen_scheme"]  # fixtures used by name

SCHEME = "cnl-bourse-auteurs"
URL = edit_url(SCHEME)
# The first criterion, three groups deep: individual, and (author or illustrator, or three
# books and not a translator).
INDIVIDUAL = {"variable": "applicant_type", "operator": "equals", "value": "individual"}
AUTHOR = {"variable": "roles", "operator": "includes_any", "value": ["author", "illustrator"]}
THREE_BOOKS = {"variable": "published_books_sole_author", "operator": "at_least", "value": 3}
TRANSLATOR = {"variable": "roles", "operator": "includes_any", "value": ["translator"]}
NESTED: dict[str, Any] = {
    "all": [INDIVIDUAL, {"any": [AUTHOR, {"all": [THREE_BOOKS, {"not": TRANSLATOR}]}]}]
}
# Its rows: (kind or variable, depth), in page order.
ROWS = [
    ("applicant_type", "0"),
    ("any", "0"),
    ("roles", "1"),
    ("all", "1"),
    ("published_books_sole_author", "2"),
    ("none", "2"),
    ("roles", "3"),
]


@pytest.fixture
def nested(editor: FlaskClient, db: Session) -> FlaskClient:
    """The editor, with the scheme's first criterion nested three groups deep."""
    document = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
    document["criteria"][0]["rule"] = NESTED
    scheme, problems = parse_scheme(f"{SCHEME}.yaml", yaml.safe_dump(document, allow_unicode=True))
    assert scheme is not None, problems
    import_schemes(db, [scheme], author="tests", comment="a nested rule")
    db.commit()
    return editor


def rows_of(form: MultiDict[str, str], criterion: int = 0) -> list[tuple[str, str]]:
    """What the page shows of a criterion's rule rows: the group kind or the variable, and depth."""
    rows = []
    index = 0
    prefix = f"criteria-{criterion}-conditions"
    while f"{prefix}-{index}-kind" in form:
        row = f"{prefix}-{index}"
        name = form[f"{row}-group"] if form[f"{row}-kind"] == "group" else form[f"{row}-variable"]
        rows.append((name, form[f"{row}-depth"]))
        index += 1
    return rows


def saved_rule(db: Session) -> Any:
    db.expire_all()
    revision = latest_revision(db, SCHEME)
    assert revision is not None
    return revision.document["criteria"][0]["rule"]


def test_a_nested_rule_is_shown_as_rows_with_their_depth(nested: FlaskClient) -> None:
    page = nested.get(URL).get_data(as_text=True)
    form = open_editor(nested, SCHEME)

    assert rows_of(form) == ROWS
    assert form["criteria-0-combinator"] == "all"
    assert form["criteria-0-conditions-4-value"] == "3"
    # Every group is a fieldset whose legend says what it is and where it sits.
    assert "Group 3: none of" in page
    assert "inside “all of” (Group 2)" in page
    # Each button sends the focus back to the row where it will be.
    assert f'value="up:criteria-0-conditions-3" formaction="{URL}#criteria-0-conditions-2"' in page
    assert 'value="up:criteria-0-conditions-2"' not in page  # the first row of its group


def test_a_value_three_groups_deep_is_edited_and_saved(nested: FlaskClient, db: Session) -> None:
    data = open_editor(nested, SCHEME)
    data["criteria-0-conditions-4-value"] = "5"

    status, _target, _form = press(nested, URL, data, "save")

    assert status == 302
    assert saved_rule(db)["all"][1]["any"][1]["all"] == [
        {**THREE_BOOKS, "value": 5},
        {"not": TRANSLATOR},
    ]


def test_a_wrong_value_deep_in_the_rule_is_refused_on_its_row(
    nested: FlaskClient, db: Session
) -> None:
    before = latest_revision(db, SCHEME)
    data = open_editor(nested, SCHEME)
    data["criteria-0-conditions-6-value"] = "astronaut"

    status, page, form = press(nested, URL, data, "save")

    assert status == 400
    assert '<a href="#criteria-0-conditions-6-value">' in summary_html(page)
    assert "Condition 4" in summary_html(page)
    assert form["criteria-0-conditions-6-value"] == "astronaut"
    db.expire_all()
    after = latest_revision(db, SCHEME)
    assert after is not None
    assert before is not None
    assert after.number == before.number


def test_moving_a_row_moves_its_group_with_it(nested: FlaskClient, db: Session) -> None:
    data = open_editor(nested, SCHEME)

    # The "all of" group (row 3) goes up before "roles" inside "any of", with its rows.
    status, _page, form = press(nested, URL, data, "up:criteria-0-conditions-3")
    assert status == 200
    assert rows_of(form) == [ROWS[0], ROWS[1], ROWS[3], ROWS[4], ROWS[5], ROWS[6], ROWS[2]]
    # And down again.
    status, _page, form = press(nested, URL, form, "down:criteria-0-conditions-2")
    assert rows_of(form) == ROWS
    status, _page, form = press(nested, URL, form, "up:criteria-0-conditions-3")

    status, _target, _form = press(nested, URL, form, "save")
    assert status == 302
    inner = NESTED["all"][1]["any"]
    assert saved_rule(db) == {"all": [INDIVIDUAL, {"any": [inner[1], AUTHOR]}]}


def test_indenting_and_outdenting_rows(nested: FlaskClient, db: Session) -> None:
    data = open_editor(nested, SCHEME)

    # applicant_type leaves the top level for nothing: there is no group above it.
    status, _page, _form = press(nested, URL, data, "indent:criteria-0-conditions-0")
    assert status == 400
    # "roles" (row 2) leaves "any of": it now follows that group, at the top.
    status, _page, form = press(nested, URL, data, "outdent:criteria-0-conditions-2")
    assert status == 200
    assert rows_of(form) == [
        ROWS[0],
        ROWS[1],
        ("all", "1"),
        ("published_books_sole_author", "2"),
        ("none", "2"),
        ("roles", "3"),
        ("roles", "0"),
    ]
    # ...and back into it: it becomes the group's last row.
    status, _page, form = press(nested, URL, form, "indent:criteria-0-conditions-6")
    assert rows_of(form)[-1] == ("roles", "1")

    status, _target, _form = press(nested, URL, form, "save")
    assert status == 302
    inner = NESTED["all"][1]["any"]
    assert saved_rule(db) == {"all": [INDIVIDUAL, {"any": [inner[1], AUTHOR]}]}


def test_adding_and_removing_a_group(nested: FlaskClient, db: Session) -> None:
    data = open_editor(nested, SCHEME)

    # A new group inside "all of" (row 3) comes last in it, with one empty condition.
    status, _page, form = press(nested, URL, data, "add-group:criteria-0-conditions-3")
    assert status == 200
    assert rows_of(form)[7:] == [("all", "2"), ("", "3")]
    form["criteria-0-conditions-7-group"] = "any"
    form["criteria-0-conditions-8-variable"] = "roles"
    form["criteria-0-conditions-8-operator"] = "includes_any"
    form["criteria-0-conditions-8-value"] = "artist"
    # A second condition inside the new group.
    status, _page, form = press(nested, URL, form, "add:criteria-0-conditions-7")
    assert rows_of(form)[7:] == [("any", "2"), ("roles", "3"), ("", "3")]
    form["criteria-0-conditions-9-variable"] = "roles"
    form["criteria-0-conditions-9-operator"] = "includes_any"
    form["criteria-0-conditions-9-value"] = "content_creator"

    status, _target, _form = press(nested, URL, form, "save")
    assert status == 302
    deep = saved_rule(db)["all"][1]["any"][1]["all"]
    assert deep[2] == {
        "any": [
            {"variable": "roles", "operator": "includes_any", "value": ["artist"]},
            {"variable": "roles", "operator": "includes_any", "value": ["content_creator"]},
        ]
    }

    # Removing the "none of" group removes its condition too.
    form = open_editor(nested, SCHEME)
    status, _page, form = press(nested, URL, form, "remove:criteria-0-conditions-5")
    assert status == 200
    assert [row for row, _depth in rows_of(form)].count("roles") == 3
    status, _target, _form = press(nested, URL, form, "save")
    assert status == 302
    assert len(saved_rule(db)["all"][1]["any"][1]["all"]) == 2


def test_an_empty_group_is_refused_on_its_row(nested: FlaskClient) -> None:
    data = open_editor(nested, SCHEME)
    status, _page, form = press(nested, URL, data, "remove:criteria-0-conditions-6")
    assert rows_of(form)[5] == ("none", "2")  # the "none of" group, now empty

    status, page, _form = press(nested, URL, form, "save")

    assert status == 400
    assert '<a href="#criteria-0-conditions-5">' in summary_html(page)


@pytest.mark.parametrize(
    "action",
    [
        "up:criteria-0-conditions-0",
        "down:criteria-0-conditions-6",
        "outdent:criteria-0-conditions-0",
        "add:criteria-0-conditions-0",  # a condition is not a group
        "remove:criteria-0-conditions-99",
        "twist:criteria-0-conditions-1",
    ],
)
def test_a_button_that_does_not_apply_is_refused(nested: FlaskClient, action: str) -> None:
    status, _page, _form = press(nested, URL, open_editor(nested, SCHEME), action)
    assert status == 400


@pytest.mark.parametrize(
    ("path", "field_id"),
    [
        ("criteria[0].rule.all[0].value", "criteria-0-conditions-0-value"),
        ("criteria[0].rule.all[1].any[0].operator", "criteria-0-conditions-2-operator"),
        ("criteria[0].rule.all[1].any[1].all[0].value", "criteria-0-conditions-4-value"),
        ("criteria[0].rule.all[1].any[1].all[1].not.value", "criteria-0-conditions-6-value"),
    ],
)
def test_problem_paths_deep_in_a_rule_land_on_their_row(
    app: Flask, vocabulary: Vocabulary, path: str, field_id: str
) -> None:
    document = _frozen_document()
    criteria = [{**document["criteria"][0], "rule": NESTED}, *document["criteria"][1:]]
    scheme = Scheme.model_validate({**document, "criteria": criteria})
    with app.test_request_context("/en/admin/"):
        form = SchemeForm(formdata=None, data=form_data_from_scheme(scheme))
        configure(form, vocabulary, "en")
        attach_error(form, path, "wrong")
        assert [f.id for f in leaves(form) if f.errors] == [field_id]
        attach_error(form, "criteria[0].rule.all[1].any[1].all[1]", "empty")
        assert form.group_errors == {"criteria-0-conditions-5": ["empty"]}


def _frozen_document() -> dict[str, Any]:
    scheme, problems = parse_scheme(f"{SCHEME}.yaml", FROZEN.read_text(encoding="utf-8"))
    assert scheme is not None, problems
    return scheme.document()


# Shapes the flattening must give back exactly, beside the catalogue's own rules.
SHAPES = [
    NESTED,
    {"variable": "roles", "operator": "includes_any", "value": ["author"]},
    {"any": [{"variable": "roles", "operator": "includes_any", "value": ["author"]}]},
    {"not": {"variable": "roles", "operator": "includes_any", "value": ["author"]}},
    {"not": {"any": [INDIVIDUAL, AUTHOR]}},
    {"not": {"any": [INDIVIDUAL]}},
    {"not": {"all": [INDIVIDUAL, AUTHOR]}},
    {"all": [{"not": {"not": INDIVIDUAL}}, {"all": [{"any": [INDIVIDUAL]}]}]},
]


@pytest.mark.parametrize("shape", SHAPES)
def test_rows_give_back_the_rule_they_were_made_from(shape: dict[str, Any]) -> None:
    rule = Rule.model_validate(shape)
    combinator, rows = rows_from_rule(rule, rule_value_text)
    paths = rule_paths(combinator, rows)

    def leaf(index: int) -> dict[str, Any]:
        # The place of each condition in the rebuilt document is the one rule_paths gives.
        node: Any = shape
        for token in paths[index]:
            node = node[token]
        assert node["variable"] == rows[index]["variable"]
        return dict(node)

    assert rule_document(combinator, rows, leaf) == shape


def test_row_edits_keep_a_group_and_its_rows_together() -> None:
    _combinator, rows = rows_from_rule(Rule.model_validate(NESTED), rule_value_text)
    names = [r.get("variable") or r["group"] for r in rows]

    assert edit_rows(rows, "down", 2) == 6  # "roles" goes after the "all of" block
    assert [r.get("variable") or r["group"] for r in rows] == [*names[:2], *names[3:], names[2]]
    with pytest.raises(RowEditError):
        edit_rows(rows, "indent", 1)  # the row above "any of" is a condition
    # A stale depth (deeper than the group above allows) is brought back in line.
    rows[0]["depth"] = "4"
    edit_rows(rows, "up", 6)
    assert rows[0]["depth"] == "0"


def test_hand_made_depths_are_brought_back_in_line(nested: FlaskClient, db: Session) -> None:
    """A depth deeper than the group above allows, or not a number, cannot make an orphan."""
    data = open_editor(nested, SCHEME)
    data["criteria-0-conditions-0-depth"] = "99"  # nothing above it: the top
    data["criteria-0-conditions-4-depth"] = "7"  # at most one under its group: unchanged
    data["criteria-0-conditions-1-kind"] = "spaceship"  # not a group: a condition, incomplete

    status, _page, form = press(nested, URL, data, "down:criteria-0-conditions-0")
    assert status == 200
    assert rows_of(form)[0] == ("", "0")  # row 1 is now a condition, with no variable
    status, page, _form = press(nested, URL, form, "save")
    assert status == 400
    assert '<a href="#criteria-0-conditions-0-variable">' in summary_html(page)

    data["criteria-0-conditions-1-kind"] = "group"
    data["criteria-0-conditions-0-depth"] = "x"  # not a number: the top
    status, _target, _form = press(nested, URL, data, "save")
    assert status == 302
    assert saved_rule(db) == NESTED

"""The scheme editor: every fact in both languages, rules as rows, a preview that runs the examples
and a typed profile against the unsaved rules, and saving as a draft (publishing is elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import FieldList, FormField

from app.deadlines import today_in_paris
from app.editing import (
    ConflictError,
    EditError,
    draft_problems,
    latest_revision,
    revision,
    save_draft,
    scheme_names,
)
from app.eligibility.checks import check_rules
from app.eligibility.examples import run_profile
from app.i18n import Localized
from app.models import SchemeRevision
from app.repository import scheme_count
from app.schemes import Scheme
from app.web.admin.access import require_role, signed_in_user
from app.web.admin.scheme_form.data import form_data_from_scheme
from app.web.admin.scheme_form.document import scheme_from_form
from app.web.admin.scheme_form.errors import SchemeFormError, attach_error
from app.web.admin.scheme_form.form import SchemeForm, configure
from app.web.admin.scheme_form.rule_row_edits import VERBS as ROW_VERBS
from app.web.admin.scheme_form.rule_row_edits import RowEditError, edit_rows, landing
from app.web.admin.scheme_form.rule_rows import Node, Row, is_group, outline
from app.web.admin.scheme_form.rules import (
    GROUP_LABELS,
    OPERATOR_LABELS,
    TYPE_LABELS,
    VERDICT_LABELS,
)
from app.web.admin.scheme_form.values import (
    ANSWERS_HELP,
    format_answers,
    number_text,
    parse_answers_text,
    rule_value_text,
)
from app.web.core.database import db_session
from app.web.core.locale import current_language
from app.web.core.reason_text import problem_text, say
from app.web.core.reference import vocabulary
from app.web.core.responses import ViewResult

blueprint = Blueprint("admin_editor", __name__)

# What a new row of each list starts with.
NEW_ROWS: dict[str, Callable[[], dict[str, Any]]] = {
    "sessions": dict,
    "fixed": lambda: {"per": "project"},
    "notes": dict,
    "sources": lambda: {"kind": "official", "checked": today_in_paris().isoformat()},
    "criteria": lambda: {"combinator": "all", "conditions": [{}]},
    "examples": lambda: {"expect": "eligible"},
}
ROW_LABELS = {
    "sessions": _l("Session %(number)d"),
    "fixed": _l("Fixed sum %(number)d"),
    "notes": _l("Note %(number)d"),
    "sources": _l("Source %(number)d"),
    "criteria": _l("Criterion %(number)d"),
    "conditions": _l("Condition %(number)d"),
    "examples": _l("Example %(number)d"),
}
GROUP_ROW_LABEL = _l("Group %(number)d")


@dataclass(frozen=True)
class CriterionLine:
    """One criterion's status for a profile."""

    id: str
    label: Localized
    status: str
    to_verify: bool


@dataclass(frozen=True)
class Run:
    """One profile evaluated against the unsaved rules, with the verdict it should get."""

    title: str
    status: str
    failed: tuple[str, ...]
    criteria: tuple[CriterionLine, ...]
    expect: str | None = None
    expect_failed: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    passed: bool = False  # the verdict (and the failing criteria) are the expected ones


@dataclass(frozen=True)
class Preview:
    """The examples' results, and the typed profile's."""

    examples: tuple[Run, ...]
    trial: Run | None

    @property
    def failing(self) -> int:
        """How many examples do not give the expected verdict."""
        return sum(not run.passed for run in self.examples)


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary, linking to its field."""

    anchor: str
    where: str
    message: str


def row_label(entries: FieldList[Any], position: int) -> str:
    """ "Criterion 2 (author-applicant)": a row named by its place and its identifier; a rule's
    rows are numbered by kind ("Group 1", "Condition 3")."""
    number = position + 1
    label = ROW_LABELS[entries.short_name]
    if entries.short_name == "conditions":
        group = is_group(entries.entries[position].form.data)
        number = sum(is_group(e.form.data) == group for e in entries.entries[:number])
        label = GROUP_ROW_LABEL if group else label
    text = label % {"number": number}
    ident = entries.entries[position].form._fields.get("id")
    return f"{text} ({ident.data})" if ident is not None and ident.data else text


def _rule_rows(entries: FieldList[Any]) -> list[Row]:
    return [entry.form.data for entry in entries.entries]


def rule_outline(entries: FieldList[Any]) -> list[Node]:
    """A criterion's rule rows as a tree, to show groups as nested fieldsets."""
    return outline(_rule_rows(entries))


def rule_target(entries: FieldList[Any], verb: str, position: int | None = None) -> str | None:
    """The id of the row a rule row's button leaves the focus on, or None when the button does
    not apply to that row (the page does not offer it)."""
    place = landing(_rule_rows(entries), verb, position)
    if place is None:
        return None
    return entries.id if verb == "remove" else f"{entries.id}-{place}"


def _collect(form: SchemeForm, field: Any, trail: list[str], items: list[SummaryItem]) -> None:
    where = " › ".join(trail)
    items += [SummaryItem(field.id, where, m) for m in form.group_errors.get(field.id, ())]
    if isinstance(field, FieldList):
        for position, entry in enumerate(field.entries):
            _collect(form, entry, [*trail[:-1], row_label(field, position)], items)
    elif isinstance(field, FormField):
        for sub in field.form:
            _collect(form, sub, [*trail, str(sub.label.text)], items)
    else:
        items += [SummaryItem(field.id, where, str(message)) for message in field.errors]


def error_summary(form: SchemeForm) -> list[SummaryItem]:
    """Every error of the form, in page order, each naming its field."""
    items: list[SummaryItem] = []
    for field in form:
        if field.type not in ("CSRFTokenField", "HiddenField"):
            _collect(form, field, [str(field.label.text)], items)
    items += [SummaryItem("scheme-form", _("Scheme"), message) for message in form.other_errors]
    return items


# Up to this many schemes, the editor lists every identifier for the link fields (a datalist,
# about 80 bytes a scheme); beyond, the identifier is typed alone (a list of 10,000 schemes
# weighed 2 MB a page, and took a second to render).
LISTED_LINKS = 500


@dataclass(frozen=True)
class SchemeLinks:
    """What the editor shows beside its links to other schemes: every scheme (id, name) when
    the catalogue is small enough to list, and the names of the schemes the form links to."""

    listed: list[tuple[str, str]]
    names: dict[str, str]


def _scheme_links(form: SchemeForm) -> SchemeLinks:
    """The names the edit page shows for the form's links, and the list to choose from."""
    db = db_session()
    lang = current_language()
    linked = {i for i in (form.parent.data, form.lifecycle.form.replaced_by.data) if i}
    small = scheme_count(db) <= LISTED_LINKS
    rows = scheme_names(db) if small else scheme_names(db, linked)
    named = [(i, Localized.model_validate(name).get(lang)) for i, name in rows]
    listed = [(i, name) for i, name in named if i != form.id.data] if small else []
    return SchemeLinks(listed, {i: name for i, name in named if i in linked})


def _configured(form: SchemeForm, scheme_id: str | None) -> SchemeForm:
    if scheme_id is not None:
        form.id.data = scheme_id  # the id of an existing scheme never changes
    configure(form, vocabulary(), current_language())
    return form


def form_from(data: dict[str, Any], scheme_id: str | None) -> SchemeForm:
    """An editor form filled with data, its choices set for the reader's language."""
    return _configured(SchemeForm(formdata=None, data=data), scheme_id)


def _data(form: SchemeForm) -> dict[str, Any]:
    data: dict[str, Any] = form.data
    data.pop("csrf_token", None)
    return data


def _change_rows(data: dict[str, Any], action: str) -> dict[str, Any]:
    """Add a row to a list (`add:criteria-0-conditions`), remove one (`remove:sources-2`) or
    move one up or down (`up:criteria-3`, `down:sessions-0`); on a criterion's rule rows also
    add into a group (`add:criteria-0-conditions-2`, `add-group:…`), indent and outdent."""
    verb, _sep, target = action.partition(":")
    tokens: list[str | int] = [int(t) if t.isdigit() else t for t in target.split("-")]
    adding = verb in ("add", "add-group") and not isinstance(tokens[-1], int)
    path, position = (tokens, None) if adding else (tokens[:-1], tokens[-1])
    if not path or (path[-1] not in NEW_ROWS and path[-1] != "conditions"):
        abort(400)
    node: Any = data
    for token in path:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            abort(400)
    if not isinstance(node, list):
        abort(400)
    if path[-1] == "conditions":  # a rule's rows: a group moves with its rows
        try:
            edit_rows(node, verb, position if isinstance(position, int) else None)
        except RowEditError:
            abort(400)
        return data
    if verb == "add" and position is None:
        node.append(NEW_ROWS[str(path[-1])]())
        return data
    if not isinstance(position, int) or not 0 <= position < len(node):
        abort(400)
    if verb == "remove":
        del node[position]
    elif verb in ("up", "down"):
        other = position - 1 if verb == "up" else position + 1
        if not 0 <= other < len(node):
            abort(400)
        node[position], node[other] = node[other], node[position]
    else:
        abort(400)
    return data


def _run(
    scheme: Scheme,
    title: str,
    raw: dict[str, Any],
    expect: str | None = None,
    expect_failed: tuple[str, ...] = (),
) -> Run:
    run = run_profile(scheme, title, raw, vocabulary(), expect, expect_failed)
    if run.verdict is None:
        problems = tuple(f"{error.variable}: {say(error.reason)}" for error in run.errors)
        return Run(title, "unknown", (), (), expect, expect_failed, problems)
    lines = tuple(
        CriterionLine(r.criterion.id, r.criterion.label, r.status, r.to_verify)
        for r in run.verdict.criteria
    )
    return Run(title, run.verdict.status, run.failed, lines, expect, expect_failed, (), run.passed)


def _preview(form: SchemeForm, scheme: Scheme) -> Preview:
    examples = tuple(
        _run(scheme, example.title, example.answers, example.expect, example.failed)
        for example in scheme.examples
    )
    trial = None
    if form.trial_answers.data:
        answers, problems = parse_answers_text(form.trial_answers.data, vocabulary())
        if problems:
            form.trial_answers.errors = [*form.trial_answers.errors, *problems]
        else:
            title = form.trial_title.data or _("Profile tried in the preview")
            trial = _run(scheme, title, answers)
    return Preview(examples, trial)


_RULE = re.compile(r"criteria\[\d+\]\.rule\b")


def _scheme_of(form: SchemeForm, order_like: Scheme | None = None) -> Scheme | None:
    """The scheme a submitted form describes, None when the scheme model refuses it; every
    problem the domain finds is put on its field (the form itself only reads its inputs:
    the rules of a scheme are the domain's). A scheme with problems can still be previewed."""
    if not form.validate():
        return None
    try:
        scheme = scheme_from_form(form, vocabulary(), order_like)
    except SchemeFormError as error:
        error.apply(form)
        return None
    problems = draft_problems(db_session(), scheme, vocabulary())
    for problem in problems:
        attach_error(form, problem.field, problem_text(problem))
    # A rule that does not fit the vocabulary cannot be run: no preview until it does.
    if any(_RULE.match(problem.field) for problem in problems):
        return None
    return scheme


def _render(
    form: SchemeForm,
    scheme_id: str | None,
    latest: SchemeRevision | None,
    *,
    preview: Preview | None = None,
    conflict: ConflictError | None = None,
) -> tuple[str, int]:
    summary = error_summary(form)
    status = 409 if conflict else 400 if summary else 200
    title = _("Edit %(id)s", id=scheme_id) if scheme_id else _("New scheme")
    page = render_template(
        "admin/edit.html",
        form=form,
        links=_scheme_links(form),
        scheme_id=scheme_id,
        latest=latest,
        title=title,
        summary=summary,
        preview=preview,
        conflict=conflict,
        row_label=row_label,
        rule_outline=rule_outline,
        rule_target=rule_target,
        group_labels=GROUP_LABELS,
        operator_labels=OPERATOR_LABELS,
        type_labels=TYPE_LABELS,
        verdict_labels=VERDICT_LABELS,
        answers_help=ANSWERS_HELP,
        variables=vocabulary().variables,
        number_text=number_text,
        value_text=rule_value_text,
    )
    return page, status


def _save(
    form: SchemeForm, scheme_id: str | None, latest: SchemeRevision | None, base: int
) -> ViewResult:
    db = db_session()
    start = revision(db, scheme_id, base) if scheme_id else None
    order_like = Scheme.model_validate(start.document) if start else None
    scheme = _scheme_of(form, order_like)
    if scheme is None or error_summary(form):
        return _render(form, scheme_id, latest)
    user = signed_in_user()
    try:
        row = save_draft(
            db,
            scheme,
            base=base,
            author=user.email if user else "-",
            comment=form.comment.data or "",
            vocabulary=vocabulary(),
        )
    except ConflictError as conflict:
        return _render(form, scheme_id, latest, conflict=conflict)
    except EditError as error:
        for problem in error.problems:
            attach_error(form, problem.field, problem_text(problem))
        if not error.problems:
            form.other_errors.append(say(error.reason))
        return _render(form, scheme_id, latest)
    flash(
        _(
            "Draft %(number)d of %(id)s is saved. It is not public until an administrator "
            "publishes it.",
            number=row.number,
            id=scheme.id,
        ),
        "success",
    )
    failing = len(check_rules(scheme, vocabulary(), run_examples=True))
    if failing:
        flash(
            ngettext(
                "%(num)d example does not give the expected verdict: publishing is refused "
                "until it does.",
                "%(num)d examples do not give the expected verdict: publishing is refused "
                "until they do.",
                failing,
            ),
            "error",
        )
    return redirect(url_for("admin.scheme_revisions", scheme_id=scheme.id))


def _add_example(
    form: SchemeForm, scheme_id: str | None, latest: SchemeRevision | None
) -> ViewResult:
    """Append the typed profile to the examples, expecting the verdict it got."""
    scheme = _scheme_of(form)
    if scheme is None:
        return _render(form, scheme_id, latest)
    preview = _preview(form, scheme)
    if preview.trial is None:
        if not form.trial_answers.errors:
            form.trial_answers.errors = [_("Type a profile first.")]
        return _render(form, scheme_id, latest, preview=preview)
    answers, _problems = parse_answers_text(form.trial_answers.data or "", vocabulary())
    trial = preview.trial
    data = _data(form)
    data["examples"].append(
        {
            "title": trial.title,
            "answers": format_answers(answers),
            "expect": trial.status,
            "failed": ", ".join(trial.failed) if trial.status == "ineligible" else "",
        }
    )
    data["trial_answers"] = data["trial_title"] = ""
    form = form_from(data, scheme_id)
    flash(_("The profile is now an example; it is kept when you save the draft."), "success")
    return _render(form, scheme_id, latest, preview=_preview(form, scheme_from_form(form)))


def _blank() -> dict[str, Any]:
    return {"base_revision": "0", "sources": [NEW_ROWS["sources"]()]}


def _editor(scheme_id: str | None, latest: SchemeRevision | None) -> ViewResult:
    if request.method == "GET":
        data = _blank()
        if latest is not None:
            data = form_data_from_scheme(Scheme.model_validate(latest.document))
            data["base_revision"] = str(latest.number)
        return _render(form_from(data, scheme_id), scheme_id, latest)
    form = _configured(SchemeForm(), scheme_id)
    try:
        base = int(form.base_revision.data or "") if scheme_id else 0
    except ValueError:
        abort(400)
    action = request.form.get("action", "preview")
    if action.partition(":")[0] in ROW_VERBS:
        return _render(form_from(_change_rows(_data(form), action), scheme_id), scheme_id, latest)
    if action == "preview":
        scheme = _scheme_of(form)
        preview = _preview(form, scheme) if scheme else None
        return _render(form, scheme_id, latest, preview=preview)
    if action == "add-example":
        return _add_example(form, scheme_id, latest)
    if action == "save":
        return _save(form, scheme_id, latest, base)
    abort(400)


@blueprint.route("/schemes/new", methods=["GET", "POST"])
@require_role("editor", "admin")
def new_scheme() -> ViewResult:
    """Create a scheme: a draft, hidden from the public until an administrator publishes it."""
    return _editor(None, None)


@blueprint.route("/schemes/<scheme_id>/edit", methods=["GET", "POST"])
@require_role("editor", "admin")
def edit_scheme(scheme_id: str) -> ViewResult:
    """Edit the latest revision (draft or published) of a scheme; saving makes a new draft."""
    latest = latest_revision(db_session(), scheme_id)
    if latest is None:
        abort(404)
    return _editor(scheme_id, latest)

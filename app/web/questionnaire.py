"""The eligibility questionnaire: one question per page, a recap, and shareable results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.deadlines import next_deadline, today_in_paris
from app.eligibility.answers import DONT_KNOW, Answers, parse_answer
from app.eligibility.engine import SchemeVerdict, evaluate_all
from app.eligibility.questions import Progress, progress
from app.repository import get_schemes
from app.schemes import Scheme
from app.vocabulary import Variable
from app.web.answers_url import answers_from_args, answers_query, hidden_fields
from app.web.catalogue_cache import current_catalogue
from app.web.database import db_session
from app.web.labels import VERDICT_GROUP_TITLES
from app.web.locale import current_language
from app.web.questionnaire_forms import question_form
from app.web.reference import vocabulary

blueprint = Blueprint("questionnaire", __name__)


@dataclass(frozen=True)
class State:
    """Answers from the URL, their order, the verdicts they give, and what is left to ask."""

    answers: Answers
    order: list[str]
    verdicts: list[SchemeVerdict]
    unassessed: list[Scheme]
    progress: Progress

    def query(self, skip: str | None = None) -> str:
        """The URL query reproducing these answers."""
        return answers_query(self.answers, self.order, skip)


def _state(answers: Answers, order: list[str]) -> State:
    catalogue = current_catalogue()
    verdicts = evaluate_all(catalogue.compiled, answers)
    # Active schemes without encoded rules are listed apart: we cannot say anything about them.
    schemes = catalogue.schemes
    unassessed = [
        s for s in schemes if not s.criteria and s.is_active() and not _is_parent(s, schemes)
    ]
    return State(answers, order, verdicts, unassessed, progress(verdicts, vocabulary()))


def _is_parent(scheme: Scheme, schemes: list[Scheme]) -> bool:
    return any(other.parent == scheme.id for other in schemes)


def _load_state(ignore: str | None = None) -> State | tuple[str, int]:
    """The state from the query string; the variable being answered is left to its form."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != ignore])
    answers, order, errors = answers_from_args(args, vocabulary())
    if errors:
        return render_template("questionnaire/invalid.html", errors=errors), 400
    return _state(answers, order)


def _with_query(endpoint: str, query: str, _external: bool = False, **extra: str) -> str:
    """The URL of endpoint with the answers' query, plus extra parameters."""
    url = url_for(endpoint, _external=_external)
    parts = [part for part in (query, urlencode(extra)) if part]
    return f"{url}?{'&'.join(parts)}" if parts else url


@blueprint.get("/")
def start() -> str:
    """What the questionnaire does, and a way in."""
    return render_template("questionnaire/start.html")


@blueprint.get("/question")
def question() -> Response | tuple[str, int] | str:
    """Record the answer just given (if any), then ask the most decisive question left."""
    asked = request.args.get("asked")
    if asked is not None and asked not in vocabulary().variables:
        abort(400)
    loaded = _load_state(ignore=asked)
    if not isinstance(loaded, State):
        return loaded
    state = loaded
    if asked:
        return _record_answer(state, asked)
    variable_id = request.args.get("ask") or next(iter(state.progress.next_questions), None)
    if variable_id is None:
        return redirect(_with_query("questionnaire.results", state.query()))  # type: ignore[return-value]
    if variable_id not in vocabulary().variables:
        abort(404)
    initial = state.answers.values.get(variable_id)
    return _render_question(
        state,
        variable_id,
        question_form(vocabulary().variable(variable_id), current_language(), None, initial),
    )


def _record_answer(state: State, asked: str) -> Response | tuple[str, int]:
    variable = vocabulary().variable(asked)
    if request.args.get("dont_know") == asked:
        answers = Answers(state.answers.without(asked).values, state.answers.unknown | {asked})
        return _next(answers, state.order, asked)
    form = question_form(variable, current_language(), request.args)
    if not form.validate():
        return _render_question(state, asked, form), 400
    value, message = parse_answer(variable, _submitted(form.data[asked]))
    if message is not None or value is None:
        form[asked].errors = [message or "invalid"]
        return _render_question(state, asked, form), 400
    base = state.answers.without(asked)
    return _next(Answers({**base.values, asked: value}, base.unknown), state.order, asked)


def _submitted(data: Any) -> Any:
    return str(data) if data is not None and not isinstance(data, list | str) else data


def _next(answers: Answers, order: list[str], asked: str) -> Response:
    order = [name for name in order if name != asked] + [asked]
    query = answers_query(answers, order)
    return redirect(_with_query("questionnaire.question", query))  # type: ignore[return-value]


def _render_question(state: State, variable_id: str, form: Any) -> str:
    decided = sum(1 for v in state.verdicts if v.status != "unknown")
    previous = [name for name in state.order if name != variable_id]
    # Back shows the previous question with its answer filled in, ready to change.
    back = (
        _with_query("questionnaire.question", state.query(), ask=previous[-1])
        if previous
        else url_for("questionnaire.start")
    )
    return render_template(
        "questionnaire/question.html",
        variable=vocabulary().variable(variable_id),
        field=form[variable_id],
        hidden=hidden_fields(state.answers, state.order, skip=variable_id),
        number=len(previous) + 1,
        decided=decided,
        total=len(state.verdicts),
        state=state,
        back=back,
        dont_know=DONT_KNOW,
    )


@blueprint.get("/recap")
def recap() -> tuple[str, int] | str:
    """Every answer given, each with a link to change it."""
    loaded = _load_state()
    if not isinstance(loaded, State):
        return loaded
    return render_template(
        "questionnaire/recap.html",
        state=loaded,
        with_query=_with_query,
        state_variable=vocabulary().variable,
        answer_text=answer_text,
    )


def answer_text(variable: Variable, answers: Answers) -> str:
    """An answer in words, in the page's language."""
    lang = current_language()
    if variable.id in answers.unknown:
        return str(_("I don't know"))
    value = answers.values.get(variable.id)
    if isinstance(value, frozenset):
        return ", ".join(variable.value_label(v, lang) for v in sorted(value)) or str(_("None"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, float):
        number = format_decimal(value)
        return f"{number} {variable.unit.get(lang)}" if variable.unit else str(number)
    return variable.value_label(str(value), lang)


def _group(verdicts: list[SchemeVerdict], status: str) -> list[SchemeVerdict]:
    """One verdict group, schemes that can still be applied to first, then by name."""
    lang = current_language()
    chosen = [v for v in verdicts if v.status == status]
    return sorted(
        chosen, key=lambda v: (not v.scheme.is_active(), v.scheme.name.get(lang).casefold())
    )


@blueprint.get("/results")
def results() -> tuple[str, int] | str:
    """Verdicts grouped eligible / to verify / not eligible; the URL reproduces them."""
    loaded = _load_state()
    if not isinstance(loaded, State):
        return loaded
    state = loaded
    successors = [
        v.scheme.lifecycle.replaced_by for v in state.verdicts if v.scheme.lifecycle.replaced_by
    ]
    today = today_in_paris()
    updated = current_catalogue().rules_date
    return render_template(
        "questionnaire/results.html",
        state=state,
        groups=[
            (status, _group(state.verdicts, status))
            for status in ("eligible", "unknown", "ineligible")
        ],
        deadlines={v.scheme.id: next_deadline(v.scheme, today) for v in state.verdicts},
        linked=get_schemes(db_session(), successors),
        rules_date=updated.date() if updated else None,
        share_url=_with_query("questionnaire.results", state.query(), _external=True),
        with_query=_with_query,
        group_titles=VERDICT_GROUP_TITLES,
    )

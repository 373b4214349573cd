"""The eligibility questionnaire: one question per page, a recap, and shareable results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from app.deadlines import next_deadline, today_in_paris
from app.eligibility.answers import DONT_KNOW, Answers, parse_answer
from app.eligibility.engine import SchemeVerdict, evaluate_all
from app.eligibility.questions import Progress, progress
from app.reasons import reason
from app.repository import get_schemes
from app.schemes import Scheme, current_schemes
from app.web.answers_url import answers_from_args, answers_query, hidden_fields
from app.web.catalogue_cache import current_catalogue
from app.web.database import db_session
from app.web.explanations import answer_text, answered, explanation
from app.web.labels import VERDICT_GROUP_TITLES
from app.web.locale import current_language
from app.web.public_url import external_url
from app.web.questionnaire_forms import MailResultsForm, question_form
from app.web.reason_text import say
from app.web.reference import vocabulary

blueprint = Blueprint("questionnaire", __name__)


FOCUS = "scheme"


@dataclass(frozen=True)
class State:
    """Answers from the URL, their order, the verdicts they give, and what is left to ask."""

    answers: Answers
    order: list[str]
    verdicts: Sequence[SchemeVerdict]
    unassessed: list[Scheme]
    progress: Progress
    # "Am I eligible?" from a scheme page: only this scheme's questions are asked.
    focus: SchemeVerdict | None = None

    def query(self, skip: str | None = None) -> str:
        """The URL query reproducing these answers (and the scheme checked, if one is)."""
        query = answers_query(self.answers, self.order, skip)
        if self.focus is None:
            return query
        return "&".join(part for part in (query, urlencode({FOCUS: self.focus.scheme.id})) if part)


def _state(answers: Answers, order: list[str], focus_id: str | None = None) -> State:
    catalogue = current_catalogue()
    verdicts = evaluate_all(catalogue.compiled, answers)
    focus = None
    if focus_id is not None:  # built only if asked for: the verdicts are built as they are read
        focus = next((v for v in verdicts if v.scheme.id == focus_id), None)
    if focus_id is not None and focus is None:
        abort(404)  # no such scheme, or one whose conditions are not encoded
    # Active schemes without encoded rules are listed apart: we cannot say anything about them.
    schemes = catalogue.schemes
    unassessed = [
        s for s in schemes if not s.criteria and s.is_active() and not _is_parent(s, schemes)
    ]
    asking = [focus] if focus else verdicts
    return State(answers, order, verdicts, unassessed, progress(asking, vocabulary()), focus)


def _standing(state: State) -> tuple[int, int]:
    """How many current schemes are still possible for these answers, of how many."""
    current = current_schemes(current_catalogue().schemes)
    ruled_out = {v.scheme.id for v in state.verdicts if v.status == "ineligible"}
    return sum(s.id not in ruled_out for s in current), len(current)


def _unknown_streak(state: State) -> int:
    """How many of the latest answers were "I don't know", in a row."""
    streak = 0
    for name in reversed(state.order):
        if name not in state.answers.unknown:
            break
        streak += 1
    return streak


def _is_parent(scheme: Scheme, schemes: list[Scheme]) -> bool:
    return any(other.parent == scheme.id for other in schemes)


def load_state(ignore: str | None = None) -> State | tuple[str, int]:
    """The state from the query string; the variable being answered is left to its form."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != ignore])
    answers, order, errors = answers_from_args(args, vocabulary())
    if errors:
        return render_template("questionnaire/invalid.html", errors=errors), 400
    return _state(answers, order, args.get(FOCUS))


def _with_query(endpoint: str, query: str, _external: bool = False, **extra: str) -> str:
    """The URL of endpoint with the answers' query, plus extra parameters."""
    url = external_url(endpoint) if _external else url_for(endpoint)
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
    loaded = load_state(ignore=asked)
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
        return _next(replace(state, answers=answers), asked)
    form = question_form(variable, current_language(), request.args)
    if not form.validate():
        return _render_question(state, asked, form), 400
    value, why = parse_answer(variable, _submitted(form.data[asked]))
    if why is not None or value is None:
        form[asked].errors = [say(why or reason("invalid_value"))]
        return _render_question(state, asked, form), 400
    base = state.answers.without(asked)
    return _next(
        replace(state, answers=Answers({**base.values, asked: value}, base.unknown)), asked
    )


def _submitted(data: Any) -> Any:
    return str(data) if data is not None and not isinstance(data, list | str) else data


def _next(state: State, asked: str) -> Response:
    order = [name for name in state.order if name != asked] + [asked]
    query = replace(state, order=order).query()
    return redirect(_with_query("questionnaire.question", query))  # type: ignore[return-value]


def _render_question(state: State, variable_id: str, form: Any) -> str:
    possible, current = _standing(state)
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
        hidden=hidden_fields(state.answers, state.order, skip=variable_id)
        + ([(FOCUS, state.focus.scheme.id)] if state.focus else []),
        number=len(previous) + 1,
        possible=possible,
        current=current,
        left=len(state.progress.next_questions),
        unknown_streak=_unknown_streak(state),
        state=state,
        back=back,
        dont_know=DONT_KNOW,
    )


@blueprint.get("/recap")
def recap() -> tuple[str, int] | str:
    """Every answer given, each with a link to change it."""
    loaded = load_state()
    if not isinstance(loaded, State):
        return loaded
    return render_template(
        "questionnaire/recap.html",
        state=loaded,
        with_query=_with_query,
        state_variable=vocabulary().variable,
        answer_text=answer_text,
    )


def _group(verdicts: Sequence[SchemeVerdict], status: str, active: bool) -> list[SchemeVerdict]:
    """One verdict group of current (or of closed) schemes, by name."""
    lang = current_language()
    chosen = [v for v in verdicts if v.status == status and v.scheme.is_active() == active]
    return sorted(chosen, key=lambda v: v.scheme.name.get(lang).casefold())


@blueprint.get("/results")
def results() -> tuple[str, int] | str:
    """Verdicts grouped eligible / to verify / not eligible; the URL reproduces them."""
    loaded = load_state()
    if not isinstance(loaded, State):
        return loaded
    return render_results(loaded, MailResultsForm())


def results_url(state: State) -> str:
    """The absolute address that reproduces these results."""
    return _with_query("questionnaire.results", state.query(), _external=True)


def render_results(state: State, mail_form: MailResultsForm) -> str:
    """The results page, with the e-mail form as given (fresh, or with its errors)."""
    successors = [
        v.scheme.lifecycle.replaced_by for v in state.verdicts if v.scheme.lifecycle.replaced_by
    ]
    today = today_in_paris()
    updated = current_catalogue().rules_date
    return render_template(
        "questionnaire/results.html",
        state=state,
        groups={
            status: [v for v in _group(state.verdicts, status, active=True) if v is not state.focus]
            for status in ("eligible", "unknown", "ineligible")
        },
        # Closed and replaced schemes that would have fitted: listed apart, with their successor,
        # never "to verify" (nobody can apply to them any more).
        would_have_fitted=_group(state.verdicts, "eligible", active=False)
        + _group(state.verdicts, "unknown", active=False),
        explanation=explanation,
        answered=answered,
        all_query=answers_query(state.answers, state.order),
        answer_text=answer_text,
        state_variable=vocabulary().variable,
        deadlines={v.scheme.id: next_deadline(v.scheme, today) for v in state.verdicts},
        linked=get_schemes(db_session(), successors),
        rules_date=updated.date() if updated else None,
        share_url=results_url(state),
        mail_form=mail_form if current_app.extensions["aides.settings"].smtp_url else None,
        with_query=_with_query,
        group_titles=VERDICT_GROUP_TITLES,
        # For the link preview: counts of current schemes by verdict, never the answers.
        verdict_counts=Counter(v.status for v in state.verdicts if v.scheme.is_active()),
    )

"""The eligibility questionnaire: one question per page, a recap, and shareable results."""

from __future__ import annotations

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

from app.deadlines import today_in_paris
from app.eligibility.answers import DONT_KNOW, Answers, parse_answer
from app.eligibility.engine import SchemeVerdict, Verdicts, evaluate_all
from app.eligibility.questions import Progress, progress
from app.reasons import reason
from app.schemes import Scheme
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.explanations import answer_text, answered, explanation
from app.web.core.labels import VERDICT_GROUP_TITLES
from app.web.core.locale import current_language
from app.web.core.paging import paged
from app.web.core.public_url import external_url
from app.web.core.questionnaire_forms import MailResultsForm, question_form
from app.web.core.reason_text import say
from app.web.core.reference import vocabulary
from app.web.core.verdict_groups import (
    STATUSES,
    VerdictsAt,
    current_ruled_out,
    grouped,
    position_of,
)
from app.web.pages.answers_url import answers_from_args, answers_query, hidden_fields

blueprint = Blueprint("questionnaire", __name__)


FOCUS = "scheme"
# Schemes per page in each group of the results (cards take room; one-line items less).
GROUP_PAGE_SIZES = {"eligible": 20, "unknown": 20, "ineligible": 50, "closed": 50, "unassessed": 50}


@dataclass(frozen=True)
class State:
    """Answers from the URL, their order, the verdicts they give, and what is left to ask."""

    answers: Answers
    order: list[str]
    verdicts: Verdicts
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
        position = position_of(catalogue, focus_id)
        if position is None:
            abort(404)  # no such scheme, or one whose conditions are not encoded
        focus = verdicts.at(position)
    # Current schemes without encoded rules are listed apart: we cannot say anything about them.
    unassessed = catalogue.memo(
        "unassessed", lambda: [s for s in catalogue.current if not s.criteria]
    )
    asking = [focus] if focus else verdicts
    return State(answers, order, verdicts, unassessed, progress(asking, vocabulary()), focus)


def _standing(state: State) -> tuple[int, int]:
    """How many current schemes are still possible for these answers, of how many."""
    ruled_out, current = current_ruled_out(state.verdicts, current_catalogue())
    return current - ruled_out, current


def _unknown_streak(state: State) -> int:
    """How many of the latest answers were "I don't know", in a row."""
    streak = 0
    for name in reversed(state.order):
        if name not in state.answers.unknown:
            break
        streak += 1
    return streak


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
    """The results page, with the e-mail form as given (fresh, or with its errors). Each group
    shows one page of its schemes (its own `page_<group>` parameter): with thousands of schemes,
    a page of cards, never thousands."""
    catalogue = current_catalogue()
    updated = catalogue.rules_date
    positions = grouped(state.verdicts, catalogue, current_language())
    current = {status: positions[status, True] for status in STATUSES}
    if state.focus:  # the scheme checked has its own section, above the current ones
        focus = position_of(catalogue, state.focus.scheme.id)
        current = {status: [p for p in group if p != focus] for status, group in current.items()}
    groups = {
        status: paged(
            VerdictsAt(state.verdicts, current[status]),
            f"page_{status}",
            GROUP_PAGE_SIZES[status],
        )
        for status in STATUSES
    }
    # Closed and replaced schemes that would have fitted: listed apart, with their successor,
    # never "to verify" (nobody can apply to them any more).
    would_have_fitted = paged(
        VerdictsAt(state.verdicts, positions["eligible", False] + positions["unknown", False]),
        "page_closed",
        GROUP_PAGE_SIZES["closed"],
    )
    return render_template(
        "questionnaire/results.html",
        state=state,
        groups=groups,
        would_have_fitted=would_have_fitted,
        unassessed=paged(state.unassessed, "page_unassessed", GROUP_PAGE_SIZES["unassessed"]),
        explanation=explanation,
        answered=answered,
        all_query=answers_query(state.answers, state.order),
        answer_text=answer_text,
        state_variable=vocabulary().variable,
        deadlines=catalogue.deadlines(today_in_paris()),
        linked=catalogue.by_id,
        rules_date=updated.date() if updated else None,
        share_url=results_url(state),
        mail_form=mail_form if current_app.extensions["aides.settings"].smtp_url else None,
        with_query=_with_query,
        group_titles=VERDICT_GROUP_TITLES,
        # For the link preview: counts of current schemes by verdict, never the answers.
        verdict_counts={status: len(positions[status, True]) for status in STATUSES},
    )

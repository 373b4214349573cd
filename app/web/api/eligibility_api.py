"""JSON API for eligibility (contract.md §4): the vocabulary, and verdicts for a profile (all of
them, or one page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from app.deadlines import next_deadline, today_in_paris
from app.eligibility.answers import validate_answers
from app.eligibility.engine import SchemeVerdict, evaluate_all
from app.eligibility.questions import progress
from app.eligibility.report import criterion_values, lifecycle_report
from app.i18n import LANGUAGES
from app.reasons import Reason, reason
from app.web.api.response_models import (
    EligibilityResult,
    Question,
    Questions,
    QuestionValue,
    Verdict,
    VerdictCounts,
    VerdictCriterion,
    VerdictSchemeLink,
)
from app.web.api.schemes_api import deadline_model, language
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.errors import json_error
from app.web.core.explanations import answered, explanation
from app.web.core.listing_form import MAX_PAGE, MAX_PER_PAGE, PER_PAGE
from app.web.core.public_url import external_url
from app.web.core.reason_text import say
from app.web.core.reference import vocabulary

blueprint = Blueprint("eligibility_api", __name__)
BODY_KEYS = frozenset({"answers", "lang", "page", "per_page"})
# The paging keys of the body, with their largest values: the scheme list's bounds. They are read
# from the body only (as lang is); in the query string they are refused, not silently ignored.
PAGING = {"page": MAX_PAGE, "per_page": MAX_PER_PAGE}


def question(variable_id: str, lang: str) -> Question:
    """One question of the vocabulary, with its labels in lang."""
    variable = vocabulary().variable(variable_id)
    # values, min and max are left unset (absent from the JSON) where the variable has none.
    extra: dict[str, Any] = {}
    if variable.values:
        extra["values"] = [QuestionValue(id=c.id, label=c.label.get(lang)) for c in variable.values]
    if variable.min is not None:
        extra["min"] = variable.min
    if variable.max is not None:
        extra["max"] = variable.max
    return Question(
        id=variable.id,
        type=variable.type,
        label=variable.label.get(lang),
        help=variable.help.get(lang),
        **extra,
    )


@blueprint.get("/questions")
def questions() -> Response:
    """The profile vocabulary in its stable order."""
    lang, errors = language()
    if errors or lang is None:
        return json_error(400, errors)
    body = Questions(questions=[question(v, lang) for v in vocabulary().variables])
    return jsonify(body.json_data())


def verdict_model(verdict: SchemeVerdict, lang: str) -> Verdict:
    """A verdict's report with the scheme's page URL, each criterion in words, next deadline."""
    scheme = verdict.scheme
    return Verdict(
        scheme=VerdictSchemeLink(
            id=scheme.id,
            name=scheme.name.get(lang),
            url=external_url("public.scheme_detail", lang=lang, scheme_id=scheme.id),
        ),
        status=verdict.status,
        lifecycle=lifecycle_report(verdict),
        criteria=[
            VerdictCriterion(
                **values,
                explanation=explanation(result, verdict.answers),
                answer=answered(result, verdict.answers),
            )
            for values, result in zip(
                criterion_values(verdict, lang), verdict.criteria, strict=True
            )
        ],
        next_deadline=deadline_model(next_deadline(scheme, today_in_paris())),
    )


def whole_number(raw: Any, maximum: int) -> tuple[int | None, Reason | None]:
    """A JSON whole number from 1 to maximum, or why it is not one. 2.0 counts (JSON Schema's
    integer type admits it); true and false do not, though Python counts them as integers."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, reason("must_be_whole_number")
    if isinstance(raw, float) and not raw.is_integer():  # NaN and infinities included
        return None, reason("must_be_whole_number")
    if raw < 1:
        return None, reason("must_be_at_least", limit="1")
    if raw > maximum:
        return None, reason("must_be_at_most", limit=str(maximum))
    return int(raw), None


def asked_page(body: dict[str, Any]) -> tuple[tuple[int, int] | None, list[dict[str, str | None]]]:
    """(page, per_page) when the request asks for a page, None for every verdict (the default);
    and the errors, each naming its key."""
    errors: list[dict[str, str | None]] = [
        {"field": name, "message": _("Give this in the JSON body, not in the address.")}
        for name in PAGING
        if name in request.args
    ]
    if not PAGING.keys() & body.keys():
        return None, errors
    given = {"page": 1, "per_page": PER_PAGE}
    for name, maximum in PAGING.items():
        if name not in body:
            continue
        number, why = whole_number(body[name], maximum)
        if number is None:
            errors.append({"field": name, "message": say(why)})
        else:
            given[name] = number
    return (given["page"], given["per_page"]), errors


@blueprint.post("/eligibility")
def eligibility() -> Response:
    """Verdicts for every scheme with rules (or one page of them: page, per_page), eligible first,
    and the next questions to ask (always over the whole catalogue)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, [{"field": None, "message": _("The body must be a JSON object.")}])
    lang = body.get("lang", "fr")
    errors: list[dict[str, str | None]] = []
    if lang not in LANGUAGES:
        errors.append({"field": "lang", "message": _("Use one of: %(values)s.", values="fr, en")})
        lang = "fr"
    g.lang = lang
    errors += [
        {"field": key, "message": _("Unknown parameter.")} for key in sorted(set(body) - BODY_KEYS)
    ]
    raw_answers = body.get("answers", {})
    if not isinstance(raw_answers, dict):
        errors.append({"field": "answers", "message": _("The answers must be a JSON object.")})
        raw_answers = {}
    answers, answer_errors = validate_answers(raw_answers, vocabulary())
    errors += [{"field": f"answers.{e.variable}", "message": say(e.reason)} for e in answer_errors]
    paging, paging_errors = asked_page(body)
    errors += paging_errors
    if errors:
        return json_error(400, errors)
    catalogue = current_catalogue()
    verdicts = evaluate_all(catalogue.compiled, answers)
    # The next questions read the whole catalogue's verdicts; only the shown ones are built.
    state = progress(verdicts, vocabulary())
    shown: Sequence[SchemeVerdict] = verdicts
    facts: dict[str, Any] = {}  # the paging keys are absent when every verdict is sent
    if paging is not None:
        page, per_page = paging
        start = (page - 1) * per_page
        shown = verdicts[start : start + per_page]
        facts = {
            "total": len(verdicts),
            "page": page,
            "per_page": per_page,
            "counts": VerdictCounts(**verdicts.counts),
        }
    updated = catalogue.rules_date
    body = EligibilityResult(
        **facts,
        results=[verdict_model(v, lang) for v in shown],
        next_questions=state.next_questions,
        finished=state.finished,
        nothing_can_match=state.nothing_can_match,
        rules_date=updated.date() if updated else None,
    )
    return jsonify(body.json_data())

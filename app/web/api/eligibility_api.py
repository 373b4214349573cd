"""JSON API for eligibility (contract.md §4): the vocabulary, and verdicts for a profile."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from app.deadlines import next_deadline, today_in_paris
from app.eligibility.answers import validate_answers
from app.eligibility.engine import SchemeVerdict, evaluate_all
from app.eligibility.questions import progress
from app.eligibility.report import criterion_values, lifecycle_report
from app.i18n import LANGUAGES
from app.web.api.response_models import (
    EligibilityResult,
    Question,
    Questions,
    QuestionValue,
    Verdict,
    VerdictCriterion,
    VerdictSchemeLink,
)
from app.web.api.schemes_api import deadline_model, language
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.errors import json_error
from app.web.core.explanations import answered, explanation
from app.web.core.public_url import external_url
from app.web.core.reason_text import say
from app.web.core.reference import vocabulary

blueprint = Blueprint("eligibility_api", __name__)
BODY_KEYS = frozenset({"answers", "lang"})


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


@blueprint.post("/eligibility")
def eligibility() -> Response:
    """Verdicts for every scheme with rules, eligible first, and the next questions to ask."""
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
    if errors:
        return json_error(400, errors)
    catalogue = current_catalogue()
    verdicts = evaluate_all(catalogue.compiled, answers)
    state = progress(verdicts, vocabulary())
    updated = catalogue.rules_date
    body = EligibilityResult(
        results=[verdict_model(v, lang) for v in verdicts],
        next_questions=state.next_questions,
        finished=state.finished,
        nothing_can_match=state.nothing_can_match,
        rules_date=updated.date() if updated else None,
    )
    return jsonify(body.json_data())

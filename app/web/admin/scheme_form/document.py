"""The Scheme an editor form describes, or field by field what keeps it from being one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pydantic
from wtforms import FormField

from app.facets import AUDIENCE_FACETS
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web.admin.scheme_form.errors import SchemeFormError
from app.web.admin.scheme_form.form import SchemeForm
from app.web.admin.scheme_form.rule_rows import rule_document
from app.web.admin.scheme_form.rules import CriterionForm
from app.web.admin.scheme_form.values import (
    parse_answers_text,
    parse_date,
    parse_number,
    rule_value_from_text,
    split_list,
)
from app.web.core.reference import vocabulary as current_vocabulary


def _text(pair: FormField[Any]) -> dict[str, str] | None:
    """Both languages as typed, so that the model names an empty one; an optional text left
    empty in both is no text."""
    fr, en = pair.form.fr.data or "", pair.form.en.data or ""
    return {"fr": fr, "en": en} if fr or en or pair.form.required else None


def _date_or_text(text: str | None) -> date | str | None:
    return (parse_date(text) or text) if text else None


def _number_or_text(text: str | None) -> int | float | str | None:
    if not text:
        return None
    number = parse_number(text)
    return text if number is None else number


def _in_order(new: Iterable[str], old: Sequence[str]) -> list[str]:
    """Ticked values keep the order they had; new ones follow (checkboxes reorder them)."""
    values = list(new)
    return [v for v in old if v in values] + [v for v in values if v not in old]


def _criterion_document(form: CriterionForm, vocabulary: Vocabulary) -> dict[str, Any]:
    rows = [entry.form.data for entry in form.conditions]
    combinator = form.combinator.data or "all"

    def condition(index: int) -> dict[str, Any]:
        row = rows[index]
        variable = vocabulary.variables.get(row["variable"] or "")
        return {
            "variable": row["variable"] or None,
            "operator": row["operator"] or None,
            "value": rule_value_from_text(variable, row["operator"] or "", row["value"]),
        }

    return {
        "id": form.id.data or None,
        "label": _text(form.label),
        "rule": rule_document(combinator, rows, condition),
        "verify_by": form.verify_by.data or None,
        "source": form.source.data or None,
    }


def scheme_from_form(
    form: SchemeForm, vocabulary: Vocabulary | None = None, order_like: Scheme | None = None
) -> Scheme:
    """The Scheme the form describes; SchemeFormError says field by field what is wrong.

    order_like: the scheme being edited, whose audience lists keep their order.
    """
    vocab = vocabulary or current_vocabulary()
    errors: list[tuple[str, str]] = []
    life, audience, amounts, calendar, apply = (
        form.lifecycle.form,
        form.audience.form,
        form.amounts.form,
        form.calendar.form,
        form.apply.form,
    )
    audience_lists = {}
    for facet in AUDIENCE_FACETS:
        old = getattr(order_like.audience, facet.field) if order_like else ()
        audience_lists[facet.field] = _in_order(audience[facet.field].data or (), old)
    examples = []
    for position, entry in enumerate(form.examples):
        example = entry.form
        answers, problems = parse_answers_text(example.answers.data or "", vocab)
        errors += [(f"examples[{position}].answers", problem) for problem in problems]
        examples.append(
            {
                "title": example.title.data or None,
                "answers": answers,
                "expect": example.expect.data,
                "failed": split_list(example.failed.data),
            }
        )
    document: dict[str, Any] = {
        "id": form.id.data or None,
        "name": _text(form.name),
        "summary": _text(form.summary),
        "description": _text(form.description),
        "funder": form.funder.data or None,
        "operator": form.operator.data or None,
        "kind": form.kind.data,
        "parent": form.parent.data or None,
        "lifecycle": {
            "status": life.status.data,
            "since": life.since.data or None,
            "replaced_by": life.replaced_by.data or None,
            "note": _text(life.note),
            "source": life.source.data or None,
        },
        "audience": {
            **audience_lists,
            "note": _text(audience.note),
            "source": audience.source.data or None,
        },
        "amounts": None
        if amounts.is_empty()
        else {
            "min_eur": _number_or_text(amounts.min_eur.data),
            "max_eur": _number_or_text(amounts.max_eur.data),
            "max_rate_percent": _number_or_text(amounts.max_rate_percent.data),
            "fixed": [
                {
                    "eur": _number_or_text(f.form.eur.data),
                    "per": f.form.per.data,
                    "label": _text(f.form.label),
                }
                for f in amounts.fixed
            ],
            "note": _text(amounts.note),
            "source": amounts.source.data or None,
        },
        "calendar": None
        if calendar.is_empty() and not calendar.source.data
        else {
            "rolling": bool(calendar.rolling.data),
            "sessions": [
                {
                    "label": _text(s.form.label),
                    "opens": _date_or_text(s.form.opens.data),
                    "closes": _date_or_text(s.form.closes.data),
                    "expected": bool(s.form.expected.data),
                    "source": s.form.source.data or None,
                }
                for s in calendar.sessions
            ],
            "note": _text(calendar.note),
            "source": calendar.source.data or None,
        },
        "apply": None
        if apply.is_empty()
        else {
            "url": apply.url.data or None,
            "how": _text(apply.how),
            "documents": _text(apply.documents),
            "source": apply.source.data or None,
        },
        "notes": [
            {"text": _text(n.form.text), "source": n.form.source.data or None} for n in form.notes
        ],
        "criteria": [_criterion_document(entry.form, vocab) for entry in form.criteria],
        "examples": examples,
        "sources": [
            {
                "id": s.form.id.data or None,
                "url": s.form.url.data or None,
                "title": s.form.title.data or None,
                "kind": s.form.kind.data,
                "page_date": s.form.page_date.data or None,
                "checked": _date_or_text(s.form.checked.data),
            }
            for s in form.sources
        ],
    }
    try:
        scheme = Scheme.model_validate(document)
    except pydantic.ValidationError as error:
        # The answers that could not be read, and everything the model refuses, at once.
        raise SchemeFormError(errors + SchemeFormError.from_model(error).errors) from None
    if errors:
        raise SchemeFormError(errors)
    return scheme

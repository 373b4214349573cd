"""A Scheme as the editor form's data, to fill the form with: texts, rule rows, answers."""

from __future__ import annotations

from typing import Any

from app.facets import audience_values
from app.i18n import Localized
from app.schemes import Scheme
from app.web.admin.scheme_form.rule_rows import rows_from_rule
from app.web.admin.scheme_form.values import format_answers, number_text, rule_value_text


def _pair(text: Localized | None) -> dict[str, str]:
    return {"fr": text.fr, "en": text.en} if text else {"fr": "", "en": ""}


def _criterion_data(criterion: Any) -> dict[str, Any]:
    combinator, rows = rows_from_rule(criterion.rule, rule_value_text)
    return {
        "id": criterion.id,
        "label": _pair(criterion.label),
        "combinator": combinator,
        "conditions": rows,
        "verify_by": criterion.verify_by or "",
        "source": criterion.source,
    }


def form_data_from_scheme(scheme: Scheme) -> dict[str, Any]:
    """The editor form's data for a scheme (pass it as `data=` to SchemeForm)."""
    life, audience, amounts, calendar = (
        scheme.lifecycle,
        scheme.audience,
        scheme.amounts,
        scheme.calendar,
    )
    return {
        "id": scheme.id,
        "name": _pair(scheme.name),
        "summary": _pair(scheme.summary),
        "description": _pair(scheme.description),
        "funder": scheme.funder,
        "operator": scheme.operator or "",
        "kind": scheme.kind,
        "parent": scheme.parent or "",
        "lifecycle": {
            "status": life.status,
            "since": life.since or "",
            "replaced_by": life.replaced_by or "",
            "note": _pair(life.note),
            "source": life.source,
        },
        "audience": {
            **{facet.field: list(values) for facet, values in audience_values(scheme)},
            "note": _pair(audience.note),
            "source": audience.source,
        },
        "amounts": {
            "min_eur": number_text(amounts.min_eur),
            "max_eur": number_text(amounts.max_eur),
            "max_rate_percent": number_text(amounts.max_rate_percent),
            "fixed": [
                {"eur": number_text(item.eur), "per": item.per, "label": _pair(item.label)}
                for item in amounts.fixed
            ],
            "note": _pair(amounts.note),
            "source": amounts.source,
        }
        if amounts
        else {},
        "calendar": {
            "rolling": calendar.rolling,
            "sessions": [
                {
                    "label": _pair(s.label),
                    "opens": s.opens.isoformat() if s.opens else "",
                    "closes": s.closes.isoformat(),
                    "expected": s.expected,
                    "source": s.source,
                }
                for s in calendar.sessions
            ],
            "note": _pair(calendar.note),
            "source": calendar.source or "",
        }
        if calendar
        else {},
        "apply": {
            "url": scheme.apply.url,
            "how": _pair(scheme.apply.how),
            "documents": _pair(scheme.apply.documents),
            "source": scheme.apply.source,
        }
        if scheme.apply
        else {},
        "notes": [{"text": _pair(n.text), "source": n.source} for n in scheme.notes],
        "sources": [
            {
                "id": s.id,
                "url": s.url,
                "title": s.title,
                "kind": s.kind,
                "page_date": s.page_date or "",
                "checked": s.checked.isoformat(),
            }
            for s in scheme.sources
        ],
        "criteria": [_criterion_data(c) for c in scheme.criteria],
        "examples": [
            {
                "title": e.title,
                "answers": format_answers(e.answers),
                "expect": e.expect,
                "failed": ", ".join(e.failed),
            }
            for e in scheme.examples
        ],
    }

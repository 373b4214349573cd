"""Verdicts as plain data, for the API and the command line."""

from __future__ import annotations

from typing import Any

from app.eligibility.engine import SchemeVerdict


def verdict_data(verdict: SchemeVerdict, lang: str) -> dict[str, Any]:
    """One scheme's verdict with each criterion: status, label in lang, variables read, source."""
    scheme = verdict.scheme
    return {
        "scheme": {"id": scheme.id, "name": scheme.name.get(lang)},
        "status": verdict.status,
        "lifecycle": {
            "status": scheme.lifecycle.status,
            "replaced_by": scheme.lifecycle.replaced_by,
        },
        "criteria": [
            {
                "id": result.criterion.id,
                "status": result.status,
                "label": result.criterion.label.get(lang),
                "variables": list(result.variables),
                "verify_by": result.criterion.verify_by,
                "source": source.url
                if (source := scheme.source(result.criterion.source))
                else None,
            }
            for result in verdict.criteria
        ],
    }

"""Verdicts as plain data, for the API and the command line: the shape is declared once here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from app.eligibility.conditions import Status
from app.eligibility.engine import SchemeVerdict
from app.scheme_rules import SLUG, VerdictStatus, VerifyBy
from app.schemes import LifecycleStatus

# Strings whose JSON schema says more than "string" (checked where the data is loaded).
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
Slug = Annotated[str, WithJsonSchema({"type": "string", "pattern": SLUG})]


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VerdictScheme(_Report):
    id: Slug
    name: str


class VerdictLifecycle(_Report):
    status: LifecycleStatus
    replaced_by: Slug | None


class CriterionReport(_Report):
    id: Slug
    status: Status
    label: str
    variables: list[str]
    verify_by: VerifyBy | None
    source: Url | None


class VerdictReport(_Report):
    scheme: VerdictScheme
    status: VerdictStatus
    lifecycle: VerdictLifecycle
    criteria: Sequence[CriterionReport]


def criterion_values(verdict: SchemeVerdict, lang: str) -> list[dict[str, Any]]:
    """The values of each criterion's report (the API adds its own keys before building)."""
    scheme = verdict.scheme
    return [
        {
            "id": result.criterion.id,
            "status": result.status,
            "label": result.criterion.label.get(lang),
            "variables": list(result.variables),
            "verify_by": result.criterion.verify_by,
            "source": source.url if (source := scheme.source(result.criterion.source)) else None,
        }
        for result in verdict.criteria
    ]


def lifecycle_report(verdict: SchemeVerdict) -> VerdictLifecycle:
    lifecycle = verdict.scheme.lifecycle
    return VerdictLifecycle(status=lifecycle.status, replaced_by=lifecycle.replaced_by)


def verdict_report(verdict: SchemeVerdict, lang: str) -> VerdictReport:
    """One scheme's verdict with each criterion: status, label in lang, variables read, source."""
    scheme = verdict.scheme
    return VerdictReport(
        scheme=VerdictScheme(id=scheme.id, name=scheme.name.get(lang)),
        status=verdict.status,
        lifecycle=lifecycle_report(verdict),
        criteria=[CriterionReport(**values) for values in criterion_values(verdict, lang)],
    )


def verdict_data(verdict: SchemeVerdict, lang: str) -> dict[str, Any]:
    """The verdict report as JSON data (the command line prints it)."""
    return verdict_report(verdict, lang).model_dump(mode="json")

"""Verdicts: each scheme eligible, ineligible or unknown, with each criterion's status and why."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from app.eligibility.answers import Answers
from app.eligibility.conditions import Status, evaluate, open_variables
from app.eligibility.rules import Criterion, Verdict
from app.schemes import Scheme

log = logging.getLogger(__name__)
VERDICT_ORDER: dict[Verdict, int] = {"eligible": 0, "unknown": 1, "ineligible": 2}


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's status for a profile, and what it read."""

    criterion: Criterion
    status: Status
    variables: tuple[str, ...]
    open_variables: tuple[str, ...]
    error: str | None = None

    @property
    def to_verify(self) -> bool:
        """Only the applicant or the funder can settle it."""
        return self.criterion.verify_by is not None and self.status == "unknown"


@dataclass(frozen=True)
class SchemeVerdict:
    """A scheme's verdict for a profile, with each criterion's result."""

    scheme: Scheme
    status: Verdict
    criteria: tuple[CriterionResult, ...]

    def failed(self) -> list[CriterionResult]:
        """The criteria that rule the scheme out."""
        return [c for c in self.criteria if c.status == "failed"]

    def unresolved(self) -> list[CriterionResult]:
        """The criteria still to answer or to verify."""
        return [c for c in self.criteria if c.status == "unknown"]


def evaluate_criterion(criterion: Criterion, answers: Answers) -> CriterionResult:
    """A criterion's status; an evaluation error yields unknown (never met), and is logged."""
    rule = criterion.rule
    variables = rule.variables() if rule else ()
    try:
        status: Status = evaluate(rule, answers) if rule else "unknown"
        still_open = tuple(open_variables(rule, answers)) if rule else ()
    except (TypeError, ValueError, KeyError) as error:
        log.exception("Rule %r could not be evaluated", criterion.id)
        return CriterionResult(criterion, "unknown", variables, (), error=str(error))
    if criterion.verify_by is not None and status == "met":
        status = "unknown"  # what the answers say is necessary, but only a check settles it
    return CriterionResult(criterion, status, variables, still_open)


def evaluate_scheme(scheme: Scheme, answers: Answers) -> SchemeVerdict:
    """Ineligible if a criterion failed; unknown if one is open or none exist; else eligible."""
    results = tuple(evaluate_criterion(c, answers) for c in scheme.criteria)
    if not results:
        return SchemeVerdict(scheme, "unknown", results)  # no rule encoded: nothing is known
    statuses = {r.status for r in results}
    verdict: Verdict = (
        "ineligible" if "failed" in statuses else "unknown" if "unknown" in statuses else "eligible"
    )
    return SchemeVerdict(scheme, verdict, results)


def evaluate_all(schemes: Iterable[Scheme], answers: Answers) -> list[SchemeVerdict]:
    """Every scheme's verdict, eligible first, then unknown, then ineligible; by id within."""
    verdicts = [evaluate_scheme(scheme, answers) for scheme in schemes]
    return sorted(verdicts, key=lambda v: (VERDICT_ORDER[v.status], v.scheme.id))

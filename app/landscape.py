"""The catalogue at a glance: counts by funder, sector, stage, kind and amount, status, time.

Flask-free figures that the landscape page draws. Each count is made the way the scheme list
filters (app/repository.py), so that a bar's number is the list's total for the same filter:
current schemes only (open, recurring, upcoming, unconfirmed) unless the count is by status.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.eligibility.answers import Answers
from app.eligibility.conditions import evaluate
from app.schemes import LIFECYCLE_STATUSES, Scheme, SchemeSession

STAGE_VARIABLE = "project_stage"
# Upper bounds (exclusive) of the amount ranges, by the scheme's maximum amount in euros.
AMOUNT_BOUNDS = (10_000, 50_000, 200_000)
AMOUNT_RANGES = ("under_10k", "10k_50k", "50k_200k", "200k_plus", "not_stated")
HORIZON_MONTHS = 12


@dataclass(frozen=True)
class Deadline:
    """One session closing within the horizon."""

    scheme: Scheme
    session: SchemeSession


@dataclass(frozen=True)
class Succession:
    """A scheme that ended and the one that took over from it."""

    before: Scheme
    after_id: str
    since: str | None


@dataclass
class Landscape:
    """Every figure of the landscape page; values are lists of schemes, counts their lengths."""

    by_funder: dict[str, list[Scheme]] = field(default_factory=dict)
    by_sector: dict[str, list[Scheme]] = field(default_factory=dict)
    by_stage: dict[str, list[Scheme]] = field(default_factory=dict)
    any_stage: list[Scheme] = field(default_factory=list)
    by_kind: dict[str, dict[str, list[Scheme]]] = field(default_factory=dict)
    by_status: dict[str, list[Scheme]] = field(default_factory=dict)
    started_by_year: dict[int, list[Scheme]] = field(default_factory=dict)
    ended_by_year: dict[int, list[Scheme]] = field(default_factory=dict)
    successions: list[Succession] = field(default_factory=list)
    deadlines_by_month: dict[tuple[int, int], list[Deadline]] = field(default_factory=dict)


def amount_range(scheme: Scheme) -> str:
    """The range of the scheme's maximum amount, or not_stated."""
    top = scheme.amounts.largest_eur() if scheme.amounts else None
    if top is None:
        return "not_stated"
    for bound, name in zip(AMOUNT_BOUNDS, AMOUNT_RANGES, strict=False):
        if top < bound:
            return name
    return "200k_plus"


def accepted_stages(scheme: Scheme, stages: Sequence[str]) -> list[str] | None:
    """The project stages the scheme's rules accept, or None when no rule reads the stage."""
    rules = [c.rule for c in scheme.criteria if c.rule and STAGE_VARIABLE in c.rule.variables()]
    if not rules:
        return None
    return [
        stage
        for stage in stages
        if all(evaluate(rule, Answers({STAGE_VARIABLE: stage})) != "failed" for rule in rules)
    ]


def month_starts(today: date, months: int = HORIZON_MONTHS) -> list[tuple[int, int]]:
    """(year, month) of this month and the following ones."""
    first = today.year * 12 + today.month - 1
    return [(n // 12, n % 12 + 1) for n in range(first, first + months)]


def _year(partial: str | None) -> int | None:
    return int(partial[:4]) if partial else None


def _grouped(pairs: Iterable[tuple[str, Scheme]]) -> dict[str, list[Scheme]]:
    groups: dict[str, list[Scheme]] = {}
    for key, scheme in pairs:
        groups.setdefault(key, []).append(scheme)
    return groups


def build_landscape(schemes: Sequence[Scheme], stages: Sequence[str], today: date) -> Landscape:
    """The figures of the published schemes on `today` (stages: the vocabulary's, in order)."""
    ordered = sorted(schemes, key=lambda s: s.id)
    current = [s for s in ordered if s.is_active()]
    land = Landscape()
    funders = Counter(s.funder for s in current)
    land.by_funder = {
        funder: [s for s in current if s.funder == funder]
        for funder, _count in sorted(funders.items(), key=lambda item: (-item[1], item[0]))
    }
    sectors = _grouped((sector, s) for s in current for sector in dict.fromkeys(s.audience.sectors))
    land.by_sector = dict(sorted(sectors.items(), key=lambda item: (-len(item[1]), item[0])))
    land.by_stage = {stage: [] for stage in stages}
    for scheme in current:
        accepted = accepted_stages(scheme, stages)
        if accepted is None:
            land.any_stage.append(scheme)
        for stage in accepted or ():
            land.by_stage[stage].append(scheme)
    for scheme in current:
        ranges = land.by_kind.setdefault(scheme.kind, {name: [] for name in AMOUNT_RANGES})
        ranges[amount_range(scheme)].append(scheme)
    land.by_kind = dict(
        sorted(land.by_kind.items(), key=lambda item: (-sum(map(len, item[1].values())), item[0]))
    )
    land.by_status = {
        status: [s for s in ordered if s.lifecycle.status == status]
        for status in LIFECYCLE_STATUSES
    }
    for scheme in ordered:
        year = _year(scheme.lifecycle.since)
        if year is None:
            continue
        target = land.started_by_year if scheme.is_active() else land.ended_by_year
        target.setdefault(year, []).append(scheme)
        if scheme.lifecycle.replaced_by:
            land.successions.append(
                Succession(scheme, scheme.lifecycle.replaced_by, scheme.lifecycle.since)
            )
    land.successions += [
        Succession(s, s.lifecycle.replaced_by, None)
        for s in ordered
        if s.lifecycle.replaced_by and s.lifecycle.since is None
    ]
    months = month_starts(today)
    land.deadlines_by_month = {month: [] for month in months}
    last_year, last_month = months[-1]
    horizon = date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])
    for scheme in current:
        for session in scheme.sessions_sorted():
            if today <= session.closes <= horizon:
                key = (session.closes.year, session.closes.month)
                land.deadlines_by_month[key].append(Deadline(scheme, session))
    for deadlines in land.deadlines_by_month.values():
        deadlines.sort(key=lambda d: (d.session.closes, d.scheme.id))
    return land

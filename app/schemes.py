"""The scheme file format: typed models, reading and validating files, and canonical dumping."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from itertools import compress
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from app.formats import PARTIAL_DATE_PATTERN as PARTIAL_DATE_PATTERN
from app.formats import SLUG_PATTERN as SLUG_PATTERN
from app.formats import URL_PATTERN as URL_PATTERN
from app.i18n import Localized
from app.reasons import model_refusal
from app.scheme_rules import Criterion, Example

Kind = Literal[
    "grant",
    "loan",
    "residency",
    "call_for_projects",
    "contest",
    "tax_credit",
    "resource",
    "offer_channel",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
# "unconfirmed": no official page confirms the current status; we say so rather than guess.
LifecycleStatus = Literal["open", "recurring", "upcoming", "closed", "replaced", "unconfirmed"]
LIFECYCLE_STATUSES: tuple[LifecycleStatus, ...] = get_args(LifecycleStatus)
ACTIVE_STATUSES: frozenset[str] = frozenset({"open", "recurring", "upcoming", "unconfirmed"})
SourceKind = Literal["official", "legal", "press", "aggregator"]
# What a fixed sum is paid for: a lump sum is paid once per project.
FixedPer = Literal["project", "day", "month", "year", "trip", "person"]
FIXED_PERS: tuple[FixedPer, ...] = get_args(FixedPer)


def current_schemes(schemes: list[Scheme], active: Iterable[bool] | None = None) -> list[Scheme]:
    """The schemes one can apply to now or soon: active, umbrella funds left out (their strands
    are the schemes). The one count of "current schemes" every page shows. `active`: each
    scheme's is_active(), when known (a worker keeps them per scheme across publishes)."""
    parents = {s.parent for s in schemes if s.parent}
    flags = map(Scheme.is_active, schemes) if active is None else active
    return [s for s in compress(schemes, flags) if s.id not in parents]


def is_scheme_id(text: str) -> bool:
    """Whether text can be a scheme id (ids are slugs; other text is never looked up)."""
    return re.fullmatch(SLUG_PATTERN, text) is not None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _date_as_text(value: object) -> object:
    """YAML reads 2022-07-01 as a date; a partial date field keeps it as text."""
    return value.isoformat() if isinstance(value, date) else value


PartialDate = Annotated[str, BeforeValidator(_date_as_text), Field(pattern=PARTIAL_DATE_PATTERN)]


class Source(_Strict):
    """A page a fact comes from, with the date shown on it and the date we checked it."""

    id: str = Field(pattern=SLUG_PATTERN)
    url: str = Field(pattern=URL_PATTERN)
    title: str = Field(min_length=1)
    kind: SourceKind
    # The date shown on the page (or the date of the text it publishes), as precise as shown:
    # 2022, 2022-07 or 2022-07-01; absent when the page shows none.
    page_date: PartialDate | None = None
    checked: date


class Lifecycle(_Strict):
    """Whether the scheme can be applied to now, and what replaced it."""

    status: LifecycleStatus
    since: PartialDate | None = None
    replaced_by: str | None = Field(default=None, pattern=SLUG_PATTERN)
    note: Localized | None = None
    source: str

    @model_validator(mode="after")
    def _successor_matches_status(self) -> Lifecycle:
        if self.status == "replaced" and self.replaced_by is None:
            raise model_refusal("replaced_needs_successor", at="replaced_by")
        if self.replaced_by is not None and self.status not in ("replaced", "closed"):
            raise model_refusal("successor_only_when_replaced", at="replaced_by")
        return self


class Audience(_Strict):
    """Who may apply, in the profile vocabulary's values."""

    # Empty when no official page says who may apply: pages then say it is unconfirmed.
    applicant_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    note: Localized | None = None
    source: str


class FixedSum(_Strict):
    """A sum the scheme pays as such (a flat grant, a prize, a daily or monthly allowance)."""

    # Strict: "85" or 85.5 in a file is a typing slip, not an amount.
    eur: int = Field(gt=0, strict=True)
    per: FixedPer = "project"
    # What the sum is for, when the scheme pays several ("Travel under 5,000 km").
    label: Localized | None = None


class Amounts(_Strict):
    """What the scheme pays, where the official sources say it."""

    min_eur: int | None = Field(default=None, ge=0)
    max_eur: int | None = Field(default=None, ge=0)
    max_rate_percent: float | None = Field(default=None, gt=0, le=100)
    fixed: tuple[FixedSum, ...] = ()
    note: Localized | None = None
    source: str

    @model_validator(mode="after")
    def _min_below_max(self) -> Amounts:
        if self.min_eur is not None and self.max_eur is not None and self.min_eur > self.max_eur:
            raise model_refusal("minimum_above_maximum", at="max_eur")
        return self

    def largest_eur(self) -> int | None:
        """The most the scheme pays for a project: the ceiling, else the largest lump sum when
        every fixed sum is one (with sums per day, trip or person the total depends on the
        project, and a lump sum beside them is only a top-up)."""
        if self.max_eur is not None:
            return self.max_eur
        if any(item.per != "project" for item in self.fixed):
            return None
        return max((item.eur for item in self.fixed), default=None)

    def has_figure(self) -> bool:
        """True when a figure is published: a floor, a ceiling, a rate or a fixed sum."""
        figures = (self.min_eur, self.max_eur, self.max_rate_percent)
        return bool(self.fixed) or any(value is not None for value in figures)


class SchemeSession(_Strict):
    """One application window (a commission deadline, a call's closing date)."""

    label: Localized | None = None
    opens: date | None = None
    closes: date
    # True for a date foreseen from a rhythm the source states ("every 30 September", "three
    # committees a year"), never confirmed by the funder yet: pages mark it as expected.
    expected: bool = False
    source: str

    @model_validator(mode="after")
    def _opens_before_closes(self) -> SchemeSession:
        if self.opens is not None and self.opens > self.closes:
            raise model_refusal("opens_after_closes", at="opens")
        return self


class Calendar(_Strict):
    """Application sessions with their dates, or a rolling (all-year) marker."""

    rolling: bool = False
    sessions: tuple[SchemeSession, ...] = ()
    note: Localized | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _rolling_or_sessions(self) -> Calendar:
        if self.rolling and self.sessions:
            raise model_refusal("rolling_without_sessions", at="rolling")
        if (self.rolling or self.note) and self.source is None:
            raise model_refusal("calendar_source_required", at="source")
        return self


class Apply(_Strict):
    """Where and how to apply, as the funder publishes it."""

    # The official application page or platform.
    url: str = Field(pattern=URL_PATTERN)
    # How to apply in plain words (online platform, by e-mail, through a partner…).
    how: Localized | None = None
    # The documents asked for, where the funder lists them.
    documents: Localized | None = None
    source: str


class Note(_Strict):
    """A sourced remark that fits no other field."""

    text: Localized
    source: str


class Scheme(_Strict):
    """One support scheme, as written in aid_schemes/<id>.yaml."""

    id: str = Field(pattern=SLUG_PATTERN)
    name: Localized
    summary: Localized
    description: Localized
    funder: str
    operator: str | None = None
    kind: Kind
    parent: str | None = None
    lifecycle: Lifecycle
    audience: Audience
    amounts: Amounts | None = None
    calendar: Calendar | None = None
    apply: Apply | None = None
    notes: tuple[Note, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    examples: tuple[Example, ...] = ()
    sources: tuple[Source, ...] = Field(min_length=1)

    def is_active(self) -> bool:
        """False for closed and replaced schemes, which lists hide unless asked."""
        return self.lifecycle.status in ACTIVE_STATUSES

    def source(self, source_id: str) -> Source | None:
        """The source with this id, if the scheme has it."""
        return next((s for s in self.sources if s.id == source_id), None)

    def official_url(self) -> str:
        """Where to read about and apply for the scheme: the official page its lifecycle cites,
        else its first official source (every scheme has one), else its first source."""
        cited = self.source(self.lifecycle.source)
        if cited is not None and cited.kind == "official":
            return cited.url
        official = [s for s in self.sources if s.kind == "official"]
        return (official or list(self.sources))[0].url

    def next_session(self, today: date) -> SchemeSession | None:
        """The first session that has not closed yet on `today`."""
        upcoming = [s for s in self.sessions_sorted() if s.closes >= today]
        return upcoming[0] if upcoming else None

    def sessions_sorted(self) -> list[SchemeSession]:
        """Sessions by closing date."""
        return sorted(self.calendar.sessions if self.calendar else (), key=lambda s: s.closes)

    def is_rolling(self) -> bool:
        """True when applications are accepted all year round."""
        return bool(self.calendar and self.calendar.rolling)

    def source_references(self) -> list[tuple[str, str]]:
        """Every (field, source id) pair the scheme's facts point to."""
        refs = [
            ("lifecycle.source", self.lifecycle.source),
            ("audience.source", self.audience.source),
        ]
        if self.amounts:
            refs.append(("amounts.source", self.amounts.source))
        if self.calendar:
            if self.calendar.source:
                refs.append(("calendar.source", self.calendar.source))
            refs += [
                (f"calendar.sessions[{i}].source", s.source)
                for i, s in enumerate(self.calendar.sessions)
            ]
        if self.apply:
            refs.append(("apply.source", self.apply.source))
        refs += [(f"notes[{i}].source", note.source) for i, note in enumerate(self.notes)]
        refs += [(f"criteria[{i}].source", c.source) for i, c in enumerate(self.criteria)]
        return refs

    def document(self) -> dict[str, Any]:
        """The scheme as JSON-ready data, the form stored in the database."""
        return self.model_dump(mode="json", exclude_defaults=True, by_alias=True)

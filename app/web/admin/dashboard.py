"""The admin dashboard's rows: every scheme record with its latest revision and the age of its
evidence, kept by each worker and brought up to date from what changed since its last view."""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from app.editing import DRAFT_STATES
from app.evidence import freshness
from app.repository import (
    RecordState,
    RevisionMark,
    documents,
    record_flags,
    records_with_latest,
    revision_marks,
    revision_totals,
    revisions_up_to,
)
from app.schemes import Scheme
from app.web.core.catalogue_cache import Catalogue

DASHBOARD_SORTS = ("stale", "changed", "evidence", "name")
DASHBOARD_SHOWS = ("all", "stale", "review", "drafts")
DASHBOARD_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """One scheme on the dashboard: its record's state, its document and its evidence's age."""

    state: RecordState
    scheme: Scheme
    stale: bool
    newest: date | None
    text: str  # what the dashboard's search looks in, casefolded
    active: bool  # a current scheme (not closed or replaced)

    def matches(self, words: list[str], funder: str, show: str) -> bool:
        """Whether the row passes the dashboard's search (casefolded words) and filters."""
        latest = self.state.latest_state
        return (
            all(word in self.text for word in words)
            and (not funder or self.scheme.funder == funder)
            and (show != "stale" or self.stale)
            and (show != "review" or latest == "review")
            and (show != "drafts" or latest in DRAFT_STATES)
        )


def _facts(scheme: Scheme, today: date) -> tuple[bool, date | None, str, bool]:
    """Stale or not, newest evidence, the searched text, and whether the scheme is current."""
    text = f"{scheme.id} {scheme.name.fr} {scheme.name.en}".casefold()
    return (*freshness(scheme, today), text, scheme.is_active())


def filter_rows(rows: list[DashboardRow], words: str, funder: str, show: str) -> list[DashboardRow]:
    """The rows that pass the dashboard's search and filters."""
    if not words.split() and not funder and show == "all":
        return rows
    folded = words.casefold().split()
    return [row for row in rows if row.matches(folded, funder, show)]


@dataclass(frozen=True)
class Tally:
    """What the dashboard counts over the rows, kept up to date row by row."""

    current: int = 0  # current schemes
    in_review: int = 0  # records with a draft waiting for an administrator
    stale: int = 0  # schemes that may be out of date
    funders: Counter[str] = field(default_factory=Counter)  # rows per funder

    def changed(self, replaced: Iterable[tuple[DashboardRow | None, DashboardRow]]) -> Tally:
        """The tally once each (old, new) row pair is replaced (old None: a new record)."""
        current, in_review, stale = self.current, self.in_review, self.stale
        funders = Counter(self.funders)
        for old, new in replaced:
            for row, sign in ((old, -1), (new, 1)):
                if row is not None:
                    current += sign * row.active
                    in_review += sign * (row.state.latest_state == "review")
                    stale += sign * row.stale
                    funders[row.scheme.funder] += sign
        return Tally(current, in_review, stale, +funders)


@dataclass(frozen=True)
class DashboardRows:
    """Every record's row, by id, with what the dashboard counts and its sort orders: views that
    follow no change share them, and a change carries them over, row by row."""

    rows: list[DashboardRow]
    tally: Tally
    index: dict[str, int]  # each row's position in rows, by record id
    _orders: dict[tuple[str, str], list[DashboardRow]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[DashboardRow]) -> DashboardRows:
        """These rows (by id), counted."""
        index = {row.state.id: position for position, row in enumerate(rows)}
        return cls(rows, Tally().changed((None, row) for row in rows), index)

    @property
    def current(self) -> int:
        """How many are current schemes."""
        return self.tally.current

    @property
    def in_review(self) -> int:
        """How many have a draft waiting for an administrator."""
        return self.tally.in_review

    @property
    def stale(self) -> int:
        """How many may be out of date."""
        return self.tally.stale

    def find(self, scheme_id: str) -> DashboardRow | None:
        """The row of this record, if there is one."""
        position = self.index.get(scheme_id)
        return None if position is None else self.rows[position]

    @cached_property
    def funders(self) -> list[str]:
        """The funders of the rows, sorted."""
        return sorted(self.tally.funders)

    def sorted(self, sort: str, lang: str) -> list[DashboardRow]:
        """The rows in a sort order (see sort_rows), kept for the next view."""
        key = (sort, lang)
        if key not in self._orders:
            self._orders[key] = sort_rows(self.rows, sort, lang)
        return self._orders[key]

    def replaced(self, rows: dict[str, DashboardRow]) -> DashboardRows:
        """These rows with the given ones (by record id) put in, new records included: the
        counts and the sort orders already worked out are carried over, not made again."""
        pairs = [(self.find(scheme_id), row) for scheme_id, row in rows.items()]
        if any(old is None for old, _new in pairs):  # a new record: its place among the ids
            merged = {**{row.state.id: row for row in self.rows}, **rows}
            return DashboardRows.of([merged[scheme_id] for scheme_id in sorted(merged)])
        by_id = list(self.rows)
        for scheme_id, row in rows.items():
            by_id[self.index[scheme_id]] = row
        orders = {}
        # A copy: another thread's view may add an order meanwhile (sorted runs unlocked).
        for (sort, lang), order in list(self._orders.items()):
            kept = [row for row in order if row.state.id not in rows]
            key = sort_key(sort, lang)
            for row in rows.values():
                insort(kept, row, key=key)
            orders[sort, lang] = kept
        return DashboardRows(by_id, self.tally.changed(pairs), self.index, orders)


class DashboardCache:
    """The dashboard's rows, kept by each worker and brought up to date from the revisions
    added or changed since its last view: at 10,000 schemes a view reads a few revisions, not
    every record. Records and revisions are never deleted; a record changes only with a new
    revision, and a revision only in its state while it is a draft."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._today: date | None = None
        self._last_id = 0  # the highest revision id read
        self._count = 0  # how many revisions were read, all with ids up to _last_id
        self._latest: dict[str, RevisionMark] = {}  # scheme id -> its latest revision
        self._pending: list[int] = []  # the latest revisions that are drafts, by id
        self._view = DashboardRows.of([])

    def rows(self, session: Session, catalogue: Catalogue, today: date) -> DashboardRows:
        """Every record's row, as the database has them now."""
        with self._lock:
            try:
                # A revision committed late, with an id below one read: all are read again.
                if today != self._today or revisions_up_to(session, self._last_id) != self._count:
                    self._load(session, catalogue, today)
                else:
                    self._update(session, catalogue, today)
            except BaseException:
                self._today = None  # left half brought up to date: the next view reads all
                raise
            return self._view

    def _load(self, session: Session, catalogue: Catalogue, today: date) -> None:
        # The totals first: a revision committed between both reads is read at the next view.
        self._last_id, self._count = revision_totals(session)
        flags, self._latest = records_with_latest(session, self._last_id)
        self._today = today
        made = self._change(session, catalogue, today, flags, DashboardRows.of([]))
        self._view = DashboardRows.of([made[scheme_id] for scheme_id in sorted(made)])

    def _update(self, session: Session, catalogue: Catalogue, today: date) -> None:
        marks = revision_marks(session, self._last_id, self._pending)
        added = {mark.scheme_id for mark in marks if mark.id > self._last_id}
        changed = set()
        for mark in marks:
            known = self._latest.get(mark.scheme_id)
            if known is None or (mark.number >= known.number and mark != known):
                self._latest[mark.scheme_id] = mark
                changed.add(mark.scheme_id)
        if not changed:
            return
        self._count += sum(mark.id > self._last_id for mark in marks)
        self._last_id = max(self._last_id, marks[-1].id)
        # Only a new revision changes a record (its publication, its document).
        flags = record_flags(session, sorted(added))
        for scheme_id in changed - added:
            state = self._view.rows[self._view.index[scheme_id]].state
            flags[scheme_id] = (state.published, state.content_hash)
        self._view = self._view.replaced(self._change(session, catalogue, today, flags, self._view))

    def _change(
        self,
        session: Session,
        catalogue: Catalogue,
        today: date,
        flags: dict[str, tuple[bool, str]],
        old: DashboardRows,
    ) -> dict[str, DashboardRow]:
        """The rows of these records (with these flags), made again from the `old` ones."""
        hashes, published_ones = catalogue.hashes, catalogue.by_id
        # A document is the catalogue's published one, a row's already read, or read now.
        schemes: dict[str, Scheme] = {}
        for scheme_id, (_, digest) in flags.items():
            row = old.find(scheme_id)
            if hashes.get(scheme_id) == digest:
                schemes[scheme_id] = published_ones[scheme_id]
            elif row is not None and row.state.content_hash == digest:
                schemes[scheme_id] = row.scheme
        unread = [scheme_id for scheme_id in flags if scheme_id not in schemes]
        if unread:
            schemes.update(documents(session, unread))
        none = (None, None, None, None)  # a record without revision (made outside the app)
        made = {}
        for scheme_id, (published, digest) in flags.items():
            mark = self._latest.get(scheme_id)
            latest = (mark.number, mark.state, mark.author, mark.created_at) if mark else none
            scheme, row = schemes[scheme_id], old.find(scheme_id)
            facts = (
                (row.stale, row.newest, row.text, row.active)
                if row is not None and row.scheme is scheme
                else _facts(scheme, today)
            )
            state = RecordState(scheme_id, published, digest, *latest)
            made[scheme_id] = DashboardRow(state, scheme, *facts)
        self._pending = sorted(
            mark.id for mark in self._latest.values() if mark.state in DRAFT_STATES
        )
        return made


# The newest change first: its distance to the latest date there is (a record never changed
# has the oldest date, so comes last).
_LATEST = datetime.max.replace(tzinfo=UTC)
_OLDEST = datetime.min.replace(tzinfo=UTC)


def sort_key(sort: str, lang: str) -> Callable[[DashboardRow], tuple[Any, ...]]:
    """A row's place in a sort order: by last change (newest first), oldest evidence, name, or
    (the default) stale ones first, the oldest evidence first; ties in id order. Each row's key
    is distinct, so a changed row finds its place in a sorted list by bisection."""
    if sort == "changed":
        return lambda r: (_LATEST - (r.state.latest_at or _OLDEST), r.state.id)
    if sort == "evidence":
        return lambda r: (r.newest or date.min, r.state.id)
    if sort == "name":
        return lambda r: (r.scheme.name.get(lang).casefold(), r.state.id)
    # Stale schemes first, the oldest evidence first: they are the ones to check.
    return lambda r: (0, r.newest or date.min, r.state.id) if r.stale else (1, date.min, r.state.id)


def sort_rows(rows: list[DashboardRow], sort: str, lang: str) -> list[DashboardRow]:
    """Rows by last change, oldest evidence, name, or (the default) stale ones first."""
    return sorted(rows, key=sort_key(sort, lang))

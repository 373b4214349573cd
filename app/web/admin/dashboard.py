"""The admin dashboard's rows: every scheme record with its latest revision and the age of its
evidence, read without loading thousands of documents on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from app.editing import DRAFT_STATES
from app.evidence import is_stale, newest_evidence
from app.repository import RecordState, documents, record_states
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


def _facts(scheme: Scheme, today: date) -> tuple[bool, date | None, str]:
    """Stale or not, newest evidence, and the searched text."""
    text = f"{scheme.id} {scheme.name.fr} {scheme.name.en}".casefold()
    return is_stale(scheme, today), newest_evidence(scheme, today), text


def filter_rows(rows: list[DashboardRow], words: str, funder: str, show: str) -> list[DashboardRow]:
    """The rows that pass the dashboard's search and filters."""
    if not words.split() and not funder and show == "all":
        return rows
    folded = words.casefold().split()
    return [row for row in rows if row.matches(folded, funder, show)]


def dashboard_rows(session: Session, catalogue: Catalogue, today: date) -> list[DashboardRow]:
    """Every record, by id. A record whose document is the published one the catalogue already
    holds (same content hash) takes it from there, with its evidence worked out once a day; only
    the others (drafts of unpublished schemes, a change published since) are read and parsed."""
    states = record_states(session)
    facts = catalogue.each(("dashboard facts", today), lambda s: _facts(s, today))
    cached = {s.id for s in states if catalogue.hashes.get(s.id) == s.content_hash}
    others = documents(session, [s.id for s in states if s.id not in cached])
    rows = []
    for state in states:
        if state.id in cached:
            scheme = catalogue.by_id[state.id]
            stale, newest, text = facts[state.id]
        else:
            scheme = others[state.id]
            stale, newest, text = _facts(scheme, today)
        rows.append(DashboardRow(state, scheme, stale, newest, text))
    return rows


def sort_rows(rows: list[DashboardRow], sort: str, lang: str) -> list[DashboardRow]:
    """Rows by last change, oldest evidence, name, or (the default) stale ones first."""
    if sort == "changed":
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(rows, key=lambda r: r.state.latest_at or oldest, reverse=True)
    if sort == "evidence":
        return sorted(rows, key=lambda r: (r.newest or date.min, r.state.id))
    if sort == "name":
        return sorted(rows, key=lambda r: r.scheme.name.get(lang).casefold())
    # Stale schemes first, the oldest evidence first: they are the ones to check.
    return sorted(
        rows,
        key=lambda r: (
            (0, r.newest or date.min, r.state.id) if r.stale else (1, date.min, r.state.id)
        ),
    )

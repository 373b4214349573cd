"""The catalogue's health, scheme by scheme: evidence dates, sessions, amounts, what is missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from app.deadlines import next_deadline
from app.evidence import STALE_AFTER_MONTHS, is_stale, newest_evidence
from app.schemes import Scheme, SchemeSession

# The window of the catalogue's goal (issue 18): a session dated or expected in it shows the
# scheme's current rhythm.
SESSION_WINDOW = (date(2025, 6, 1), date(2027, 12, 31))
# Statuses whose schemes are expected to show when to apply.
CALENDAR_STATUSES = frozenset({"open", "recurring"})


@dataclass(frozen=True)
class SchemeAudit:
    """What the audit found for one scheme."""

    scheme: Scheme
    newest_evidence: date | None
    next_session: SchemeSession | None
    has_window_session: bool
    has_amount: bool
    strands: int
    flags: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The row as JSON-ready data."""
        session = self.next_session
        return {
            "id": self.scheme.id,
            "status": self.scheme.lifecycle.status,
            "newest_evidence": self.newest_evidence.isoformat() if self.newest_evidence else None,
            "next_session": session
            and {"closes": session.closes.isoformat(), "expected": session.expected},
            "rolling": self.scheme.is_rolling(),
            "amounts": self.scheme.amounts
            and self.scheme.amounts.model_dump(mode="json", exclude={"note", "source"}),
            "criteria": len(self.scheme.criteria),
            "sources": [
                {"id": s.id, "kind": s.kind, "page_date": s.page_date, "read": str(s.checked)}
                for s in self.scheme.sources
            ],
            "flags": list(self.flags),
        }


def has_amount(scheme: Scheme) -> bool:
    """True when a figure is published: a floor, a ceiling, a rate or a fixed sum."""
    return scheme.amounts is not None and scheme.amounts.has_figure()


def _in_window(session: SchemeSession) -> bool:
    return SESSION_WINDOW[0] <= session.closes <= SESSION_WINDOW[1]


def audit_scheme(scheme: Scheme, strands: int, today: date) -> SchemeAudit:
    """Audit one scheme; `strands` is how many schemes name it as their parent."""
    newest = newest_evidence(scheme, today)
    deadline = next_deadline(scheme, today)
    window = any(_in_window(s) for s in scheme.sessions_sorted())
    amount = has_amount(scheme)
    flags: list[str] = []
    if is_stale(scheme, today):
        flags.append("stale")
    status = scheme.lifecycle.status
    if status in CALENDAR_STATUSES and not scheme.is_rolling():
        if deadline.session is None:
            flags.append("no-upcoming-session")
        if not window:
            flags.append("no-session-in-window")
    if scheme.is_active() and not amount and not strands:
        flags.append("no-amount")
    if scheme.is_active() and not scheme.criteria and not strands:
        flags.append("no-criteria")
    if any(not s.page_date for s in scheme.sources if s.kind in ("official", "legal")):
        flags.append("undated-official-source")
    return SchemeAudit(scheme, newest, deadline.session, window, amount, strands, tuple(flags))


def audit_catalogue(schemes: list[Scheme], today: date) -> list[SchemeAudit]:
    """Audit every scheme, stalest first (no evidence at all before the oldest)."""
    parents = Counter(s.parent for s in schemes if s.parent)
    rows = [audit_scheme(s, parents[s.id], today) for s in schemes]
    return sorted(rows, key=lambda r: (r.newest_evidence or date.min, r.scheme.id))


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({round(100 * part / whole) if whole else 0}%)"


def summary_lines(rows: list[SchemeAudit]) -> list[str]:
    """The catalogue's figures, one per line, as `aides schemes audit` prints them last."""
    statuses = Counter(r.scheme.lifecycle.status for r in rows)
    calendared = [r for r in rows if r.scheme.lifecycle.status in CALENDAR_STATUSES]
    with_session = sum(r.has_window_session for r in calendared)
    rolling = sum(r.scheme.is_rolling() and not r.has_window_session for r in calendared)
    active = [r for r in rows if r.scheme.is_active()]
    sources = [s for r in rows for s in r.scheme.sources]
    dated = sum(bool(s.page_date) for s in sources)
    window = f"{SESSION_WINDOW[0]:%Y-%m} and {SESSION_WINDOW[1]:%Y-%m}"
    return [
        f"schemes: {len(rows)} ("
        + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
        + ")",
        f"open or recurring with a dated or expected session between {window}: "
        f"{_share(with_session, len(calendared))}; all year round: {rolling}",
        f"schemes showing an amount: {_share(sum(r.has_amount for r in rows), len(rows))}; "
        f"current ones: {_share(sum(r.has_amount for r in active), len(active))}",
        f"sources: {len(sources)}; with a page date: {dated}; "
        f"no date shown on the page: {len(sources) - dated}",
        f"current schemes whose newest evidence is over {STALE_AFTER_MONTHS} months old: "
        f"{sum('stale' in r.flags for r in rows)}",
    ]

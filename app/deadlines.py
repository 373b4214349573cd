"""Which deadline comes next: dates are those of French funders, so "today" is today in Paris."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from app.schemes import Scheme, SchemeSession

PARIS = ZoneInfo("Europe/Paris")


def now_in_paris() -> datetime:
    """The current time in metropolitan France: the one clock every "today" is read from (the
    pages, the API, feeds, caches, the CLI), so a test sets the date here, once, for all."""
    return datetime.now(PARIS)


def today_in_paris() -> date:
    """The current date in metropolitan France, where deadlines are set."""
    return now_in_paris().date()


@dataclass(frozen=True)
class NextDeadline:
    """The next date to apply by: a session, all year round, or nothing announced."""

    kind: Literal["session", "rolling", "none"]
    session: SchemeSession | None = None

    @property
    def closes(self) -> date | None:
        """The closing date of the next session, if there is one."""
        return self.session.closes if self.session else None


def next_deadline(scheme: Scheme, today: date) -> NextDeadline:
    """The next deadline of an active scheme; closed and replaced schemes have none."""
    if not scheme.is_active():
        return NextDeadline("none")
    if scheme.is_rolling():
        return NextDeadline("rolling")
    session = scheme.next_session(today)
    return NextDeadline("session", session) if session else NextDeadline("none")


def is_open_now(scheme: Scheme, today: date) -> bool:
    """Applications can be made today: all year round, a session under way, or an open call."""
    if not scheme.is_active():
        return False
    if scheme.is_rolling():
        return True
    sessions = scheme.sessions_sorted()
    if not sessions:
        return scheme.lifecycle.status == "open"
    return any((s.opens is None or s.opens <= today) and today <= s.closes for s in sessions)

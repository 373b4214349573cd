"""How fresh a scheme's facts are: the date of its newest evidence, and whether it may be stale."""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache

from app.schemes import Scheme

# A scheme whose newest evidence is older than this may have changed since: pages say so, and a
# scheme is only "recurring" on evidence this recent (issue 18: "the last 18 months").
STALE_AFTER_MONTHS = 18
# Only what the funder or the law publishes dates a scheme; a listing's date says nothing of it.
DATING_SOURCE_KINDS = frozenset({"official", "legal"})


@lru_cache(maxsize=4096)  # the same few page dates, read for every scheme of a long list
def end_of_partial_date(text: str) -> date:
    """The last day a partial date (2022, 2022-07, 2022-07-01) can mean.

    Judging freshness by the last possible day means a scheme is called stale only when its
    evidence is older than the limit whatever day the page meant.
    """
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], parts[1], parts[2])


@lru_cache(maxsize=64)  # a few days and limits, asked for every scheme of a long list
def months_before(today: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when that day does not exist)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def newest_evidence(scheme: Scheme, today: date) -> date | None:
    """The date of the newest fact the funder published about the scheme, if any is dated.

    That is the newest page date of its official or legal sources, or a confirmed session's
    date (a session announced for a later day counts as published by today at the latest);
    an expected session is our inference, not evidence.
    """
    dates = [
        end_of_partial_date(source.page_date)
        for source in scheme.sources
        if source.page_date and source.kind in DATING_SOURCE_KINDS
    ]
    for session in scheme.calendar.sessions if scheme.calendar else ():
        if not session.expected:
            dates.append(min(session.opens or session.closes, today))
    return max(dates) if dates else None


def is_stale(scheme: Scheme, today: date) -> bool:
    """True for a current scheme whose newest evidence is older than STALE_AFTER_MONTHS.

    Closed and replaced schemes are history: their facts are meant to be old.
    """
    return freshness(scheme, today)[0]


def freshness(scheme: Scheme, today: date) -> tuple[bool, date | None]:
    """Whether the scheme is stale (see is_stale) and its newest evidence, worked out once."""
    newest = newest_evidence(scheme, today)
    if not scheme.is_active():
        return False, newest
    return newest is None or newest < months_before(today, STALE_AFTER_MONTHS), newest

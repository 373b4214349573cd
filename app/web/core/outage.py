"""A worker's memory of a database that stopped answering: while it lasts, requests that need
the database get their 503 at once instead of each waiting out its own timeout, and one request
at a time tries the database to see whether it is back."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app, g

from app.db import waited_out

# How long after a wait on the database ran out of time requests are answered 503 without
# trying it. Short: an outage costs its visitors this much more at most once the database is back.
PAUSE_SECONDS = 1.0


class DatabasePausedError(Exception):
    """Raised instead of waiting on a database that has just failed to answer (a 503)."""


class Access(enum.Enum):
    """What a request may do with the database now."""

    USE = "use"  # no outage known
    TRY = "try"  # an outage is known and its pause is over: this request checks the database
    REFUSE = "refuse"  # an outage is known: answer 503 without waiting on the database


class Outage:
    """The state of one worker's database, shared by its threads.

    A plain circuit breaker: a wait that runs out of time begins an outage; requests are then
    refused for `pause` seconds; then one request tries the database while the others are still
    refused: if it succeeds the outage ends, if it fails another pause begins. Only waits begin an
    outage: a refused connection fails at once and holds no thread, so it needs no pause."""

    def __init__(self, pause: float = PAUSE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._pause = pause
        self._clock = clock
        self._lock = threading.Lock()
        self._ongoing = False
        self._until = 0.0
        self._trying = False

    @property
    def ongoing(self) -> bool:
        return self._ongoing

    def start(self) -> None:
        """A wait on the database ran out of time (or a trial failed): pause from now."""
        with self._lock:
            self._ongoing = True
            self._until = self._clock() + self._pause
            self._trying = False

    def end(self) -> None:
        """A trial succeeded: the database answers again."""
        with self._lock:
            self._ongoing = False
            self._trying = False

    def access(self) -> Access:
        with self._lock:
            if not self._ongoing:
                return Access.USE
            if self._trying or self._clock() < self._until:
                return Access.REFUSE
            self._trying = True
            return Access.TRY


def init_app(app: Flask) -> None:
    """Give the app (one per worker process) its outage state; a trial that ends without a
    database failure ends the outage."""
    app.extensions["aides.outage"] = Outage()

    @app.teardown_appcontext
    def _trial_over(_error: BaseException | None) -> None:
        if g.pop("database_trial", False):
            current_app.extensions["aides.outage"].end()


def admit_request() -> None:
    """Let this request use the database, or raise DatabasePausedError during an outage."""
    access = current_app.extensions["aides.outage"].access()
    if access is Access.REFUSE:
        raise DatabasePausedError("the database failed to answer moments ago")
    if access is Access.TRY:
        g.database_trial = True


def note_failure(error: BaseException) -> None:
    """This request found the database unreachable: a wait that ran out of time, or any failure
    of a trial, starts (or prolongs) an outage."""
    if g.pop("database_trial", False) or waited_out(error):
        current_app.extensions["aides.outage"].start()

"""One database session per request, closed when the request ends, and dropped when it fails."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.web.core.outage import admit_request

log = logging.getLogger(__name__)


def init_app(app: Flask, session_factory: sessionmaker[Any]) -> None:
    """Keep the session factory on the app and close each request's session at teardown."""
    app.extensions["aides.sessions"] = session_factory

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        discard_session()


def db_session() -> Session:
    """The current request's session, opened on first use (DatabasePausedError during an
    outage: the request answers 503 without waiting on the database)."""
    if "db_session" not in g:
        admit_request()
        g.db_session = current_app.extensions["aides.sessions"]()
    session: Session = g.db_session
    return session


def discard_session() -> None:
    """Roll back and close this request's session, if it has one; a later db_session() opens a
    fresh one. Never raises: after a lost connection the rollback itself may fail."""
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()  # rolls back whatever the request left unfinished
    except SQLAlchemyError as error:
        # The link is gone: drop it rather than hand it back to the pool.
        log.warning("Database session closed by invalidation: %s", type(error).__name__)
        try:
            session.invalidate()
        except SQLAlchemyError:
            log.warning("Database session could not be invalidated either")

"""One database session per request, closed when the request ends."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker


def init_app(app: Flask, session_factory: sessionmaker[Any]) -> None:
    """Keep the session factory on the app and close each request's session at teardown."""
    app.extensions["aides.sessions"] = session_factory

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def db_session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["aides.sessions"]()
    session: Session = g.db_session
    return session

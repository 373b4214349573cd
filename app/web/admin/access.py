"""Who is signed in: server-checked sessions with idle and absolute timeouts, and roles."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, session, url_for

from app import sign_in
from app.models import User
from app.web.core.database import db_session

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
View = TypeVar("View", bound=Callable[..., Any])


def start_session(user: User, second_factor_done: bool) -> None:
    """A fresh session for this user (the old cookie's content is dropped)."""
    session.clear()
    now = time.time()
    session.permanent = True
    session.update(
        user_id=user.id,
        version=user.session_version,
        started=now,
        seen=now,
        second_factor=second_factor_done,
    )


def signed_in_user(require_second_factor: bool = True) -> User | None:
    """The user of this session, if it is still valid on the server side; an administrator
    counts as signed in only after the second factor, unless require_second_factor is False."""
    if "session_user" not in g:
        user = _session_user()
        g.session_user = user
        half_signed = user is not None and user.role == "admin" and not session.get("second_factor")
        # What the templates see as current_admin: nobody until the second factor is given,
        # so the password alone shows nothing of the admin (menu, email, links).
        g.user = None if half_signed else user
    return cast(User | None, g.user if require_second_factor else g.session_user)


def _session_user() -> User | None:
    """The account of this session's cookie, if the server still accepts that session."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    now = time.time()
    user = db_session().get(User, user_id)
    fresh = (
        now - float(session.get("seen", 0)) < IDLE_SECONDS
        and now - float(session.get("started", 0)) < ABSOLUTE_SECONDS
    )
    if user is None or not user.active or user.session_version != session.get("version"):
        fresh = False
    if not fresh:
        session.clear()
        return None
    session["seen"] = now
    return user


def require_role(*roles: str) -> Callable[[View], View]:
    """Only signed-in users with one of these roles; others go to login or get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = signed_in_user()
            if user is None:
                return redirect(url_for("admin_auth.login", next=request.path))
            if user.role not in roles:
                sign_in.access_refused(db_session(), user, request.path, request.remote_addr)
                abort(403)
            return view(*args, **kwargs)

        return cast(View, wrapped)

    return decorator

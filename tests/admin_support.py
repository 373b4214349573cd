"""Signing in through the real forms, for the admin tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
from flask.testing import FlaskClient
from harness import csrf_token_in
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import accounts
from app.models import User

PASSWORD = "correct-horse-battery-staple-42"


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at url (fetched with the client's session)."""
    return csrf_token_in(client.get(url).get_data(as_text=True))


def make_user(db: Session, email: str, role: str) -> User:
    user = accounts.create_user(db, email, PASSWORD, role, actor="test")  # type: ignore[arg-type]
    if role == "admin":
        user.totp_secret = pyotp.random_base32()
    db.commit()
    return user


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    token = csrf_token(client, "/en/admin/login")
    response = client.post(
        "/en/admin/login", data={"csrf_token": token, "email": user.email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if user.role == "admin":
        # A code is accepted once: when this admin already signed in during this time step,
        # the next step's code (within the allowed drift) is the fresh one.
        totp = pyotp.TOTP(user.totp_secret or "")
        for ahead in (0, 1):
            token = csrf_token(client, "/en/admin/second-factor")
            code = totp.at(datetime.now(UTC) + timedelta(seconds=30 * ahead))
            response = client.post(
                "/en/admin/second-factor", data={"csrf_token": token, "code": code}
            )
            if response.status_code == 302:
                break
        assert response.status_code == 302


def assert_sent_to_sign_in(response: TestResponse, asked: str) -> None:
    """A redirect to the sign-in page that comes back to the page asked for, not any 302."""
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    lang = asked.split("/")[1]
    assert (location.netloc, location.path) in (("", f"/{lang}/admin/login"),), location
    assert parse_qs(location.query) == {"next": [asked]}, location.query

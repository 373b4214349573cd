"""The second factor and the accounts under a patient attacker: a TOTP code is accepted once,
the secret being enrolled stays on the server, admin pages are never stored, nobody can lock an
account out for its owner, and the last administrator keeps the role."""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime, timedelta

import pyotp
from admin_support import PASSWORD, csrf_token, make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import accounts
from app.models import User


def _password_step(client: FlaskClient, user: User, address: str = "127.0.0.1") -> int:
    token = csrf_token(client, "/en/admin/login")
    response = client.post(
        "/en/admin/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def _send_code(client: FlaskClient, code: str) -> int:
    token = csrf_token(client, "/en/admin/second-factor")
    response = client.post("/en/admin/second-factor", data={"csrf_token": token, "code": code})
    return response.status_code


def _cookie_payload(client: FlaskClient) -> str:
    """The session cookie as anyone holding it can read it (signed, not encrypted)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    data = cookie.value
    compressed = data.startswith(".")
    body = data.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8")


def test_a_totp_code_is_accepted_once(app: object, db: Session, client: FlaskClient) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    code = pyotp.TOTP(admin.totp_secret or "").now()
    assert _password_step(client, admin) == 302
    assert _send_code(client, code) == 302

    # The same code, intercepted, from another browser within its 30 s (+ drift) window.
    attacker = client.application.test_client()
    assert _password_step(attacker, admin) == 302
    assert _send_code(attacker, code) == 401
    assert attacker.get("/en/admin/").status_code == 302  # not signed in
    # Older codes are refused too; the next one is accepted.
    previous = pyotp.TOTP(admin.totp_secret or "").at(datetime.now(UTC) - timedelta(seconds=30))
    assert _send_code(attacker, previous) == 401
    following = pyotp.TOTP(admin.totp_secret or "").at(datetime.now(UTC) + timedelta(seconds=30))
    assert _send_code(attacker, following) == 302


def test_the_same_step_cannot_be_claimed_twice(db: Session) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    now = datetime.now(UTC)
    code = pyotp.TOTP(admin.totp_secret or "").at(now)
    assert accounts.accept_totp(db, admin, admin.totp_secret, code, now)
    assert not accounts.accept_totp(db, admin, admin.totp_secret, code, now)
    assert not accounts.accept_totp(db, admin, admin.totp_secret, "12345", now)
    assert not accounts.accept_totp(db, admin, admin.totp_secret, "abcdef", now)


def test_the_secret_being_enrolled_stays_on_the_server(db: Session, client: FlaskClient) -> None:
    admin = make_user(db, "new-admin@example.org", "admin")
    admin.totp_secret = None
    db.commit()
    assert _password_step(client, admin) == 302
    page = client.get("/en/admin/second-factor").get_data(as_text=True)
    db.refresh(admin)
    secret = admin.totp_pending_secret
    assert secret is not None
    assert secret in page  # shown to the person enrolling, for their app
    assert secret not in _cookie_payload(client)
    assert "pending" not in _cookie_payload(client)
    # The same secret while it is fresh (the page can be reloaded).
    client.get("/en/admin/second-factor")
    db.refresh(admin)
    assert admin.totp_pending_secret == secret

    assert _send_code(client, pyotp.TOTP(secret).now()) == 200  # then the recovery codes
    db.refresh(admin)
    assert admin.totp_secret == secret
    assert admin.totp_pending_secret is None


def test_an_expired_enrolment_secret_is_replaced(db: Session) -> None:
    admin = make_user(db, "new-admin@example.org", "admin")
    admin.totp_secret = None
    first = accounts.pending_totp_secret(admin)
    later = datetime.now(UTC) + accounts.TOTP_ENROL_TIME + timedelta(seconds=1)
    assert not accounts.confirm_totp(db, admin, pyotp.TOTP(first).at(later), later)
    assert accounts.pending_totp_secret(admin, later) != first


def test_admin_pages_are_never_stored(db: Session, client: FlaskClient) -> None:
    assert client.get("/en/admin/login").headers["Cache-Control"] == "no-store"
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    for path in ("/en/admin/", "/fr/admin/users", "/en/admin/account", "/en/admin/nowhere"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    assert client.get("/en/").headers.get("Cache-Control") != "no-store"


def test_failures_elsewhere_never_lock_the_owner_out(db: Session, client: FlaskClient) -> None:
    owner = make_user(db, "owner@example.org", "editor")
    attacker = client.application.test_client()
    statuses = []
    for _ in range(8):
        token = csrf_token(attacker, "/en/admin/login")
        statuses.append(
            attacker.post(
                "/en/admin/login",
                data={"csrf_token": token, "email": owner.email, "password": "guess-guess-1"},
                environ_base={"REMOTE_ADDR": "203.0.113.9"},
            ).status_code
        )
    assert 429 in statuses  # the failing address is stopped on this account
    # The owner, from their own address, with the right password: signed in.
    assert _password_step(client, owner, "198.51.100.7") == 302
    # The failing address stays stopped, even with the right password.
    assert _password_step(attacker, owner, "203.0.113.9") == 429


def test_the_last_administrator_keeps_the_role(db: Session, client: FlaskClient) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    sign_in(client, admin)
    token = csrf_token(client, "/en/admin/users")
    response = client.post(
        f"/en/admin/users/{admin.id}/role",
        data={"csrf_token": token, "role": "editor", "password": PASSWORD},
        follow_redirects=True,
    )
    assert "The last administrator cannot be disabled or lose the role." in response.get_data(
        as_text=True
    )
    db.refresh(admin)
    assert admin.role == "admin"

    # With a second administrator, the first one can step down.
    other = make_user(db, "other@example.org", "admin")
    assert accounts.last_active_admin(db, admin) is False
    other.active = False
    db.commit()
    assert accounts.last_active_admin(db, admin) is True
    french = client.post(
        f"/fr/admin/users/{admin.id}/role",
        data={"csrf_token": token, "role": "editor", "password": PASSWORD},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Le dernier administrateur ne peut être ni désactivé ni perdre son rôle." in french
    db.refresh(admin)
    assert admin.role == "admin"

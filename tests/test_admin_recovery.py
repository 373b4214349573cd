"""Recovery codes through the real forms: shown once at enrolment, each accepted once instead of
a TOTP code, rate limited with it, made anew from the account page after the password or a
TOTP code; an administrator resets another user's second factor (audited)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from admin_support import PASSWORD, csrf_token, make_user, sign_in
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import accounts, recovery_codes
from app.cli import main
from app.db import make_engine
from app.models import AuditEvent, RecoveryCode, User

CODE_PATTERN = re.compile(r"<code>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</code>")


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _password_step(client: FlaskClient, user: User, lang: str = "en") -> None:
    token = csrf_token(client, f"/{lang}/admin/login")
    response = client.post(
        f"/{lang}/admin/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302


def _send_recovery_code(client: FlaskClient, code: str, lang: str = "en") -> tuple[int, str]:
    token = csrf_token(client, f"/{lang}/admin/second-factor/recovery")
    response = client.post(
        f"/{lang}/admin/second-factor/recovery", data={"csrf_token": token, "code": code}
    )
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def admin_with_codes(db: Session) -> tuple[User, list[str]]:
    admin = make_user(db, "admin@example.org", "admin")
    codes = recovery_codes.new_recovery_codes(db, admin)
    db.commit()
    return admin, codes


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "Vos codes de secours"), ("en", "Your recovery codes")]
)
def test_enrolment_shows_the_codes_once_and_stores_them_hashed(
    client: FlaskClient, db: Session, lang: str, title: str
) -> None:
    admin = accounts.create_user(db, "first@example.org", PASSWORD, "admin", actor="test")
    _password_step(client, admin, lang)
    client.get(f"/{lang}/admin/second-factor")
    db.refresh(admin)
    token = csrf_token(client, f"/{lang}/admin/second-factor")
    code = pyotp.TOTP(admin.totp_pending_secret or "").now()
    response = client.post(f"/{lang}/admin/second-factor", data={"csrf_token": token, "code": code})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title in page
    shown = CODE_PATTERN.findall(page)
    assert len(shown) == recovery_codes.RECOVERY_CODE_COUNT == len(set(shown))
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == admin.id)))
    assert len(rows) == len(shown)
    for row in rows:  # only the lookup group is in clear; the secret part is an argon2id hash
        assert row.code_hash.startswith("$argon2id$")
        assert not any(code.replace("-", "")[4:] in row.code_hash for code in shown)
    # Signed in: the codes are never shown again.
    account = client.get(f"/{lang}/admin/account").get_data(as_text=True)
    assert not CODE_PATTERN.findall(account)
    assert client.get(f"/{lang}/admin/users").status_code == 200


def test_a_recovery_code_signs_in_once(
    client: FlaskClient, db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, codes = admin_with_codes
    _password_step(client, admin)
    assert client.get("/en/admin/users").status_code == 302  # not yet past the second factor
    page = client.get("/en/admin/second-factor").get_data(as_text=True)
    assert "/en/admin/second-factor/recovery" in page  # offered beside the TOTP form
    # Typed loosely: capitals and spaces instead of hyphens.
    status, _ = _send_recovery_code(client, codes[0].upper().replace("-", " "))
    assert status == 302
    dashboard = client.get("/en/admin/").get_data(as_text=True)
    assert "9 codes are left" in dashboard
    assert client.get("/en/admin/users").status_code == 200
    login = _events(db, "login")[-1]
    assert login.actor == admin.email
    assert login.detail == {"recovery_code": "used", "remaining": "9"}

    client.post("/en/admin/logout", data={"csrf_token": csrf_token(client, "/en/admin/")})
    _password_step(client, admin)
    status, page = _send_recovery_code(client, codes[0])
    assert status == 401
    assert "not valid or was already used" in page
    assert client.get("/en/admin/users").status_code == 302
    assert _events(db, "login.recovery_code_failed")[0].actor == admin.email
    status, _ = _send_recovery_code(client, codes[1])
    assert status == 302
    assert recovery_codes.remaining_recovery_codes(db, admin) == 8


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Ce code de secours n’est pas valable ou a déjà servi."),
        ("en", "This recovery code is not valid or was already used."),
    ],
)
def test_a_wrong_recovery_code_is_refused_in_the_readers_language(
    client: FlaskClient,
    db: Session,
    admin_with_codes: tuple[User, list[str]],
    lang: str,
    message: str,
) -> None:
    admin, codes = admin_with_codes
    _password_step(client, admin, lang)
    for wrong in (codes[0][:5] + "zzzz-zzzz", "not a code at all", codes[0] + "2"):
        status, page = _send_recovery_code(client, wrong, lang)
        assert status == 401
        assert message in page
        assert 'href="#code"' in page  # the error summary leads to the field
    status, page = _send_recovery_code(client, "", lang)
    assert status == 401
    assert recovery_codes.remaining_recovery_codes(db, admin) == len(codes)


def test_recovery_codes_share_the_second_factor_rate_limit(
    client: FlaskClient, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, codes = admin_with_codes
    _password_step(client, admin)
    statuses = []
    for attempt in range(6):
        token = csrf_token(client, "/en/admin/second-factor")
        statuses.append(
            client.post(
                "/en/admin/second-factor", data={"csrf_token": token, "code": "000000"}
            ).status_code
        )
        statuses.append(_send_recovery_code(client, f"aaaa-aaaa-aaa{attempt + 2}")[0])
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert _send_recovery_code(client, codes[0])[0] == 429  # even a right code must wait


def test_the_same_code_cannot_be_spent_twice(
    db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, codes = admin_with_codes
    assert recovery_codes.use_recovery_code(db, admin, codes[3])
    assert not recovery_codes.use_recovery_code(db, admin, codes[3])
    other = make_user(db, "other@example.org", "admin")
    assert not recovery_codes.use_recovery_code(db, other, codes[4])  # codes are per user


def _new_codes(client: FlaskClient, **fields: str) -> tuple[int, str]:
    token = csrf_token(client, "/en/admin/account")
    data = {"codes-csrf_token": token, **{f"codes-{k}": v for k, v in fields.items()}}
    response = client.post("/en/admin/account/recovery-codes", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_new_codes_need_the_password_or_a_totp_code(
    client: FlaskClient, db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, old = admin_with_codes
    sign_in(client, admin)
    account = client.get("/en/admin/account").get_data(as_text=True)
    assert "You have 10 unused recovery codes." in account
    assert account.count('id="codes-password"') == 1
    assert "<title>Your account" in account
    assert "codes" not in account.split("<title>")[1].split("</title>")[0]
    assert 'for="codes-password"' in account

    for fields in ({}, {"password": "not-my-password-at-all"}, {"code": "000000"}):
        status, page = _new_codes(client, **fields)
        assert status == 400
        assert "Enter your current password or a valid code" in page
        assert 'href="#codes-password"' in page
    assert len(_events(db, "recovery_codes.refused")) == 3
    assert recovery_codes.remaining_recovery_codes(db, admin) == len(old)

    status, page = _new_codes(client, password=PASSWORD)
    assert status == 200
    fresh = CODE_PATTERN.findall(page)
    assert len(fresh) == 10
    assert not set(fresh) & set(old)
    assert not recovery_codes.use_recovery_code(db, admin, old[0])  # the old ones are gone
    assert _events(db, "recovery_codes.new")[0].actor == admin.email

    # A code from the authenticator also proves it is the owner (one not used at sign-in).
    later = pyotp.TOTP(admin.totp_secret or "").at(datetime.now(UTC) + timedelta(seconds=30))
    status, page = _new_codes(client, code=later)
    assert status == 200
    assert not set(CODE_PATTERN.findall(page)) & set(fresh)


def _reset(client: FlaskClient, user: User, password: str) -> str:
    token = csrf_token(client, "/en/admin/users")
    response = client.post(
        f"/en/admin/users/{user.id}/second-factor/reset",
        data={"csrf_token": token, "password": password},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_administrator_resets_another_users_second_factor(
    app: object, db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    lost, codes = admin_with_codes
    admin = make_user(db, "helper@example.org", "admin")
    lost_client = app.test_client()  # type: ignore[attr-defined]
    sign_in(lost_client, lost)
    client = app.test_client()  # type: ignore[attr-defined]
    sign_in(client, admin)
    users_page = client.get("/en/admin/users").get_data(as_text=True)
    assert f"/en/admin/users/{lost.id}/second-factor/reset" in users_page

    page = _reset(client, lost, "wrong-password-for-sure")
    assert "the second factor is unchanged" in page
    db.refresh(lost)
    assert lost.totp_secret is not None
    assert _events(db, "user.second_factor_reset_refused")[0].actor == admin.email

    page = _reset(client, admin, PASSWORD)  # not one's own: someone else must check it is you
    assert "Another administrator must reset your own second factor" in page
    db.refresh(admin)
    assert admin.totp_secret is not None

    page = _reset(client, lost, PASSWORD)
    assert "will set up an authenticator app again" in page
    db.refresh(lost)
    assert lost.totp_secret is None
    assert recovery_codes.remaining_recovery_codes(db, lost) == 0
    event = _events(db, "user.second_factor_reset")[0]
    assert (event.actor, event.target) == (admin.email, lost.email)
    # Their sessions ended; at the next sign-in they enrol a new authenticator.
    assert lost_client.get("/en/admin/users").status_code == 302
    _password_step(lost_client, lost)
    redirected = lost_client.get("/en/admin/second-factor/recovery")  # no codes until enrolled
    assert redirected.headers["Location"].endswith("/en/admin/second-factor")
    token = csrf_token(lost_client, "/en/admin/second-factor")
    attempt = lost_client.post(
        "/en/admin/second-factor/recovery", data={"csrf_token": token, "code": codes[0]}
    )
    assert attempt.headers["Location"].endswith("/en/admin/second-factor")
    assert lost_client.get("/en/admin/users").status_code == 302
    assert "QR code" in lost_client.get("/en/admin/second-factor").get_data(as_text=True)


def test_editors_cannot_reset_a_second_factor(
    client: FlaskClient, db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, _ = admin_with_codes
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    token = csrf_token(client, "/en/admin/account")
    response = client.post(
        f"/en/admin/users/{admin.id}/second-factor/reset",
        data={"csrf_token": token, "password": PASSWORD},
    )
    assert response.status_code == 403
    db.refresh(admin)
    assert admin.totp_secret is not None


def test_the_command_line_resets_a_second_factor(
    cli_database: str,
) -> None:
    """The last administrator, with no phone and no codes left, is reset from the server."""
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(
        main, ["users", "create-admin", "boss@example.org", "--password", PASSWORD]
    )
    assert created.exit_code == 0, created.output
    engine = make_engine(cli_database)
    with sessionmaker(bind=engine).begin() as session:
        user = accounts.find_user(session, "boss@example.org")
        assert user is not None
        user.totp_secret = pyotp.random_base32()
        recovery_codes.new_recovery_codes(session, user)
        version = user.session_version

    result = runner.invoke(main, ["users", "reset-second-factor", "Boss@Example.org"])
    assert result.exit_code == 0, result.output
    assert "boss@example.org enrols an authenticator app again" in result.output
    with sessionmaker(bind=engine).begin() as session:
        user = accounts.find_user(session, "boss@example.org")
        assert user is not None
        assert user.totp_secret is None
        assert user.session_version == version + 1
        assert recovery_codes.remaining_recovery_codes(session, user) == 0
        assert (
            session.scalar(
                select(AuditEvent.actor).where(AuditEvent.action == "user.second_factor_reset")
            )
            == "command line"
        )

    unknown = runner.invoke(main, ["users", "reset-second-factor", "nobody@example.org"])
    assert unknown.exit_code == 1
    assert "Refused: no account nobody@example.org" in unknown.output
    engine.dispose()


def test_guessing_the_password_for_new_codes_is_rate_limited(
    client: FlaskClient, db: Session, admin_with_codes: tuple[User, list[str]]
) -> None:
    admin, _codes = admin_with_codes
    sign_in(client, admin)
    statuses = [_new_codes(client, password=f"guess-number-{n}")[0] for n in range(11)]
    assert statuses == [400] * 10 + [429]
    assert recovery_codes.remaining_recovery_codes(db, admin) == 10

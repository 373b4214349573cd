"""Signing in and out: each step's bookkeeping (codes spent, enrolment, last login, audit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app import accounts, audit, recovery_codes
from app.db import unit_of_work
from app.models import User

# Every service here writes, records its audit event and commits in one unit of work; a refused
# attempt is recorded and committed too, since the audit log must keep refusals.


def _refused(session: Session, action: str, actor: str | None, address: str | None) -> None:
    with unit_of_work(session):
        audit.record(session, action, actor=actor, address=address)


def _signed_in(session: Session, user: User, address: str | None, **detail: Any) -> None:
    """The last login and its audit record (the caller's unit of work commits them)."""
    user.last_login_at = datetime.now(UTC)
    audit.record(session, "login", actor=user.email, address=address, **detail)


def check_password(session: Session, email: str, password: str, address: str | None) -> User | None:
    """The active user with this email and password, or None with the refusal recorded."""
    user = accounts.find_user(session, email)
    if user is None or not accounts.check_password(user, password):
        _refused(session, "login.failed", email, address)
        return None
    return user


def signed_in(session: Session, user: User, address: str | None, **detail: Any) -> None:
    """A sign-in that needs no second factor (editors) is complete."""
    with unit_of_work(session):
        _signed_in(session, user, address, **detail)


def enrolment_secret(session: Session, user: User) -> str:
    """The TOTP secret being enrolled, kept on the server until confirmed or expired."""
    with unit_of_work(session):
        return accounts.pending_totp_secret(user)


def confirm_enrolment(
    session: Session, user: User, code: str, address: str | None
) -> list[str] | None:
    """The first code of the enrolled authenticator: the secret is kept, the sign-in completes
    and the new recovery codes are returned (to be shown once); None when the code is refused."""
    with unit_of_work(session):
        if accounts.confirm_totp(session, user, code):
            codes = recovery_codes.new_recovery_codes(session, user)
            _signed_in(session, user, address, enrolled="yes")
            return codes
    _refused(session, "login.second_factor_failed", user.email, address)
    return None


def second_factor(session: Session, user: User, code: str, address: str | None) -> bool:
    """A current, unused TOTP code completes the sign-in (the code is then spent)."""
    with unit_of_work(session):
        if accounts.accept_totp(session, user, user.totp_secret, code):
            _signed_in(session, user, address)
            return True
    _refused(session, "login.second_factor_failed", user.email, address)
    return False


def recovery_code(session: Session, user: User, code: str, address: str | None) -> int | None:
    """An unused recovery code completes the sign-in and is spent: how many codes are left, or
    None when the code is refused."""
    with unit_of_work(session):
        if recovery_codes.use_recovery_code(session, user, code):
            left = recovery_codes.remaining_recovery_codes(session, user)
            _signed_in(session, user, address, recovery_code="used", remaining=left)
            return left
    _refused(session, "login.recovery_code_failed", user.email, address)
    return None


def sign_out(session: Session, user: User, address: str | None) -> None:
    """Every session of the user ends, on every device."""
    with unit_of_work(session):
        accounts.end_sessions(user)
        audit.record(session, "logout", actor=user.email, address=address)


def access_refused(session: Session, user: User, path: str, address: str | None) -> None:
    """A signed-in user asked for a page their role does not open: recorded."""
    with unit_of_work(session):
        audit.record(session, "access.refused", actor=user.email, target=path, address=address)

"""Admin accounts: password policy and argon2id hashes, TOTP second factor, users.

The services that write (create, disable, change a role or a password, confirm a password)
validate, write, record their audit event and commit in one `unit_of_work`; the TOTP steps
(`accept_totp`, `pending_totp_secret`, `confirm_totp`) are parts of the sign-in services in
`app/sign_in.py` and commit with them."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from zxcvbn import zxcvbn

from app import audit
from app.db import unit_of_work
from app.models import User

Role = Literal["editor", "admin"]
ROLES: tuple[Role, ...] = ("editor", "admin")
MIN_PASSWORD_LENGTH = 12
# How long a secret shown for enrolment stays valid before a new one is drawn.
TOTP_ENROL_TIME = timedelta(minutes=15)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying an unknown account still costs one hash, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A refused account operation: an English message (command line) and a reason code that
    the web layer words in the reader's language."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


_REFUSAL_MESSAGES = {
    "too_short": f"at least {MIN_PASSWORD_LENGTH} characters are required",
    "guessable": "too common or too easy to guess",
}


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is refused ("too_short", "guessable"), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    strength = zxcvbn(password[:200], user_inputs=[email, *email.split("@")])
    if strength["score"] < 3:
        return "guessable"
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def hash_matches(hashed: str, secret: str) -> bool:
    """Whether the secret is the one this argon2 hash was made from."""
    try:
        return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def create_user(
    session: Session,
    email: str,
    password: str,
    role: Role,
    *,
    actor: str,
    address: str | None = None,
) -> User:
    """A new active user, with its audit record; refuses weak passwords, unknown roles and
    duplicate emails (nothing written)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("a valid email address is required", "email")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "role")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(f"password refused: {_REFUSAL_MESSAGES[problem]}", problem)
    if session.scalar(select(User).where(User.email == email)):
        raise AccountError("a user with this email already exists", "duplicate")
    with unit_of_work(session):
        user = User(
            email=email,
            password_hash=hash_password(password),
            role=role,
            active=True,
            session_version=1,
            created_at=datetime.now(UTC),
        )
        session.add(user)
        audit.record(session, "user.create", actor=actor, target=email, address=address, role=role)
    return user


def find_user(session: Session, email: str) -> User | None:
    """The user with this email, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password(user: User | None, password: str) -> bool:
    """True when the password matches an active user's hash (constant work when no user)."""
    try:
        if user is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return user.active


def confirm_password(
    session: Session,
    user: User,
    password: str,
    *,
    refusal: str,
    target: str | None = None,
    address: str | None = None,
) -> None:
    """The signed-in user proves it is them before a sensitive change; a wrong password is
    refused with its audit record (action `refusal`), committed at once."""
    if check_password(user, password):
        return
    with unit_of_work(session):
        audit.record(session, refusal, actor=user.email, target=target, address=address)
    raise AccountError("the current password was not confirmed", "unconfirmed")


def change_password(
    session: Session, user: User, password: str, *, address: str | None = None
) -> None:
    """A new password, which also ends every session of the user, with its audit record."""
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(f"password refused: {_REFUSAL_MESSAGES[problem]}", problem)
    with unit_of_work(session):
        user.password_hash = hash_password(password)
        end_sessions(user)
        audit.record(session, "password.change", actor=user.email, address=address)


def end_sessions(user: User) -> None:
    """Invalidate every session of the user, on every device (logout, disabling, password).
    A step of those services: it does not commit."""
    user.session_version += 1


def new_totp_secret() -> str:
    """A random base32 secret for an authenticator app."""
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name="Aides culture numérique"
    )


def check_totp(secret: str | None, code: str) -> bool:
    """A current six-digit code (one step of clock drift allowed)."""
    return _totp_step(secret, code, datetime.now(UTC)) is not None


def _totp_step(secret: str | None, code: str, now: datetime) -> int | None:
    """The time step (of now, one before or one after) whose code this is, or None."""
    cleaned = code.replace(" ", "")
    if not secret or not cleaned.isdigit() or len(cleaned) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), cleaned):
            return candidate
    return None


def accept_totp(
    session: Session, user: User, secret: str | None, code: str, now: datetime | None = None
) -> bool:
    """A current code not used before: its time step must come after the last one accepted,
    which is then remembered, so that an intercepted code cannot be replayed (RFC 6238 §5.2).
    One conditional UPDATE claims the step: of two requests racing with one code, the second
    updates no row. A step of the sign-in services, which commit."""
    step = _totp_step(secret, code, now or datetime.now(UTC))
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def pending_totp_secret(user: User, now: datetime | None = None) -> str:
    """The secret being enrolled, kept on the user's row (never in the session cookie): the
    same one while it is fresh, a new one once it has expired. A step of the sign-in services,
    which commit."""
    now = now or datetime.now(UTC)
    started = user.totp_pending_at
    if user.totp_pending_secret is None or started is None or now - started > TOTP_ENROL_TIME:
        user.totp_pending_secret = new_totp_secret()
        user.totp_pending_at = now
    return user.totp_pending_secret


def confirm_totp(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """Enrolment ends when the pending secret's current code is given: it becomes the secret."""
    now = now or datetime.now(UTC)
    started = user.totp_pending_at
    if started is None or now - started > TOTP_ENROL_TIME:
        return False
    if not accept_totp(session, user, user.totp_pending_secret, code, now):
        return False
    user.totp_secret = user.totp_pending_secret
    user.totp_pending_secret = None
    user.totp_pending_at = None
    return True


def last_active_admin(session: Session, user: User) -> bool:
    """Whether user is the only active administrator: they must keep the role and the access."""
    if user.role != "admin" or not user.active:
        return False
    others = (
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )
    return not session.scalar(others)


def disable_user(session: Session, user: User, *, actor: str) -> None:
    """Disable an account and end its sessions, with its audit record; refused for one's own
    account and for the last active administrator (nothing written)."""
    if user.email == actor:
        raise AccountError("an administrator cannot disable their own account", "self")
    if last_active_admin(session, user):
        raise AccountError("the last active administrator must stay", "last_admin")
    with unit_of_work(session):
        user.active = False
        end_sessions(user)
        audit.record(session, "user.disable", actor=actor, target=user.email)


def change_role(session: Session, user: User, role: str, *, actor: str) -> None:
    """Give a user another role and end their sessions, with its audit record; refused for
    the last active administrator's own role (nothing written)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "role")
    if role != "admin" and last_active_admin(session, user):
        raise AccountError("the last active administrator must stay", "last_admin")
    with unit_of_work(session):
        user.role = role
        end_sessions(user)
        audit.record(session, "user.role", actor=actor, target=user.email, role=role)


def user_count(session: Session) -> int:
    """How many users exist."""
    return session.scalar(select(func.count()).select_from(User)) or 0

"""Admin accounts: password policy and argon2id hashes, TOTP second factor, users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from app.models import User

Role = Literal["editor", "admin"]
ROLES: tuple[Role, ...] = ("editor", "admin")
MIN_PASSWORD_LENGTH = 12
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


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, role: Role) -> User:
    """A new active user; refuses weak passwords, unknown roles and duplicate emails."""
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
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        active=True,
        session_version=1,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
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


def set_password(user: User, password: str) -> None:
    """A new password, which also ends every session of the user."""
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(f"password refused: {_REFUSAL_MESSAGES[problem]}", problem)
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Invalidate every session of the user, on every device (logout, disabling, password)."""
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
    cleaned = code.replace(" ", "")
    if not secret or not cleaned.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(cleaned, valid_window=1))


def user_count(session: Session) -> int:
    """How many users exist."""
    return session.scalar(select(func.count()).select_from(User)) or 0

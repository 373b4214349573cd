"""Recovery codes for a lost phone: single use, hashed like passwords; resetting a second factor."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.accounts import (
    AccountError,
    accept_totp,
    check_password,
    confirm_password,
    end_sessions,
    hash_matches,
    hash_password,
)
from app.db import unit_of_work
from app.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/i/l: a code copied by hand from paper is read back right.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_GROUP = 4
_GROUPS = 3
# The first group finds the row; the last two (8 characters, about 40 bits) are the secret,
# only stored hashed. NIST SP 800-63B §5.1.2 asks 20 bits of a rate-limited look-up secret.
_LOOKUP = _GROUP


def _random_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP * _GROUPS))


def _shown(code: str) -> str:
    """The code as printed: groups of four joined by hyphens."""
    return "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def _typed(code: str) -> str | None:
    """The code as typed, without spaces, hyphens or capitals; None when it cannot be one."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    if len(cleaned) != _GROUP * _GROUPS or any(c not in _ALPHABET for c in cleaned):
        return None
    return cleaned


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Fresh codes for the user, replacing every earlier one; returned once, in clear, to be
    shown to the user and never again. A step of `replace_codes` and of the enrolment
    (`app/sign_in.py`), which commit."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    now = datetime.now(UTC)
    codes: dict[str, str] = {}
    while len(codes) < RECOVERY_CODE_COUNT:
        code = _random_code()
        codes.setdefault(code[:_LOOKUP], code)  # a repeated first group is drawn again
    for lookup, code in codes.items():
        session.add(
            RecoveryCode(
                user_id=user.id,
                lookup=lookup,
                code_hash=hash_password(code[_LOOKUP:]),
                created_at=now,
            )
        )
    session.flush()
    return [_shown(code) for code in codes.values()]


def use_recovery_code(session: Session, user: User, typed: str) -> bool:
    """Accept an unused code of this user and spend it. One conditional UPDATE claims it: of
    two requests racing with the same code, the second updates no row. A step of the sign-in
    service, which commits."""
    code = _typed(typed)
    if code is None:
        return False
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.lookup == code[:_LOOKUP],
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None or not hash_matches(row.code_hash, code[_LOOKUP:]):
        return False
    claimed = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def remaining_recovery_codes(session: Session, user: User) -> int:
    """How many of the user's codes are still unused."""
    query = (
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return session.scalar(query) or 0


def replace_codes(
    session: Session, user: User, *, password: str, code: str, address: str | None
) -> list[str]:
    """New codes replacing the old ones, once the user proves it is them by their password or
    a code from their authenticator (a stolen session alone cannot take them); refused with
    its audit record otherwise."""
    with unit_of_work(session):
        proved = (password and check_password(user, password)) or (
            code and accept_totp(session, user, user.totp_secret, code)
        )
        if proved:
            codes = new_recovery_codes(session, user)
            audit.record(session, "recovery_codes.new", actor=user.email, address=address)
            return codes
    with unit_of_work(session):
        audit.record(session, "recovery_codes.refused", actor=user.email, address=address)
    raise AccountError("neither the password nor the code was confirmed", "unproved")


def reset_second_factor(
    session: Session, user: User, *, actor: str, address: str | None = None
) -> None:
    """The user enrols a new authenticator at the next sign-in: the secret, the one being
    enrolled and the recovery codes are forgotten, and every session ends; audited.
    The last accepted time step is kept: a code seen before the reset stays spent."""
    with unit_of_work(session):
        user.totp_secret = None
        user.totp_pending_secret = None
        user.totp_pending_at = None
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        end_sessions(user)
        audit.record(
            session, "user.second_factor_reset", actor=actor, target=user.email, address=address
        )


def reset_another_user(
    session: Session, admin: User, password: str, user_id: int, address: str | None
) -> User:
    """An administrator resets another user's second factor after confirming their own
    password (a refusal is recorded); refused for their own account ("self") and for an
    unknown user ("missing")."""
    confirm_password(
        session,
        admin,
        password,
        refusal="user.second_factor_reset_refused",
        target=str(user_id),
        address=address,
    )
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("no such user", "missing")
    if user.id == admin.id:
        raise AccountError("another administrator must reset one's own second factor", "self")
    reset_second_factor(session, user, actor=admin.email, address=address)
    return user

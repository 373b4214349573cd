"""Recovery codes for a lost phone: single use, hashed like passwords; resetting a second factor."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts import end_sessions, hash_matches, hash_password
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
    shown to the user and never again. The caller commits."""
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
    two requests racing with the same code, the second updates no row. The caller commits."""
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


def reset_second_factor(session: Session, user: User) -> None:
    """The user enrols a new authenticator at the next sign-in: the secret, the one being
    enrolled and the recovery codes are forgotten, and every session ends. The caller commits.
    The last accepted time step is kept: a code seen before the reset stays spent."""
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_pending_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)

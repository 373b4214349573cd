"""The audit log: who did what and when (UTC), in a form user input cannot forge."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(value: str | None, limit: int) -> str | None:
    """No newlines or control characters: one event can never pose as two."""
    return _CONTROL.sub(" ", value)[:limit] if value is not None else None


def record(
    session: Session,
    action: str,
    *,
    actor: str | None,
    target: str | None = None,
    address: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the session (committed with the change it describes)."""
    event = AuditEvent(
        at=datetime.now(UTC),
        actor=_clean(actor, 254),
        action=action,
        target=_clean(target, 200),
        address=_clean(address, 64),
        detail={key: _clean(str(value), 500) for key, value in detail.items()},
    )
    session.add(event)
    return event


def recent(session: Session, limit: int = 200) -> list[AuditEvent]:
    """The latest events, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(query))

"""Suggestions from the public: received, then accepted into a draft or declined by an editor."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import unit_of_work
from app.models import Suggestion

Decision = Literal["accepted", "declined"]


def receive(
    session: Session,
    *,
    scheme_id: str,
    message: str,
    source_url: str | None,
    email: str | None,
    lang: str,
    now: datetime,
) -> Suggestion:
    """Keep a suggestion for the editors."""
    with unit_of_work(session):
        suggestion = Suggestion(
            scheme_id=scheme_id,
            message=message,
            source_url=source_url or None,
            email=email or None,
            lang=lang,
            created_at=now,
            state="new",
        )
        session.add(suggestion)
    return suggestion


def waiting(session: Session) -> list[Suggestion]:
    """Suggestions nobody has handled yet, oldest first."""
    query = select(Suggestion).where(Suggestion.state == "new").order_by(Suggestion.created_at)
    return list(session.scalars(query))


def decide(
    session: Session,
    suggestion: Suggestion,
    decision: Decision,
    *,
    by: str,
    note: str,
    now: datetime,
) -> None:
    """Accept (the editor takes it into a draft) or decline; the sender's address is forgotten."""
    with unit_of_work(session):
        suggestion.state = decision
        suggestion.handled_by = by
        suggestion.handled_at = now
        suggestion.note = note or None
        suggestion.email = None
        audit.record(
            session,
            f"suggestion_{decision}",
            actor=by,
            target=suggestion.scheme_id,
            id=suggestion.id,
        )

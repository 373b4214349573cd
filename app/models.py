"""ORM records: schemes (the published content), tags, revisions, users, their recovery codes
and audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime


class SchemeRecord(Base):
    """One scheme as currently published: filterable columns plus the full validated document."""

    __tablename__ = "schemes"
    __table_args__ = (
        # Covers what a worker reads after every publish (repository.published_hashes): the ids
        # and hashes of the published schemes come from the index alone, never walking the
        # documents (SQLite stores the hash after the JSON in each row).
        Index("ix_schemes_published_hash", "published", "id", "content_hash"),
        # The catalogue's version (repository.catalogue_version), read by every request, from
        # the index alone: at 10,000 schemes 1.1 ms on PostgreSQL instead of 3.5 (table scan).
        Index("ix_schemes_published_version", "published", "revision", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    funder: Mapped[str] = mapped_column(String(50), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    lifecycle: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(100))
    replaced_by_id: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    # False until a scheme created in the admin is first published: the public never sees it.
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tags: Mapped[list[SchemeTag]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan", passive_deletes=True
    )


class SchemeTag(Base):
    """One value of a set-valued facet (sector, applicant type, role), for filtering in SQL."""

    __tablename__ = "scheme_tags"
    __table_args__ = (Index("ix_scheme_tags_facet_value", "facet", "value"),)

    scheme_id: Mapped[str] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(50), primary_key=True)

    scheme: Mapped[SchemeRecord] = relationship(back_populates="tags")


class SchemeRevision(Base):
    """An immutable copy of a scheme's document each time it changed: who, when and why."""

    __tablename__ = "scheme_revisions"
    __table_args__ = (UniqueConstraint("scheme_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    # "published" revisions are what the public saw; "draft" ones are being edited, "review"
    # ones wait for an administrator.
    state: Mapped[str] = mapped_column(String(20), default="published", server_default="published")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Why an administrator sent the draft back to the editors.
    review_note: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """An administrator or editor; there is no default account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by logout, a password change or disabling: every older session stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The time step of the last TOTP code accepted: a code (or an older one) is accepted once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The secret shown while enrolling, kept here (not in the cookie) until confirmed or expired.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code when the phone is lost (hashed)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "lookup"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The code's first group, in clear: it finds the one hash to verify (argon2 is slow on
    # purpose); the rest of the code is only stored as an argon2id hash.
    lookup: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who did what, when (UTC): logins, refusals and every change."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))


class AlertSubscription(Base):
    """An e-mail alert without an account: a saved search or a questionnaire profile.

    Created unconfirmed; confirmed through a signed link (double opt-in); erased on
    unsubscribing, or after 12 months without a renewal.
    """

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    # "search": the list's query string; "profile": the questionnaire's answers query string.
    kind: Mapped[str] = mapped_column(String(10))
    query: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(10))  # weekly | monthly
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changes on every confirmation or unsubscription: links signed with an older one fail.
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertDelivery(Base):
    """A mail claimed for sending, once: the unique key makes every run idempotent."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    # "digest:2026-12-07", "reminder:cnc-fajv:2027-01-15:14"…
    key: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobLock(Base):
    """A lock held in the database, so that one machine only runs a job at a time."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class Suggestion(Base):
    """A correction or news about a scheme sent by anyone from its public page."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(String(100), index=True)
    message: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(500))
    # Optional, to be thanked or asked a question; erased when the suggestion is handled.
    email: Mapped[str | None] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(
        String(10), default="new", index=True
    )  # new|accepted|declined
    handled_by: Mapped[str | None] = mapped_column(String(254))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

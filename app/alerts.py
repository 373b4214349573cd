"""E-mail alerts without an account: double opt-in, what is due, each mail claimed once, one
sender at a time.

What a subscription matches (the schemes of a search, a profile's verdicts) and how a mail looks
are given by the caller: the web side answers them exactly as the site does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db import unit_of_work
from app.mail import MailError
from app.models import AlertDelivery, AlertSubscription, JobLock

Kind = Literal["search", "profile"]
Frequency = Literal["weekly", "monthly"]
Purpose = Literal["confirm", "unsubscribe", "renew"]
PERIODS: dict[str, timedelta] = {"weekly": timedelta(days=7), "monthly": timedelta(days=30)}
REMINDER_DAYS = (14, 3)
# An unconfirmed address is erased after this; a confirmation link expires with it.
CONFIRM_WITHIN = timedelta(days=7)
# Without a confirmed renewal for this long, the address and its alerts are erased.
KEEP_FOR = timedelta(days=365)
# A renewal reminder is sent this long before the erasure.
RENEWAL_NOTICE = timedelta(days=30)
LOCK_NAME = "alerts-send"
LOCK_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Match:
    """A scheme an alert found: with its verdict for a profile, and its next deadline."""

    scheme_id: str
    name: str
    url: str
    changed_at: datetime | None
    deadline: date | None = None
    deadline_expected: bool = False
    status: str | None = None  # eligible | unknown, for a profile
    reason: str | None = None  # the verdict in one line, for a profile


@dataclass(frozen=True)
class DueMail:
    """One mail to send: its idempotency key, what it is, and the schemes it speaks of."""

    key: str
    kind: Literal["digest", "reminder", "renewal"]
    matches: tuple[Match, ...]
    days_left: int | None = None


@dataclass
class RunReport:
    """What one `aides alerts send` run did."""

    locked_out: bool = False
    erased: int = 0
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: int = 0


Matcher = Callable[[AlertSubscription], list[Match]]
Renderer = Callable[[AlertSubscription, DueMail], EmailMessage]
Sender = Callable[[EmailMessage], None]


def _serializer(secret: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"alerts-{purpose}")


def make_token(secret: str, subscription: AlertSubscription, purpose: Purpose) -> str:
    """A signed token naming the subscription, for one purpose."""
    return str(_serializer(secret, purpose).dumps({"id": subscription.id, "n": subscription.nonce}))


def read_token(
    session: Session, secret: str, token: str, purpose: Purpose
) -> AlertSubscription | None:
    """The subscription a valid token names; None when forged, expired, or erased since."""
    max_age = int(CONFIRM_WITHIN.total_seconds()) if purpose == "confirm" else None
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    subscription = session.get(AlertSubscription, data["id"])
    if subscription is None or subscription.nonce != data.get("n"):
        return None
    return subscription


def subscribe(
    session: Session,
    *,
    email: str,
    lang: str,
    kind: Kind,
    query: str,
    frequency: Frequency,
    reminders: bool,
    now: datetime,
) -> AlertSubscription:
    """An unconfirmed subscription (a repeated request for the same alert reuses it)."""
    with unit_of_work(session):
        existing = session.scalars(
            select(AlertSubscription).where(
                AlertSubscription.email == email,
                AlertSubscription.kind == kind,
                AlertSubscription.query == query,
            )
        ).first()
        subscription = existing or AlertSubscription(
            email=email, kind=kind, query=query, nonce=secrets.token_hex(16), created_at=now
        )
        subscription.lang = lang
        subscription.frequency = frequency
        subscription.reminders = reminders
        if existing is None:
            session.add(subscription)
    return subscription


def confirm(session: Session, subscription: AlertSubscription, now: datetime) -> None:
    """Double opt-in done; also counts as the first renewal."""
    with unit_of_work(session):
        if subscription.confirmed_at is None:
            subscription.confirmed_at = now
        subscription.renewed_at = now


def renew(session: Session, subscription: AlertSubscription, now: datetime) -> None:
    """Keep the alert another KEEP_FOR."""
    with unit_of_work(session):
        subscription.renewed_at = now


def erase(session: Session, subscription: AlertSubscription) -> None:
    """Forget the address and everything sent to it (a step of `erase_address` and `purge`)."""
    session.execute(delete(AlertDelivery).where(AlertDelivery.subscription_id == subscription.id))
    session.delete(subscription)


def erase_address(session: Session, email: str) -> int:
    """Forget an address: every alert it subscribed to and every mail sent to it."""
    with unit_of_work(session):
        subscriptions = session.scalars(
            select(AlertSubscription).where(AlertSubscription.email == email)
        ).all()
        for subscription in subscriptions:
            erase(session, subscription)
    return len(subscriptions)


def purge(session: Session, now: datetime) -> int:
    """Erase unconfirmed subscriptions past CONFIRM_WITHIN and confirmed ones past KEEP_FOR
    (a step of `send_due`, which commits)."""
    stale = session.scalars(
        select(AlertSubscription).where(
            (
                AlertSubscription.confirmed_at.is_(None)
                & (AlertSubscription.created_at < now - CONFIRM_WITHIN)
            )
            | (AlertSubscription.renewed_at < now - KEEP_FOR)
        )
    ).all()
    for subscription in stale:
        erase(session, subscription)
    return len(stale)


def due_mails(
    subscription: AlertSubscription, matches: Iterable[Match], now: datetime, today: date
) -> list[DueMail]:
    """What this subscription should receive now; keys stay the same until it is sent."""
    matches = tuple(matches)
    mails: list[DueMail] = []
    since = subscription.last_digest_at or subscription.confirmed_at
    if since is not None and now >= since + PERIODS[subscription.frequency]:
        changed = tuple(m for m in matches if m.changed_at is not None and m.changed_at > since)
        mails.append(
            DueMail(f"digest:{(since + PERIODS[subscription.frequency]).date()}", "digest", changed)
        )
    if subscription.reminders:
        for match in matches:
            if match.deadline is None:
                continue
            left = (match.deadline - today).days
            for days in REMINDER_DAYS:
                later = [d for d in REMINDER_DAYS if d < days]
                if 0 <= left <= days and not (later and left <= max(later)):
                    key = f"reminder:{match.scheme_id}:{match.deadline}:{days}"
                    mails.append(DueMail(key, "reminder", (match,), left))
    renewed = subscription.renewed_at
    if renewed is not None and now >= renewed + KEEP_FOR - RENEWAL_NOTICE:
        mails.append(DueMail(f"renewal:{renewed.date()}", "renewal", ()))
    return mails


def claim(session: Session, subscription: AlertSubscription, key: str, now: datetime) -> bool:
    """Record that this mail is being sent, durably, before sending it: a crash afterwards can
    lose it but never send it twice. False when it was claimed already."""
    try:
        with session.begin_nested():
            session.add(AlertDelivery(subscription_id=subscription.id, key=key, claimed_at=now))
    except IntegrityError:
        return False
    session.commit()
    return True


def unclaim(session: Session, subscription: AlertSubscription, key: str) -> None:
    """The mail server refused it: the next run tries again."""
    session.execute(
        delete(AlertDelivery).where(
            AlertDelivery.subscription_id == subscription.id, AlertDelivery.key == key
        )
    )
    session.commit()


def acquire_lock(session: Session, owner: str, now: datetime, name: str = LOCK_NAME) -> bool:
    """Take the named lock unless another live run holds it (expired locks are taken over)."""
    try:
        with session.begin_nested():
            session.add(JobLock(name=name, owner=owner, until=now + LOCK_TTL))
    except IntegrityError:
        taken = session.execute(
            update(JobLock)
            .where(JobLock.name == name, JobLock.until < now)
            .values(owner=owner, until=now + LOCK_TTL)
        )
        session.commit()
        return bool(getattr(taken, "rowcount", 0))
    session.commit()
    return True


def release_lock(session: Session, owner: str, now: datetime, name: str = LOCK_NAME) -> None:
    """Let the next run in."""
    session.execute(
        update(JobLock).where(JobLock.name == name, JobLock.owner == owner).values(until=now)
    )
    session.commit()


def send_due(
    factory: sessionmaker[Session],
    *,
    matcher: Matcher,
    render: Renderer,
    send: Sender,
    now: datetime,
    today: date,
    owner: str,
) -> RunReport:
    """Send every mail that is due, each at most once; one run at a time across machines."""
    report = RunReport()
    with factory() as session:
        if not acquire_lock(session, owner, now):
            report.locked_out = True
            return report
        try:
            report.erased = purge(session, now)
            session.commit()
            confirmed = session.scalars(
                select(AlertSubscription)
                .where(AlertSubscription.confirmed_at.is_not(None))
                .order_by(AlertSubscription.id)
            ).all()
            for subscription in confirmed:
                _send_one(session, subscription, matcher, render, send, now, today, report)
        finally:
            release_lock(session, owner, now)
    return report


def _send_one(
    session: Session,
    subscription: AlertSubscription,
    matcher: Matcher,
    render: Renderer,
    send: Sender,
    now: datetime,
    today: date,
    report: RunReport,
) -> None:
    for mail in due_mails(subscription, matcher(subscription), now, today):
        if mail.kind == "digest":
            subscription.last_digest_at = now
            if not mail.matches:  # nothing new: no empty digest
                session.commit()
                report.skipped += 1
                continue
        if not claim(session, subscription, mail.key, now):
            report.skipped += 1
            continue
        try:
            send(render(subscription, mail))
        except MailError:
            unclaim(session, subscription, mail.key)
            report.failed.append(f"{subscription.id}:{mail.key}")
            continue
        report.sent.append(f"{subscription.id}:{mail.key}")

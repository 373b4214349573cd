"""E-mail alerts end to end: a "notify me" form, the confirmation received by a real local SMTP
server, digests and reminders sent once each, a crash mid-run, one-click unsubscription."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from harness import csrf_token_in
from mail_support import Inbox, body, smtp_server
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import alerts
from app.config import Settings
from app.deadlines import today_in_paris
from app.models import AlertDelivery, AlertSubscription
from app.repository import import_schemes
from app.schemes import Scheme
from app.web import create_app
from app.web.pages.alerts_runner import send_alerts


@pytest.fixture
def mail() -> Iterator[tuple[str, Inbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, mail: tuple[str, Inbox]) -> Settings:
    return replace(settings, smtp_url=mail[0], public_base_url="https://aides.example.org")


@pytest.fixture
def mail_app(mail_settings: Settings, session_factory: sessionmaker[Session]) -> Flask:
    app = create_app(mail_settings, session_factory)
    app.config["TESTING"] = True
    return app


def link_in(message: EmailMessage, path: str) -> str:
    """The first link of the plain text part whose path contains `path`."""
    match = re.search(
        rf"https://aides\.example\.org(/\S*{re.escape(path)}\S*)", body(message, "plain")
    )
    assert match, f"no {path} link in the mail"
    return match[1]


def subscribe_from(client: FlaskClient, page: str, email: str, frequency: str = "weekly") -> str:
    html = client.get(page).get_data(as_text=True)
    assert 'id="notify-title"' in html, f"no notify-me link on {page}"
    assert "csrf_token" not in html  # the page itself stays cacheable: no session, no token
    link = re.search(r'<a href="([^"]+/alerts/\?[^"]+)">', html.split('id="notify-title"')[1])
    assert link
    form_page = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    form = re.search(
        r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', form_page, re.S
    )
    assert form
    fields = dict(
        re.findall(r'<input[^>]*name="(csrf_token|kind|query)"[^>]*value="([^"]*)"', form[2])
    )
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    response = client.post(
        form[1], data={**fields, "email": email, "frequency": frequency, "reminders": "y"}
    )
    return response.get_data(as_text=True)


def confirm(client: FlaskClient, message: EmailMessage) -> str:
    link = link_in(message, "/alerts/confirm/")
    page = client.get(link).get_data(as_text=True)
    return client.post(link, data={"csrf_token": csrf_token_in(page)}).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "check", "confirmed", "subject"),
    [
        ("fr", "Vérifiez votre messagerie", "Votre alerte est active", "Confirmez votre alerte"),
        ("en", "Check your mailbox", "Your alert is on", "Confirm your alert"),
    ],
)
def test_a_search_alert_is_confirmed_through_the_link_received(
    mail_app: Flask,
    mail: tuple[str, Inbox],
    db: Session,
    lang: str,
    check: str,
    confirmed: str,
    subject: str,
) -> None:
    client = mail_app.test_client()
    _url, inbox = mail
    answer = subscribe_from(client, f"/{lang}/aides/?funder=cnc", "Creator@Example.org")
    assert check in answer
    (message,) = inbox.messages
    assert message["To"] == "creator@example.org"
    assert message["Subject"] == subject
    assert "List-Unsubscribe" not in message  # nothing to leave before confirming
    subscription = db.scalars(
        select(AlertSubscription).where(AlertSubscription.email == "creator@example.org")
    ).one()
    assert subscription.confirmed_at is None
    assert subscription.kind == "search"
    assert subscription.query == "funder=cnc"
    assert confirmed in confirm(client, message)
    db.refresh(subscription)
    assert subscription.confirmed_at is not None


def test_the_answer_is_the_same_whether_the_address_is_known_or_not(
    mail_app: Flask, mail: tuple[str, Inbox]
) -> None:
    client = mail_app.test_client()
    first = subscribe_from(client, "/en/aides/?funder=cnm", "someone@example.org")
    again = subscribe_from(client, "/en/aides/?funder=cnm", "someone@example.org")
    strip = lambda html: re.sub(r'value="[^"]+"', "", html)  # noqa: E731
    assert strip(first) == strip(again)


def test_a_forged_or_stale_link_is_a_404(mail_app: Flask) -> None:
    client = mail_app.test_client()
    assert client.get("/en/alerts/confirm/not-a-token").status_code == 404
    assert client.post("/en/alerts/unsubscribe/not-a-token").status_code == 404


def _confirmed(db: Session, kind: str, query: str, days_ago: int) -> AlertSubscription:
    now = datetime.now(UTC)
    subscription = alerts.subscribe(
        db,
        email=f"{kind}@example.org",
        lang="en",
        kind=kind,  # type: ignore[arg-type]
        query=query,
        frequency="weekly",
        reminders=True,
        now=now - timedelta(days=days_ago),
    )
    alerts.confirm(db, subscription, now - timedelta(days=days_ago))
    return subscription


@pytest.fixture
def fajv_changed_with_a_deadline(db: Session, catalogue: list[Scheme]) -> Scheme:
    """cnc-fajv published just now, with a session closing in 10 days."""
    base = next(s for s in catalogue if s.id == "cnc-fajv")
    closes = today_in_paris() + timedelta(days=10)
    scheme = Scheme.model_validate(
        {
            **base.document(),
            "calendar": {
                "sessions": [{"closes": closes.isoformat(), "source": base.sources[0].id}]
            },
        }
    )
    import_schemes(db, [scheme], author="tests", comment="a new session")
    db.commit()
    return scheme


def test_a_digest_and_a_reminder_arrive_once_each(
    mail_settings: Settings,
    session_factory: sessionmaker[Session],
    mail: tuple[str, Inbox],
    db: Session,
    fajv_changed_with_a_deadline: Scheme,
) -> None:
    _url, inbox = mail
    subscription = _confirmed(db, "search", "funder=cnc&q=jeu+video", days_ago=8)
    first = send_alerts(mail_settings, session_factory=session_factory)
    second = send_alerts(mail_settings, session_factory=session_factory)
    mine = f"{subscription.id}:"
    assert [key for key in second.sent if key.startswith(mine)] == []
    keys = sorted(key.split(":", 1)[1] for key in first.sent if key.startswith(mine))
    closes = fajv_changed_with_a_deadline.sessions_sorted()[0].closes
    assert keys == [
        f"digest:{(subscription.confirmed_at + timedelta(days=7)).date()}",
        f"reminder:cnc-fajv:{closes}:14",
    ]
    subjects = sorted(m["Subject"] for m in inbox.messages if m["To"] == subscription.email)
    assert subjects == ["A deadline is coming", "New and changed schemes for your alert"]
    digest = next(m for m in inbox.messages if m["Subject"].startswith("New"))
    assert "https://aides.example.org/en/aides/cnc-fajv" in body(digest, "plain")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    reminder = next(m for m in inbox.messages if m["Subject"].startswith("A deadline"))
    assert "10 days left to apply" in body(reminder, "plain")


def test_a_profile_alert_says_why_each_scheme_fits(
    mail_settings: Settings,
    session_factory: sessionmaker[Session],
    mail: tuple[str, Inbox],
    db: Session,
    fajv_changed_with_a_deadline: Scheme,
) -> None:
    _url, inbox = mail
    _confirmed(db, "profile", "applicant_type=company&sectors=video_games", days_ago=8)
    report = send_alerts(mail_settings, session_factory=session_factory)
    assert any(":digest:" in key for key in report.sent)
    digest = next(m for m in inbox.messages if m["Subject"].startswith("New"))
    text = body(digest, "plain")
    assert "cnc-fajv" in text
    assert "Depends on" in text or "You meet every condition." in text


def test_a_crash_in_the_middle_of_a_run_sends_no_mail_twice(
    mail_settings: Settings,
    session_factory: sessionmaker[Session],
    mail: tuple[str, Inbox],
    db: Session,
    fajv_changed_with_a_deadline: Scheme,
) -> None:
    _url, inbox = mail
    ids = [
        _confirmed(db, "search", query, days_ago=8).id
        for query in ("funder=cnc&q=jeu+video", "funder=cnc&sector=video_games", "q=jeu+video")
    ]
    delivered: list[EmailMessage] = []

    def crash_on_third(message: EmailMessage) -> None:
        if len(delivered) == 2:
            raise RuntimeError("the machine stops here")
        delivered.append(message)

    with pytest.raises(RuntimeError):
        send_alerts(mail_settings, session_factory=session_factory, sender=crash_on_third)
    after = send_alerts(mail_settings, session_factory=session_factory)
    claimed = db.scalar(
        select(func.count())
        .select_from(AlertDelivery)
        .where(AlertDelivery.subscription_id.in_(ids))
    )
    assert len(delivered) == 2
    sent_after = [key for key in after.sent if int(key.split(":", 1)[0]) in ids]
    assert len(sent_after) == claimed - 3  # the two sent and the one lost with the crash
    sent_keys = [m["X-Aides-Alert"] for m in [*delivered, *inbox.messages]]
    assert len(sent_keys) == len(set(sent_keys))  # nothing twice


def test_one_click_unsubscribe_from_the_header_stops_and_erases(
    mail_app: Flask,
    mail_settings: Settings,
    session_factory: sessionmaker[Session],
    mail: tuple[str, Inbox],
    db: Session,
    fajv_changed_with_a_deadline: Scheme,
) -> None:
    _url, inbox = mail
    ids = [
        _confirmed(db, "search", "funder=cnc&q=jeu+video", days_ago=8).id,
        _confirmed(db, "search", "funder=cnl", days_ago=2).id,  # the same address, another alert
    ]
    send_alerts(mail_settings, session_factory=session_factory)
    header = next(m for m in inbox.messages if m["To"] == "search@example.org")["List-Unsubscribe"]
    path = re.fullmatch(r"<https://aides\.example\.org(\S+)>", header)
    assert path
    client = mail_app.test_client()
    # What a mail client sends for RFC 8058: a POST with this body, no cookie, no CSRF token.
    response = client.post(
        path[1],
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    gone = select(AlertSubscription).where(AlertSubscription.email == "search@example.org")
    assert db.scalars(gone).all() == []  # both alerts of the address
    left = (
        select(func.count())
        .select_from(AlertDelivery)
        .where(AlertDelivery.subscription_id.in_(ids))
    )
    assert db.scalar(left) == 0
    assert client.post(path[1]).status_code == 404  # the link is spent
    before = len(inbox.messages)
    send_alerts(mail_settings, session_factory=session_factory)
    assert [m for m in inbox.messages[before:] if m["To"] == "search@example.org"] == []


def test_one_run_at_a_time(session_factory: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    with session_factory() as session:
        assert alerts.acquire_lock(session, "machine-a", now)
        assert not alerts.acquire_lock(session, "machine-b", now)
        # A run that died leaves a lock that expires.
        assert alerts.acquire_lock(
            session, "machine-b", now + alerts.LOCK_TTL + timedelta(seconds=1)
        )
        alerts.release_lock(session, "machine-b", now + alerts.LOCK_TTL + timedelta(seconds=1))


def test_unconfirmed_and_unrenewed_addresses_are_erased(db: Session) -> None:
    now = datetime.now(UTC)
    late = alerts.subscribe(
        db,
        email="late@example.org",
        lang="fr",
        kind="search",
        query="",
        frequency="weekly",
        reminders=False,
        now=now - timedelta(days=8),
    )
    kept = _confirmed(db, "search", "funder=cnl", days_ago=300)
    old = _confirmed(db, "search", "funder=cnm", days_ago=400)
    assert alerts.purge(db, now) >= 2
    remaining = set(db.scalars(select(AlertSubscription.id)).all())
    assert kept.id in remaining
    assert not {old.id, late.id} & remaining


@pytest.mark.parametrize(
    ("lang", "path", "title"),
    [("fr", "calendrier", "Calendrier des dates limites"), ("en", "calendar", "Deadline calendar")],
)
def test_the_calendar_lists_coming_deadlines_by_month(
    client: FlaskClient, fajv_changed_with_a_deadline: Scheme, lang: str, path: str, title: str
) -> None:
    html = client.get(f"/{lang}/{path}/?funder=cnc").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    closes = fajv_changed_with_a_deadline.sessions_sorted()[0].closes
    assert f'<time datetime="{closes.isoformat()}">' in html
    assert f'href="/{lang}/aides/cnc-fajv"' in html
    other = client.get(f"/{lang}/{path}/?funder=cnm").get_data(as_text=True)
    assert 'href="/{lang}/aides/cnc-fajv"' not in other
    wrong = {"fr": "calendar", "en": "calendrier"}[lang]
    moved = client.get(f"/{lang}/{wrong}/?funder=cnc")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/{lang}/{path}/?funder=cnc"
    ics = client.get(f"/{lang}/aides/calendar.ics?funder=cnc").get_data(as_text=True)
    assert "BEGIN:VALARM" in ics
    assert "TRIGGER:-P14D" in ics
    assert "TRIGGER:-P3D" in ics


def test_a_wrong_calendar_filter_is_a_400(client: FlaskClient) -> None:
    assert client.get("/en/calendar/?funder=nobody").status_code == 400

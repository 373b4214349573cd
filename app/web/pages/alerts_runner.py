"""`aides alerts send`: each alert's schemes asked of the site's own API, then the mails sent.

Asking the API (in process, no network) makes an alert match exactly what its page shows.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import MultiDict

from app import alerts
from app.alerts import Match, RunReport
from app.config import Settings
from app.deadlines import today_in_paris
from app.mail import SmtpServer, send
from app.models import AlertSubscription
from app.repository import updated_times
from app.schemes import ACTIVE_STATUSES
from app.web import create_app
from app.web.core.listing_form import MAX_PER_PAGE
from app.web.pages.alerts import render_mail
from app.web.pages.answers_url import raw_answers

# Paging and order are the page's business, not the alert's.
IGNORED = {"page", "per_page", "sort", "lang"}


class AlertMatcher:
    """What each subscription matches, asked of the API as a visitor's browser would."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self.app = app
        self.base = settings.public_base_url
        self.client = app.test_client()

    def _deadline(self, data: dict[str, Any] | None) -> tuple[date | None, bool]:
        if not data or not data.get("closes"):
            return None, False
        return date.fromisoformat(data["closes"]), bool(data.get("expected"))

    def _changed(self, ids: list[str]) -> dict[str, datetime]:
        factory = self.app.extensions["aides.sessions"]
        with factory() as session:
            return updated_times(session, ids)

    def search(self, subscription: AlertSubscription) -> list[Match]:
        params = [(k, v) for k, v in parse_qsl(subscription.query) if k not in IGNORED]
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            query = [*params, ("lang", subscription.lang), ("per_page", str(MAX_PER_PAGE))]
            response = self.client.get(
                "/api/v1/schemes", query_string=[*query, ("page", str(page))], base_url=self.base
            )
            data = response.get_json()
            if response.status_code != 200 or not isinstance(data, dict):
                return []  # a query the site no longer accepts matches nothing
            items += data["items"]
            if page * MAX_PER_PAGE >= data["total"]:
                break
            page += 1
        changed = self._changed([item["id"] for item in items])
        return [
            Match(
                item["id"],
                item["name"],
                item["url"],
                changed.get(item["id"]),
                *self._deadline(item.get("next_deadline")),
            )
            for item in items
        ]

    def profile(self, subscription: AlertSubscription) -> list[Match]:
        with self.app.app_context():
            vocabulary = self.app.extensions["aides.vocabulary"]
            answers = raw_answers(
                MultiDict(parse_qsl(subscription.query, keep_blank_values=True)), vocabulary
            )
        response = self.client.post(
            "/api/v1/eligibility",
            json={"answers": answers, "lang": subscription.lang},
            base_url=self.base,
        )
        data = response.get_json()
        if response.status_code != 200 or not isinstance(data, dict):
            return []
        fitting = [
            r
            for r in data["results"]
            if r["status"] in ("eligible", "unknown")
            and r["lifecycle"]["status"] in ACTIVE_STATUSES
        ]
        changed = self._changed([r["scheme"]["id"] for r in fitting])
        with self.app.test_request_context(f"/{subscription.lang}/", base_url=self.base):
            met = _("You meet every condition.")
        return [
            Match(
                r["scheme"]["id"],
                r["scheme"]["name"],
                r["scheme"]["url"],
                changed.get(r["scheme"]["id"]),
                *self._deadline(r.get("next_deadline")),
                status=r["status"],
                reason=met
                if r["status"] == "eligible"
                else next(c["explanation"] for c in r["criteria"] if c["status"] == "unknown"),
            )
            for r in fitting
        ]

    def __call__(self, subscription: AlertSubscription) -> list[Match]:
        if subscription.kind == "profile":
            return self.profile(subscription)
        return self.search(subscription)


def send_alerts(
    settings: Settings,
    now: datetime | None = None,
    session_factory: sessionmaker[Session] | None = None,
    sender: Callable[[EmailMessage], None] | None = None,
) -> RunReport:
    """Send what is due to every confirmed alert; one run at a time across machines.

    Tests hand in their session factory, and a sender to simulate a crash.
    """
    if settings.smtp_url is None:
        raise ValueError("SMTP_URL is not set: no mail can be sent")
    server = SmtpServer.from_url(settings.smtp_url)
    app = create_app(settings, session_factory)
    matcher = AlertMatcher(app, settings)

    def render(subscription: AlertSubscription, mail: alerts.DueMail) -> Any:
        with app.test_request_context(f"/{subscription.lang}/", base_url=settings.public_base_url):
            return render_mail(subscription, mail)

    return alerts.send_due(
        app.extensions["aides.sessions"],
        matcher=matcher,
        render=render,
        send=sender or (lambda message: send(server, message)),
        now=now or datetime.now(UTC),
        today=today_in_paris() if now is None else now.date(),
        owner=f"{socket.gethostname()}:{os.getpid()}",
    )

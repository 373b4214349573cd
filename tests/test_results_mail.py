"""Sending one's results by e-mail, through the results page form to a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from harness import csrf_token_in
from mail_support import Inbox, body, free_port, smtp_server
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.web import create_app

RESULTS = (
    "/{lang}/questionnaire/results"
    "?applicant_type=individual&roles=author&published_books_sole_author=0"
)


@pytest.fixture
def mail() -> Iterator[tuple[str, Inbox]]:
    with smtp_server() as server:
        yield server


def app_with(settings: Settings, session_factory: sessionmaker[Session], smtp_url: str) -> Flask:
    app = create_app(replace(settings, smtp_url=smtp_url), session_factory)
    app.config["TESTING"] = True
    return app


def form_token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return csrf_token_in(html)


def post_email(client: FlaskClient, lang: str, address: str) -> tuple[int, str]:
    url = RESULTS.format(lang=lang)
    token = form_token(client, url)
    action = url.replace("/results?", "/results/email?")
    response = client.post(action, data={"csrf_token": token, "email": address})
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "subject", "sent", "explained"),
    [
        ("fr", "Vos résultats", "Résultats envoyés", "Dépend d’une question"),
        ("en", "Your results", "Results sent", "Depends on a question"),
    ],
)
def test_results_arrive_by_mail_with_the_link_that_reproduces_them(
    settings: Settings,
    session_factory: sessionmaker[Session],
    mail: tuple[str, Inbox],
    lang: str,
    subject: str,
    sent: str,
    explained: str,
) -> None:
    smtp_url, inbox = mail
    client = app_with(settings, session_factory, smtp_url).test_client()
    status, html = post_email(client, lang, "creator@example.org")
    assert status == 200, html[:500]
    assert sent in html
    (message,) = inbox.messages
    assert message["To"] == "creator@example.org"
    assert message["Subject"].startswith(subject)
    text, rich = body(message, "plain"), body(message, "html")
    link = "/" + lang + "/questionnaire/results?applicant_type=individual"
    assert link in text
    assert link in rich.replace("&amp;", "&")
    assert explained in text  # what is left to check on the schemes to verify


def test_a_wrong_address_is_explained_and_nothing_is_sent(
    settings: Settings, session_factory: sessionmaker[Session], mail: tuple[str, Inbox]
) -> None:
    smtp_url, inbox = mail
    client = app_with(settings, session_factory, smtp_url).test_client()
    status, html = post_email(client, "en", "not-an-address")
    assert status == 400
    assert 'role="alert"' in html
    assert "Enter an e-mail address such as name@example.org." in html
    assert 'id="group-eligible"' in html  # the results are still there
    assert inbox.messages == []


def test_an_unreachable_mail_server_loses_nothing(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    client = app_with(settings, session_factory, f"smtp://127.0.0.1:{free_port()}").test_client()
    status, html = post_email(client, "fr", "creator@example.org")
    assert status == 503
    assert "/fr/questionnaire/results?applicant_type=individual" in html.replace("&amp;", "&")


def test_no_mail_server_means_no_form(client: FlaskClient) -> None:
    html = client.get(RESULTS.format(lang="en")).get_data(as_text=True)
    assert "Send these results to me by e-mail" not in html


def test_sending_is_rate_limited(
    settings: Settings, session_factory: sessionmaker[Session], mail: tuple[str, Inbox]
) -> None:
    smtp_url, inbox = mail
    client = app_with(settings, session_factory, smtp_url).test_client()
    statuses = [post_email(client, "en", "creator@example.org")[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert len(inbox.messages) == 5

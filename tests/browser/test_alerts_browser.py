"""The deadline calendar and "notify me" in a real browser, French and English, with axe."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from mail_support import Inbox, body, smtp_server
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text
from werkzeug.serving import make_server

from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.db import make_session_factory
from app.web import create_app

AxeCheck = Callable[[Page], list[dict[str, Any]]]
TEXT = {
    "fr": {
        "path": "calendrier",
        "title": "Calendrier des dates limites",
        "apply": "Appliquer les filtres",
        "email": "Votre adresse électronique",
        "notify": "M’avertir",
        "alert": "Créer une alerte par courriel",
        "check": "Vérifiez votre messagerie",
        "confirm": "Confirmez votre alerte",
        "on": "Votre alerte est active",
    },
    "en": {
        "path": "calendar",
        "title": "Deadline calendar",
        "apply": "Apply filters",
        "email": "Your e-mail address",
        "notify": "Notify me",
        "alert": "Set up an e-mail alert",
        "check": "Check your mailbox",
        "confirm": "Confirm your alert",
        "on": "Your alert is on",
    },
}


@pytest.fixture(scope="module")
def mail_server() -> Iterator[tuple[str, Inbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def mail_site(
    engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    mail_server: tuple[str, Inbox],
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("mail-site")
    settings = Settings(
        database_url=database_url,
        search_index_dir=tmp / "index",
        secret_key="browser-tests",
        schemes_dir=DEFAULT_SCHEMES_DIR,
        redis_url=None,
        instance_dir=tmp,
    )
    server = make_server("127.0.0.1", 0, None, threaded=True)  # port first, for the base URL
    base = f"http://127.0.0.1:{server.server_port}"
    settings = replace(settings, smtp_url=mail_server[0], public_base_url=base)
    server.app = create_app(settings, make_session_factory(engine))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    with engine.begin() as connection:  # what the browser confirmed was committed: remove it
        connection.execute(
            text(
                "DELETE FROM alert_deliveries WHERE subscription_id IN "
                "(SELECT id FROM alert_subscriptions WHERE email LIKE 'browser-%')"
            )
        )
        connection.execute(text("DELETE FROM alert_subscriptions WHERE email LIKE 'browser-%'"))
    thread.join()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_calendar_filters_and_notify_me(
    page: Page, mail_site: str, mail_server: tuple[str, Inbox], lang: str, axe_violations: AxeCheck
) -> None:
    text = TEXT[lang]
    page.goto(f"{mail_site}/{lang}/{text['path']}/")
    expect(page.locator("h1")).to_have_text(text["title"])
    assert axe_violations(page) == []
    page.locator("#filter-funder summary").click()
    page.locator("input#funder-cnc").check()
    page.get_by_role("button", name=text["apply"]).click()
    assert "funder=cnc" in page.url
    assert axe_violations(page) == []
    inbox = mail_server[1]
    before = len(inbox.messages)
    address = f"browser-{lang}@example.org"
    page.get_by_role("link", name=text["alert"]).click()
    assert "funder%3Dcnc" in page.url  # the alert follows the filtered calendar
    assert axe_violations(page) == []
    page.get_by_label(text["email"]).fill(address)
    page.get_by_role("button", name=text["notify"]).click()
    expect(page.locator("h1")).to_have_text(text["check"])
    assert axe_violations(page) == []
    message = next(m for m in inbox.messages[before:] if m["To"] == address)
    link = re.search(r"(http://127\.0\.0\.1:\d+/\S+/alerts/confirm/\S+)", body(message, "plain"))
    assert link
    page.goto(link[1])
    assert axe_violations(page) == []
    page.get_by_role("button", name=text["confirm"]).click()
    expect(page.locator("h1")).to_have_text(text["on"])
    assert axe_violations(page) == []

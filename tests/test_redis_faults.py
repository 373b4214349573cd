"""A Redis that hangs or goes away: sign-in keeps answering within seconds and its limits still
hold (counted in each worker's memory until Redis answers again)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import flask_limiter._extension as flask_limiter_extension
import pytest
import redis
from admin_support import csrf_token, make_user
from flask import Flask
from mail_support import free_port
from relay import Relay
from sqlalchemy.orm import Session

from app.config import Settings
from app.web import create_app
from app.web.core.rate_limits import REDIS_TIMEOUT_SECONDS

REDIS = ("127.0.0.1", 6379)
DATABASE_NUMBER = 13  # test_admin.py uses 15, test_deployment.py 14


@pytest.fixture
def relay() -> Iterator[Relay]:
    try:
        redis.Redis(*REDIS, db=DATABASE_NUMBER, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    relay = Relay(REDIS)
    relay.restore()
    yield relay
    relay.thaw()
    relay.cut()
    redis.Redis(*REDIS, db=DATABASE_NUMBER).flushdb()


def _failed_sign_in(worker: Flask, email: str) -> tuple[int, float]:
    client = worker.test_client()
    token = csrf_token(client, "/en/admin/login")
    data = {"csrf_token": token, "email": email, "password": "guess-guess-guess-2"}
    started = time.monotonic()
    status = client.post("/en/admin/login", data=data).status_code
    return status, time.monotonic() - started


@pytest.mark.parametrize("fault", ["freeze", "cut"])
def test_sign_in_answers_and_stays_limited_when_redis_fails(
    relay: Relay, settings: Settings, session_factory, db: Session, fault: str
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, f"{fault}@example.org", "editor")
    url = f"redis://127.0.0.1:{relay.port}/{DATABASE_NUMBER}"
    worker = create_app(replace(settings, redis_url=url), session_factory)
    assert _failed_sign_in(worker, user.email)[0] == 401  # counted in Redis

    getattr(relay, fault)()
    answers = [_failed_sign_in(worker, user.email) for _ in range(6)]
    statuses = [status for status, _seconds in answers]
    # Never a 500 nor a hang: each answer within a few Redis timeouts (connect, then a command).
    assert all(seconds < 4 * REDIS_TIMEOUT_SECONDS + 2 for _status, seconds in answers), answers
    # The limits still hold while Redis is away, counted in this worker's memory (the attempt
    # that met the failure may count once more): refused, never a 500, and not before the fourth.
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[:3] == [401] * 3
    assert statuses[-1] == 429


class _Clock:
    """A clock an offset away from the real one, for the limiter's checks of a failed storage."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset


def test_an_app_made_after_a_redis_failure_counts_in_its_own_storage(
    settings: Settings, session_factory, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Tests make many apps in one process, and these share the one limiter: a Redis failure met
    by one must not split the next one's counts between memory and its own storage."""
    user = make_user(db, "after-failure@example.org", "editor")
    refused = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/{DATABASE_NUMBER}")
    assert _failed_sign_in(create_app(refused, session_factory), user.email)[0] == 401
    worker = create_app(settings, session_factory)  # counts in memory, as tests' apps do
    # The limiter tries a failed storage again after a delay: three attempts before that delay
    # is over, three long after it.
    statuses = []
    for offset in (-3600.0, 3600.0):
        monkeypatch.setattr(flask_limiter_extension, "time", _Clock(offset))
        statuses += [_failed_sign_in(worker, user.email)[0] for _ in range(3)]
    assert statuses == [401] * 5 + [429]  # five per minute for one address

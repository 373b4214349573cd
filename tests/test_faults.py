"""Faults: an unreachable database answers 503 (page and JSON) and the same app recovers when it
comes back; a crash in the middle of an admin save leaves the previous revision intact.

How each fault is made:
- database down, PostgreSQL: the real app talks to PostgreSQL through a TCP relay written here,
  which the test cuts (listener and every connection closed) and restores;
- database hung, PostgreSQL: the same relay frozen (bytes held, nothing closed) for a while,
  under traffic, against gunicorn with the documented worker set-up;
- database down, SQLite (always runs): an engine whose pool finds every link dead and whose
  connect raises the driver's OperationalError while a switch is on;
- error mapping: a route that raises each SQLAlchemy error;
- crash during a save: `audit.record` (called after the revision is written) flushes then
  raises, or the commit fails with OperationalError after flushing.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import pytest
from admin_support import csrf_token, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from harness import GUNICORN, running_gunicorn
from markupsafe import escape
from psycopg.errors import ConnectionTimeout
from relay import Relay
from sqlalchemy import Engine, event, func, make_url, select, text
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from support import isolated_database_url, migrate
from werkzeug.test import TestResponse

from app import audit
from app.config import Settings
from app.db import DatabaseWaitTimeoutError, make_engine, make_session_factory, waited_out
from app.editing import latest_revision, publish, revisions, save_draft
from app.models import AuditEvent, SchemeRecord
from app.repository import get_scheme, import_schemes
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web import create_app
from app.web.core.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from app.web.core.outage import Access, Outage

SCHEME = "cnl-bourse-auteurs"
PAGE = f"/{{lang}}/aides/{SCHEME}"
API = f"/api/v1/schemes/{SCHEME}"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NEW_NAME = "CNL – Authors' grant (never saved)"


# --- helpers ------------------------------------------------------------------------------------


def prepare(engine: Engine, catalogue: list[Scheme]) -> None:
    """Migrate an empty database and load the catalogue, as the session fixture does."""
    migrate(engine)
    with sessionmaker(bind=engine).begin() as session:
        import_schemes(session, catalogue, author="tests", comment="test catalogue")


def unavailable_text(app: Flask, lang: str) -> str:
    """The 503 message as the catalogs translate it today (the msgid until translated)."""
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return str(DATABASE_UNAVAILABLE)


def unavailable_heading(app: Flask, lang: str) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return gettext("Service temporarily unavailable")


def assert_unavailable_page(app: Flask, response: TestResponse, lang: str) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert str(escape(unavailable_text(app, lang))) in page
    assert "Traceback" not in page
    assert f"<h1>{escape(unavailable_heading(app, lang))}</h1>" in page
    for leak in ("sqlalchemy", "OperationalError", "psycopg", "sqlite3", "SELECT"):
        assert leak not in page


def assert_unavailable_json(app: Flask, response: TestResponse, lang: str) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.get_json() == {
        "errors": [{"field": None, "message": unavailable_text(app, lang)}]
    }


def assert_serving(client: FlaskClient) -> None:
    for lang in ("fr", "en"):
        assert client.get(PAGE.format(lang=lang)).status_code == 200
    response = client.get(API)
    assert response.status_code == 200
    assert response.get_json()["id"] == SCHEME


def assert_unavailable(app: Flask, client: FlaskClient) -> None:
    for lang in ("fr", "en"):
        assert_unavailable_page(app, client.get(PAGE.format(lang=lang)), lang)
        assert_unavailable_json(app, client.get(f"{API}?lang={lang}"), lang)


# --- database unavailable: how each error maps -------------------------------------------------


def _dbapi(kind: type[DBAPIError], **options: Any) -> DBAPIError:
    return kind("SELECT 1", {}, Exception("server closed the connection unexpectedly"), **options)


UNREACHABLE: list[Any] = [
    pytest.param(lambda: _dbapi(OperationalError), id="OperationalError"),
    pytest.param(lambda: _dbapi(InterfaceError), id="InterfaceError"),
    pytest.param(
        lambda: _dbapi(DBAPIError, connection_invalidated=True), id="DBAPIError-invalidated"
    ),
    pytest.param(lambda: PoolTimeoutError("QueuePool limit reached"), id="pool-timeout"),
]
BUGS: list[Any] = [
    pytest.param(lambda: _dbapi(IntegrityError), id="IntegrityError"),
    pytest.param(lambda: _dbapi(ProgrammingError), id="ProgrammingError"),
    pytest.param(lambda: _dbapi(DBAPIError), id="DBAPIError"),
]


def _raising_app(app: Flask, make_error: Callable[[], Exception]) -> Flask:
    def fail() -> NoReturn:
        raise make_error()

    app.add_url_rule("/en/fault", "fault_page", fail)
    app.add_url_rule("/fr/fault", "fault_page_fr", fail)
    app.add_url_rule("/api/v1/fault", "fault_api", fail)
    return app


@pytest.mark.parametrize("make_error", UNREACHABLE)
def test_an_unreachable_database_is_a_503_page_and_json(
    app: Flask, make_error: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    client = _raising_app(app, make_error).test_client()
    with caplog.at_level(logging.WARNING, logger="app.web.core.errors"):
        assert_unavailable_page(app, client.get("/fr/fault"), "fr")
        assert_unavailable_page(app, client.get("/en/fault"), "en")
        assert_unavailable_json(app, client.get("/api/v1/fault?lang=en"), "en")
    lines = [r for r in caplog.records if r.name == "app.web.core.errors"]
    assert len(lines) == 3
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
    assert "Database unreachable on GET /fr/fault" in lines[0].getMessage()


@pytest.mark.parametrize("make_error", BUGS)
def test_other_database_errors_stay_500s(app: Flask, make_error: Callable[[], Exception]) -> None:
    client = _raising_app(app, make_error).test_client()
    page = client.get("/en/fault")
    assert page.status_code == 500
    assert "Retry-After" not in page.headers
    assert "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/v1/fault")
    assert api.status_code == 500
    assert api.get_json()["errors"][0]["field"] is None


def test_a_database_failure_after_the_view_is_a_503_too(app: Flask) -> None:
    # Outside views, Flask turns the error into a 500 InternalServerError (in production).
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failures = [_dbapi(OperationalError)]

    @app.after_request
    def _fail_once(response: Any) -> Any:
        if failures:
            raise failures.pop()
        return response

    assert_unavailable_page(app, app.test_client().get(PAGE.format(lang="en")), "en")


# --- database unavailable, then back: SQLite, always ------------------------------------------


class Switch:
    """Makes an engine's database unreachable while on: pooled links are found dead on checkout
    (as pool_pre_ping finds them) and new connections are refused by the driver."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.refused = 0
        driver_error = engine.dialect.loaded_dbapi.OperationalError

        @event.listens_for(engine.pool, "checkout")
        def _checkout(*_args: Any) -> None:
            if self.on:
                raise DisconnectionError("link lost")

        @event.listens_for(engine, "do_connect")
        def _connect(*_args: Any) -> None:
            if self.on:
                self.refused += 1
                raise driver_error("unable to open database file")


@pytest.fixture
def sqlite_engine(tmp_path: Path, catalogue: list[Scheme]) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'faults.sqlite3'}")
    prepare(engine, catalogue)
    yield engine
    engine.dispose()


def test_sqlite_down_then_back_without_restart(
    settings: Settings, sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch(sqlite_engine)
    app = create_app(settings, make_session_factory(sqlite_engine))
    client = app.test_client()
    assert_serving(client)

    switch.on = True
    with caplog.at_level(logging.WARNING, logger="app.web.core.errors"):
        assert_unavailable(app, client)
    assert switch.refused >= 4  # each request really tried to connect
    assert not [r for r in caplog.records if r.exc_info]

    switch.on = False
    assert_serving(client)


# --- an outage: after a wait runs out, requests get their 503 at once ----------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_refuses_during_its_pause_then_lets_one_request_try() -> None:
    clock = Clock()
    outage = Outage(pause=1.0, clock=clock)
    assert outage.access() is Access.USE
    outage.start()
    assert outage.access() is Access.REFUSE
    clock.now += 0.99
    assert outage.access() is Access.REFUSE
    clock.now += 0.02
    assert outage.access() is Access.TRY
    assert outage.access() is Access.REFUSE  # one trial at a time
    outage.start()  # the trial failed: another pause
    clock.now += 0.5
    assert outage.access() is Access.REFUSE
    clock.now += 0.6
    assert outage.access() is Access.TRY
    outage.end()  # the trial succeeded
    assert outage.access() is Access.USE
    assert not outage.ongoing


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (PoolTimeoutError("QueuePool limit reached"), True),
        (OperationalError("SELECT 1", {}, DatabaseWaitTimeoutError("no answer")), True),
        (OperationalError("SELECT 1", {}, ConnectionTimeout("connection timeout")), True),
        (_dbapi(OperationalError), False),  # a refusal or a lost link: it came at once
        (_dbapi(InterfaceError), False),
    ],
)
def test_only_a_wait_that_ran_out_begins_an_outage(error: Exception, expected: bool) -> None:
    assert waited_out(error) is expected


def test_during_an_outage_database_pages_answer_503_without_trying_the_database(
    settings: Settings, sqlite_engine: Engine
) -> None:
    app = create_app(settings, make_session_factory(sqlite_engine))
    clock = Clock()
    app.extensions["aides.outage"] = outage = Outage(pause=1.0, clock=clock)
    waits = [PoolTimeoutError("QueuePool limit reached")]

    def wait_out() -> NoReturn:
        raise waits.pop()

    app.add_url_rule("/en/waits", "waits", wait_out)
    client = app.test_client()
    assert_serving(client)
    checkouts: list[object] = []
    event.listen(sqlite_engine.pool, "checkout", lambda *args: checkouts.append(args))
    assert_unavailable_page(app, client.get("/en/waits"), "en")
    assert outage.ongoing

    # The pause: every database page is a 503 at once, and nothing asked the database.
    assert_unavailable(app, client)
    assert checkouts == []
    # Pages without the database still answer.
    assert client.get("/en/admin/login").status_code == 200
    with client.get("/static/style.css") as stylesheet:
        assert stylesheet.status_code == 200

    # After the pause, one request tries; it succeeds, so the outage is over.
    clock.now += 1.5
    assert_serving(client)
    assert not outage.ongoing
    assert len(checkouts) >= 3


def test_a_failed_trial_begins_another_pause(settings: Settings, sqlite_engine: Engine) -> None:
    switch = Switch(sqlite_engine)
    app = create_app(settings, make_session_factory(sqlite_engine))
    clock = Clock()
    app.extensions["aides.outage"] = outage = Outage(pause=1.0, clock=clock)
    client = app.test_client()
    outage.start()
    clock.now += 1.5
    switch.on = True  # refused at once: the trial fails, and the pause begins again
    assert_unavailable_page(app, client.get(PAGE.format(lang="en")), "en")
    assert switch.refused == 1
    assert outage.ongoing
    switch.on = False
    assert_unavailable_page(app, client.get(PAGE.format(lang="fr")), "fr")
    assert switch.refused == 1  # refused without trying
    clock.now += 1.5
    assert_serving(client)
    assert not outage.ongoing


# --- database unavailable, then back: PostgreSQL through a relay the test can cut ---------------


def _postgres_base_url() -> str:
    for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name)
        if url and make_url(url).get_backend_name() == "postgresql":
            return url
    return DEFAULT_POSTGRES_URL


@pytest.fixture
def postgres_url() -> str:
    """A reachable PostgreSQL server; skipped without one unless REQUIRE_POSTGRES is set."""
    url = _postgres_base_url()
    probe = make_engine(url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        message = f"PostgreSQL is not reachable at {make_url(url)!r}: {type(error).__name__}"
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        probe.dispose()
    return url


@pytest.fixture
def postgres_database(postgres_url: str, catalogue: list[Scheme], tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL schema, migrated, with the catalogue; dropped afterwards."""
    for url in isolated_database_url(postgres_url, tmp_path):
        direct = make_engine(url)
        prepare(direct, catalogue)
        direct.dispose()
        yield url


def test_postgresql_down_then_back_without_restart(
    postgres_database: str, settings: Settings
) -> None:
    server = make_url(postgres_database)
    relay = Relay((server.host or "127.0.0.1", server.port or 5432))
    relay.restore()
    relayed = server.set(host="127.0.0.1", port=relay.port)
    # The app builds its own engine from the URL, as in production.
    app = create_app(replace(settings, database_url=relayed.render_as_string(hide_password=False)))
    engine: Engine = app.extensions["aides.sessions"].kw["bind"]
    try:
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
        client = app.test_client()
        assert_serving(client)
        assert engine.pool.checkedin() >= 1  # pooled links, all through the relay

        relay.cut()
        assert_unavailable(app, client)

        relay.restore()
        assert_serving(client)

        # A restart between two requests goes unnoticed: pre-ping replaces the dead links.
        relay.cut()
        relay.restore()
        assert_serving(client)
    finally:
        engine.dispose()
        relay.cut()


# --- database hung (frozen relay) under traffic, against gunicorn as deployed -------------------

# docs/production.md's worker set-up, scaled down: more threads than database connections.
HUNG_GUNICORN = ["--workers=2", "--worker-class=gthread", "--threads=4", "--no-control-socket"]
FREEZE_SECONDS = 12
STATIC_LIMIT = 1.0  # seconds: pages that need no database
DATABASE_LIMIT = 5.0  # seconds: a database page gives up with a 503 within this


@dataclass
class Timed:
    path: str
    status: int
    seconds: float
    started: float


def timed_get(port: int, path: str) -> Timed:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0  # no answer at all: fails every assertion below
    finally:
        connection.close()
    return Timed(path, status, time.monotonic() - started, started)


@contextlib.contextmanager
def gunicorn(database_url: str, tmp_path: Path, *options: str) -> Iterator[int]:
    """gunicorn serving the app on database_url, on a free loopback port."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SECRET_KEY": "hung-database-test",
        "REDIS_URL": "",
    }
    # Static files need no database: they answer while it hangs, so they say it is up.
    with running_gunicorn(
        [*HUNG_GUNICORN, *options], env, tmp_path / "gunicorn.log", seconds=30
    ) as server:
        yield server.port


def test_a_hung_postgresql_gives_503s_in_seconds_and_static_pages_keep_answering(
    postgres_database: str, tmp_path: Path
) -> None:
    server = make_url(postgres_database)
    relay = Relay((server.host or "127.0.0.1", server.port or 5432))
    relay.restore()
    relayed = server.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    database_pages = [PAGE.format(lang="fr"), PAGE.format(lang="en"), API]
    light_pages = ["/static/style.css", "/en/admin/login", "/fr/admin/login"]
    try:
        with gunicorn(relayed, tmp_path) as port:
            for path in database_pages + light_pages:
                assert timed_get(port, path).status == 200, path

            stop = threading.Event()
            traffic: list[Timed] = []

            def load(path: str) -> None:  # a client that keeps asking for database pages
                while not stop.is_set():
                    traffic.append(timed_get(port, path))

            clients = [
                threading.Thread(target=load, args=(path,), daemon=True)
                for path in database_pages * 2
            ]
            for client in clients:
                client.start()
            time.sleep(0.5)
            frozen_at = time.monotonic()
            relay.freeze()
            light: list[Timed] = []
            while time.monotonic() - frozen_at < FREEZE_SECONDS:
                light += [timed_get(port, path) for path in light_pages]
                time.sleep(0.2)
            relay.thaw()
            thawed_at = time.monotonic()
            stop.set()
            for client in clients:
                client.join(timeout=30)

            # Pages without the database never waited for it.
            assert light
            slow = [t for t in light if t.status != 200 or t.seconds > STATIC_LIMIT]
            assert not slow, slow
            # Database pages asked during the freeze: a 503 within seconds, never a hang.
            during = [t for t in traffic if frozen_at + 0.1 < t.started < thawed_at]
            assert len(during) >= len(clients)
            assert {t.status for t in during} <= {200, 503}, during
            assert [t for t in during if t.status == 503]
            late = [t for t in during if t.seconds > DATABASE_LIMIT]
            assert not late, late

            # Recovery without restart: every database page answers again.
            deadline = time.monotonic() + 15
            while not all(timed_get(port, p).status == 200 for p in database_pages):
                assert time.monotonic() < deadline, "no recovery after the freeze"
                time.sleep(0.5)
    finally:
        relay.cut()


def test_the_web_engine_sets_database_time_limits(postgres_url: str) -> None:
    engine = make_engine(f"{postgres_url}?options=-csearch_path%3Dpublic", timeout=1.5, pool_size=2)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1500ms"
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "1500ms"
            assert conn.execute(text("SHOW search_path")).scalar() == "public"  # kept
            with pytest.raises(OperationalError):  # a 503 for the web layer
                conn.execute(text("SELECT pg_sleep(5)"))
        assert engine.pool.size() == 2  # type: ignore[attr-defined]
        assert engine.pool.timeout() <= 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_sqlite_waits_for_a_lock_only_as_long_as_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = make_engine(f"sqlite:///{path}")
    waiter = make_engine(f"sqlite:///{path}", timeout=0.3)
    try:
        with holder.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with holder.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")  # holds the write lock until commit
            started = time.monotonic()
            with pytest.raises(OperationalError), waiter.begin() as other:
                other.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert time.monotonic() - started < 3
    finally:
        holder.dispose()
        waiter.dispose()


# --- a crash during an admin save leaves the previous revision intact --------------------------


def snapshot(session: Session) -> dict[str, Any]:
    """Everything a save or a publish of SCHEME could touch."""
    session.expire_all()
    record = session.get(SchemeRecord, SCHEME)
    assert record is not None
    columns = SchemeRecord.__table__.columns.keys()
    return {
        "record": {name: getattr(record, name) for name in columns},
        "tags": sorted((tag.facet, tag.value) for tag in record.tags),
        "scheme": get_scheme(session, SCHEME),
        "revisions": [
            (r.id, r.number, r.state, r.content_hash, r.document, r.author, r.comment)
            for r in revisions(session, SCHEME)
        ],
        "audit": session.scalar(select(func.count()).select_from(AuditEvent)),
    }


def renamed(catalogue: list[Scheme]) -> Scheme:
    original = next(s for s in catalogue if s.id == SCHEME)
    return original.model_copy(update={"name": original.name.model_copy(update={"en": NEW_NAME})})


def crash_in_audit(monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    """audit.record runs after the revision is added: write everything so far, then crash."""

    def record(session: Session, *_args: Any, **_kwargs: Any) -> NoReturn:
        session.flush()
        raise RuntimeError("crash in the middle of a save")

    monkeypatch.setattr(audit, "record", record)
    return RuntimeError


def failing_commit(monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    """Everything is written, then the commit fails: the database went away at that moment."""

    def commit(session: Session) -> NoReturn:
        session.flush()
        raise _dbapi(OperationalError)

    # Every write service commits through app.db.unit_of_work, i.e. Session.commit.
    monkeypatch.setattr(Session, "commit", commit)
    return OperationalError


CRASHES = [
    pytest.param(crash_in_audit, id="crash-after-writing"),
    pytest.param(failing_commit, id="commit-fails"),
]


@pytest.mark.parametrize("crash", CRASHES)
def test_a_crash_while_saving_a_draft_keeps_the_previous_revision(
    db: Session,
    client: FlaskClient,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
    crash: Callable[[pytest.MonkeyPatch], type[Exception]],
) -> None:
    before = snapshot(db)
    base = latest_revision(db, SCHEME)
    assert base is not None
    error = crash(monkeypatch)
    with pytest.raises(error):
        save_draft(
            db, renamed(catalogue), base=base.number, author="e", comment="", vocabulary=vocabulary
        )
    db.rollback()  # what the web layer does with a failed request's session
    assert snapshot(db) == before
    monkeypatch.undo()
    page = client.get(PAGE.format(lang="en")).get_data(as_text=True)
    assert NEW_NAME not in page
    # The next save starts from the same revision and works.
    row = save_draft(
        db, renamed(catalogue), base=base.number, author="e", comment="", vocabulary=vocabulary
    )
    assert row.number == base.number + 1


@pytest.mark.parametrize("crash", CRASHES)
def test_a_crash_while_publishing_keeps_the_published_scheme(
    db: Session,
    client: FlaskClient,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
    crash: Callable[[pytest.MonkeyPatch], type[Exception]],
) -> None:
    base = latest_revision(db, SCHEME)
    assert base is not None
    save_draft(
        db, renamed(catalogue), base=base.number, author="e", comment="", vocabulary=vocabulary
    )
    before = snapshot(db)
    published = before["scheme"]
    error = crash(monkeypatch)
    refreshed: list[bool] = []
    with pytest.raises(error):
        publish(
            db,
            SCHEME,
            author="admin",
            comment="",
            vocabulary=vocabulary,
            after_commit=lambda: refreshed.append(True),
        )
    db.rollback()
    assert snapshot(db) == before
    assert refreshed == []  # nothing committed, so the index and caches are left alone
    assert get_scheme(db, SCHEME) == published
    assert NEW_NAME not in client.get(PAGE.format(lang="en")).get_data(as_text=True)


@pytest.mark.parametrize(("crash", "status"), [(crash_in_audit, 500), (failing_commit, 503)])
def test_a_crash_while_publishing_through_http_keeps_the_published_scheme(
    db: Session,
    client: FlaskClient,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
    crash: Callable[[pytest.MonkeyPatch], type[Exception]],
    status: int,
) -> None:
    base = latest_revision(db, SCHEME)
    assert base is not None
    save_draft(
        db, renamed(catalogue), base=base.number, author="e", comment="", vocabulary=vocabulary
    )
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, f"/en/admin/schemes/{SCHEME}/revisions")
    before = snapshot(db)
    crash(monkeypatch)

    response = client.post(
        f"/en/admin/schemes/{SCHEME}/publish", data={"csrf_token": token, "comment": "go"}
    )

    assert response.status_code == status
    assert "Traceback" not in response.get_data(as_text=True)
    assert snapshot(db) == before
    monkeypatch.undo()
    assert NEW_NAME not in client.get(PAGE.format(lang="en")).get_data(as_text=True)
    history = client.get(f"/en/admin/schemes/{SCHEME}/revisions")
    assert history.status_code == 200  # the next request starts on a clean session

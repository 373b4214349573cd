"""SQLAlchemy 2 base with a naming convention, engines and session factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as psycopg_errors
from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Seconds to open a connection when no request timeout is given (CLI, migrations).
CONNECT_TIMEOUT_SECONDS = 10
# With a request timeout, the pool hands out a connection within this many seconds or raises
# (a 503): a request must not queue for long behind others stuck on a hung database.
POOL_TIMEOUT_SECONDS = 0.5
# Sessions a vanished client left in a transaction are ended by the server after this long.
IDLE_IN_TRANSACTION_MS = 60_000

# Named constraints let later migrations drop or alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base class of every ORM record."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite starts transactions lazily and commits on RELEASE of an outer SAVEPOINT; take
    # control of BEGIN ourselves (SQLAlchemy's documented recipe) so savepoints nest correctly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


class DatabaseWaitTimeoutError(psycopg.OperationalError):
    """The database server took the bytes and answered nothing within the connection's deadline."""


def waited_out(error: BaseException) -> bool:
    """Whether error is a wait on the database that ran out of time (a full pool, a connection
    that never opened, a query never answered), as opposed to a refusal, which comes at once."""
    if isinstance(error, PoolTimeoutError):
        return True
    cause = getattr(error, "orig", None)
    return isinstance(cause, DatabaseWaitTimeoutError | psycopg_errors.ConnectionTimeout)


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every network wait (query, commit, rollback, pool pre-ping)
    ends after `deadline` seconds. PostgreSQL's statement_timeout stops slow queries, but only a
    client-side limit stops a wait on a server or network that accepts bytes and never answers
    (a frozen relay, a stopped server): without it the thread hangs as long as the fault lasts."""

    deadline: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        limit = timeout if timeout is not None else self.deadline
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg_errors._WaitTimeout as error:
            # The protocol state is unknown now: close, so that SQLAlchemy sees a disconnect,
            # drops the link from the pool and the web layer answers 503.
            self.close()
            raise DatabaseWaitTimeoutError(
                f"the database did not answer within {limit} s"
            ) from error


def _postgres_options(
    url: str, timeout: float | None, options: dict[str, Any]
) -> Callable[[Any, Any], DeadlineConnection] | None:
    """Fill options with PostgreSQL's limits; return how to open a connection with a deadline."""
    connect_args = options.setdefault("connect_args", {})
    connect_timeout = CONNECT_TIMEOUT_SECONDS if timeout is None else max(2, round(timeout))
    connect_args.setdefault("connect_timeout", connect_timeout)  # libpq: whole seconds, >= 2
    if timeout is None:
        return None
    limit_ms = int(timeout * 1000)
    # The server cancels a slow statement or lock wait first, leaving the connection usable;
    # the client deadline (a little later) covers a server or network that answers nothing.
    # Added to the URL's own options (a search_path, say), which connect_args would replace.
    given = connect_args.get("options") or make_url(url).query.get("options") or ""
    limits = (
        f"-c statement_timeout={limit_ms} -c lock_timeout={limit_ms} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    )
    if not isinstance(given, str):
        given = " ".join(given)
    connect_args["options"] = f"{given} {limits}".strip()
    deadline = timeout + 0.5

    def connect(cargs: Any, cparams: Any) -> DeadlineConnection:
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.deadline = deadline
        return connection

    return connect


def make_engine(
    url: str, timeout: float | None = None, pool_size: int | None = None, **options: Any
) -> Engine:
    """An engine for url; SQLite gets foreign keys enforced, as PostgreSQL has them.

    With timeout (seconds), no database operation waits longer than about that: PostgreSQL
    gets connect, statement and lock timeouts plus a client-side deadline, SQLite a busy
    timeout, and the pool a checkout timeout. The web app sets it; the CLI and migrations
    (long, deliberate work) leave it unset and only get a connect timeout.

    pool_size caps the connections of this process (no overflow): with more worker threads than
    that, a hung database can hold only pool_size threads, the others keep serving pages that
    need no database and answer 503 to those that do after POOL_TIMEOUT_SECONDS."""
    backend = make_url(url).get_backend_name()
    deadline_connect = None
    if backend != "sqlite":
        # Long-lived pools must notice a database restart instead of failing once per stale link.
        options.setdefault("pool_pre_ping", True)
    if backend == "postgresql" and make_url(url).get_driver_name() == "psycopg":
        deadline_connect = _postgres_options(url, timeout, options)
    elif backend == "sqlite" and timeout is not None:
        # How long a writer waits for another's lock before "database is locked" (a 503).
        options.setdefault("connect_args", {}).setdefault("timeout", timeout)
    if backend != "sqlite" or make_url(url).database not in (None, "", ":memory:"):
        if timeout is not None:
            options.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
        if pool_size is not None:
            options.setdefault("pool_size", pool_size)
            options.setdefault("max_overflow", 0)
    engine = create_engine(url, **options)
    if deadline_connect is not None:
        event.listen(engine, "do_connect", lambda _d, _r, a, p: deadline_connect(a, p))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit (the web layer reads after saving)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One write service's transaction: committed when the block ends, rolled back when it
    raises, so a refused or failed write leaves the stored data as it was. Every service that
    writes (accounts, sign-in, recovery codes, suggestions, alerts) runs in one of these; the
    web views never commit."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()  # also when the commit itself fails: the database went away
        raise

"""SQLAlchemy 2 base with a naming convention, engines and session factories."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
from sqlalchemy.orm import DeclarativeBase, sessionmaker

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


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for url; SQLite gets foreign keys enforced, as PostgreSQL has them."""
    if make_url(url).get_backend_name() != "sqlite":
        # Long-lived pools must notice a database restart instead of failing once per stale link.
        options.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit (the web layer reads after saving)."""
    return sessionmaker(bind=engine, expire_on_commit=False)

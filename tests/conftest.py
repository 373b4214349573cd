"""Shared fixtures: a migrated test database with the catalogue loaded, the app, a client.

The database is SQLite by default; set TEST_DATABASE_URL to run the same suite on PostgreSQL.
Each test runs inside an outer transaction that is rolled back, so code under test may commit.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT, Settings
from app.db import make_engine
from app.repository import import_schemes
from app.schemes import Scheme
from app.vocabulary import Vocabulary, load_vocabulary
from app.web import create_app


def _backend_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def isolated_database_url(base_url: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of base_url's backend: a new SQLite file, or a new PostgreSQL schema."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def alembic_config(connection: Connection) -> Config:
    """Alembic configured to migrate through an open connection."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind engine to revision."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return load_vocabulary(DEFAULT_SCHEMES_DIR)


@pytest.fixture(scope="session")
def catalogue(vocabulary: Vocabulary) -> list[Scheme]:
    return read_directory(DEFAULT_SCHEMES_DIR, vocabulary)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("db")
    yield from isolated_database_url(_backend_url(tmp), tmp)


@pytest.fixture(scope="session")
def engine(database_url: str, catalogue: list[Scheme]) -> Iterator[Engine]:
    """The migrated test database with the real catalogue loaded once."""
    engine = make_engine(database_url)
    migrate(engine)
    with sessionmaker(bind=engine).begin() as session:
        import_schemes(session, catalogue, author="tests", comment="test catalogue")
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside code under test become savepoints of the outer transaction.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        search_index_dir=tmp_path / "index",
        secret_key="test-secret-key",
        schemes_dir=DEFAULT_SCHEMES_DIR,
        redis_url=None,
        instance_dir=tmp_path,
    )


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> Flask:
    app = create_app(settings, session_factory)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

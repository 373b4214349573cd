"""Shared fixtures: a migrated test database with the catalogue loaded, the app, a client.

The database is SQLite by default; set TEST_DATABASE_URL to run the same suite on PostgreSQL.
Each test runs inside an outer transaction that is rolled back, so code under test may commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from support import backend_url, isolated_database_url, migrate

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.db import make_engine
from app.repository import import_schemes
from app.schemes import Scheme
from app.vocabulary import Vocabulary, load_vocabulary
from app.web import create_app


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return load_vocabulary(DEFAULT_SCHEMES_DIR)


@pytest.fixture(scope="session")
def catalogue(vocabulary: Vocabulary) -> list[Scheme]:
    return read_directory(DEFAULT_SCHEMES_DIR, vocabulary)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("db")
    yield from isolated_database_url(backend_url(tmp), tmp)


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


@pytest.fixture(scope="session")
def search_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Shared by the tests: the catalogue they see is the same, so one build serves them all.
    return tmp_path_factory.mktemp("search-index")


@pytest.fixture
def settings(database_url: str, tmp_path: Path, search_index_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        search_index_dir=search_index_dir,
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


@pytest.fixture
def damageable_index_dir(search_index_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the shared index folder (links kept as links), for a test that
    damages it: the shared folder, which every other test reads, stays whole."""
    copy = tmp_path / "search-index"
    shutil.copytree(search_index_dir, copy, symlinks=True)
    return copy


def _client_with_index(
    settings: Settings, session_factory: sessionmaker[Session], index_dir: Path
) -> FlaskClient:
    app = create_app(replace(settings, search_index_dir=index_dir), session_factory)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def damageable_index_client(
    settings: Settings, session_factory: sessionmaker[Session], damageable_index_dir: Path
) -> FlaskClient:
    """A client of an app whose search index is this test's own copy (damageable_index_dir)."""
    return _client_with_index(settings, session_factory, damageable_index_dir)


@pytest.fixture
def fresh_index_client(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> FlaskClient:
    """A client of an app whose search index is built for this test: scores depend on an
    index's history (documents updated by other tests' publishes count until a merge), not
    only on its catalogue."""
    return _client_with_index(settings, session_factory, tmp_path / "fresh-index")


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the test backend, named by DATABASE_URL as a user would."""
    for url in isolated_database_url(backend_url(tmp_path), tmp_path):
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.delenv("SCHEMES_DIR", raising=False)
        yield url

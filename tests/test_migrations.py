"""Migrations run up, down and up again on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from support import alembic_config, isolated_database_url

from app.db import Base, make_engine

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        POSTGRES_URL,
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set"),
    ),
]


@pytest.mark.parametrize("base_url", BACKENDS)
def test_upgrade_downgrade_upgrade_and_no_drift(base_url: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}" if base_url == "sqlite" else base_url
    for isolated in isolated_database_url(url, tmp_path):
        engine = make_engine(isolated)
        with engine.begin() as conn:
            config = alembic_config(conn)
            command.upgrade(config, "head")
            tables = set(inspect(conn).get_table_names())
            assert {"schemes", "scheme_tags", "scheme_revisions"} <= tables
            command.downgrade(config, "base")
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            command.upgrade(config, "head")
            drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert drift == []
        engine.dispose()

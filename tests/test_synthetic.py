"""The synthetic catalogue: the same for the same seed, and `schemes synthesize` never writes
into a database that holds real schemes unless forced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from support import backend_url, isolated_database_url

from app.catalogue import read_directory
from app.cli import main
from app.config import DEFAULT_SCHEMES_DIR
from app.db import make_engine
from app.models import SchemeRecord
from app.search import SearchFilters, SearchIndex
from app.search_text import Synonyms
from app.synthetic import is_synthetic, synthetic_catalogue
from app.vocabulary import SYNONYMS_FILE, load_vocabulary


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated, empty database of the test backend, named by DATABASE_URL."""
    for url in isolated_database_url(backend_url(tmp_path), tmp_path):
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "index"))
        monkeypatch.delenv("SCHEMES_DIR", raising=False)
        assert run("db", "upgrade").exit_code == 0
        yield url


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scheme_ids(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = list(conn.scalars(select(SchemeRecord.id).order_by(SchemeRecord.id)))
    engine.dispose()
    return ids


def test_the_same_seed_gives_the_same_catalogue_with_varied_rules() -> None:
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    first = synthetic_catalogue(real, 40, vocabulary, rules=True)
    again = synthetic_catalogue(real, 40, vocabulary, rules=True)
    other = synthetic_catalogue(real, 40, vocabulary, seed=8, rules=True)
    assert [s.document() for s in first] == [s.document() for s in again]
    assert [s.document() for s in first] != [s.document() for s in other]
    assert all(is_synthetic(s.id) and s.criteria for s in first)
    real_names = {s.name.fr for s in real}
    assert not any(s.name.fr in real_names for s in first)  # new texts


def test_synthesize_fills_an_empty_database_and_its_index(
    cli_database: str, tmp_path: Path
) -> None:
    result = run("schemes", "synthesize", "--count", "30")
    assert result.exit_code == 0, result.output
    assert "30 created, 0 updated, 0 unchanged." in result.output
    assert len(scheme_ids(cli_database)) == 30
    assert "30 schemes indexed" in result.output
    index = SearchIndex(tmp_path / "index", Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    found = index.search("aide", SearchFilters(include_inactive=True))
    assert found.ids
    assert all(is_synthetic(i) for i in found.ids)
    again = run("schemes", "synthesize", "--count", "30")
    assert "0 created, 0 updated, 30 unchanged." in again.output  # idempotent


def test_synthesize_refuses_a_database_holding_the_real_catalogue(
    cli_database: str, tmp_path: Path
) -> None:
    assert run("schemes", "load").exit_code == 0
    before = scheme_ids(cli_database)
    result = CliRunner().invoke(main, ["schemes", "synthesize", "--count", "20"])
    assert result.exit_code == 1
    assert f"This database holds {len(before)} schemes that are not synthetic" in result.output
    assert "nothing was written" in result.output
    assert scheme_ids(cli_database) == before
    assert not (tmp_path / "index").exists()  # the index was not touched either


def test_synthesize_refuses_another_database_named_on_the_command_line(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("schemes", "load").exit_code == 0
    before = scheme_ids(cli_database)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "elsewhere.db"))
    result = CliRunner().invoke(
        main, ["schemes", "synthesize", "--count", "5", "--database-url", cli_database]
    )
    assert result.exit_code == 1
    assert scheme_ids(cli_database) == before


def test_synthesize_adds_to_the_real_catalogue_when_forced(cli_database: str) -> None:
    assert run("schemes", "load").exit_code == 0
    real = scheme_ids(cli_database)
    result = run("schemes", "synthesize", "--count", "10", "--force")
    assert result.exit_code == 0, result.output
    ids = scheme_ids(cli_database)
    assert len(ids) == len(real) + 10
    assert sum(is_synthetic(i) for i in ids) == 10
    assert f"{len(ids)} schemes indexed" in result.output

"""The search index heals from any state of its folder, at request time and in `search reindex`.

States: the `current` link replaced by a directory or a plain file, a dangling link, a
half-written build (no meta.json, or its segments gone), and leftovers of an interrupted
publish (temporary links to nothing, abandoned build folders).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from support import backend_url, isolated_database_url

from app.cli import main
from app.config import DEFAULT_SCHEMES_DIR
from app.schemes import Scheme
from app.search import SearchFilters, SearchIndex
from app.search_text import Synonyms
from app.vocabulary import SYNONYMS_FILE, Vocabulary


def _as_directory(folder: Path) -> None:
    current = folder / "current"
    target = current.resolve()
    current.unlink()
    shutil.copytree(target, current)  # a real folder where the link was (a copy by hand)
    (current / "stray.txt").write_text("left by hand", encoding="utf-8")


def _as_empty_directory(folder: Path) -> None:
    (folder / "current").unlink()
    (folder / "current").mkdir()


def _as_file(folder: Path) -> None:
    (folder / "current").unlink()
    (folder / "current").write_text("not a link", encoding="utf-8")


def _dangling(folder: Path) -> None:
    current = folder / "current"
    shutil.rmtree(current.resolve())
    assert not current.exists()
    assert current.is_symlink()


def _half_written(folder: Path) -> None:
    (folder / "current").resolve().joinpath("meta.json").unlink()


def _segments_gone(folder: Path) -> None:
    for segment in (folder / "current").resolve().glob("*.seg"):
        segment.unlink()


def _interrupted_publish(folder: Path) -> None:
    _dangling(folder)
    (folder / ".current-index-1").symlink_to("index-1")  # to nothing
    (folder / "index-2").mkdir()  # a build abandoned before its meta.json
    (folder / "index-2" / "_MAIN_1.toc").write_bytes(b"partial")


STATES: dict[str, Callable[[Path], None]] = {
    "directory": _as_directory,
    "empty directory": _as_empty_directory,
    "file": _as_file,
    "dangling link": _dangling,
    "half-written build": _half_written,
    "segments gone": _segments_gone,
    "interrupted publish": _interrupted_publish,
}


def assert_healthy(folder: Path) -> None:
    current = folder / "current"
    assert current.is_symlink()
    assert (current.resolve() / "meta.json").exists()
    assert not list(folder.glob(".current-*"))
    assert all((p / "meta.json").exists() for p in folder.glob("index-*"))


@pytest.mark.parametrize("state", STATES)
def test_the_index_heals_on_use(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, state: str
) -> None:
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    index.ensure("v1", lambda: catalogue, vocabulary)
    STATES[state](tmp_path)
    fresh = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    fresh.ensure("v1", lambda: catalogue, vocabulary)
    assert fresh.search("bourse", SearchFilters()).ids
    assert_healthy(tmp_path)


@pytest.mark.parametrize("state", STATES)
def test_a_rebuild_heals_whatever_the_state(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, state: str
) -> None:
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    index.reindex(catalogue, vocabulary, "v1")
    STATES[state](tmp_path)
    index.reindex(catalogue, vocabulary, "v1")
    assert index.search("bourse", SearchFilters()).ids
    assert_healthy(tmp_path)


@pytest.mark.parametrize("state", ["directory", "file", "dangling link", "half-written build"])
def test_requests_heal_a_damaged_index(
    damageable_index_client: FlaskClient, damageable_index_dir: Path, state: str
) -> None:
    client, folder = damageable_index_client, damageable_index_dir
    assert client.get("/api/v1/schemes?q=bourse").get_json()["items"]
    STATES[state](folder)
    response = client.get("/en/aides/?q=bourse")
    assert response.status_code == 200
    assert "cnl-bourse-auteurs" in response.get_data(as_text=True)
    assert client.get("/api/v1/schemes?q=bourse").get_json()["items"]
    assert client.get("/api/v1/suggest?q=bour").status_code == 200
    assert_healthy(folder)


@pytest.fixture
def cli_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A loaded database and an index folder, named by environment variables as a user would."""
    for url in isolated_database_url(backend_url(tmp_path), tmp_path):
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "index"))
        monkeypatch.delenv("SCHEMES_DIR", raising=False)
        runner = CliRunner()
        assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
        assert runner.invoke(main, ["schemes", "load"], catch_exceptions=False).exit_code == 0
        yield tmp_path / "index"


@pytest.mark.parametrize("state", STATES)
def test_search_reindex_heals_whatever_the_state(cli_instance: Path, state: str) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["search", "reindex"], catch_exceptions=False).exit_code == 0
    STATES[state](cli_instance)
    result = runner.invoke(main, ["search", "reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
    assert_healthy(cli_instance)

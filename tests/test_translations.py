"""Every UI string is extracted, translated in French and English, and nothing is fuzzy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The strings in the code today, extracted as `make extract-messages` does."""
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "--no-location",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "N_",
        "-o",
        str(target),
        ".",
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return _catalog(target)


def test_template_is_up_to_date(extracted: Catalog) -> None:
    committed = _catalog(TRANSLATIONS / "messages.pot")
    missing = _ids(extracted) - _ids(committed)
    assert not missing, f"run `make extract-messages` and translate: {sorted(map(str, missing))}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalog_translates_every_string(extracted: Catalog, lang: str) -> None:
    catalog = _catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    assert _ids(extracted) <= _ids(catalog), "catalog lacks strings: run `make extract-messages`"
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []

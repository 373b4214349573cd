"""The command line as a user runs it: validate, load (idempotent, all or nothing), export."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from app.catalogue import scheme_files
from app.cli import main
from app.config import DEFAULT_SCHEMES_DIR
from app.db import make_engine
from app.models import SchemeRecord, SchemeRevision


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        schemes = conn.scalar(select(func.count()).select_from(SchemeRecord))
        revisions = conn.scalar(select(func.count()).select_from(SchemeRevision))
    engine.dispose()
    return schemes or 0, revisions or 0


def test_validate_accepts_the_catalogue() -> None:
    result = run("schemes", "validate")
    assert result.exit_code == 0, result.output
    assert f"{len(scheme_files(DEFAULT_SCHEMES_DIR))} scheme files are valid" in result.output


def test_validate_refuses_a_malformed_file_naming_file_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "cnc-xn-ecriture.yaml"
    text = (DEFAULT_SCHEMES_DIR / "cnc-xn-ecriture.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("kind: grant", "kind: gift"), encoding="utf-8")
    result = run("schemes", "validate", str(tmp_path))
    assert result.exit_code == 1
    assert "cnc-xn-ecriture.yaml: kind: Input should be" in result.output


def test_load_is_idempotent_and_records_revisions(cli_database: str) -> None:
    assert run("db", "upgrade").exit_code == 0
    total = len(scheme_files(DEFAULT_SCHEMES_DIR))
    first = run("schemes", "load")
    assert first.exit_code == 0, first.output
    assert f"{total} created, 0 updated, 0 unchanged." in first.output
    second = run("schemes", "load")
    assert f"0 created, 0 updated, {total} unchanged." in second.output
    assert counts(cli_database) == (total, total)


def test_a_malformed_file_leaves_the_database_as_it_was(cli_database: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("schemes", "load")
    before = counts(cli_database)
    changed = tmp_path / "changed"
    shutil.copytree(DEFAULT_SCHEMES_DIR, changed)
    # One good edit and one broken file: neither may reach the database.
    good = changed / "cnc-xn-ecriture.yaml"
    good.write_text(
        good.read_text(encoding="utf-8").replace("XN Fund", "XN Fund (edited)"), encoding="utf-8"
    )
    bad = changed / "cnl-bourse-auteurs.yaml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("funder: cnl", "funder: unknown-body"),
        encoding="utf-8",
    )
    result = run("schemes", "load", str(changed))
    assert result.exit_code == 1
    assert "cnl-bourse-auteurs.yaml: funder: unknown organisation 'unknown-body'" in result.output
    assert "database is unchanged" in result.output
    assert counts(cli_database) == before
    export = tmp_path / "export"
    run("schemes", "export", str(export))
    assert "(edited)" not in (export / "cnc-xn-ecriture.yaml").read_text(encoding="utf-8")


def test_load_export_validate_round_trips_identically(cli_database: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("schemes", "load")
    export = tmp_path / "export"
    result = run("schemes", "export", str(export))
    assert result.exit_code == 0, result.output
    originals = scheme_files(DEFAULT_SCHEMES_DIR)
    assert sorted(p.name for p in export.iterdir()) == sorted(p.name for p in originals)
    for original in originals:
        assert (export / original.name).read_text(encoding="utf-8") == original.read_text(
            encoding="utf-8"
        )
    assert run("schemes", "validate", str(export)).exit_code == 0


def test_load_before_migrations_says_what_to_do(cli_database: str) -> None:
    result = run("schemes", "load")
    assert result.exit_code == 1
    assert "aides db upgrade" in result.output

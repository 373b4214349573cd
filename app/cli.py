"""The command line of contract.md §5: `aides <group> <command>`, also under `flask --app wsgi`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.catalogue import (
    CatalogueError,
    dump_scheme,
    read_catalogue,
    read_directory,
    scheme_files,
    sibling_ids,
    write_directory,
)
from app.config import PROJECT_ROOT, load_settings
from app.db import make_engine, make_session_factory
from app.repository import SchemeFilters, import_schemes, list_schemes
from app.vocabulary import ReferenceDataError, Vocabulary, load_vocabulary


def _vocabulary() -> Vocabulary:
    try:
        return load_vocabulary(load_settings().schemes_dir)
    except ReferenceDataError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _path_or_default(path: Path | None) -> Path:
    return path if path is not None else load_settings().schemes_dir


@click.group("schemes")
def schemes_group() -> None:
    """Scheme files: validate, load into the database, export."""


@schemes_group.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def validate_command(path: Path | None) -> None:
    """Check scheme files (a directory or one file); exit 1 listing every problem."""
    target = _path_or_default(path)
    files = scheme_files(target)
    try:
        read_catalogue(files, _vocabulary(), sibling_ids(target))
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(f"{len(files)} scheme files are valid.")


@schemes_group.command("format")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def format_command(path: Path | None) -> None:
    """Rewrite valid scheme files in their canonical form (what `export` writes)."""
    target = _path_or_default(path)
    files = scheme_files(target)
    try:
        catalogue = read_catalogue(files, _vocabulary(), sibling_ids(target))
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    changed = 0
    for file in files:
        text = dump_scheme(catalogue[file])
        if file.read_text(encoding="utf-8") != text:
            file.write_text(text, encoding="utf-8")
            changed += 1
    click.echo(f"{changed} of {len(files)} files reformatted.")


@schemes_group.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def load_command(path: Path | None) -> None:
    """Import scheme files into the database (idempotent); nothing is written if one is wrong."""
    try:
        schemes = read_directory(_path_or_default(path), _vocabulary())
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo("Nothing was loaded: the database is unchanged.", err=True)
        sys.exit(1)
    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            report = import_schemes(
                session, schemes, author="schemes load", comment="Loaded from scheme files"
            )
    except (OperationalError, ProgrammingError) as error:
        click.echo(
            f"The database is not ready ({error.orig}): run `aides db upgrade` first.", err=True
        )
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )


@schemes_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_command(directory: Path) -> None:
    """Write every scheme of the database as scheme files in DIRECTORY."""
    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            schemes = list_schemes(session, SchemeFilters(include_inactive=True))
    finally:
        engine.dispose()
    written = write_directory(schemes, directory)
    click.echo(f"{len(written)} scheme files written to {directory}.")


@click.group("db")
def db_group() -> None:
    """The database schema."""


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    # ConfigParser interpolates %: escape it (URL-encoded passwords and options contain it).
    config.set_main_option("sqlalchemy.url", load_settings().database_url.replace("%", "%%"))
    return config


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    alembic_command.upgrade(_alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Revert migrations down to REVISION (`base` removes every table)."""
    alembic_command.downgrade(_alembic_config(), revision)


@click.group("aides")
def main() -> None:
    """Aides culture numérique, command line."""


main.add_command(schemes_group)
main.add_command(db_group)

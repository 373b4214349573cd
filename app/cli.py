"""The command line of contract.md §5: `aides <group> <command>`, also under `flask --app wsgi`."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from app import accounts, opendata, recovery_codes
from app.catalogue import (
    CatalogueError,
    dump_scheme,
    parse_scheme,
    read_catalogue,
    read_directory,
    scheme_files,
    sibling_ids,
    write_directory,
)
from app.catalogue_audit import SchemeAudit, audit_catalogue, summary_lines
from app.config import PROJECT_ROOT, load_settings
from app.db import make_engine, make_session_factory
from app.deadlines import today_in_paris
from app.eligibility.answers import validate_answers
from app.eligibility.engine import evaluate_all
from app.eligibility.examples import run_example
from app.eligibility.questions import progress
from app.eligibility.report import verdict_data
from app.repository import (
    SchemeFilters,
    all_ids,
    catalogue_version,
    fingerprint_text,
    import_schemes,
    list_schemes,
    list_schemes_hashed,
)
from app.schemes import Scheme
from app.search import SearchIndex
from app.search_text import Synonyms
from app.source_check import check_urls
from app.synthetic import is_synthetic, synthetic_catalogue
from app.vocabulary import SYNONYMS_FILE, ReferenceDataError, Vocabulary, load_vocabulary


def _vocabulary() -> Vocabulary:
    try:
        return load_vocabulary(load_settings().schemes_dir)
    except ReferenceDataError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _not_ready(error: OperationalError | ProgrammingError) -> NoReturn:
    click.echo(f"The database is not ready ({error.orig}): run `aides db upgrade` first.", err=True)
    sys.exit(1)


@contextmanager
def _database_session(database_url: str | None = None) -> Iterator[Session]:
    """A session committed on success; exit 1 saying what to do when the database is not ready."""
    engine = make_engine(database_url or load_settings().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    except (OperationalError, ProgrammingError) as error:
        _not_ready(error)
    finally:
        engine.dispose()


def _path_or_default(path: Path | None) -> Path:
    return path if path is not None else load_settings().schemes_dir


@click.group("schemes")
def schemes_group() -> None:
    """Scheme files: validate, load into the database, export."""


def _read_or_exit(target: Path) -> tuple[list[Path], dict[Path, Scheme]]:
    """The scheme files at target and their schemes; exit 1 listing every problem."""
    files = scheme_files(target)
    try:
        return files, read_catalogue(files, _vocabulary(), sibling_ids(target))
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)


@schemes_group.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def validate_command(path: Path | None) -> None:
    """Check scheme files (a directory or one file); exit 1 listing every problem."""
    files, _catalogue = _read_or_exit(_path_or_default(path))
    click.echo(f"{len(files)} scheme files are valid.")


@schemes_group.command("format")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def format_command(path: Path | None) -> None:
    """Rewrite valid scheme files in their canonical form (what `export` writes)."""
    files, catalogue = _read_or_exit(_path_or_default(path))
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
    with _database_session() as session:
        report = import_schemes(
            session, schemes, author="schemes load", comment="Loaded from scheme files"
        )
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )


@schemes_group.command("synthesize")
@click.option("--count", required=True, type=click.IntRange(1, 100_000), help="How many schemes.")
@click.option("--seed", default=7, show_default=True, help="The same seed gives the same schemes.")
@click.option("--database-url", help="The database to fill (default: DATABASE_URL).")
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Default: SEARCH_INDEX_DIR.",
)
@click.option("--force", is_flag=True, help="Write even into a database holding other schemes.")
def synthesize_command(
    count: int, seed: int, database_url: str | None, index_dir: Path | None, force: bool
) -> None:
    """Load COUNT synthetic schemes (synthetic-0, ...) made from the real ones, for load tests,
    then rebuild the search index. Refused when the database holds real schemes, unless --force."""
    settings = load_settings()
    vocabulary = _vocabulary()
    real = read_directory(settings.schemes_dir, vocabulary)
    with _database_session(database_url) as session:
        others = [i for i in all_ids(session) if not is_synthetic(i)]
        if others and not force:
            click.echo(
                f"This database holds {len(others)} schemes that are not synthetic "
                f"({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}): nothing was "
                "written. Give a database of its own (--database-url), or --force.",
                err=True,
            )
            sys.exit(1)
        schemes = synthetic_catalogue(real, count, vocabulary, seed, rules=True)
        report = import_schemes(
            session, schemes, author="schemes synthesize", comment="Synthetic catalogue"
        )
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )
    engine = make_engine(database_url or settings.database_url)
    try:
        indexed = _reindex(engine, index_dir)
    finally:
        engine.dispose()
    click.echo(f"{indexed} schemes indexed in {index_dir or settings.search_index_dir}.")


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


@schemes_group.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def test_command(path: Path | None) -> None:
    """Run every scheme's example profiles against its rules; exit 1 if one fails."""
    vocabulary = _vocabulary()
    failures = 0
    count = 0
    for file in scheme_files(_path_or_default(path)):
        scheme, problems = parse_scheme(file.name, file.read_text(encoding="utf-8"))
        for problem in problems:
            click.echo(f"ERROR {problem}")
            failures += 1
        runs = (
            [run_example(scheme, example, vocabulary) for example in scheme.examples]
            if scheme
            else []
        )
        for run in runs:
            count += 1
            verdict = "PASS" if run.passed else "FAIL"
            click.echo(f"{verdict} {file.stem}: {run.title} -> {run.outcome()}")
            failures += not run.passed
    click.echo(f"{count - failures} of {count} examples pass.")
    if failures:
        sys.exit(1)


@schemes_group.command("audit")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the rows and summary as JSON.")
@click.option("--flagged", is_flag=True, help="Only the schemes with something to fix.")
def audit_command(path: Path | None, as_json: bool, flagged: bool) -> None:
    """Per scheme: status, newest evidence, next session, amounts, criteria, sources; flags."""
    _files, catalogue = _read_or_exit(_path_or_default(path))
    rows = audit_catalogue(list(catalogue.values()), today_in_paris())
    shown = [row for row in rows if row.flags or not flagged]
    if as_json:
        report = {"schemes": [r.as_json() for r in shown], "summary": summary_lines(rows)}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for row in shown:
        click.echo(_audit_line(row))
    for line in summary_lines(rows):
        click.echo(line)


def _audit_line(row: SchemeAudit) -> str:
    scheme = row.scheme
    session = row.next_session
    when = "rolling" if scheme.is_rolling() else "no session"
    if session:
        when = f"next {session.closes}" + (" (expected)" if session.expected else "")
    amounts = scheme.amounts
    money = "no amount"
    if amounts and row.has_amount:
        money = " ".join(
            f"{label} {value}"
            for label, value in (
                ("min", amounts.min_eur),
                ("max", amounts.max_eur),
                ("rate", amounts.max_rate_percent),
            )
            if value is not None
        )
        fixed = " ".join(f"fixed {item.eur}/{item.per}" for item in amounts.fixed)
        money = " ".join(part for part in (money, fixed) if part)
    dates = ", ".join(f"{s.id} {s.page_date or 'undated'}" for s in scheme.sources)
    flags = f" [{', '.join(row.flags)}]" if row.flags else ""
    return (
        f"{scheme.id}: {scheme.lifecycle.status}; evidence {row.newest_evidence or 'none'}; "
        f"{when}; {money}; {len(scheme.criteria)} criteria; sources: {dates}{flags}"
    )


@click.group("sources")
def sources_group() -> None:
    """Source pages: check that they still answer."""


@sources_group.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--timeout", default=15.0, show_default=True, help="Seconds per request.")
@click.option(
    "--interval", default=2.0, show_default=True, help="Seconds between two requests to a host."
)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 16))
def sources_check_command(path: Path | None, timeout: float, interval: float, workers: int) -> None:
    """Fetch every source URL; report dead, moved and unreachable pages; exit 1 if any is dead."""
    _files, catalogue = _read_or_exit(_path_or_default(path))
    where = {
        (scheme.id, source.id): source.url
        for scheme in catalogue.values()
        for source in scheme.sources
    }
    checks = check_urls(
        where.values(), timeout=timeout, per_host_interval=interval, workers=workers
    )
    for (scheme_id, source_id), url in sorted(where.items()):
        check = checks[url]
        if check.verdict != "ok":
            click.echo(f"{scheme_id}: {source_id}: {check.describe()}")
    verdicts = Counter(check.verdict for check in checks.values())
    click.echo(
        f"{len(checks)} addresses checked: "
        + ", ".join(f"{verdict} {verdicts[verdict]}" for verdict in sorted(verdicts))
    )
    if verdicts["dead"]:
        sys.exit(1)


@click.group("eligibility")
def eligibility_group() -> None:
    """Verdicts for a profile."""


@eligibility_group.command("check")
@click.argument("answers_file", type=click.File("r", encoding="utf-8"))
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
def check_command(answers_file: TextIO, lang: str, as_json: bool) -> None:
    """Print the verdict of every scheme for the answers in ANSWERS_FILE (a JSON object)."""
    try:
        raw = json.load(answers_file)
    except json.JSONDecodeError as error:
        click.echo(f"{answers_file.name}: not valid JSON: {error}", err=True)
        sys.exit(1)
    raw = raw.get("answers", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict):
        click.echo(f"{answers_file.name}: a JSON object of answers is required", err=True)
        sys.exit(1)
    vocabulary = _vocabulary()
    answers, errors = validate_answers(raw, vocabulary)
    for problem in errors:
        click.echo(f"{answers_file.name}: {problem.variable}: {problem.message}", err=True)
    if errors:
        sys.exit(1)
    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            schemes = list_schemes(session, SchemeFilters(include_inactive=True))
    finally:
        engine.dispose()
    verdicts = evaluate_all([s for s in schemes if s.criteria], answers)
    state = progress(verdicts, vocabulary)
    if as_json:
        data = {
            "results": [verdict_data(v, lang) for v in verdicts],
            "next_questions": state.next_questions,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for verdict in verdicts:
        click.echo(
            f"{verdict.status.upper():10} {verdict.scheme.id} ({verdict.scheme.lifecycle.status})"
        )
        for result in verdict.criteria:
            if result.status != "met":
                marker = "to verify" if result.to_verify else result.status
                click.echo(f"{'':11}- {marker}: {result.criterion.label.get(lang)}")
    if state.next_questions:
        click.echo(f"Next questions: {', '.join(state.next_questions)}")


def _reindex(engine: Engine, index_dir: Path | None = None) -> int:
    """Rebuild the search index from the database; returns the number of schemes indexed."""
    settings = load_settings()
    vocabulary = _vocabulary()
    with make_session_factory(engine)() as session:
        schemes, hashes = list_schemes_hashed(session, SchemeFilters(include_inactive=True))
        fingerprint = fingerprint_text(catalogue_version(session))
    index = SearchIndex(
        index_dir or settings.search_index_dir, Synonyms.load(settings.schemes_dir / SYNONYMS_FILE)
    )
    # Under the build lock; heals the folder.
    index.reindex(schemes, vocabulary, fingerprint, hashes=hashes)
    return len(schemes)


@click.group("search")
def search_group() -> None:
    """The full-text index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (readers keep the old one meanwhile)."""
    engine = make_engine(load_settings().database_url)
    try:
        count = _reindex(engine)
    except (OperationalError, ProgrammingError) as error:
        _not_ready(error)
    finally:
        engine.dispose()
    click.echo(f"{count} schemes indexed in {load_settings().search_index_dir}.")


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


@click.group("users")
def users_group() -> None:
    """Admin accounts."""


@users_group.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "editor"]), default="admin", show_default=True)
@click.password_option(help="Asked for twice when not given.")
def create_admin_command(email: str, role: str, password: str) -> None:
    """Create an account (the first admin, typically): there is no default account."""
    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            accounts.create_user(
                session,
                email,
                password,
                role,  # type: ignore[arg-type]
                actor="command line",
            )
    except accounts.AccountError as error:
        click.echo(f"Refused: {error}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo(f"{role} {email} created. Administrators enrol a TOTP app at first sign-in.")


@users_group.command("reset-second-factor")
@click.argument("email")
def reset_second_factor_command(email: str) -> None:
    """Forget an administrator's authenticator and recovery codes (lost phone, no codes left,
    no other administrator): they enrol again at the next sign-in."""
    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            user = accounts.find_user(session, email)
            if user is None:
                click.echo(f"Refused: no account {email}", err=True)
                sys.exit(1)
            recovery_codes.reset_second_factor(session, user, actor="command line")
    finally:
        engine.dispose()
    click.echo(f"{user.email} enrols an authenticator app again at the next sign-in.")


@click.group("export")
def export_group() -> None:
    """Publish the catalogue in other formats."""


@export_group.command("opendata")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV as the national schema defines it, or the same rows in JSON.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def opendata_command(fmt: str, output: Path | None) -> None:
    """The public catalogue in the national dispositif-aide schema (Licence Ouverte 2.0)."""
    with _database_session() as session:
        rows = opendata.public_rows(session, _vocabulary(), today_in_paris())
    if fmt == "csv":
        text = opendata.to_csv(rows)
    else:
        document = opendata.to_json_document(rows, datetime.now(UTC))
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(
            f"{len(rows)} schemes written to {output} ({opendata.SCHEMA_NAME} "
            f"{opendata.SCHEMA_VERSION}).",
            err=True,
        )


@click.group("alerts")
def alerts_group() -> None:
    """E-mail alerts: send what is due."""


@alerts_group.command("send")
def alerts_send_command() -> None:
    """Send due digests, reminders and renewal notices, each once; erase expired addresses.

    Run it from a timer (docs/production.md); a second run while one is going does nothing.
    """
    settings = load_settings()
    if settings.smtp_url is None:
        click.echo("SMTP_URL is not set: no mail can be sent.", err=True)
        sys.exit(1)
    # What an alert matches is what the site shows for it: its API and mail templates live in
    # the web package, which this one command loads (the rest of the CLI stays free of Flask).
    from app.web.pages.alerts_runner import send_alerts

    report = send_alerts(settings)
    if report.locked_out:
        click.echo("Another run is sending alerts: nothing done.")
        return
    click.echo(
        f"{len(report.sent)} mails sent, {len(report.failed)} failed (tried again next run), "
        f"{report.skipped} skipped, {report.erased} expired addresses erased."
    )
    if report.failed:
        sys.exit(1)


@click.group("aides")
def main() -> None:
    """Aides culture numérique, command line."""


main.add_command(schemes_group)
main.add_command(db_group)
main.add_command(eligibility_group)
main.add_command(search_group)
main.add_command(users_group)
main.add_command(export_group)
main.add_command(sources_group)
main.add_command(alerts_group)

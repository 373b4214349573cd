"""Open data: the export validates against the official dispositif-aide schema (frictionless),
reads back with every public scheme, through the API, the command line and the page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from frictionless import Resource, Schema
from sqlalchemy import update
from sqlalchemy.orm import Session
from support import backend_url, isolated_database_url

from app import opendata
from app.cli import main
from app.i18n import LANGUAGES, Localized
from app.models import SchemeRecord
from app.scheme_rules import Criterion, Rule
from app.schemes import Calendar, Scheme
from app.schemes import SchemeSession as Window
from app.vocabulary import Vocabulary
from app.web.api.opendata import FIELD_NOTES

SCHEMA = Schema.from_descriptor(opendata.read_schema())


def errors_of(resource: Resource) -> list[str]:
    report = resource.validate()
    return [error.message for task in report.tasks for error in task.errors]


def validate_csv(text: str) -> list[str]:
    return errors_of(Resource(data=text.encode("utf-8"), format="csv", schema=SCHEMA))


def test_the_kept_schema_is_the_official_v0_2_0() -> None:
    schema = opendata.read_schema()
    assert schema["name"] == "dispositif-aide"
    assert schema["version"] == opendata.SCHEMA_VERSION == "v0.2.0"
    assert schema["path"] == opendata.SCHEMA_URL
    assert len(schema["fields"]) == 15
    readme = (opendata.SCHEMA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert opendata.SCHEMA_URL in readme
    assert "read on" in readme


def test_the_validator_catches_a_broken_row() -> None:
    # The check below can fail: a row with a non-UUID id and no required columns is refused.
    problems = errors_of(Resource(data=[{"id": "not-a-uuid", "titre": "x"}], schema=SCHEMA))
    assert any("uuid" in p for p in problems)
    assert any("required" in p for p in problems)


def test_csv_validates_and_holds_every_public_scheme(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    response = client.get("/api/v1/opendata.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert validate_csv(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == opendata.field_names()
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows) == len(catalogue)
    for scheme in catalogue:
        row = by_id[opendata.scheme_uuid(scheme.id)]
        assert row["titre"] == scheme.name.fr
        assert row["description"].startswith(scheme.description.fr[:200])
        assert row["url_source"].startswith("http")


def test_json_validates_and_matches_the_csv(client: FlaskClient, catalogue: list[Scheme]) -> None:
    body = client.get("/api/v1/opendata.json").get_json()
    assert body["schema"]["version"] == opendata.SCHEMA_VERSION
    assert body["license"]["name"] == "etalab-2.0"
    assert body["total"] == len(body["data"]) == len(catalogue)
    assert errors_of(Resource(data=body["data"], schema=SCHEMA)) == []
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/opendata.csv").text)))
    assert [{k: v or "" for k, v in row.items()} for row in body["data"]] == csv_rows


def _row(client: FlaskClient, scheme_id: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = client.get("/api/v1/opendata.json").get_json()["data"]
    return next(r for r in rows if r["id"] == opendata.scheme_uuid(scheme_id))


def test_mapping_of_a_replaced_strand(client: FlaskClient, catalogue: list[Scheme]) -> None:
    row = _row(client, "cnc-xn-production")
    names = {s.id: s.name.fr for s in catalogue}
    assert row["cibles"] == "professionnels"
    assert row["programmes_parents"] == names["cnc-xn"]
    assert f"remplacé par « {names['cnc-creation-immersive-production']} »" in row["description"]
    assert "• La demande est faite par une société de production." in row["eligibilite"]
    assert json.loads(row["porteurs"])[0]["roles"] == ["financeur"]
    assert row["eligibilite_geographique"] == "PAYS-99100"


def test_unpublished_schemes_stay_out(client: FlaskClient, db: Session) -> None:
    db.execute(update(SchemeRecord).where(SchemeRecord.id == "cnc-xn").values(published=False))
    db.commit()
    ids = {r["id"] for r in client.get("/api/v1/opendata.json").get_json()["data"]}
    assert opendata.scheme_uuid("cnc-xn") not in ids
    assert opendata.scheme_uuid("cnc-xn-production") in ids


def test_a_long_description_is_cut_within_the_limit(
    catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    scheme = catalogue[0]
    long = scheme.model_copy(
        update={"description": scheme.description.model_copy(update={"fr": "mot " * 3000})}
    )
    rows = opendata.catalogue_rows([long], vocabulary, updated={}, today=date(2026, 12, 5))
    assert len(rows[0]["description"]) <= opendata.DESCRIPTION_MAX
    assert validate_csv(opendata.to_csv(rows)) == []


@pytest.fixture
def loaded_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for url in isolated_database_url(backend_url(tmp_path), tmp_path):
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.delenv("SCHEMES_DIR", raising=False)
        runner = CliRunner()
        assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(main, ["schemes", "load"]).exit_code == 0
        yield url


def test_command_line_writes_both_formats(
    loaded_database: str, tmp_path: Path, catalogue: list[Scheme]
) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["export", "opendata"], catch_exceptions=False)
    assert result.exit_code == 0
    assert validate_csv(result.stdout) == []
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == len(catalogue)
    target = tmp_path / "export.json"
    result = runner.invoke(
        main, ["export", "opendata", "--format", "json", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert errors_of(Resource(data=document["data"], schema=SCHEMA)) == []
    refused = runner.invoke(main, ["export", "opendata", "--format", "xml"])
    assert refused.exit_code == 2
    assert "xml" in refused.output


def test_every_column_is_explained() -> None:
    assert set(FIELD_NOTES) == set(opendata.field_names())


@pytest.mark.parametrize(
    ("lang", "path", "words"),
    [
        ("fr", "/fr/donnees-ouvertes/", "Licence Ouverte"),
        ("en", "/en/open-data/", "How often it changes"),
    ],
)
def test_page_in_both_languages(client: FlaskClient, lang: str, path: str, words: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert words in page
    assert "/api/v1/opendata.csv" in page
    assert all(f"<code>{name}</code>" in page for name in opendata.field_names())
    # The other language's spelling leads to this language's (/en/donnees-ouvertes/ ->
    # /en/open-data/), and the language switch to the other's.
    other = "/open-data/" if lang == "fr" else "/donnees-ouvertes/"
    moved = client.get(f"/{lang}{other}?x=1")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{path}?x=1"
    # Linked from the footer of every page.
    assert path in client.get(f"/{lang}/").get_data(as_text=True)
    assert set(LANGUAGES) == {"fr", "en"}


def test_session_dates_in_paris_time(catalogue: list[Scheme], vocabulary: Vocabulary) -> None:
    scheme = next(s for s in catalogue if s.id == "cnl-bourse-auteurs")
    calendar = Calendar(
        sessions=(
            Window(opens=date(2026, 1, 5), closes=date(2026, 2, 15), source=scheme.sources[0].id),
            Window(opens=date(2026, 6, 1), closes=date(2026, 7, 1), source=scheme.sources[0].id),
        )
    )
    dated = scheme.model_copy(update={"calendar": calendar})
    row = opendata.catalogue_rows([dated], vocabulary, updated={}, today=date(2026, 3, 1))[0]
    # The next session (summer time in Paris), its deadline running to the end of the day.
    assert row["date_ouverture"] == "2026-06-01T00:00:00+02:00"
    assert row["date_cloture"] == "2026-07-01T23:59:59+02:00"
    # Without a stored publication time, the last date a source was checked.
    assert row["date_mise_a_jour"].endswith("T00:00:00Z")
    assert validate_csv(opendata.to_csv([row])) == []


def test_regional_coverage_from_the_rules(catalogue: list[Scheme], vocabulary: Vocabulary) -> None:
    scheme = next(s for s in catalogue if s.id == "cnl-bourse-auteurs")
    label = Localized(fr="Projet mené dans la région.", en="Project run in the region.")

    def with_rule(rule: Rule) -> dict[str, str]:
        criterion = Criterion(id="in-region", label=label, rule=rule, source=scheme.sources[0].id)
        changed = scheme.model_copy(update={"criteria": (*scheme.criteria, criterion)})
        return opendata.catalogue_rows([changed], vocabulary, updated={}, today=date(2026, 3, 1))[0]

    one = Rule(variable="region", operator="equals", value="grand_est")
    two = Rule(variable="region", operator="in", value=("bretagne", "la_reunion"))
    assert with_rule(one)["eligibilite_geographique"] == "REG-44"
    assert with_rule(Rule(all=(two,)))["eligibilite_geographique"] == "REG-04|REG-53"
    # Not a plain requirement (any / not): the coverage stays France.
    assert with_rule(Rule(any=(one, two)))["eligibilite_geographique"] == "PAYS-99100"
    assert with_rule(Rule(not_=one))["eligibilite_geographique"] == "PAYS-99100"
    assert validate_csv(opendata.to_csv([with_rule(two)])) == []

"""POST /api/v1/eligibility, GET /api/v1/questions and `aides eligibility check`, as used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from support import CONTRACT_VARIABLES

from app.cli import main
from app.vocabulary import Vocabulary

VR_AUTHOR = {
    "applicant_type": "individual",
    "roles": ["author"],
    "project_stage": "writing",
    "project_types": ["immersive_work"],
    "project_language": "fr",
    "country_zone": "france",
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_questions_lists_the_vocabulary_in_order(
    client: FlaskClient, vocabulary: Vocabulary, lang: str
) -> None:
    body = client.get(f"/api/v1/questions?lang={lang}").get_json()
    ids = [q["id"] for q in body["questions"]]
    assert ids == list(vocabulary.variables)
    assert set(CONTRACT_VARIABLES) <= set(ids)
    first = body["questions"][0]
    assert first["label"] == vocabulary.variable(first["id"]).label.get(lang)


def test_eligibility_sorts_results_and_explains_criteria(client: FlaskClient) -> None:
    response = client.post("/api/v1/eligibility", json={"answers": VR_AUTHOR, "lang": "en"})
    assert response.status_code == 200
    body = response.get_json()
    statuses = [r["status"] for r in body["results"]]
    order = {"eligible": 0, "unknown": 1, "ineligible": 2}
    assert statuses == sorted(statuses, key=order.__getitem__)
    by_id = {r["scheme"]["id"]: r for r in body["results"]}
    assert by_id["cnc-creation-immersive-ecriture"]["status"] == "eligible"
    old = by_id["cnc-xn-ecriture"]
    assert old["lifecycle"] == {
        "status": "replaced",
        "replaced_by": "cnc-creation-immersive-ecriture",
    }
    assert old["status"] == "eligible"
    producer = by_id["cnc-creation-immersive-production"]
    assert producer["status"] == "ineligible"
    failed = [c for c in producer["criteria"] if c["status"] == "failed"]
    assert failed
    assert all(c["label"] and c["source"].startswith("http") and c["variables"] for c in failed)
    # The next questions are exactly the unanswered variables that undecided current schemes
    # still read, each once.
    asked = body["next_questions"]
    undecided = [
        r
        for r in body["results"]
        if r["status"] == "unknown" and r["lifecycle"]["status"] not in ("closed", "replaced")
    ]
    assert undecided, "this profile leaves schemes undecided, so questions remain"
    still_read = {
        variable
        for r in undecided
        for c in r["criteria"]
        if c["status"] == "unknown"
        for variable in c["variables"]
    }
    assert sorted(asked) == sorted(still_read - set(VR_AUTHOR))
    assert body["rules_date"]


def test_next_questions_come_first_for_an_empty_profile(client: FlaskClient) -> None:
    body = client.post("/api/v1/eligibility", json={"answers": {}}).get_json()
    assert body["next_questions"]
    assert body["finished"] is False
    assert all(r["status"] != "ineligible" for r in body["results"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"answers": {"applicant_type": "dragon"}}, "answers.applicant_type"),
        ({"answers": {"years_of_activity": "ten"}}, "answers.years_of_activity"),
        (
            {"answers": {"music_activity_share_percent": 150}},
            "answers.music_activity_share_percent",
        ),
        ({"answers": {"roles": "author,wizard"}}, "answers.roles"),
        ({"answers": {"shoe_size": 42}}, "answers.shoe_size"),
        ({"answers": [], "lang": "fr"}, "answers"),
        ({"answers": {}, "lang": "de"}, "lang"),
        ({"answers": {}, "extra": 1}, "extra"),
    ],
)
def test_invalid_answers_are_400_naming_the_variable(
    client: FlaskClient, payload: object, field: str
) -> None:
    response = client.post("/api/v1/eligibility", json=payload)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_a_body_that_is_not_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/eligibility", data="answers=1", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_a_huge_body_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/eligibility", data="x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413


def test_cli_check_prints_verdicts(
    tmp_path: Path, database_url: str, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(VR_AUTHOR), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["eligibility", "check", str(answers), "--lang", "en", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    statuses = {r["scheme"]["id"]: r["status"] for r in data["results"]}
    assert statuses["cnc-creation-immersive-ecriture"] == "eligible"
    text = CliRunner().invoke(main, ["eligibility", "check", str(answers), "--lang", "en"]).output
    assert "ELIGIBLE   cnc-creation-immersive-ecriture" in text


def test_cli_check_refuses_invalid_answers(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"employees": -4}), encoding="utf-8")
    result = CliRunner().invoke(main, ["eligibility", "check", str(answers)])
    assert result.exit_code == 1
    assert "employees: must be at least 0" in result.output


def test_cli_schemes_test_runs_every_example() -> None:
    result = CliRunner().invoke(main, ["schemes", "test"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert "examples pass." in result.output

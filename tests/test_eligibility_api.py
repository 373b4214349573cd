"""POST /api/v1/eligibility, GET /api/v1/questions and `aides eligibility check`, as used."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from support import CONTRACT_VARIABLES

from app.cli import main
from app.vocabulary import Vocabulary
from app.web.core.listing_form import MAX_PAGE, MAX_PER_PAGE, PER_PAGE

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


# --- pages of verdicts (page, per_page in the body) ------------------------------------------


def _verdicts(client: FlaskClient, body: dict[str, Any], query: str = "") -> Any:
    response = client.post(f"/api/v1/eligibility{query}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_without_paging_every_verdict_and_no_paging_keys(client: FlaskClient) -> None:
    body = _verdicts(client, {"answers": VR_AUTHOR, "lang": "en"})
    assert list(body) == [
        "results",
        "next_questions",
        "finished",
        "nothing_can_match",
        "rules_date",
    ]
    # Every scheme with rules is judged: as many verdicts as a page as large as the catalogue.
    paged = _verdicts(client, {"answers": VR_AUTHOR, "per_page": MAX_PER_PAGE})
    assert len(body["results"]) == paged["total"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_concatenate_to_the_full_list_in_order(client: FlaskClient, lang: str) -> None:
    full = _verdicts(client, {"answers": VR_AUTHOR, "lang": lang})
    total = len(full["results"])
    per_page = math.ceil(total / 2)  # two pages, the second one shorter or equal
    pages = [
        _verdicts(client, {"answers": VR_AUTHOR, "lang": lang, "page": n, "per_page": per_page})
        for n in (1, 2)
    ]
    assert pages[0]["results"] + pages[1]["results"] == full["results"]
    statuses = Counter(r["status"] for r in full["results"])
    for number, page in enumerate(pages, start=1):
        assert (page["total"], page["page"], page["per_page"]) == (total, number, per_page)
        assert page["counts"] == {s: statuses[s] for s in ("eligible", "unknown", "ineligible")}
        # The questions and the verdict on the whole catalogue do not depend on the page.
        for key in ("next_questions", "finished", "nothing_can_match", "rules_date"):
            assert page[key] == full[key], key


def test_page_alone_takes_20_per_page_and_per_page_alone_the_first_page(
    client: FlaskClient,
) -> None:
    full = _verdicts(client, {})["results"]
    second = _verdicts(client, {"page": 2})
    assert (second["page"], second["per_page"]) == (2, PER_PAGE)
    assert second["results"] == full[PER_PAGE : 2 * PER_PAGE]
    first = _verdicts(client, {"per_page": 3})
    assert (first["page"], first["per_page"]) == (1, 3)
    assert first["results"] == full[:3]
    # 2.0 is an integer to JSON Schema (and so to the OpenAPI document).
    assert _verdicts(client, {"page": 2.0, "per_page": 3.0})["results"] == full[3:6]


def test_a_page_past_the_end_is_empty_with_the_right_total(client: FlaskClient) -> None:
    total = len(_verdicts(client, {})["results"])
    body = _verdicts(client, {"page": MAX_PAGE, "per_page": MAX_PER_PAGE})
    assert body["results"] == []
    assert (body["total"], body["page"], body["per_page"]) == (total, MAX_PAGE, MAX_PER_PAGE)
    assert sum(body["counts"].values()) == total
    assert body["next_questions"]


@pytest.mark.parametrize(
    ("paging", "field", "message"),
    [
        ({"page": 0}, "page", "must be at least 1"),
        ({"page": -3, "per_page": 5}, "page", "must be at least 1"),
        ({"page": MAX_PAGE + 1}, "page", f"must be at most {MAX_PAGE}"),
        ({"per_page": 0}, "per_page", "must be at least 1"),
        ({"per_page": MAX_PER_PAGE + 1}, "per_page", f"must be at most {MAX_PER_PAGE}"),
        ({"page": True}, "page", "must be a whole number"),
        ({"per_page": False}, "per_page", "must be a whole number"),
        ({"page": 1.5}, "page", "must be a whole number"),
        ({"page": "2"}, "page", "must be a whole number"),
        ({"per_page": None}, "per_page", "must be a whole number"),
        ({"per_page": [20]}, "per_page", "must be a whole number"),
        ({"page": 10**30}, "page", f"must be at most {MAX_PAGE}"),
        ({"page": 1e300}, "page", f"must be at most {MAX_PAGE}"),
    ],
)
def test_bad_paging_is_400_naming_the_field(
    client: FlaskClient, paging: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/api/v1/eligibility", json={"lang": "en", **paging})
    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": field, "message": message}]
    # The same reasons worded in French (the answers' own, already translated).
    french = client.post("/api/v1/eligibility", json={"lang": "fr", **paging})
    assert french.status_code == 400
    [error] = french.get_json()["errors"]
    assert error["field"] == field
    assert error["message"] != message


def test_both_paging_errors_and_answer_errors_are_reported_together(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/eligibility",
        json={"answers": {"employees": -1}, "page": "x", "per_page": 1000, "lang": "en"},
    )
    assert response.status_code == 400
    fields = [e["field"] for e in response.get_json()["errors"]]
    assert fields == ["answers.employees", "page", "per_page"]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("query", ["?page=2", "?per_page=5", "?page=1&per_page=5"])
def test_paging_in_the_query_string_is_refused(client: FlaskClient, query: str, lang: str) -> None:
    # Ignoring it would send a whole catalogue to a client that believes it asked for a page.
    response = client.post(f"/api/v1/eligibility{query}", json={"lang": lang, "per_page": 5})
    assert response.status_code == 400
    fields = [e["field"] for e in response.get_json()["errors"]]
    assert fields == [name for name in ("page", "per_page") if name in parse_qs(query[1:])]
    if lang == "en":
        assert all("JSON body" in e["message"] for e in response.get_json()["errors"])

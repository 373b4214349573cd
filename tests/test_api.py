"""The JSON API of contract.md §4, through HTTP requests."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from support import CONTRACT_IDS

from app.deadlines import next_deadline, today_in_paris
from app.schemes import Scheme


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_contract_id_answers_with_a_name_and_sources(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    by_id = {s.id: s for s in catalogue}
    for scheme_id in CONTRACT_IDS:
        response = client.get(f"/api/v1/schemes/{scheme_id}?lang={lang}")
        assert response.status_code == 200, scheme_id
        body = response.get_json()
        assert body["id"] == scheme_id
        assert body["name"] == by_id[scheme_id].name.get(lang)
        assert body["sources"]
        assert all(s["url"].startswith("http") and s["checked"] for s in body["sources"])
        assert body["url"].endswith(f"/{lang}/aides/{scheme_id}")


def test_scheme_detail_carries_lifecycle_and_successor(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    body = client.get("/api/v1/schemes/cnc-xn-ecriture?lang=en").get_json()
    assert body["lifecycle"]["status"] == "replaced"
    successor = body["lifecycle"]["replaced_by"]
    assert successor["id"] in {s.id for s in catalogue}
    assert successor["name"]
    assert body["funder"]["acronym"] == "CNC"
    assert body["audience"]["roles"] == [
        {"id": "author", "label": "Author (books, scripts, digital works…)"}
    ]


def test_unknown_scheme_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/schemes/no-such-scheme?lang=en")
    assert response.status_code == 404
    assert response.get_json() == {"errors": [{"field": "id", "message": "No scheme has this id."}]}


def test_list_defaults_hide_inactive_and_count_facets(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    body = client.get("/api/v1/schemes?per_page=100").get_json()
    active = [s for s in catalogue if s.is_active()]
    assert body["total"] == len(active) == len(body["items"])
    assert body["suggestion"] is None
    assert sum(body["facets"]["funder"].values()) == len(active)
    assert {"funder", "sector", "applicant_type", "kind", "lifecycle", "open_now"} <= set(
        body["facets"]
    )
    item = body["items"][0]
    assert set(item) >= {"id", "name", "funder", "kind", "lifecycle", "url", "summary", "score"}


def test_list_filters_and_pages(client: FlaskClient, catalogue: list[Scheme]) -> None:
    expected = sorted(
        s.id for s in catalogue if s.funder == "cnc" and s.lifecycle.status == "replaced"
    )
    body = client.get(
        "/api/v1/schemes?funder=cnc&lifecycle=replaced&sort=name&per_page=100&lang=en"
    ).get_json()
    assert sorted(i["id"] for i in body["items"]) == expected
    first = client.get("/api/v1/schemes?include_closed=true&per_page=3&page=1").get_json()
    second = client.get("/api/v1/schemes?include_closed=true&per_page=3&page=2").get_json()
    assert first["total"] == len(catalogue)
    assert len(first["items"]) == 3
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lang=de", "lang"),
        ("sector=astrology", "sector"),
        ("per_page=1000", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("colour=blue", "colour"),
        ("q=" + "x" * 301, "q"),  # over MAX_QUERY_INPUT, within the request-target limit
        ("sort=cheapest", "sort"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(
    client: FlaskClient, query: str, field: str
) -> None:
    response = client.get(f"/api/v1/schemes?{query}")
    assert response.status_code == 400
    assert field in [error["field"] for error in response.get_json()["errors"]]


def test_errors_are_translated(client: FlaskClient) -> None:
    response = client.get("/api/v1/schemes?colour=blue&lang=fr")
    assert response.get_json()["errors"][0]["message"] == "Paramètre inconnu."


def test_wrong_method_is_a_json_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/api/v1/schemes")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["errors"]


def test_unknown_api_path_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_scheme_detail_lists_criteria(client: FlaskClient, catalogue: list[Scheme]) -> None:
    scheme = next(s for s in catalogue if s.id == "cnc-creation-immersive-ecriture")
    body = client.get(f"/api/v1/schemes/{scheme.id}?lang=en").get_json()
    assert [c["id"] for c in body["criteria"]] == [c.id for c in scheme.criteria]
    assert all(c["label"] and c["source"] for c in body["criteria"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_lists_sort_by_name_and_by_next_deadline(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    # Lists sort by ranks of names worked out once per catalogue: the order of the names.
    shown = [s for s in catalogue if s.is_active()]
    body = client.get(f"/api/v1/schemes?sort=name&per_page=100&lang={lang}").get_json()
    by_name = sorted(shown, key=lambda s: s.name.get(lang).casefold())
    assert [item["id"] for item in body["items"]] == [s.id for s in by_name]
    today = today_in_paris()
    kinds = {"session": 0, "rolling": 1, "none": 2}

    def soonest(scheme: Scheme) -> tuple[int, date, str]:
        deadline = next_deadline(scheme, today)
        return kinds[deadline.kind], deadline.closes or date.max, scheme.name.get(lang).casefold()

    body = client.get(f"/api/v1/schemes?sort=deadline&per_page=100&lang={lang}").get_json()
    assert [item["id"] for item in body["items"]] == [s.id for s in sorted(shown, key=soonest)]

"""The OpenAPI response schemas cannot drift from the JSON: both come from the response models
(app/web/api/response_models.py), every scheme detail and every verdict the API sends validates
against them, and a body with a key added or dropped fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from app.i18n import LANGUAGES
from app.schemes import Scheme
from app.web.api import schemes_api
from app.web.api.openapi import API_PREFIX
from app.web.api.response_models import SchemeDetail, Verdict


def _validator(client: FlaskClient, name: str) -> Any:
    components = client.get(f"{API_PREFIX}/openapi.json").get_json()["components"]
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{name}", "components": components}
    )


def _details(client: FlaskClient, scheme_ids: list[str]) -> list[dict[str, Any]]:
    bodies = []
    for scheme_id in scheme_ids:
        for lang in LANGUAGES:
            response = client.get(f"/api/v1/schemes/{scheme_id}?lang={lang}")
            assert response.status_code == 200
            bodies.append(response.get_json())
    return bodies


def _verdicts(client: FlaskClient, catalogue: list[Scheme]) -> list[dict[str, Any]]:
    results = []
    for scheme in catalogue:
        for example in scheme.examples[:1]:
            response = client.post("/api/v1/eligibility", json={"answers": example.answers})
            assert response.status_code == 200
            results += response.get_json()["results"]
    return results


def test_every_scheme_detail_and_verdict_fit_their_schemas(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    detail, verdict = _validator(client, "SchemeDetail"), _validator(client, "Verdict")
    for body in _details(client, [scheme.id for scheme in catalogue]):
        detail.validate(body)
    results = _verdicts(client, catalogue)
    assert {result["status"] for result in results} == {"eligible", "ineligible", "unknown"}
    for result in results:
        verdict.validate(result)


def test_the_json_keys_and_the_schema_come_from_one_model(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    components = client.get(f"{API_PREFIX}/openapi.json").get_json()["components"]["schemas"]
    (body, *_) = _details(client, [catalogue[0].id])
    assert (
        list(body)
        == list(SchemeDetail.model_fields)
        == list(components["SchemeDetail"]["properties"])
    )
    (result, *_) = _verdicts(client, catalogue[:1])
    assert list(result) == list(Verdict.model_fields) == list(components["Verdict"]["properties"])


def _added(serialise: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def changed(*args: Any) -> dict[str, Any]:
        return {**serialise(*args), "undocumented": True}

    return changed


def _dropped(serialise: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def changed(*args: Any) -> dict[str, Any]:
        data = serialise(*args)
        del data["funder"]
        return data

    return changed


@pytest.mark.parametrize("change", [_added, _dropped], ids=["added", "dropped"])
def test_a_body_that_drifts_fails_its_schema(
    client: FlaskClient,
    catalogue: list[Scheme],
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]],
) -> None:
    monkeypatch.setattr(schemes_api, "_detail_json", change(schemes_api._detail_json))
    detail = _validator(client, "SchemeDetail")
    (body, *_) = _details(client, [catalogue[0].id])
    assert not detail.is_valid(body)

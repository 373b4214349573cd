"""The OpenAPI document of /api/v1 (contract.md §4): built from the code, and schemathesis-tested.

Schemathesis generates requests from the document (valid ones and invalid ones) for every
operation, sends them to the WSGI app and checks each answer: no server error, a documented
status code, content type and headers, a body that matches the documented schema, valid requests
accepted, and 405 with Allow for methods a path does not take.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask, Response, jsonify
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import sessionmaker

from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.eligibility.answers import MAX_MAGNITUDE
from app.i18n import LANGUAGES
from app.schemes import KINDS, LIFECYCLE_STATUSES, Scheme
from app.vocabulary import Vocabulary
from app.web import create_app
from app.web.api import eligibility_api, schemes_api
from app.web.api.openapi import API_PREFIX, ContractMismatchError, openapi_document
from app.web.core.listing_form import MAX_PER_PAGE, SORTS

OPENAPI_URL = f"{API_PREFIX}/openapi.json"
# Fuzzing examples per operation (valid and invalid requests together); with the coverage
# phase's own cases the run sends 3,511 requests, the same each time (under a minute on 2 cores).
MAX_EXAMPLES = 700
MIN_REQUESTS = 3000
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.unsupported_method,
]
# Not checked: negative_data_rejection. The API is lenient on purpose in ways a schema cannot
# say: open_now and include_closed take any value but "false" or empty as true (the page's
# checkboxes send "y"), and a repeated single-valued parameter counts by its first value.


def _document() -> dict[str, Any]:
    """The document as the code builds it, before any fixture exists.

    schemathesis.pytest.from_fixture would load it from the app fixture, but fails on pytest 9.2
    (it sets Node._nodeid, which pytest 9.2 no longer has): the app is handed to each call
    instead, and test_document_served_is_the_one_tested checks that the served one is the same.
    """
    nowhere = Path("/nonexistent")
    settings = Settings("sqlite://", nowhere, "unused", DEFAULT_SCHEMES_DIR, None, nowhere)
    app = create_app(settings, sessionmaker())
    with app.test_request_context(OPENAPI_URL):
        return openapi_document()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
SENT: Counter[str] = Counter()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # The app fixture (and its rolled-back transaction) serves every example: the API only reads.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_answers_as_described(case: Any, app: Flask) -> None:
    response = case.call(app=app)
    SENT[case.operation.label] += 1
    case.validate_response(response, checks=CHECKS)


def test_schemathesis_sent_thousands_of_requests() -> None:
    operations = {f"{m.upper()} {p}" for p, item in DOCUMENT["paths"].items() for m in item}
    if set(SENT) != operations:
        pytest.skip("runs after test_every_operation_answers_as_described, over every operation")
    assert sum(SENT.values()) >= MIN_REQUESTS, SENT


# --- the document itself ---------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    schema.validate()
    broken = copy.deepcopy(DOCUMENT)
    del broken["paths"]["/questions"]["get"]["responses"]["200"]["description"]
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every "schema" object of the document, and the components' schemas."""
    if isinstance(node, list):
        return [s for item in node for s in _schemas(item)]
    if not isinstance(node, dict):
        return []
    found = [node["schema"]] if isinstance(node.get("schema"), dict) else []
    return found + [s for key, value in node.items() if key != "schema" for s in _schemas(value)]


def test_every_schema_is_valid_json_schema() -> None:
    schemas = _schemas(DOCUMENT["paths"]) + list(DOCUMENT["components"]["schemas"].values())
    assert len(schemas) > 20
    for item in schemas:
        jsonschema_rs.meta.validate(
            {"$schema": "https://json-schema.org/draft/2020-12/schema", **item}
        )


def test_document_served_is_the_one_tested(app: Flask, client: FlaskClient) -> None:
    response = client.get(OPENAPI_URL)
    assert response.status_code == 200
    assert response.get_json() == DOCUMENT
    assert DOCUMENT["servers"] == [{"url": API_PREFIX}]
    served = schemathesis.openapi.from_wsgi(OPENAPI_URL, app)
    served.validate()
    assert served.raw_schema == DOCUMENT


# --- generated from the code -----------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix(API_PREFIX))


def test_every_api_route_is_described_and_nothing_else(app: Flask) -> None:
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert routes == described
    assert {
        "/schemes",
        "/schemes/{scheme_id}",
        "/questions",
        "/eligibility",
        "/openapi.json",
        "/opendata.csv",
        "/opendata.json",
        "/suggest",
    } == {path for path, _ in routes}


def test_an_undescribed_route_is_refused(app: Flask) -> None:
    def extra() -> Response:
        return jsonify({})

    app.add_url_rule(f"{API_PREFIX}/extra", endpoint="api.extra", view_func=extra)
    with app.test_request_context(OPENAPI_URL), pytest.raises(ContractMismatchError, match="extra"):
        openapi_document()


def test_list_parameters_are_the_views(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    operation = DOCUMENT["paths"]["/schemes"]["get"]
    assert {p["name"] for p in operation["parameters"]} == schemes_api.LIST_PARAMETERS
    body = DOCUMENT["components"]["schemas"]["EligibilityRequest"]
    assert set(body["properties"]) == eligibility_api.BODY_KEYS
    monkeypatch.setattr(
        "app.web.api.openapi.LIST_PARAMETERS", schemes_api.LIST_PARAMETERS | {"new"}
    )
    with app.test_request_context(OPENAPI_URL), pytest.raises(ContractMismatchError, match="new"):
        openapi_document()


def _parameter(name: str) -> dict[str, Any]:
    parameters = DOCUMENT["paths"]["/schemes"]["get"]["parameters"]
    found: dict[str, Any] = next(p["schema"] for p in parameters if p["name"] == name)
    return found


def test_enums_and_bounds_come_from_the_code(vocabulary: Vocabulary) -> None:
    assert _parameter("lang")["enum"] == list(LANGUAGES)
    assert _parameter("sort")["enum"] == list(SORTS)
    assert _parameter("per_page")["maximum"] == MAX_PER_PAGE
    assert _parameter("page")["minimum"] == 1
    assert _parameter("kind")["items"]["enum"] == list(KINDS)
    assert _parameter("lifecycle")["items"]["enum"] == list(LIFECYCLE_STATUSES)
    assert set(_parameter("funder")["items"]["enum"]) == set(vocabulary.organisations)
    assert _parameter("sector")["items"]["enum"] == list(vocabulary.variable("sectors").value_ids())
    answers = DOCUMENT["components"]["schemas"]["Answers"]
    assert list(answers["properties"]) == list(vocabulary.variables)
    assert answers["required"] == []
    for variable in vocabulary.variables.values():
        typed, dont_know = answers["properties"][variable.id]["anyOf"]
        assert dont_know["enum"] == ["?", None]
        if variable.type == "choice":
            assert typed["enum"] == list(variable.value_ids())
        elif variable.type == "set":
            assert typed["items"]["enum"] == list(variable.value_ids())
        elif variable.type in ("number", "integer"):
            assert typed["type"] == variable.type
            # The vocabulary's bounds, else the validator's MAX_MAGNITUDE.
            low = variable.min if variable.min is not None else -MAX_MAGNITUDE
            high = variable.max if variable.max is not None else MAX_MAGNITUDE
            assert typed["minimum"] == max(low, -MAX_MAGNITUDE)
            assert typed["maximum"] == min(high, MAX_MAGNITUDE)
        else:
            assert typed == {"type": "boolean"}


def test_eligibility_paging_bounds_are_the_scheme_lists() -> None:
    body = DOCUMENT["components"]["schemas"]["EligibilityRequest"]["properties"]
    for name in ("page", "per_page"):
        bounds = {k: body[name][k] for k in ("type", "minimum", "maximum", "default")}
        assert bounds == {k: _parameter(name)[k] for k in bounds}
    assert body["per_page"]["maximum"] == eligibility_api.PAGING["per_page"] == MAX_PER_PAGE


def test_pages_of_verdicts_match_the_document(app: Flask) -> None:
    for paging in ({"page": 2}, {"per_page": 1, "lang": "en"}, {"page": 10_000, "per_page": 100}):
        body = _check(app, "/eligibility", "POST", 200, body={"answers": {}, **paging})
        assert {"total", "page", "per_page", "counts"} <= set(body)
    _check(app, "/eligibility", "POST", 400, body={"page": 0})


def test_every_error_status_is_described() -> None:
    responses = DOCUMENT["components"]["responses"]
    assert set(responses) == {"400", "404", "405", "413", "414", "431"}
    assert responses["405"]["headers"]["Allow"]["required"] is True
    operations = [op for item in DOCUMENT["paths"].values() for op in item.values()]
    used = {status for op in operations for status in op["responses"]}
    assert {"200", "400", "404", "413", "414", "431"} <= used


# --- real data, through the same checks ------------------------------------------------------


def _check(app: Flask, path: str, method: str, status: int, **data: Any) -> Any:
    case = schema[path][method].Case(**data)
    response = case.call(app=app)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == status, response.text
    return response.json()


def test_every_scheme_in_both_languages(app: Flask, catalogue: list[Scheme]) -> None:
    for scheme in catalogue:
        for lang in LANGUAGES:
            body = _check(
                app,
                "/schemes/{scheme_id}",
                "GET",
                200,
                path_parameters={"scheme_id": scheme.id},
                query={"lang": lang},
            )
            assert body["id"] == scheme.id


def test_searches_filters_and_sorts(app: Flask, catalogue: list[Scheme]) -> None:
    words = sorted({w for s in catalogue for w in re.findall(r"\w{5,}", s.name.fr)})[:40]
    queries: list[dict[str, Any]] = [{"q": word, "include_closed": True} for word in words]
    queries += [{"q": word[:-1] + "x", "lang": "en"} for word in words[:10]]  # misspelt
    queries += [{"sort": sort, "include_closed": True, "per_page": 100} for sort in SORTS]
    queries += [{"open_now": True, "lang": "en"}, {"q": "numérique", "sort": "relevance"}]
    scored = 0
    for query in queries:
        body = _check(app, "/schemes", "GET", 200, query=query)
        scored += sum(item["score"] is not None for item in body["items"])
    assert scored > 0


def test_every_example_profile(app: Flask, catalogue: list[Scheme]) -> None:
    examples = [e for s in catalogue for e in s.examples]
    assert examples
    for example, lang in zip(examples, LANGUAGES * len(examples), strict=False):
        body = _check(
            app, "/eligibility", "POST", 200, body={"answers": example.answers, "lang": lang}
        )
        assert body["results"]


def test_questions_in_both_languages(app: Flask) -> None:
    for lang in LANGUAGES:
        assert _check(app, "/questions", "GET", 200, query={"lang": lang})["questions"]


def test_errors_match_the_error_schema(app: Flask, client: FlaskClient) -> None:
    _check(app, "/schemes/{scheme_id}", "GET", 404, path_parameters={"scheme_id": "no-such"})
    _check(app, "/schemes", "GET", 400, query={"per_page": MAX_PER_PAGE + 1})
    _check(app, "/eligibility", "POST", 400, body={"answers": {"no_such": 1}})
    _check(app, "/eligibility", "POST", 413, body={"answers": {"x" * (2 << 20): 1}})
    errors = jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/Errors", "components": DOCUMENT["components"]}
    )
    for response in (client.delete("/api/v1/schemes"), client.get("/api/v1/no-such-path")):
        assert response.status_code in (404, 405)
        errors.validate(response.get_json())
    assert client.put(OPENAPI_URL).headers["Allow"]


def test_what_schemathesis_found_stays_fixed(app: Flask, client: FlaskClient) -> None:
    # A NUL byte reached PostgreSQL (500): in a scheme id, and in a facet value let through
    # unchecked after an empty first value (the form's Optional() reads only the first one).
    for scheme_id in ("a\x00b", "Not a slug"):
        _check(app, "/schemes/{scheme_id}", "GET", 404, path_parameters={"scheme_id": scheme_id})
    assert client.get("/api/v1/schemes/cnc-xn-ecriture%0A").status_code == 404
    _check(app, "/schemes", "GET", 400, query={"role": ["", "a\x00b"]})
    _check(app, "/schemes", "GET", 400, query={"lifecycle": ["", "no-such-status"]})
    # An empty facet value is no filter, not a filter that matches nothing.
    everything = client.get("/api/v1/schemes").get_json()["total"]
    assert everything > 0
    assert client.get("/api/v1/schemes?lifecycle=&funder=").get_json()["total"] == everything

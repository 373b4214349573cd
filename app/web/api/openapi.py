"""The OpenAPI 3.1 description of the JSON API (contract.md §4), built from the code.

Nothing here is a copy to keep in step by hand: the paths and methods come from the URL map,
the response schemas from the models the views serialise through (api_models.py), the list
parameters, their enums and bounds from the filter form (FilterForm) and its validators, the
answers' schema from the vocabulary (questions.yaml), the funders from organisations.yaml,
kinds and statuses from the scheme format. Where the views keep their own
list (api.LIST_PARAMETERS, eligibility_api.BODY_KEYS), building the document checks that both
agree. tests/test_openapi.py runs schemathesis against the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic.json_schema import models_json_schema
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, NumberRange

from app import opendata
from app.eligibility.answers import DONT_KNOW, MAX_MAGNITUDE
from app.facets import AUDIENCE_FACETS
from app.i18n import DEFAULT_LANG, LANGUAGES
from app.vocabulary import Variable, Vocabulary
from app.web.api.eligibility_api import BODY_KEYS
from app.web.api.response_models import RESPONSE_MODELS
from app.web.api.schemes_api import LIST_PARAMETERS, MAX_SUGGEST_INPUT
from app.web.core.choices import choices_of
from app.web.core.edge import MAX_HEADER_VALUE, MAX_HEADERS_TOTAL, MAX_REQUEST_TARGET
from app.web.core.listing_form import FACETS, SORTS, VOCABULARY_FACETS, FilterForm
from app.web.core.reference import vocabulary

API_PREFIX = "/api/v1"
OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
# Flask answers these itself for every route; they are not operations of the API.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
# No NUL byte: every query parameter with one is refused (app/web/core/edge.py).
NO_NUL = "^[^\u0000]*$"
ERROR_STATUSES = {
    400: "The request is not valid: each entry names the parameter or field and what is wrong.",
    404: "Nothing here: an unknown scheme id, or an unknown path under /api/v1.",
    405: "The method is not allowed on this path; Allow lists those that are.",
    413: "The body is larger than the server accepts (1 MiB), with or without Content-Length.",
    414: f"The address (path and query string) is longer than {MAX_REQUEST_TARGET} bytes.",
    431: f"A header is longer than {MAX_HEADER_VALUE} bytes, or all of them than "
    f"{MAX_HEADERS_TOTAL}.",
}
PARAMETER_DESCRIPTIONS = {
    "q": "Search words (French or English; accents and typos are forgiven).",
    "lang": "Language of names, summaries and messages.",
    "page": "Page number, from 1.",
    "per_page": "Results per page.",
    "sort": "Order of the results; relevance needs search words (else the next deadline).",
    "include_closed": (
        "Closed and replaced schemes: `true` lists them after the current ones (a scheme whose "
        "name is typed exactly still comes first), `false` leaves them out. Default: `true` "
        "with search words (q), `false` without. `0`, `n`, `no`, `off` and an empty value also "
        "mean false; any other value means true."
    ),
    "open_now": "Only schemes that can be applied to today (any value but `false` or empty).",
    "funder": "Funder ids (organisations.yaml); repeat the parameter for several.",
    **{
        facet.parameter: f"{facet.plural} (questions.yaml `{facet.variable}`); "
        "repeat the parameter for several."
        for facet in AUDIENCE_FACETS
    },
    "kind": "Kinds of support; repeat the parameter for several.",
    "lifecycle": "Lifecycle statuses; repeat the parameter for several.",
}
_CONVERTER = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


class ContractMismatchError(RuntimeError):
    """The code's own lists disagree with what the document derives (a bug to fix in code)."""


# --- small JSON Schema builders ------------------------------------------------------------


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _enum(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _object(
    properties: dict[str, dict[str, Any]], *, optional: Iterable[str] = ()
) -> dict[str, Any]:
    """A closed object: every property present unless optional, no others."""
    skipped = set(optional)
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in skipped],
        "additionalProperties": False,
    }


def _counts(keys: Iterable[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "propertyNames": _enum(keys),
        "additionalProperties": {"type": "integer", "minimum": 0},
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


# --- what the code defines ----------------------------------------------------------------


def _choice_values(field: Field) -> list[str]:
    return [str(getattr(choice, "value", choice)) for choice in choices_of(field)]


def _field_schema(field: Field) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form field as a query parameter schema, and extra parameter keys (style, explode)."""
    if isinstance(field, SelectMultipleField):
        return _array(_enum(_choice_values(field))), {"style": "form", "explode": True}
    if isinstance(field, SelectField):
        return _enum(_choice_values(field)), {}
    if isinstance(field, BooleanField):
        return {"type": "boolean"}, {}
    if isinstance(field, IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        for validator in field.validators:
            if isinstance(validator, NumberRange):
                if validator.min is not None:
                    schema["minimum"] = validator.min
                if validator.max is not None:
                    schema["maximum"] = validator.max
        if field.default is not None:
            schema["default"] = field.default
        return schema, {}
    if isinstance(field, StringField):
        schema = {"type": "string", "pattern": NO_NUL}
        for check in field.validators:
            if isinstance(check, Length) and check.max >= 0:
                schema["maxLength"] = check.max
        return schema, {}
    raise ContractMismatchError(f"FilterForm.{field.name}: no schema for {type(field).__name__}")


def _lang_parameter() -> dict[str, Any]:
    return {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": PARAMETER_DESCRIPTIONS["lang"],
        "schema": {**_enum(LANGUAGES), "default": DEFAULT_LANG},
    }


def _list_parameters(form: FilterForm) -> list[dict[str, Any]]:
    """The query parameters of the scheme list: ?lang= and one per field of the filter form."""
    parameters = [_lang_parameter()]
    for field in form:
        schema, extra = _field_schema(field)
        parameters.append(
            {
                "name": field.name,
                "in": "query",
                "required": False,
                "description": PARAMETER_DESCRIPTIONS[field.name],
                "schema": schema,
                **extra,
            }
        )
    names = {p["name"] for p in parameters}
    if names != LIST_PARAMETERS:
        raise ContractMismatchError(
            f"FilterForm fields and api.LIST_PARAMETERS differ: {sorted(names ^ LIST_PARAMETERS)}"
        )
    if tuple(_choice_values(form.sort)) != SORTS:
        raise ContractMismatchError("FilterForm.sort choices and listing_form.SORTS differ")
    return parameters


def _facet_values(form: FilterForm) -> dict[str, list[str]]:
    return {name: _choice_values(form[name]) for name in FACETS}


def _answer_schema(variable: Variable) -> dict[str, Any]:
    """What one answer may be: a typed value, or "?" (or null) for "I don't know"."""
    dont_know = {"enum": [DONT_KNOW, None], "description": "I don't know."}
    typed: dict[str, Any]
    if variable.type == "choice":
        typed = _enum(variable.value_ids())
    elif variable.type == "set":
        typed = _array(_enum(variable.value_ids()))
    elif variable.type == "boolean":
        typed = {"type": "boolean"}
    else:
        # Every number is bounded, by the vocabulary or else by MAX_MAGNITUDE (as validated).
        low = variable.min if variable.min is not None else -MAX_MAGNITUDE
        high = variable.max if variable.max is not None else MAX_MAGNITUDE
        typed = {
            "type": variable.type,
            "minimum": _number(max(low, -MAX_MAGNITUDE)),
            "maximum": _number(min(high, MAX_MAGNITUDE)),
        }
    return {"description": variable.label.en, "anyOf": [typed, dont_know]}


def _model_schemas() -> dict[str, Any]:
    """The response bodies' schemas, and those of every object in them, from their models."""
    _, top = models_json_schema(
        [(model, "serialization") for model in RESPONSE_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    return {name: _plain(schema) for name, schema in top["$defs"].items()}


def _plain(schema: Any) -> Any:
    """A model's schema without what Pydantic adds: a title on every object and property (the
    names say it), a null default on keys that are absent when unset, docstrings' line breaks."""
    if isinstance(schema, list):
        return [_plain(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    plain: dict[str, Any] = {}
    for key, item in schema.items():
        if key == "title" or (key == "default" and item is None):
            continue
        if key == "properties":
            plain[key] = {name: _plain(value) for name, value in item.items()}
        elif key == "description":
            plain[key] = " ".join(item.split())
        else:
            plain[key] = _plain(item)
    return plain


def _paging_schema(form: FilterForm) -> dict[str, dict[str, Any]]:
    """The body's page and per_page: the scheme list's bounds and defaults (its form's fields)."""
    return {
        "page": {
            **_field_schema(form.page)[0],
            "description": "With page or per_page, only this page of the verdicts is sent, with "
            "total, page, per_page and counts; without either, every verdict.",
        },
        "per_page": {**_field_schema(form.per_page)[0], "description": "Verdicts per page."},
    }


def _schemas(vocab: Vocabulary, facets: dict[str, list[str]], form: FilterForm) -> dict[str, Any]:
    variables = list(vocab.variables)
    text = _string()
    optional_text = _nullable(_string())
    facet_schemas = {name: _counts(values) for name, values in facets.items()}
    facet_schemas["open_now"] = _object({"true": {"type": "integer", "minimum": 0}})
    return {
        "Error": _object({"field": optional_text, "message": text}),
        "Errors": _object({"errors": _array(_ref("Error"), minItems=1)}),
        **_model_schemas(),
        "Facets": _object(facet_schemas),
        "Answers": {
            **_object(
                {name: _answer_schema(v) for name, v in vocab.variables.items()},
                optional=variables,
            ),
            "description": 'Answers by variable (GET /questions); "?" or null: I don\'t know.',
        },
        "EligibilityRequest": _object(
            {
                "answers": _ref("Answers"),
                "lang": {**_enum(LANGUAGES), "default": DEFAULT_LANG},
                **_paging_schema(form),
            },
            optional=("answers", "lang", "page", "per_page"),
        ),
        "OpenData": _opendata_schema(),
        "OpenAPI": {
            "type": "object",
            "required": ["openapi", "info", "paths"],
            "description": "This document.",
        },
    }


def _opendata_schema() -> dict[str, Any]:
    """The JSON export: its rows' keys are the national schema's columns (read from its file)."""
    table = opendata.read_schema()
    row = _object(
        {
            field["name"]: {"description": field["title"], **_nullable(_string())}
            for field in table["fields"]
        }
    )
    return _object(
        {
            "schema": _object({"name": _string(), "version": _string(), "path": _string()}),
            "license": _object({"name": _string(), "title": _string(), "path": _string()}),
            "generated": _string(format="date-time"),
            "total": {"type": "integer", "minimum": 0},
            "data": _array(row),
        }
    )


def _error_responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, description in ERROR_STATUSES.items():
        response: dict[str, Any] = {"description": description, "content": _json(_ref("Errors"))}
        if status == 405:
            response["headers"] = {
                "Allow": {
                    "description": "The methods this path accepts.",
                    "required": True,
                    "schema": _string(),
                }
            }
        responses[str(status)] = response
    return responses


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/{s}"} for s in statuses}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": _json(_ref(schema))}}


# --- operations, by endpoint and method -----------------------------------------------------

Operation = Callable[[list[dict[str, Any]]], dict[str, Any]]


def _scheme_list(list_parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "listSchemes",
        "summary": "Search and filter the schemes",
        "description": (
            "Search words (q) and filters; facet counts describe the whole result, not the page, "
            "and are disjunctive: values of one facet are alternatives (OR), facets combine with "
            "AND, and each facet's counts ignore that facet's own selection. With search words, "
            "closed and replaced schemes are listed after the current ones unless "
            "include_closed=false; without words they are left out unless include_closed=true. "
            "When no scheme has all the words, the closest spelling of each word that may be a "
            "typo is searched: `suggestion` gives it and `corrected` is true. Any other query "
            "parameter is refused (400)."
        ),
        "parameters": list_parameters,
        "responses": {**_ok("One page of schemes.", "SchemeList"), **_errors(400, 414, 431)},
    }


def _scheme_detail(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "getScheme",
        "summary": "One scheme",
        "description": "Its facts, lifecycle, audience, amounts, calendar, criteria and sources.",
        "parameters": [
            {
                "name": "scheme_id",
                "in": "path",
                "required": True,
                "description": "The scheme's id (its file name in aid_schemes/).",
                "schema": _string(),
            },
            _lang_parameter(),
        ],
        "responses": {**_ok("The scheme.", "SchemeDetail"), **_errors(400, 404, 414, 431)},
    }


def _suggest(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "suggest",
        "summary": "Completions as you type",
        "description": (
            "Scheme names, funders and vocabulary terms completing q (the last word may be "
            "partial; typos are forgiven from 5 letters), labels in lang first, then the other "
            "language's; at most 8."
        ),
        "parameters": [
            {
                "name": "q",
                "in": "query",
                "required": False,
                "description": "What is typed so far.",
                "schema": {"type": "string", "maxLength": MAX_SUGGEST_INPUT, "pattern": NO_NUL},
            },
            _lang_parameter(),
        ],
        "responses": {**_ok("Completions, best first.", "Suggestions"), **_errors(400, 414, 431)},
    }


def _questions(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "listQuestions",
        "summary": "The profile vocabulary",
        "description": "Every variable of a profile, in question order, with labels in lang.",
        "parameters": [_lang_parameter()],
        "responses": {**_ok("The questions.", "Questions"), **_errors(400, 414, 431)},
    }


def _eligibility(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "checkEligibility",
        "summary": "Verdicts for a profile",
        "description": (
            "One verdict per scheme with rules (eligible, then unknown, then ineligible, each "
            "group in scheme id order), each criterion with its status, and the most decisive "
            "unanswered questions first. With page or per_page in the body (as in the scheme "
            "list: per_page 20 by default, at most 100), only that page of the verdicts is sent, "
            "with total, page, per_page and the counts per status; a page past the end has no "
            "results. The next questions, finished and nothing_can_match always describe the "
            "whole catalogue. page and per_page in the query string are refused (400)."
        ),
        "requestBody": {"required": True, "content": _json(_ref("EligibilityRequest"))},
        "responses": {**_ok("Verdicts.", "EligibilityResult"), **_errors(400, 413, 431)},
    }


def _opendata_csv(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "getOpenDataCsv",
        "summary": "The catalogue in the national dispositif-aide schema (CSV)",
        "description": (
            f"Every published scheme, closed and replaced ones included, as the CSV of the "
            f"dispositif-aide schema {opendata.SCHEMA_VERSION} of schema.data.gouv.fr "
            f"({opendata.SCHEMA_URL}): UTF-8, a header line, texts in French. "
            "Licence Ouverte 2.0 (Etalab)."
        ),
        "responses": {
            "200": {
                "description": "The CSV file.",
                "content": {"text/csv": {"schema": _string()}},
            }
        },
    }


def _opendata_json(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "getOpenDataJson",
        "summary": "The catalogue in the national dispositif-aide schema (JSON)",
        "description": (
            "The rows of the CSV export, keyed by the schema's column names (null for an empty "
            "cell), with the schema's name, version and address, the licence and the date."
        ),
        "responses": _ok("The rows and what describes them.", "OpenData"),
    }


def _openapi(_: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "operationId": "getOpenAPI",
        "summary": "This description",
        "responses": _ok("The OpenAPI document of the API.", "OpenAPI"),
    }


OPERATIONS: dict[str, dict[str, Operation]] = {
    "api.scheme_list": {"GET": _scheme_list},
    "api.scheme_detail": {"GET": _scheme_detail},
    "api.suggest": {"GET": _suggest},
    "openapi.openapi_json": {"GET": _openapi},
    "opendata_api.opendata_csv": {"GET": _opendata_csv},
    "opendata_api.opendata_json": {"GET": _opendata_json},
    "eligibility_api.questions": {"GET": _questions},
    "eligibility_api.eligibility": {"POST": _eligibility},
}


def api_routes() -> list[tuple[str, str, str]]:
    """(OpenAPI path, method, endpoint) of every route of the API in the URL map."""
    routes = []
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule.removeprefix(API_PREFIX))
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS):
            routes.append((path, method, rule.endpoint))
    return sorted(routes)


def openapi_document(server_url: str = API_PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1, from the URL map, the form and the vocabulary."""
    vocab = vocabulary()
    form = FilterForm(MultiDict(), DEFAULT_LANG)
    list_parameters = _list_parameters(form)
    facets = _facet_values(form)
    for name, variable_id in VOCABULARY_FACETS.items():
        if facets[name] != list(vocab.variable(variable_id).value_ids()):
            raise ContractMismatchError(f"facet {name} and variable {variable_id} differ")
    schemas = _schemas(vocab, facets, form)
    body_keys = set(schemas["EligibilityRequest"]["properties"])
    if body_keys != BODY_KEYS:
        raise ContractMismatchError(f"eligibility_api.BODY_KEYS differ: {sorted(body_keys)}")
    paths: dict[str, dict[str, Any]] = {}
    for path, method, endpoint in api_routes():
        build = OPERATIONS.get(endpoint, {}).get(method)
        if build is None:
            raise ContractMismatchError(f"{method} {API_PREFIX}{path} ({endpoint}) is undocumented")
        paths.setdefault(path, {})[method.lower()] = build(list_parameters)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Aides culture numérique",
            "version": "1",
            "description": (
                "The bilingual directory of French public support schemes for digital culture: "
                "search and filter the schemes, read one, and check a profile's eligibility. "
                'Every error is JSON: {"errors": [{"field": ..., "message": ...}]}, with 400 '
                "(invalid request), 404 (unknown scheme or path), 405 (method not allowed, "
                "with Allow) or 413 (body too large)."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas, "responses": _error_responses()},
    }


blueprint = Blueprint("openapi", __name__)


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 description of this API, built from the code."""
    return jsonify(openapi_document(request.script_root + API_PREFIX))

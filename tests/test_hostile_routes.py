"""Property-based: every route of the app, asked by an anonymous visitor, a signed-in editor and
a signed-in administrator, with hostile path values, query parameters, form fields and JSON
bodies (huge and NaN-like numbers, NUL bytes, CR/LF, url_for keywords, deep JSON, odd Hosts),
never answers with a 5xx. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from admin_support import csrf_token, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

HOSTILE_WORDS = [
    "9" * 400,
    "-" + "9" * 310,
    "sNaN",
    "-sNaN",
    "NaN",
    "Infinity",
    "-inf",
    "1e999",
    "1e13",
    "2147483648",
    "99999999999",
    "0",
    "-1",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "//evil.example.com/",
    "/\\evil.example.com",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "😀" * 20,
    "fr",
    "en",
    "de",
    "",
    " ",
    "?",
    "true",
    "x" * 5000,
    "cnl-bourse-auteurs",
]
PARAMETERS = [
    "page",
    "per_page",
    "q",
    "lang",
    "sort",
    "funder",
    "kind",
    "lifecycle",
    "sector",
    "open_now",
    "next",
    "_external",
    "_method",
    "_scheme",
    "_anchor",
    "asked",
    "ask",
    "employees",
    "annual_turnover_eur",
    "dont_know",
    "show",
    "token",
]
FIELDS = ["email", "password", "code", "comment", "role", "note", "website", "frequency", "name"]
HOSTS = ["localhost", "evil.example.com", "a" * 300, "localhost:99999"]
# Ending the signed-in session would turn the rest of the run into anonymous requests.
SKIPPED_WHEN_SIGNED_IN = {"admin_auth.logout", "admin.account"}

# Plausible values too, so that requests get past the first checks into the views.
PLAUSIBLE = ["1", "2", "20", "fr", "en", "cnl-bourse-auteurs", "musique", "deadline", "true"]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_WORDS), st.sampled_from(PLAUSIBLE), st.text(max_size=40)
)
hostile_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["answers", "lang", "employees", "x"]), inner, max_size=4),
    ),
    max_leaves=12,
)


def routes(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app, HEAD and OPTIONS aside."""
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods or ())
            if method not in ("HEAD", "OPTIONS")
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


def fill(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with each variable replaced by its (quoted) value."""

    def one(match: re.Match[str]) -> str:
        return quote(values.get(match.group(1), "x"), safe="")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", one, rule.rule)


@st.composite
def hostile_requests(draw: st.DrawFn, app: Flask) -> dict[str, Any]:
    rule, method = draw(st.sampled_from(routes(app)))
    values = {
        name: draw(st.sampled_from(["fr", "en", "fr", "en", "de", "x" * 300, "f\x00r"]))
        if name == "lang"
        else draw(hostile_text)
        for name in rule.arguments
    }
    query = draw(st.dictionaries(st.sampled_from(PARAMETERS), hostile_text, max_size=4))
    request: dict[str, Any] = {
        "endpoint": rule.endpoint,
        "method": method,
        "path": fill(rule, values),
        "query": urlencode(query),
        "host": draw(st.sampled_from(["localhost"] * 8 + HOSTS)),
    }
    if method != "GET":
        kind = draw(st.sampled_from(["form", "json", "raw"]))
        if kind == "form":
            request["form"] = draw(st.dictionaries(st.sampled_from(FIELDS), hostile_text))
            request["with_token"] = draw(st.sampled_from([True, True, True, False]))
        elif kind == "json":
            request["json"] = json.dumps({"answers": draw(hostile_json), "lang": "en"})
        else:
            request["json"] = draw(
                st.sampled_from(["[" * 50_000, "{" * 3, "1" * 400, "", "null", '{"a":' * 40])
            )
    return request


def send(client: FlaskClient, token: str, request: dict[str, Any]) -> Any:
    url = f"{request['path']}?{request['query']}" if request["query"] else request["path"]
    headers = {"Host": request["host"]}
    if "json" in request:
        return client.open(
            url,
            method=request["method"],
            data=request["json"],
            content_type="application/json",
            headers=headers,
        )
    data = dict(request.get("form", {}))
    if request.get("with_token"):
        data["csrf_token"] = token
    return client.open(url, method=request["method"], data=data or None, headers=headers)


def check_every_route(
    app: Flask, client: FlaskClient, token: str, skipped: set[str]
) -> Callable[[], None]:
    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=True,
    )
    @given(request=hostile_requests(app))
    def run(request: dict[str, Any]) -> None:
        if request["endpoint"] in skipped:
            return
        response = send(client, token, request)
        try:
            assert response.status_code < 500, (request, response.get_data(as_text=True)[:500])
        finally:
            response.close()  # files sent as they are (the favicon) stay open until closed

    return run


@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_no_route_answers_5xx_to_hostile_input(
    app: Flask, client: FlaskClient, db: Session, who: str
) -> None:
    skipped: set[str] = set()
    if who != "anonymous":
        sign_in(client, make_user(db, f"{who}@example.org", who))
        skipped = SKIPPED_WHEN_SIGNED_IN
    token = csrf_token(client, "/en/admin/login" if who == "anonymous" else "/en/admin/account")
    check_every_route(app, client, token, skipped)()

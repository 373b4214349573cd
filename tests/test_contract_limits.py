"""One contract end to end: the limits the OpenAPI document gives are those the server applies,
the app (not gunicorn) refuses oversized requests, every error under /api/ is JSON with the
security headers, and a body over the limit is a 413 however it is sent (chunked too)."""

from __future__ import annotations

import http.client
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from test_faults import gunicorn, prepare

from app.config import PROJECT_ROOT
from app.db import make_engine
from app.schemes import Scheme
from app.web.core.edge import MAX_BODY, MAX_HEADER_VALUE, MAX_REQUEST_TARGET
from app.web.core.listing_form import MAX_QUERY_INPUT

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
DOCUMENTED_GUNICORN = ["--limit-request-line=8190", "--limit-request-field_size=8190"]


def assert_json_error(response: Any, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["errors"][0]["message"]
    for header in SECURITY_HEADERS:
        assert header in response.headers


def test_the_documented_q_fits_the_request_limit(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    (q,) = [p for p in spec["paths"]["/schemes"]["get"]["parameters"] if p["name"] == "q"]
    assert q["schema"]["maxLength"] == MAX_QUERY_INPUT
    # The longest q, in 4-byte characters, percent-encoded: still within the request target.
    assert len("/api/v1/schemes?q=") + 12 * MAX_QUERY_INPUT < MAX_REQUEST_TARGET
    longest = "😀" * MAX_QUERY_INPUT
    assert client.get("/api/v1/schemes", query_string={"q": longest}).status_code == 200
    too_long = client.get("/api/v1/schemes", query_string={"q": "a" * (MAX_QUERY_INPUT + 1)})
    assert_json_error(too_long, 400)
    assert "414" in spec["paths"]["/schemes"]["get"]["responses"]


def test_the_documented_gunicorn_limits_are_above_the_apps() -> None:
    for doc in (PROJECT_ROOT / "README.md", PROJECT_ROOT / "docs" / "production.md"):
        text = doc.read_text(encoding="utf-8")
        lines = [int(n) for n in re.findall(r"--limit-request-line[ =](\d+)", text)]
        fields = [int(n) for n in re.findall(r"--limit-request-field_size[ =](\d+)", text)]
        assert lines, doc
        assert all(n > MAX_REQUEST_TARGET for n in lines), doc
        assert fields, doc
        assert all(n > MAX_HEADER_VALUE for n in fields), doc


def test_an_overlong_address_is_a_json_414(client: FlaskClient) -> None:
    assert_json_error(client.get("/api/v1/schemes?q=" + "a" * MAX_REQUEST_TARGET), 414)
    page = client.get("/en/aides/?q=" + "a" * MAX_REQUEST_TARGET)
    assert page.status_code == 414
    assert page.mimetype == "text/html"


def test_an_oversized_header_is_a_json_431(client: FlaskClient) -> None:
    response = client.get("/api/v1/questions", headers={"X-Big": "a" * (MAX_HEADER_VALUE + 1)})
    assert_json_error(response, 431)


def _chunked_post(client: FlaskClient, path: str, body: bytes, content_type: str) -> Any:
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": content_type},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_body_over_the_limit_is_413_however_it_is_sent(client: FlaskClient) -> None:
    big = b'{"answers": {}, "lang": "en", "x": "' + b"a" * MAX_BODY + b'"}'
    assert_json_error(
        client.post("/api/v1/eligibility", data=big, content_type="application/json"), 413
    )
    assert_json_error(_chunked_post(client, "/api/v1/eligibility", big, "application/json"), 413)
    page = _chunked_post(
        client, "/en/admin/login", b"email=" + b"a" * MAX_BODY, "application/x-www-form-urlencoded"
    )
    assert page.status_code == 413
    # A chunked body within the limit is read whole.
    small = b'{"answers": {"employees": 3}, "lang": "en"}'
    response = _chunked_post(client, "/api/v1/eligibility", small, "application/json")
    assert response.status_code == 200
    assert response.get_json()["results"]


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.sendall(request)
        response = http.client.HTTPResponse(connection.sock)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_gunicorn_as_documented_lets_the_app_answer(
    tmp_path: Path, catalogue: list[Scheme]
) -> None:
    url = f"sqlite:///{tmp_path / 'contract.sqlite3'}"
    engine = make_engine(url)
    prepare(engine, catalogue)
    engine.dispose()
    with gunicorn(url, tmp_path, *DOCUMENTED_GUNICORN) as port:
        target = "/api/v1/schemes?q=" + "a" * 5000  # over the app's limit, under gunicorn's
        status, headers, body = _raw(
            port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        assert status == 414
        assert headers["Content-Type"] == "application/json"
        assert all(h in headers for h in SECURITY_HEADERS)

        status, headers, _ = _raw(
            port,
            b"GET /api/v1/questions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
            + b"a" * 5000
            + b"\r\nConnection: close\r\n\r\n",
        )
        assert status == 431
        assert headers["Content-Type"] == "application/json"

        payload = b'{"answers": {}, "x": "' + b"a" * (MAX_BODY + 10) + b'"}'
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(payload[i : i + 65536]), payload[i : i + 65536])
            for i in range(0, len(payload), 65536)
        )
        status, headers, body = _raw(
            port,
            b"POST /api/v1/eligibility HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunks
            + b"0\r\n\r\n",
        )
        assert status == 413
        assert headers["Content-Type"] == "application/json"
        assert b"errors" in body


@pytest.mark.parametrize("status", [414, 431, 413])
def test_every_size_limit_is_documented(client: FlaskClient, status: int) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert str(status) in spec["components"]["responses"]

"""Absurd and hostile input is refused at the edge with a 4xx naming the problem, never a 500:
huge and NaN-like numbers, deep JSON, request arguments meant for url_for, out-of-range and
NUL-bearing ids, CR/LF in `next=`, a forged or oversized Host; absolute URLs come from the
configured public address, never from the request's Host."""

from __future__ import annotations

from dataclasses import replace

import pytest
from admin_support import PASSWORD, csrf_token, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.web import create_app

HUGE = "9" * 400
SCHEME = "cnl-bourse-auteurs"
PUBLIC = "https://aides.example.org"


@pytest.mark.parametrize(
    "path",
    [
        f"/en/aides/?page={HUGE}",
        f"/en/aides/?per_page={HUGE}",
        f"/api/v1/schemes?page={HUGE}",
        f"/api/v1/schemes?per_page={HUGE}",
        f"/api/v1/schemes?page=-{HUGE}",
        "/api/v1/schemes?page=1e999",
    ],
)
def test_huge_page_numbers_are_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        fields = {e["field"] for e in response.get_json()["errors"]}
        assert fields & {"page", "per_page"}


@pytest.mark.parametrize(
    "value", [HUGE, f"-{HUGE}", "sNaN", "NaN", "-sNaN", "Infinity", "-inf", "1e999", "1e13"]
)
def test_absurd_numbers_in_eligibility_answers_are_refused(client: FlaskClient, value: str) -> None:
    for raw in (value, int(value) if value.lstrip("-").isdigit() else value):
        response = client.post(
            "/api/v1/eligibility", json={"answers": {"employees": raw}, "lang": "en"}
        )
        assert response.status_code == 400, (raw, response.get_data(as_text=True)[:300])
        assert response.get_json()["errors"][0]["field"] == "answers.employees"


def test_a_400_digit_integer_in_the_json_body_is_refused(client: FlaskClient) -> None:
    body = '{"answers": {"employees": ' + HUGE + '}, "lang": "en"}'
    response = client.post("/api/v1/eligibility", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_deeply_nested_json_is_refused(client: FlaskClient) -> None:
    body = '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/eligibility", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json


def _questionnaire_step_with_number(client: FlaskClient) -> tuple[str, str]:
    """The questionnaire step that asks a number, and that number's field name."""
    return "/en/questionnaire/", "employees"


@pytest.mark.parametrize("value", [HUGE, "sNaN", "NaN", "Infinity", "1e999"])
def test_absurd_numbers_in_questionnaire_answers_are_refused(
    client: FlaskClient, value: str
) -> None:
    for variable in ("employees", "annual_turnover_eur"):
        for path in (
            f"/en/questionnaire/results?{variable}={value}",
            f"/en/questionnaire/recap?{variable}={value}",
            f"/en/questionnaire/question?asked={variable}&{variable}={value}",
        ):
            assert client.get(path).status_code == 400, path


@pytest.mark.parametrize(
    "query", ["_external=1", "_method=POST", "_scheme=javascript", "_anchor=x", "lang=de"]
)
def test_request_arguments_never_reach_url_building(client: FlaskClient, query: str) -> None:
    for path in ("/en/aides/", "/en/aides/feed.atom", "/en/aides/calendar.ics", "/en/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, response.status_code)


def test_a_feed_asked_in_an_unknown_language_is_404(client: FlaskClient) -> None:
    assert client.get("/de/aides/feed.atom").status_code == 404
    response = client.get("/en/aides/feed.atom?lang=de")
    assert response.status_code in (200, 400)
    assert "/de/" not in response.get_data(as_text=True)


FORGED_HOSTS = ["a" * 300, "evil.example.com", "exa mple.org", "[::1", "localhost:99999"]


@pytest.mark.parametrize("host", FORGED_HOSTS)
def test_a_forged_or_oversized_host_is_400(client: FlaskClient, host: str) -> None:
    for path in ("/en/", f"/api/v1/schemes/{SCHEME}", "/en/aides/feed.atom"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (path, host)


def test_the_default_server_names_are_accepted(client: FlaskClient) -> None:
    for host in ("localhost", "127.0.0.1", "localhost:5000", "127.0.0.1:8000"):
        assert client.get("/en/", headers={"Host": host}).status_code == 200


@pytest.fixture
def public_app(settings: Settings, session_factory: sessionmaker[Session]) -> Flask:
    app = create_app(
        replace(
            settings,
            public_base_url=PUBLIC,
            server_names=("aides.example.org", "localhost", "evil.example.com"),
        ),
        session_factory,
    )
    app.config["TESTING"] = True
    return app


def test_absolute_urls_come_from_the_public_address_never_from_host(public_app: Flask) -> None:
    client = public_app.test_client()
    headers = {"Host": "evil.example.com"}
    detail = client.get("/api/v1/schemes?lang=en", headers=headers).get_json()
    assert detail["items"][0]["url"].startswith(f"{PUBLIC}/en/")
    verdicts = client.post(
        "/api/v1/eligibility", json={"answers": {}, "lang": "en"}, headers=headers
    ).get_json()
    assert all(r["scheme"]["url"].startswith(f"{PUBLIC}/en/") for r in verdicts["results"])
    feed = client.get("/en/aides/feed.atom", headers=headers).get_data(as_text=True)
    assert "evil.example.com" not in feed
    assert PUBLIC in feed
    results = client.get("/en/questionnaire/results", headers=headers).get_data(as_text=True)
    assert "evil.example.com" not in results


@pytest.mark.parametrize(
    "path",
    [
        "/en/admin/users/99999999999/disable",
        "/en/admin/users/2147483648/role",
        f"/en/admin/schemes/{SCHEME}/rollback/99999999999",
        "/en/admin/suggestions/99999999999/accepted",
    ],
)
def test_ids_beyond_32_bits_are_404(client: FlaskClient, db: Session, path: str) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, "/en/admin/users")
    response = client.post(
        path, data={"csrf_token": token, "role": "editor", "password": "x", "comment": ""}
    )
    assert response.status_code == 404


def test_a_nul_byte_in_an_admin_path_is_404(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    for path in ("/en/admin/schemes/a%00b/revisions", "/en/admin/schemes/a%00b/edit"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "target",
    ["/en/admin/\r\nSet-Cookie: x=1", "/en/admin/%0d%0aX: y", "//evil.example.com/", "/\\evil"],
)
def test_next_after_sign_in_is_a_local_path(client: FlaskClient, db: Session, target: str) -> None:
    user = make_user(db, "editor@example.org", "editor")
    token = csrf_token(client, "/en/admin/login")
    response = client.post(
        "/en/admin/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location
    assert "\n" not in location
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "evil" not in location


@pytest.mark.parametrize("value", ["null", "maybe", "2", "-1"])
def test_yes_no_parameters_take_only_yes_or_no(client: FlaskClient, value: str) -> None:
    for name in ("open_now", "include_closed"):
        response = client.get(f"/api/v1/schemes?{name}={value}&{name}={value}")
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["field"] == name
        assert client.get(f"/en/aides/?{name}={value}").status_code == 400
    for accepted in ("true", "false", "y", "1", "0", ""):
        assert client.get(f"/api/v1/schemes?open_now={accepted}").status_code == 200

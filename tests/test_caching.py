"""HTTP caching: public pages and the GET API are validated and reused; personal ones never."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.repository import import_schemes
from app.schemes import Scheme

PUBLIC = [
    "/fr/",
    "/en/aides/?funder=cnc",
    "/fr/aides/cnc-fajv",
    "/en/calendar/",
    "/api/v1/schemes?lang=en",
    "/api/v1/schemes/cnc-fajv",
    "/api/v1/questions?lang=fr",  # the same for every visitor: a shared cache serves it
]
PERSONAL = [
    "/fr/questionnaire/",
    "/en/questionnaire/results?applicant_type=company",
    "/en/admin/login",
    "/fr/aides/cnc-fajv/suggestion",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_answer_is_validated_and_then_not_sent_again(
    client: FlaskClient, url: str
) -> None:
    client.set_cookie("lang", url.split("/")[1] if url.startswith(("/fr", "/en")) else "fr")
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


@pytest.mark.parametrize("url", PERSONAL)
def test_personal_pages_are_never_stored(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_a_first_visit_that_sets_the_language_cookie_is_private(client: FlaskClient) -> None:
    response = client.get("/en/aides/cnc-fajv")
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_a_publish_changes_the_validator(
    client: FlaskClient, db: Session, catalogue: list[Scheme]
) -> None:
    client.set_cookie("lang", "en")
    before = client.get("/en/aides/cnc-fajv").headers["ETag"]
    fajv = next(s for s in catalogue if s.id == "cnc-fajv")
    changed = Scheme.model_validate(
        {**fajv.document(), "summary": {"fr": "Nouveau résumé.", "en": "A new summary."}}
    )
    import_schemes(db, [changed], author="tests", comment="summary")
    db.commit()
    response = client.get("/en/aides/cnc-fajv", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert "A new summary." in response.get_data(as_text=True)
    assert response.headers["ETag"] != before

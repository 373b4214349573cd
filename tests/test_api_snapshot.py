"""Every JSON API response on the real catalogue is byte for byte what it was when the response
models replaced the hand-built dicts (tests/fixtures/api_responses.json.gz, captured from them).

After a deliberate change to a response, rewrite the fixture with API_SNAPSHOT_WRITE=1 and
review its diff."""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import deadlines
from app.i18n import LANGUAGES
from app.schemes import Scheme

FIXTURE = Path(__file__).parent / "fixtures" / "api_responses.json.gz"
# Deadlines and staleness depend on the date: the snapshot is taken on this day.
TODAY = datetime(2026, 12, 5, 12, 0, tzinfo=deadlines.PARIS)
# The rules' date is when the test database was loaded, the day the test runs: not compared.
RULES_DATE = re.compile(r'"rules_date":"\d{4}-\d{2}-\d{2}"')


def _body(text: str) -> str:
    return RULES_DATE.sub('"rules_date":"(the day the database was loaded)"', text)


LIST_QUERIES = [
    "",
    "lang=en",
    "per_page=100",
    "per_page=100&include_closed=true&lang=en",
    "q=jeu+vid%C3%A9o",
    "q=jeu+vid%C3%A9o&include_closed=false&lang=en",
    "q=anmation",  # a typo: corrected
    "q=zzzzqqq",
    "open_now=1&per_page=5",
    "sort=amount&per_page=5&page=2",
    "funder=cnc&kind=grant&lang=en",
    "sector=video_games&applicant_type=company",
    "lifecycle=closed&lifecycle=replaced",
    "page=999",
    "nope=1",
    "lang=de",
]
SUGGEST_QUERIES = ["q=ani", "q=cnc&lang=en", "q=r%C3%A9sidence", "q=", "q=jeux+vi&lang=en"]


class _Clock(datetime):
    """datetime whose now() is TODAY (deadlines.today_in_paris reads it)."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return TODAY.astimezone(tz) if tz else TODAY.replace(tzinfo=None)


def _responses(client: FlaskClient, catalogue: list[Scheme]) -> dict[str, dict[str, Any]]:
    """Each request of the API's public shapes (and some refusals), by method and URL."""
    gets = [f"/api/v1/schemes?{query}" for query in LIST_QUERIES]
    gets += [f"/api/v1/suggest?{query}" for query in SUGGEST_QUERIES]
    gets += [f"/api/v1/questions?lang={lang}" for lang in LANGUAGES]
    gets += [
        f"/api/v1/schemes/{scheme.id}?lang={lang}" for scheme in catalogue for lang in LANGUAGES
    ]
    gets.append("/api/v1/schemes/no-such-scheme?lang=en")
    bodies: list[Any] = [{}, {"lang": "en"}, {"answers": 3}, {"lang": "xx", "other": 1}]
    # Each answer carries a verdict for every scheme with rules: a few profiles cover them all.
    examples = [example for scheme in catalogue for example in scheme.examples]
    bodies += [{"answers": example.answers} for example in examples[::90]]
    bodies += [{"answers": example.answers, "lang": "en"} for example in examples[7::150]]
    responses = {}
    for url in gets:
        response = client.get(url)
        responses[f"GET {url}"] = {"status": response.status_code, "body": _body(response.text)}
    for body in bodies:
        text = json.dumps(body, sort_keys=True)
        response = client.post("/api/v1/eligibility", json=body)
        responses[f"POST /api/v1/eligibility {text}"] = {
            "status": response.status_code,
            "body": _body(response.text),
        }
    return responses


def test_every_api_response_is_unchanged(
    fresh_index_client: FlaskClient, catalogue: list[Scheme], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadlines, "datetime", _Clock)
    responses = _responses(fresh_index_client, catalogue)
    if os.environ.get("API_SNAPSHOT_WRITE") == "1":
        FIXTURE.write_bytes(gzip.compress(json.dumps(responses, indent=1).encode(), mtime=0))
    expected = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    assert list(responses) == list(expected)
    for request, response in responses.items():
        assert response == expected[request], request

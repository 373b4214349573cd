"""The questionnaire through HTTP, as a creator walks it: question by question, recap, results."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from app.eligibility.engine import compile_catalogue
from app.schemes import Scheme
from app.web.core.catalogue_cache import Catalogue


def follow(client: FlaskClient, url: str) -> tuple[str, str]:
    """GET url, following redirects; returns the final URL and the page."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.request.url, response.get_data(as_text=True)


def asked(html: str) -> str:
    match = re.search(r'name="asked" value="([a-z_]+)"', html)
    assert match, "no question on the page"
    return match.group(1)


def hidden(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html)


PROFILES = {
    "vr-author": {
        "applicant_type": "individual",
        "roles": ["author", "artist"],
        "sectors": ["immersive"],
        "country_zone": "france",
        "nationality_zone": "france",
        "project_stage": "writing",
        "project_types": ["immersive_work"],
        "project_language": "fr",
    },
    "music-label": {
        "applicant_type": "company",
        "roles": ["music_company", "producer"],
        "sectors": ["music"],
        "country_zone": "france",
        "years_of_activity": "4",
        "cnm_affiliated": "true",
        "music_activity_share_percent": "80",
    },
    "review-publisher": {
        "applicant_type": "association",
        "roles": ["review_publisher", "publisher"],
        "sectors": ["press_reviews", "books"],
        "country_zone": "france",
        "project_types": ["review_digitisation"],
    },
}


def walk(
    client: FlaskClient, lang: str, profile: dict[str, object], start: str | None = None
) -> tuple[str, str, list[str]]:
    """Answer each question the site asks from the profile ("?" when the profile has no answer),
    from the questionnaire's first question or from `start`; also the variables asked."""
    url, html = follow(client, start or f"/{lang}/questionnaire/question")
    asked_variables: list[str] = []
    while "/questionnaire/question" in url:
        variable = asked(html)
        asked_variables.append(variable)
        params = [*hidden(html), ("asked", variable)]
        answer = profile.get(variable)
        if answer is None:
            params.append(("dont_know", variable))
        elif isinstance(answer, list):
            params += [(variable, "")] + [(variable, value) for value in answer]
        else:
            params.append((variable, str(answer)))
        url, html = follow(
            client, f"/{lang}/questionnaire/question?" + "&".join(f"{k}={v}" for k, v in params)
        )
        assert len(asked_variables) < 40, "the questionnaire does not end"
    return url, html, asked_variables


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_walk_to_results_that_the_url_reproduces(
    client: FlaskClient, lang: str, profile: str
) -> None:
    url, html, asked_variables = walk(client, lang, PROFILES[profile])
    steps = len(asked_variables)
    assert "/questionnaire/results" in url
    assert steps >= 3
    asked_variables = [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    assert len(asked_variables) == len(set(asked_variables)) or "roles" in asked_variables
    share = re.search(
        r'id="share-url" class="share-url" type="text" readonly value="([^"]+)"', html
    )
    assert share
    shared_url = share.group(1).replace("&amp;", "&").replace("http://localhost", "")
    again = client.get(shared_url).get_data(as_text=True)
    assert again == html
    assert 'id="group-eligible"' in html
    assert 'id="group-ineligible"' in html


def test_a_vr_author_is_eligible_for_the_immersive_writing_grant_and_told_why_not_elsewhere(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    _url, html, _ = walk(client, "en", PROFILES["vr-author"])
    eligible = html.split('id="group-eligible"')[1].split('id="group-unknown"')[0]
    writing = next(s for s in catalogue if s.id == "cnc-creation-immersive-ecriture")
    assert f'href="/en/aides/{writing.id}"' in eligible
    not_eligible = html.split('id="group-ineligible"')[1]
    production = next(s for s in catalogue if s.id == "cnc-creation-immersive-production")
    failing = next(c for c in production.criteria if c.id == "producer-applicant")
    line = not_eligible.split(f'href="/en/aides/{production.id}"')[1].split("</li>")[0]
    # The requirement, then the answer it failed on: never the requirement alone after a ✗.
    assert str(escape("Required: " + failing.label.en.rstrip(" ."))) in line
    assert "You answered: Individual" in line


def test_an_invalid_answer_is_refused_naming_the_question(client: FlaskClient) -> None:
    response = client.get(
        "/fr/questionnaire/question?applicant_type=company&asked=years_of_activity&years_of_activity=-3"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'href="#question-years_of_activity"' in html
    assert 'name="asked" value="years_of_activity"' in html


def test_a_tampered_url_is_a_400_naming_the_variable(client: FlaskClient) -> None:
    response = client.get("/en/questionnaire/results?applicant_type=dragon")
    assert response.status_code == 400
    assert "applicant_type" in response.get_data(as_text=True)


def test_back_and_change_show_the_previous_answer(client: FlaskClient) -> None:
    html = client.get(
        "/en/questionnaire/question?applicant_type=company&ask=applicant_type"
    ).get_data(as_text=True)
    assert re.search(r'checked[^>]*value="company"|value="company"[^>]*checked', html)
    recap = client.get(
        "/en/questionnaire/recap?applicant_type=company&years_of_activity=%3F"
    ).get_data(as_text=True)
    assert ("Company" in recap and "I don&#39;t know" in recap) or "I don't know" in recap
    assert "ask=years_of_activity" in recap


def test_dont_know_is_remembered_and_not_asked_again(client: FlaskClient) -> None:
    first = client.get("/en/questionnaire/question", follow_redirects=True)
    variable = asked(first.get_data(as_text=True))
    response = client.get(f"/en/questionnaire/question?asked={variable}&dont_know={variable}")
    assert response.status_code == 302
    assert f"{variable}=%3F" in response.headers["Location"]
    nxt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert asked(nxt) != variable


def test_nothing_can_match_is_said_early(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, catalogue: list[Scheme]
) -> None:
    import app.web.pages.questionnaire as questionnaire

    # Two schemes for companies only: an individual is ruled out after the first question.
    only_companies = [
        s for s in catalogue if s.id in ("cnc-xn-production", "cnc-dicream-production")
    ]
    active = [
        s.model_copy(
            update={
                "lifecycle": s.lifecycle.model_copy(update={"status": "open", "replaced_by": None})
            }
        )
        for s in only_companies
    ]
    fake = Catalogue((len(active), 0, None), active, compile_catalogue(active))
    monkeypatch.setattr(questionnaire, "current_catalogue", lambda: fake)
    response = client.get("/fr/questionnaire/question?applicant_type=individual")
    html = response.get_data(as_text=True)
    if response.status_code == 302:
        html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "aucune aide en cours ne peut correspondre" in html.lower()

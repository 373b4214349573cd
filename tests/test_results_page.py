"""The results page a creator reads: explanations that name the answer, the groups in order of
use, closed schemes apart, progress in current schemes, and what the printout carries."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from test_questionnaire import PROFILES, walk

from app.schemes import Scheme, current_schemes


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


DAKAR_ARTIST = {
    "applicant_type": "individual",
    "roles": ["artist"],
    "sectors": ["digital_arts"],
    "country_zone": "sub_saharan_africa",
    "nationality_zone": "sub_saharan_africa",
    "project_stage": "production",
    "project_types": ["experimental_digital_work"],
}


@pytest.mark.parametrize(
    ("lang", "required", "answered"),
    [("fr", "Condition exigée : ", "Votre réponse : "), ("en", "Required: ", "You answered: ")],
)
def test_every_failed_criterion_names_the_answer_it_failed_on(
    client: FlaskClient, lang: str, required: str, answered: str
) -> None:
    _url, html, _steps = walk(client, lang, DAKAR_ARTIST)
    lines = re.findall(r'<li class="result-ineligible">(.*?)</li>', html, re.S)
    assert lines, "no scheme is ruled out"
    for line in lines:
        first = line.split("<details")[0]
        assert str(escape(required)) in first
        assert str(escape(answered)) in first  # every failing rule reads an answer given


def test_closed_schemes_are_never_to_verify_and_are_listed_apart(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    _url, html, _steps = walk(client, "en", PROFILES["vr-author"])
    inactive = {s.id for s in catalogue if not s.is_active()}
    to_verify = section(html, "group-unknown")
    eligible = section(html, "group-eligible")
    for scheme_id in inactive:
        assert f'href="/en/aides/{scheme_id}"' not in to_verify
        assert f'href="/en/aides/{scheme_id}"' not in eligible
    closed = section(html, "closed-fits")
    # The XN writing strand would have fitted a VR author; it points to its successor.
    assert 'href="/en/aides/cnc-xn-ecriture"' in closed
    assert 'href="/en/aides/cnc-creation-immersive-ecriture"' in closed


def test_eligible_schemes_come_first_with_amount_deadline_and_how_to_apply(
    client: FlaskClient,
) -> None:
    _url, html, _steps = walk(client, "en", PROFILES["vr-author"])
    assert html.index('id="group-eligible"') < html.index('id="group-unknown"')
    assert html.index('id="group-unknown"') < html.index('id="group-ineligible"')
    eligible = section(html, "group-eligible")
    cards = eligible.split('<article class="card result result-eligible">')[1:]
    assert cards
    for card in cards:
        assert "<dt>Amount</dt>" in card
        assert "<dt>When</dt>" in card
        assert "How to apply" in card


def test_to_verify_shows_at_most_two_things_then_folds_the_rest(client: FlaskClient) -> None:
    _url, html, _steps = walk(client, "en", PROFILES["music-label"])
    for card in section(html, "group-unknown").split('<article class="card')[1:]:
        shown = card.split("<details")[0]
        assert shown.count('<span class="mark" aria-hidden="true">?</span>') <= 2


def test_progress_counts_current_schemes_like_the_home_page(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    current = len(current_schemes(catalogue))
    home = client.get("/en/").get_data(as_text=True)
    assert f"Browse the {current} current schemes" in home
    first = client.get("/en/questionnaire/question").get_data(as_text=True)
    assert f"{current} of the {current} current schemes still possible" in first
    assert re.search(r"at most \d+ questions left", first)
    after = client.get(
        "/en/questionnaire/question?applicant_type=company&asked=applicant_type",
        follow_redirects=True,
    ).get_data(as_text=True)
    possible = int(re.search(r"(\d+) of the \d+ current schemes still possible", after)[1])
    assert possible < current  # an answer moves the count


def test_the_printout_carries_the_answers_and_the_address(client: FlaskClient) -> None:
    _url, html, _steps = walk(client, "fr", PROFILES["music-label"])
    answers = section(html, "your-answers")
    assert "Vos réponses" in answers
    assert "Entreprise" in answers
    assert 'class="print-only"' in html
    assert "/fr/questionnaire/results?" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_api_explains_each_criterion_with_the_answer_it_read(
    client: FlaskClient, lang: str
) -> None:
    response = client.post(
        "/api/v1/eligibility",
        json={
            "answers": {"applicant_type": "company", "published_books_sole_author": 1},
            "lang": lang,
        },
    )
    results = response.get_json()["results"]
    author = next(r for r in results if r["scheme"]["id"] == "cnl-bourse-auteurs")
    failed = next(c for c in author["criteria"] if c["status"] == "failed")
    word = {"fr": "Votre réponse", "en": "You answered"}[lang]
    assert word in failed["explanation"]
    assert failed["answer"]
    assert failed["answer"][0]["variable"] in failed["variables"]
    assert failed["answer"][0]["text"] in failed["explanation"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_am_i_eligible_asks_only_what_that_scheme_needs(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    scheme = next(s for s in catalogue if s.id == "cnm-transition-numerique")
    page = client.get(f"/{lang}/aides/{scheme.id}").get_data(as_text=True)
    start = f"/{lang}/questionnaire/question?scheme={scheme.id}"
    assert f'href="{start}"' in page
    profile = {
        "applicant_type": "company",
        "roles": ["music_company"],
        "sectors": ["music"],
        "music_activity_share_percent": 40,
    }
    url, html, asked = walk(client, lang, profile, start)
    assert "/questionnaire/results" in url
    assert f"scheme={scheme.id}" in url
    needed = {v for c in scheme.criteria if c.rule for v in c.rule.variables()}
    assert set(asked) <= needed
    focus = section(html, "focus")
    assert scheme.name.get(lang).replace("'", "&#39;") in focus
    assert {"fr": "Votre réponse : 40", "en": "You answered: 40"}[lang] in focus
    assert 'id="group-eligible"' in html  # then the other schemes that fit


def test_checking_an_unknown_scheme_is_a_404(client: FlaskClient) -> None:
    assert client.get("/en/questionnaire/question?scheme=no-such-scheme").status_code == 404
    assert client.get("/en/questionnaire/results?scheme=no-such-scheme").status_code == 404


def test_after_three_i_dont_know_the_questionnaire_offers_to_stop(client: FlaskClient) -> None:
    html = client.get(
        "/en/questionnaire/question?applicant_type=company&roles=%3F&sectors=%3F&country_zone=%3F"
    ).get_data(as_text=True)
    assert "You did not know the last 3 answers" in html
    assert 'href="/en/questionnaire/results?applicant_type=company' in html
    fewer = client.get("/en/questionnaire/question?applicant_type=company&roles=%3F").get_data(
        as_text=True
    )
    assert "You did not know" not in fewer

"""The comparison page: two to four schemes side by side, reproduced by its URL, clear refusals."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from app.schemes import Scheme

URL = "/{lang}/aides/comparer"


def _columns(page: str) -> list[str]:
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col"><a href="/\w\w/aides/([a-z0-9-]+)">', head)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_two_to_four_schemes_side_by_side(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    by_id = {s.id: s for s in catalogue}
    ids = ["cnc-xn-production", "cnc-creation-immersive-production", "cnl-bourse-auteurs"]
    response = client.get(URL.format(lang=lang), query_string=[("ids", i) for i in ids])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _columns(page) == ids  # in the order chosen
    for scheme_id in ids:
        scheme = by_id[scheme_id]
        # Where to apply: the scheme's application page, else its official page.
        assert (scheme.apply.url if scheme.apply else scheme.official_url()) in page
        for criterion in scheme.criteria:
            assert str(criterion.label.get(lang)).replace("'", "&#39;") in page
    successor = by_id["cnc-creation-immersive-production"].name.get(lang).replace("'", "&#39;")
    assert successor in page  # the replaced XN strand names its successor
    assert ("Montants et taux" if lang == "fr" else "Amounts and rates") in page
    assert ("30 000" if lang == "fr" else "30,000") in page  # the CNL grant's maximum, by Babel
    assert 'class="print-only"' in page


def test_the_same_id_twice_counts_once(client: FlaskClient) -> None:
    response = client.get("/en/aides/comparer?ids=cnc-xn&ids=cnc-xn&ids=cnc-talent")
    assert response.status_code == 200
    assert _columns(response.get_data(as_text=True)) == ["cnc-xn", "cnc-talent"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "Choose at least 2 schemes to compare; you chose 0."),
        ("ids=cnc-xn", 400, "Choose at least 2 schemes to compare; you chose 1."),
        (
            "ids=cnc-xn&ids=cnc-talent&ids=cnl-bourse-auteurs&ids=mc-chimeres&ids=cnc-vad",
            400,
            "Choose at most 4 schemes to compare; you chose 5.",
        ),
        ("ids=cnc-xn&ids=no-such-scheme", 404, "No scheme has the id “no-such-scheme”."),
        ("ids=a-b&ids=C%20D", 404, "No scheme has these ids: “a-b”, “C D”."),
    ],
)
def test_refusals_name_the_problem(
    client: FlaskClient, query: str, status: int, message: str
) -> None:
    response = client.get(f"/en/aides/comparer?{query}")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert message.replace("\x00", "\ufffd") in page or message in page


def test_refusal_in_french(client: FlaskClient) -> None:
    response = client.get("/fr/aides/comparer?ids=cnc-xn")
    assert response.status_code == 400
    assert "Choisissez au moins 2 aides à comparer ; vous en avez choisi 1." in response.text


def test_list_and_results_offer_the_choice(client: FlaskClient) -> None:
    page = client.get("/fr/aides/?funder=cnl").get_data(as_text=True)
    assert 'form="compare-form"' in page
    assert 'id="compare-form"' in page
    assert 'action="/fr/aides/comparer"' in page
    results = client.get("/en/questionnaire/results?applicant_type=individual")
    assert results.status_code == 200
    assert 'name="ids"' in results.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", "Côte à côte : qui finance, combien"), ("en", "Side by side: who funds, how much")],
)
def test_a_shared_comparison_previews_its_own_schemes(
    client: FlaskClient, catalogue: list[Scheme], lang: str, words: str
) -> None:
    by_id = {s.id: s for s in catalogue}
    ids = ["cnc-fajv", "cnl-bourse-auteurs"]
    page = client.get(URL.format(lang=lang), query_string=[("ids", i) for i in ids]).get_data(
        as_text=True
    )
    description = re.search(r'<meta property="og:description" content="([^"]*)"', page)
    assert description is not None
    assert words in description.group(1)
    for scheme_id in ids:
        name = str(by_id[scheme_id].name.get(lang)).replace("'", "&#39;")
        assert name in description.group(1)

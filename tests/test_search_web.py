"""Search as a user meets it, through the page and the API in both languages: corrections shown
with the typed words, places and known words left alone, closed schemes badged after current
ones, disjunctive facets, and suggestions as you type."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

LANGS = ("fr", "en")
CORRECTION = {
    "fr": "Aucun résultat pour « bourse de residense » ; résultats pour",
    "en": "No result for “bourse de residense”; results for",
}


def page(client: FlaskClient, lang: str, query: str) -> str:
    response = client.get(f"/{lang}/aides/?{query}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def api(client: FlaskClient, query: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/schemes?{query}")
    assert response.status_code == 200, response.get_json()
    body: dict = response.get_json()  # type: ignore[type-arg]
    return body


@pytest.mark.parametrize("lang", LANGS)
def test_a_correction_is_shown_with_the_typed_words(client: FlaskClient, lang: str) -> None:
    text = page(client, lang, "q=bourse+de+residense")
    assert CORRECTION[lang] in text
    assert "cnl-bourse-residence" in text
    body = api(client, f"q=bourse+de+residense&lang={lang}")
    assert body["corrected"] is True
    assert body["suggestion"] == "bourse de residence"
    assert body["items"][0]["id"] == "cnl-bourse-residence"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Senegal", "if-digital-lab-africa"),
        ("Sénégal", "if-digital-lab-africa"),
        ("Mali", "if-digital-lab-africa"),
        ("startup+culture", "bpi-inov-icc"),
        ("machine+learning", "france-2030-transition-numerique-culture-ia"),
        ("graphic+novel", "cnl-bourse-auteurs"),
    ],
)
def test_known_words_are_not_corrected(
    client: FlaskClient, lang: str, typed: str, expected: str
) -> None:
    text = page(client, lang, f"q={typed}")
    assert 'id="correction"' not in text
    assert f"/aides/{expected}" in text
    body = api(client, f"q={typed}&lang={lang}")
    assert body["suggestion"] is None
    assert body["corrected"] is False
    assert expected in [item["id"] for item in body["items"][:3]]


@pytest.mark.parametrize(
    ("lang", "badge", "successor"),
    [("fr", "Remplacée", "Remplacée par"), ("en", "Replaced", "Replaced by")],
)
def test_closed_schemes_are_found_badged_and_listed_after_current_ones(
    client: FlaskClient, lang: str, badge: str, successor: str
) -> None:
    text = page(client, lang, "q=dicream")
    # The name typed brings DICRéAM first, badged with its status and its successor.
    first = re.search(r'href="/\w+/aides/([a-z0-9-]+)"', text.split('id="results-title"')[1])
    assert first is not None
    assert first.group(1).startswith("cnc-dicream")
    assert f'class="badge badge-replaced">{badge}<' in text
    assert successor in text
    body = api(client, f"q=dicream&lang={lang}")
    assert body["include_closed"] is True
    assert body["items"][0]["id"].startswith("cnc-dicream")
    assert body["items"][0]["replaced_by"]
    assert "cnc-creation-immersive" in [i["id"] for i in body["items"]]
    # A topic: the current schemes first, then the closed ones in their own block, counted.
    body = api(client, f"q=immersive&lang={lang}&per_page=100")
    flags = [i["lifecycle"] not in ("closed", "replaced") for i in body["items"]]
    assert flags == sorted(flags, reverse=True)
    assert body["closed_total"] == flags.count(False) > 0
    for sort in ("name", "deadline", "amount"):  # in every other order too, across pages
        items: list[dict] = []  # type: ignore[type-arg]
        for number in range(1, 30):
            query = f"q=immersive&lang={lang}&per_page=5&page={number}&sort={sort}"
            items += api(client, query)["items"]
            if len(items) < 5 * number:
                break
        flags = [i["lifecycle"] not in ("closed", "replaced") for i in items]
        assert flags == sorted(flags, reverse=True)
        assert False in flags
    text = page(client, lang, "q=immersive&per_page=100")
    assert 'id="closed-count"' in text
    assert 'id="closed-schemes"' in text
    # Hidden when asked (the page's unticked box sends include_closed=n; the API takes false).
    text = page(client, lang, "q=immersive&include_closed=n")
    assert "badge-replaced" not in text
    assert 'id="closed-schemes"' not in text
    body = api(client, f"q=dicream&lang={lang}&include_closed=false")
    assert not [i for i in body["items"] if i["id"].startswith("cnc-dicream")]
    assert body["include_closed"] is False
    # The old way to ask for them still works, and browsing still hides them by default.
    body = api(client, f"q=dicream&lang={lang}&include_closed=y")
    assert body["items"][0]["id"].startswith("cnc-dicream")
    browse = api(client, f"lang={lang}&per_page=100")
    assert all(i["lifecycle"] not in ("closed", "replaced") for i in browse["items"])


def _count(text: str, facet: str, value: str) -> int:
    label = re.search(rf'<label for="{facet}-{value}">(.*?)</label>', text, re.S)
    assert label is not None
    number = re.search(r'class="count">\((\d+)\)', label.group(1))
    assert number is not None
    return int(number.group(1))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("words", ["", "q=num%C3%A9rique&"])
def test_facets_are_disjunctive_in_page_and_api(client: FlaskClient, lang: str, words: str) -> None:
    cnc = api(client, f"{words}lang={lang}&funder=cnc&per_page=100")
    both = api(client, f"{words}lang={lang}&funder=cnc&funder=cnm&per_page=100")
    cnm_count = cnc["facets"]["funder"]["cnm"]
    # Ticking CNC leaves the other funders' counts as they were: what ticking them would add.
    assert cnm_count > 0
    assert both["total"] == cnc["total"] + cnm_count
    assert {i["funder"] for i in both["items"]} == {"cnc", "cnm"}
    # CNC + music: the funder counts ignore the funder choice, so the CNM schemes show.
    music = api(client, f"{words}lang={lang}&funder=cnc&sector=music&per_page=100")
    assert music["facets"]["funder"]["cnm"] >= 2
    assert all(i["funder"] == "cnc" for i in music["items"])
    text = page(client, lang, f"{words}funder=cnc&sector=music")
    assert _count(text, "funder", "cnm") == music["facets"]["funder"]["cnm"]
    assert _count(text, "sector", "music") == music["facets"]["sector"].get("music", 0) == 0


@pytest.mark.parametrize(
    ("lang", "typed", "label", "kind"),
    [
        ("fr", "musi", "Musique", "term"),
        ("en", "musi", "Music", "term"),
        ("fr", "musiqe", "Musique", "term"),  # a typo from 5 letters is forgiven
        ("en", "dicr", "DICRéAM – development grant", "scheme"),
        ("fr", "villa kujo", "Villa Kujoyama – résidences de recherche à Kyoto", "scheme"),
        ("en", "national book", "National Book Centre", "funder"),
        ("fr", "centre national du l", "Centre national du livre", "funder"),
        ("en", "jeu vid", "Jeu vidéo", "term"),  # the other language's label, after
    ],
)
def test_suggest_completes_names_funders_and_terms(
    client: FlaskClient, lang: str, typed: str, label: str, kind: str
) -> None:
    response = client.get(f"/api/v1/suggest?q={typed}&lang={lang}")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert 0 < len(items) <= 8
    assert {"label": label, "kind": kind} in [
        {"label": i["label"], "kind": i["kind"]} for i in items
    ], items
    assert all(i["url"].startswith("http") for i in items)


@pytest.mark.parametrize(
    ("query", "field"),
    [("q=musi&lang=de", "lang"), ("q=musi&x=1", "x"), (f"q={'a' * 201}", "q")],
)
def test_suggest_refuses_bad_input_clearly(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/suggest?{query}")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_suggest_answers_nothing_for_nothing(client: FlaskClient) -> None:
    assert client.get("/api/v1/suggest?q=").get_json()["items"] == []
    assert client.get("/api/v1/suggest?q=zzzzzzzz").get_json()["items"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_search_boxes_offer_suggestions_only_as_an_enhancement(
    client: FlaskClient, lang: str
) -> None:
    for path in (f"/{lang}/", f"/{lang}/aides/?q=musique"):
        text = client.get(path).get_data(as_text=True)
        assert '<script src="/static/suggest.js" defer></script>' in text
        box = re.search(r'<input id="(?:site-q|q)"[^>]*>', text)
        assert box is not None
        # A plain search field in a GET form: the script only adds the combobox roles.
        assert 'type="search"' in box.group(0)
        assert f'data-suggest-url="/api/v1/suggest?lang={lang}"' in box.group(0)
        assert "role=" not in box.group(0)
    script = client.get("/static/suggest.js")
    assert script.status_code == 200
    script.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BD", "cnl-bourse-auteurs"),
        ("webtoon", "cnl-bourse-auteurs"),
        ("bande+dessin%C3%A9e", "cnl-bourse-auteurs"),
        ("AI", "france-2030-transition-numerique-culture-ia"),
        ("NFT", "bpi-inov-icc"),
        ("game+dev", "europe-creative-media-jeux-video-immersif"),
        ("streaming+live", "cnm-diffusions-alternatives"),
        ("Japon", "if-villa-kujoyama"),
        ("%C3%89tats-Unis", "villa-albertine-residences"),
    ],
)
def test_synonyms_and_places_through_page_and_api(
    client: FlaskClient, lang: str, typed: str, expected: str
) -> None:
    body = api(client, f"q={typed}&lang={lang}")
    assert expected in [item["id"] for item in body["items"][:3]]
    text = page(client, lang, f"q={typed}")
    assert f"/aides/{expected}" in text.split('id="results-title"')[1]


@pytest.mark.parametrize("lang", LANGS)
def test_plural_and_singular_give_the_same_list(client: FlaskClient, lang: str) -> None:
    plural = api(client, f"q=jeux+vid%C3%A9os&lang={lang}&per_page=100")
    singular = api(client, f"q=jeu+vid%C3%A9o&lang={lang}&per_page=100")
    assert plural["total"] == singular["total"] >= 8
    assert [i["id"] for i in plural["items"]] == [i["id"] for i in singular["items"]]

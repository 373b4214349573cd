"""Search: relevance set, folding, synonyms, typos, index lifecycle, hostile input, feeds."""

from __future__ import annotations

import dataclasses
import errno
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import deadlines
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT
from app.schemes import Scheme
from app.search import SCHEMA_VERSION, SearchFilters, SearchIndex
from app.search_text import Synonyms, parse_query
from app.vocabulary import SYNONYMS_FILE, Vocabulary
from app.web.core import search_service

RELEVANCE = yaml.safe_load((PROJECT_ROOT / "tests" / "relevance.yaml").read_text(encoding="utf-8"))[
    "queries"
]


@pytest.fixture(scope="module")
def index(
    tmp_path_factory: pytest.TempPathFactory, catalogue: list[Scheme], vocabulary: Vocabulary
) -> SearchIndex:
    built = SearchIndex(
        tmp_path_factory.mktemp("idx"), Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE)
    )
    built.rebuild(catalogue, vocabulary, "test")
    return built


def ranked(index: SearchIndex, query: dict[str, Any]) -> list[str]:
    # As the site searches: closed and replaced schemes after current ones, unless hidden.
    return index.search(
        query["query"], SearchFilters(include_inactive=query.get("include_closed", True))
    ).ids


ISSUE_12_QUERIES = [
    "Senegal", "startup culture", "machine learning", "graphic novel", "dicream", "billetterie",
    "ticketing", "green innovation", "streaming live", "BD", "webtoon", "bande dessinée", "AI",
    "NFT", "crowdfunding", "game dev", "jeux vidéos", "short film", "vidéo mapping", "Sénégal",
    "Mali", "Côte d'Ivoire", "Japon", "États-Unis", "Occitanie",
]  # fmt: skip


def test_the_relevance_set_has_two_hundred_queries_with_those_of_issue_12() -> None:
    langs = [q["lang"] for q in RELEVANCE]
    assert langs.count("fr") >= 80
    assert langs.count("en") >= 80
    assert len(RELEVANCE) >= 200
    assert set(ISSUE_12_QUERIES) <= {q["query"] for q in RELEVANCE}


@pytest.mark.parametrize("query", RELEVANCE, ids=lambda q: f"{q['lang']}:{q['query']}")
def test_relevance_hit_at_3(index: SearchIndex, query: dict[str, Any]) -> None:
    assert set(ranked(index, query)[:3]) & set(query["expect"]), ranked(index, query)[:5]


def test_relevance_hit_at_1_overall(index: SearchIndex) -> None:
    hits = sum(bool(ranked(index, q)[:1]) and ranked(index, q)[0] in q["expect"] for q in RELEVANCE)
    assert hits / len(RELEVANCE) >= 0.9


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("numérisation", "numerisation"),
        ("réalité virtuelle", "REALITE VIRTUELLE"),
        ("éditeurs", "editeurs"),
    ],
)
def test_accents_and_case_do_not_matter(index: SearchIndex, accented: str, plain: str) -> None:
    assert index.search(accented, SearchFilters()).ids == index.search(plain, SearchFilters()).ids


def test_synonyms_cross_languages(index: SearchIndex) -> None:
    vr = set(index.search("VR", SearchFilters()).ids)
    assert "cnc-creation-immersive" in vr
    assert vr == set(index.search("réalité virtuelle", SearchFilters()).ids)


def test_a_typo_gets_a_suggestion_and_results(index: SearchIndex) -> None:
    found = index.search("bourse de residense", SearchFilters())
    assert (found.mode, found.suggestion) == ("corrected", "bourse de residence")
    assert "cnl-bourse-residence" in found.ids[:3]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Senegal", "if-digital-lab-africa"),  # a place, not a typo of "general"
        ("Sénégal", "if-digital-lab-africa"),
        ("Mali", "if-digital-lab-africa"),  # under 5 letters: never corrected ("mai")
        ("Côte d'Ivoire", "if-digital-lab-africa"),
        ("startup culture", "bpi-inov-icc"),  # "startup" is a synonym, not "start"
        (
            "machine learning",
            "france-2030-transition-numerique-culture-ia",
        ),  # not "machine hearing"
        ("graphic novel", "cnl-bourse-auteurs"),  # not "graphic over"
        ("Japon", "if-villa-kujoyama"),
        ("États-Unis", "villa-albertine-residences"),
    ],
)
def test_known_words_and_places_are_never_corrected(
    index: SearchIndex, typed: str, expected: str
) -> None:
    found = index.search(typed, SearchFilters(include_inactive=True))
    assert found.suggestion is None
    assert found.mode == "exact"
    assert expected in found.ids[:3], found.ids[:5]


def test_typo_limits_follow_word_length(index: SearchIndex) -> None:
    # 4 letters: no correction; 5 to 8: one edit; from 9: two edits.
    assert index.search("muzk", SearchFilters()).ids == []
    assert index.search("musiqe", SearchFilters()).suggestion == "musique"
    assert index.search("musiqee", SearchFilters()).suggestion == "musique"
    assert index.search("mussiqee", SearchFilters()).suggestion is None  # 8 letters, 2 edits
    assert index.search("numerisaton", SearchFilters()).suggestion == "numerisation"
    assert index.search("numrisaton", SearchFilters()).suggestion == "numerisation"  # 2 edits


def test_a_correction_is_offered_only_when_the_typed_words_find_nothing(
    index: SearchIndex,
) -> None:
    found = index.search("musique", SearchFilters())
    assert found.mode == "exact"
    assert found.suggestion is None
    assert index.search("zzyzzxqw", SearchFilters()).suggestion is None  # nothing close


def test_places_mean_their_zones(index: SearchIndex) -> None:
    # The DLA rules name sub-Saharan Africa: any country of the zone finds it, in FR and EN.
    for place in ("Sénégal", "Senegal", "Burkina Faso", "Cameroun", "Ivory Coast", "Kenya"):
        assert index.search(place, SearchFilters()).ids[:1] == ["if-digital-lab-africa"], place
    # A French region means the region and France: schemes whose rules require France.
    occitanie = index.search("Occitanie", SearchFilters()).ids
    assert occitanie
    assert "if-digital-lab-africa" not in occitanie


def test_plural_and_singular_find_the_same(index: SearchIndex) -> None:
    assert set(index.search("jeux vidéos", SearchFilters()).ids) == set(
        index.search("jeu vidéo", SearchFilters()).ids
    )
    assert set(index.search("webtoons", SearchFilters()).ids) == set(
        index.search("webtoon", SearchFilters()).ids
    )


def test_closed_schemes_are_hidden_unless_asked(index: SearchIndex) -> None:
    assert "cnc-dicream-production" not in index.search("dicream", SearchFilters()).ids
    assert (
        "cnc-dicream-production"
        in index.search("dicream", SearchFilters(include_inactive=True)).ids
    )


def test_closed_schemes_come_after_current_ones_unless_their_name_is_typed(
    index: SearchIndex, catalogue: list[Scheme]
) -> None:
    status = {s.id: s.lifecycle.status for s in catalogue}
    active = {"open", "recurring", "upcoming", "unconfirmed"}
    found = index.search("immersive", SearchFilters(include_inactive=True))
    flags = [status[i] in active for i in found.ids]
    assert flags == sorted(flags, reverse=True)  # every current one before every closed one
    assert found.inactive_count == flags.count(False) > 0
    # A name typed exactly brings its scheme first, whatever its status.
    for typed, scheme_id in [
        ("Fonds XN – aide à l'écriture", "cnc-xn-ecriture"),
        ("XN Fund – writing grant", "cnc-xn-ecriture"),
        ("Solutions de billetterie innovantes", "pia4-ami-billetterie-innovante"),
        ("Soutenir les alternatives vertes", "pia4-alternatives-vertes"),
    ]:
        found = index.search(typed, SearchFilters(include_inactive=True))
        assert found.ids[0] == scheme_id, (typed, found.ids[:3])
    dicream = index.search("dicream", SearchFilters(include_inactive=True)).ids
    assert set(dicream[:4]) == {
        "cnc-dicream",
        "cnc-dicream-developpement",
        "cnc-dicream-production",
        "cnc-dicream-diffusion",
    }
    assert "cnc-creation-immersive" in dicream  # its successor is found too


def test_facet_filters_and_counts(index: SearchIndex, catalogue: list[Scheme]) -> None:
    found = index.search("bourse", SearchFilters(values={"funder": ("cnl",)}))
    by_id = {s.id: s for s in catalogue}
    assert found.ids
    assert all(by_id[i].funder == "cnl" for i in found.ids)
    # Disjunctive: the funder counts ignore the funder selection; the others follow it.
    everything = index.search("bourse", SearchFilters())
    assert found.facets["funder"] == everything.facets["funder"]
    assert found.facets["funder"]["cnl"] == len(found.ids)
    assert sum(found.facets["kind"].values()) == len(found.ids)


def test_facets_are_or_within_and_across(index: SearchIndex, catalogue: list[Scheme]) -> None:
    by_id = {s.id: s for s in catalogue}
    both = index.search("numérique", SearchFilters(values={"funder": ("cnc", "cnm")}))
    assert {by_id[i].funder for i in both.ids} == {"cnc", "cnm"}
    music = index.search(
        "numérique", SearchFilters(values={"funder": ("cnc",), "sector": ("music",)})
    )
    # CNC + music: no CNC scheme is about music, but the funder counts show the CNM ones.
    assert all(by_id[i].funder == "cnc" and "music" in by_id[i].audience.sectors for i in music.ids)
    assert music.facets["funder"].get("cnm", 0) >= 2
    assert music.facets["sector"].get("music", 0) == len(music.ids)


def test_only_ids_restricts_the_results_and_their_counts(index: SearchIndex) -> None:
    everything = index.search("numérique", SearchFilters())
    chosen = frozenset(everything.ids[1::2])
    assert len(chosen) >= 2
    some = index.search("numérique", SearchFilters(only_ids=chosen))
    # The same order and scores, the others left out, facets counted over those kept.
    assert some.ids == [i for i in everything.ids if i in chosen]
    assert some.scores == {i: everything.scores[i] for i in some.ids}
    assert sum(some.facets["kind"].values()) == len(some.ids)


def test_the_words_never_corrected_are_read_without_the_suggestions(index: SearchIndex) -> None:
    # Every worker reads a new build after each publish: a query with a typo needs the words
    # never corrected, decoded alone, not the suggestions that are most of their file.
    _, published = index._searcher()
    build = dataclasses.replace(published)  # as read, nothing decoded yet
    assert build.lexicon == frozenset(json.loads(build.extra_json)["lexicon"])
    assert "cnc" in build.lexicon  # a funder's acronym
    assert "_extra" not in build.__dict__
    assert build.entries  # the suggestions, when asked


@pytest.mark.parametrize(
    "text", ["jeu vidéo", "bourse de résidence", '"bande dessinée" musique', "Sénégal", "AI"]
)
def test_scores_are_those_whoosh_gives(index: SearchIndex, text: str) -> None:
    # Terms are scored once per build and summed as Whoosh's matchers sum them: every query
    # form (all words, any word, close spellings) finds the documents and scores Whoosh finds.
    parsed = parse_query(text)
    searcher, build = index._searcher()
    known = index._known(searcher, build)
    forms = [index.build_query(parsed, known=known), index.build_query(parsed, False, known)]
    for query in forms:
        ours = index._scored(searcher, build, query)
        whoosh = dict(searcher.search(query, limit=None).items())
        assert ours.keys() == whoosh.keys()
        assert all(ours[d] == pytest.approx(whoosh[d], rel=1e-9) for d in whoosh)
    assert any(index._scored(searcher, build, query) for query in forms)


@pytest.mark.parametrize(
    "phrase",
    [
        '"jeu vidéo"',
        '"bande dessinée"',
        '"video game"',
        '"aide à la création"',
        '"centre national du cinéma"',
        '"centre national de la musique"',
        '"research and development"',
    ],
)
def test_a_phrase_finds_what_whoosh_phrase_search_finds(index: SearchIndex, phrase: str) -> None:
    # Two words in a row are one term of a pairs field; a longer phrase reads positions only
    # where all its pairs are: the same documents as Whoosh's positional phrase search, in
    # each field and language (and, for the longer ones, the same scores).
    from whoosh import query as q

    searcher, build = index._searcher()
    words = parse_query(phrase).phrases[0]
    found_any = False
    for name in ("name_fr", "summary_fr", "body_fr", "name_en", "summary_en", "body_en"):
        terms = [t.text for t in searcher.schema[name].analyzer(" ".join(words))]
        if len(terms) < 2:
            continue
        positional = dict(searcher.search(q.Phrase(name, terms), limit=None).items())
        if len(terms) == 2:
            ours = index._scored(searcher, build, q.Term(f"pairs_{name}", " ".join(terms)))
        else:
            ours = index._scored(searcher, build, q.Phrase(name, terms))
            assert all(ours[d] == pytest.approx(positional[d], rel=1e-9) for d in positional)
        assert ours.keys() == positional.keys(), name
        found_any = found_any or bool(ours)
    assert found_any


@pytest.mark.parametrize(
    "text",
    [
        "les",
        "the of and",
        "*",
        '"',
        '"unbalanced',
        "AND OR NOT",
        "title:x",
        "\x00\x1f",
        "a" * 10_000,
        "((((",
        "~~~",
        "é" * 300,
    ],
)
def test_hostile_queries_answer_calmly(index: SearchIndex, text: str) -> None:
    found = index.search(text, SearchFilters())
    assert isinstance(found.ids, list)


def test_stop_words_only_are_reported(index: SearchIndex) -> None:
    assert index.search("les de la", SearchFilters()).common_words_only
    assert parse_query("x" * 500).truncated


def test_highlights_are_escaped(index: SearchIndex) -> None:
    passage = index.highlight("réalité", "<script>alert(1)</script> une réalité virtuelle", "fr")
    assert "<script>" not in passage
    assert "&lt;/script&gt;" in passage
    assert "<mark" in passage


def test_rebuilds_never_serve_stale_or_duplicate_hits(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Whoosh-reloaded 2.7.5's Searcher.refresh() returned duplicates after updates: we open a new
    # searcher per query, and this guards it.
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    base = next(s for s in catalogue if s.id == "cnl-bourse-auteurs")
    for round_number in range(20):
        name = base.name.model_copy(update={"en": f"Zebracorn grant {round_number}"})
        changed = base.model_copy(update={"name": name})
        index.rebuild(
            [changed, *[s for s in catalogue if s.id != base.id]], vocabulary, str(round_number)
        )
        found = index.search("zebracorn", SearchFilters())
        assert found.ids == ["cnl-bourse-auteurs"]
    assert len(list(tmp_path.glob("index-*"))) <= 2


def test_missing_corrupt_or_outdated_index_is_rebuilt(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    calls: list[int] = []

    def load() -> list[Scheme]:
        calls.append(1)
        return catalogue

    index.ensure("v1", load, vocabulary)  # missing
    assert len(calls) == 1
    index.ensure("v1", load, vocabulary)  # fresh: nothing to do
    assert len(calls) == 1
    index.ensure("v2", load, vocabulary)  # the catalogue changed
    assert len(calls) == 2
    for segment in (tmp_path / "current").resolve().glob("*.seg"):
        segment.write_bytes(b"garbage")  # corrupt
    for toc in (tmp_path / "current").resolve().glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    index.ensure("v2", load, vocabulary)
    assert len(calls) == 3
    assert index.search("bourse", SearchFilters()).ids


def test_a_failed_build_leaves_the_old_index_serving(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    index.rebuild(catalogue, vocabulary, "v1")
    before = index.search("bourse", SearchFilters()).ids

    def disk_full(*_args: object, **_kwargs: object) -> dict[str, Any]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("app.search._document", disk_full)
    with pytest.raises(OSError, match="No space"):
        index.rebuild(catalogue, vocabulary, "v2")
    assert index.search("bourse", SearchFilters()).ids == before
    meta = index.metadata() or {}
    assert (meta["schema"], meta["catalogue"]) == (SCHEMA_VERSION, "v1")
    assert len(list(tmp_path.glob("index-*"))) == 1


def test_readers_keep_working_while_the_index_is_rebuilt(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    index = SearchIndex(tmp_path, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    index.rebuild(catalogue, vocabulary, "v0")
    failures: list[BaseException] = []
    searched: list[Path] = []  # the build each search read (at least as new as)
    stop = threading.Event()

    def read() -> None:
        # A pause between searches: three threads searching flat out keep the GIL from the
        # rebuild, whose every small write then waits for it (minutes instead of seconds).
        while not stop.wait(0.002):
            try:
                assert index.search("bourse", SearchFilters()).ids
                searched.append((index.directory / "current").resolve())
            except BaseException as error:
                failures.append(error)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for version in range(5):
        index.rebuild(catalogue, vocabulary, f"v{version + 1}")
    stop.set()
    for reader in readers:
        reader.join()
    assert failures == []
    assert len(set(searched)) >= 3  # searches ran all along, over builds one after another


# Through HTTP, as users and partners send them.
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_query_gets_an_answer_not_a_5xx(client: FlaskClient, text: str) -> None:
    page = client.get("/fr/aides/", query_string={"q": text})
    assert page.status_code in (200, 400)
    api = client.get("/api/v1/schemes", query_string={"q": text, "lang": "en"})
    assert api.status_code in (200, 400)
    assert api.is_json


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_search_page_shows_snippets_suggestions_and_facets(client: FlaskClient, lang: str) -> None:
    html = client.get(f"/{lang}/aides/?q=r%C3%A9sidance").get_data(as_text=True)
    assert "residence" in html
    assert 'class="count"' in html
    html = client.get(f"/{lang}/aides/?q=streaming").get_data(as_text=True)
    assert "<mark" in html


def test_api_search_returns_scores_facets_and_suggestion(client: FlaskClient) -> None:
    body = client.get("/api/v1/schemes?q=numerisaton&lang=en").get_json()
    assert body["suggestion"] == "numerisation"
    assert body["items"]
    assert all(item["score"] is not None for item in body["items"])
    assert "open_now" in body["facets"]


def test_api_scores_are_the_searchs_on_every_page_and_absent_from_browsing(
    app: Flask, client: FlaskClient
) -> None:
    items = []
    for page in (1, 2):
        url = f"/api/v1/schemes?q=musique&lang=fr&per_page=5&page={page}"
        items += client.get(url).get_json()["items"]
    assert len(items) == 10
    with app.test_request_context("/fr/"):
        found = search_service.search("musique", SearchFilters())
    assert [item["score"] for item in items] == [round(found.scores[i["id"]], 4) for i in items]
    browsed = client.get("/api/v1/schemes?lang=fr&per_page=5").get_json()["items"]
    assert [item["score"] for item in browsed] == [None] * 5


def test_search_sorts_by_amount(client: FlaskClient, catalogue: list[Scheme]) -> None:
    by_id = {s.id: s for s in catalogue}

    def amounts(items: list[dict[str, Any]]) -> list[int]:
        return [
            # The ceiling, else a lump sum (Amounts.largest_eur).
            (by_id[i["id"]].amounts.largest_eur() or 0) if by_id[i["id"]].amounts else 0
            for i in items
        ]

    body = client.get("/api/v1/schemes?q=bourse&sort=amount&per_page=100").get_json()
    active = [i for i in body["items"] if i["lifecycle"] not in ("closed", "replaced")]
    closed = body["items"][len(active) :]  # closed and replaced ones come after, sorted too
    assert all(i["lifecycle"] in ("closed", "replaced") for i in closed)
    assert len(closed) == body["closed_total"] > 0
    assert amounts(active) == sorted(amounts(active), reverse=True)
    assert amounts(closed) == sorted(amounts(closed), reverse=True)
    body = client.get("/api/v1/schemes?q=bourse&sort=amount&per_page=100&include_closed=false")
    items = body.get_json()["items"]
    assert amounts(items) == sorted(amounts(items), reverse=True)
    assert all(i["lifecycle"] not in ("closed", "replaced") for i in items)


def test_calendar_and_feed_of_a_search(client: FlaskClient) -> None:
    ics = client.get("/fr/aides/calendar.ics?q=bourse")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    assert ics.get_data(as_text=True).startswith("BEGIN:VCALENDAR")
    feed = client.get("/en/aides/feed.atom?funder=cnl")
    assert feed.mimetype == "application/atom+xml"
    text = feed.get_data(as_text=True)
    assert text.count("<entry>") >= 5
    assert "/en/aides/cnl-bourse-auteurs" in text


def test_scheme_calendar_lists_upcoming_deadlines(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one clock the application reads "today" from, so that every module agrees on it.
    new_year = datetime(2024, 1, 1, 12, tzinfo=deadlines.PARIS)
    monkeypatch.setattr(deadlines, "now_in_paris", lambda: new_year)
    text = client.get("/en/aides/cnl-bourse-residence/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in text
    assert "Deadline: CNL" in text
    # Seen from New Year 2024, the sessions of 2024 are still to come (today they are past).
    assert "DTSTART;VALUE=DATE:20241102" in text
    assert client.get("/en/aides/nope/calendar.ics").status_code == 404


def test_a_corrupt_or_deleted_index_is_rebuilt_during_requests(
    damageable_index_client: FlaskClient, damageable_index_dir: Path
) -> None:
    client, folder = damageable_index_client, damageable_index_dir
    assert client.get("/api/v1/schemes?q=bourse").get_json()["items"]
    for damaged in (folder / "current").resolve().glob("*"):
        if damaged.suffix in (".toc", ".seg"):
            damaged.write_bytes(b"not an index")
    response = client.get("/fr/aides/?q=bourse")
    assert response.status_code == 200
    assert "cnl-bourse-auteurs" in response.get_data(as_text=True)
    (folder / "current").unlink()
    assert client.get("/api/v1/schemes?q=bourse").get_json()["items"]

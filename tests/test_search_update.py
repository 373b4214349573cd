"""A publish or rollback updates only the index documents it changes, on every machine.

Each index records its schemes' content hashes; a process that finds the catalogue fingerprint
changed writes the difference into a copy of its published build and publishes the copy
atomically. A rebuild happens only when there is no usable base (another schema or vocabulary,
a damaged build).
"""

from __future__ import annotations

import hashlib
import string
from array import array
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from whoosh.writing import SegmentWriter

from app import search, search_terms
from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.editing import latest_revision, publish, rollback, save_draft
from app.schemes import Scheme
from app.search import (
    MERGE_FACTOR,
    POSTINGS_EXTENSION,
    TERMS_EXTENSION,
    SearchFilters,
    SearchIndex,
)
from app.search_postings import Postings, write
from app.search_scores import as_dict
from app.search_terms import ELSEWHERE, Terms
from app.search_text import Synonyms, parse_query
from app.synthetic import synthetic_catalogue
from app.vocabulary import SYNONYMS_FILE, Vocabulary
from app.web import create_app
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.database import discard_session
from app.web.core.search_service import search_index

SCHEME_ID = "cnl-bourse-auteurs"
QUERIES = ("bourse", "jeu vidéo", "musique", "résidence d'artiste", "cinema")


def new_index(folder: Path) -> SearchIndex:
    return SearchIndex(folder, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))


def renamed(scheme: Scheme, word: str) -> Scheme:
    name = scheme.name.model_copy(update={"fr": f"{scheme.name.fr} {word}"})
    return scheme.model_copy(update={"name": name})


def made(index: SearchIndex) -> dict[str, object]:
    return dict((index.metadata() or {}).get("made") or {})


def ids(index: SearchIndex, text: str) -> list[str]:
    return index.search(text, SearchFilters(include_inactive=True)).ids


def test_an_edit_removal_and_addition_update_only_their_documents(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    index = new_index(tmp_path / "index")
    index.ensure("v1", lambda: catalogue, vocabulary)
    assert made(index) == {"by": "rebuild", "written": len(catalogue), "removed": 0}
    assert not ids(index, "zorglubesque")

    position = next(i for i, s in enumerate(catalogue) if s.id == SCHEME_ID)
    edited = [*catalogue]
    edited[position] = renamed(catalogue[position], "zorglubesque")
    index.ensure("v2", lambda: edited, vocabulary)
    assert made(index) == {"by": "update", "written": 1, "removed": 0}
    assert ids(index, "zorglubesque") == [SCHEME_ID]
    typo = SearchFilters(include_inactive=True)
    assert index.search("zorglubesqe", typo).suggestion == "zorglubesque"

    removed = [s for s in edited if s.id != SCHEME_ID]
    index.ensure("v3", lambda: removed, vocabulary)
    assert made(index) == {"by": "update", "written": 0, "removed": 1}
    assert not ids(index, "zorglubesque")
    # The spelling map outlives builds, but a word no longer indexed is never proposed.
    assert index.search("zorglubesqe", typo).suggestion is None
    assert SCHEME_ID not in ids(index, "bourse")

    index.ensure("v4", lambda: catalogue, vocabulary)
    assert made(index) == {"by": "update", "written": 1, "removed": 0}
    assert SCHEME_ID in ids(index, "bourse")
    # After the round trip, the updated index finds what a fresh build of the catalogue finds
    # (the order may differ a little: replaced documents count in the statistics until merged).
    fresh = new_index(tmp_path / "fresh")
    fresh.ensure("v4", lambda: catalogue, vocabulary)
    for text in QUERIES:
        assert sorted(ids(index, text)) == sorted(ids(fresh, text)), text
    assert index.suggest("bour", "fr") == fresh.suggest("bour", "fr")


def test_an_updated_build_scores_every_query_form_as_whoosh_does(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Postings are decoded from Whoosh's blocks segment by segment (deleted documents left
    # out) and the words' documents met as sets before scoring: after an update (a second
    # segment, a deleted document), all words, any word, documents and scores are Whoosh's.
    # The queries were searched before the update too: the big segment's postings, read then,
    # are those the new build scores (its documents deleted since left out).
    texts = ("bourse musique", "aide jeu vidéo", "cinéma", "musique cinéma écriture")
    index = new_index(tmp_path / "index")
    index.ensure("v1", lambda: catalogue, vocabulary)
    searcher, before = index._searcher()
    for text in texts:
        parsed = parse_query(text)
        index._scored(searcher, before, index.build_query(parsed, False, None))
    (big,) = before.segments.values()
    assert big.read.postings
    position = next(i for i, s in enumerate(catalogue) if s.id == SCHEME_ID)
    edited = [*catalogue]
    edited[position] = renamed(catalogue[position], "musique cinéma")
    edited = [s for s in edited if s.id != catalogue[position - 1].id]
    index.ensure("v2", lambda: edited, vocabulary)
    searcher, build = index._searcher()
    assert big in build.segments.values()  # with the postings read before
    segments = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    assert len(segments) > 1
    assert any(leaf.has_deletions() for leaf in segments)
    for text in texts:
        parsed = parse_query(text)
        known = index._known(searcher, build)
        for query in (
            index.build_query(parsed, known=known),
            index.build_query(parsed, False, known),
        ):
            ours = index._scored(searcher, build, query)
            whoosh = dict(searcher.search(query, limit=None).items())
            assert ours.keys() == whoosh.keys(), text
            assert all(ours[d] == pytest.approx(whoosh[d], rel=1e-9) for d in whoosh), text
        assert index._scored(searcher, build, index.build_query(parsed, known=known)), text


def _segments(index: SearchIndex) -> dict[int, str]:
    """The published build's segment files by inode (a segment kept by an update is the
    same file, hard-linked into the new build)."""
    return {p.stat().st_ino: p.name for p in (index.directory / "current").glob("*.seg")}


def word(number: int) -> str:
    """A word of its own per publish: another first letter, so that no typo correction
    leads from one to another."""
    return f"{string.ascii_lowercase[number]}zorglub"


def indexed_synthetic(
    folder: Path, catalogue: list[Scheme], vocabulary: Vocabulary, size: int
) -> tuple[list[Scheme], SearchIndex]:
    """A synthetic catalogue of `size` schemes and its freshly built index."""
    schemes = synthetic_catalogue(catalogue, size, vocabulary)
    index = new_index(folder)
    index.ensure("v0", lambda: schemes, vocabulary)
    return schemes, index


def test_a_publish_writes_a_small_segment_and_never_rewrites_the_big_one(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Enough schemes for the publishes below to stay under the deleted share that merges all.
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 500)
    built = _segments(index)
    position = 123
    scheme_id = schemes[position].id
    edited = [*schemes]
    publishes = 2 * MERGE_FACTOR + 1
    for number in range(1, publishes + 1):
        edited[position] = renamed(schemes[position], word(number))
        index.ensure(f"v{number}", lambda: edited, vocabulary)
        assert made(index) == {"by": "update", "written": 1, "removed": 0}
        segments = _segments(index)
        assert built.keys() <= segments.keys(), number  # the rebuild's segment is kept as is
        # One small segment per publish, merged by tier: their number stays bounded.
        assert len(segments) <= len(built) + MERGE_FACTOR, number
        assert ids(index, word(number)) == [scheme_id]
        assert not ids(index, word(number - 1))
    # Facet values of a replaced document are those of its new version, in a process that
    # read the build before (it reuses the segments it had read) as in a fresh one.
    kind = schemes[position].kind
    other = next(s.kind for s in schemes if s.kind != kind)
    edited[position] = edited[position].model_copy(update={"kind": other})
    index.ensure("v-kind", lambda: edited, vocabulary)
    last = word(publishes)
    for reader in (index, new_index(tmp_path / "index")):
        assert not reader.search(last, SearchFilters({"kind": (kind,)}, True)).ids
        assert reader.search(last, SearchFilters({"kind": (other,)}, True)).ids == [scheme_id]
        facets = reader.search(last, SearchFilters(include_inactive=True)).facets
        assert facets["kind"] == {other: 1}
    fresh = new_index(tmp_path / "fresh")
    fresh.ensure("v-kind", lambda: edited, vocabulary)
    for text in QUERIES:
        assert sorted(ids(index, text)) == sorted(ids(fresh, text)), text


def _checksums(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def test_readers_of_the_published_build_never_see_the_update_being_written(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    index = new_index(tmp_path)
    index.ensure("v1", lambda: catalogue, vocabulary)
    reader = new_index(tmp_path)
    before = ids(reader, "bourse")  # a searcher of the build published before the update
    old_build = (tmp_path / "current").resolve()
    files = _checksums(old_build)

    edited = [renamed(s, "zorglubesque") if s.id == SCHEME_ID else s for s in catalogue]
    index.ensure("v2", lambda: edited, vocabulary)
    assert (tmp_path / "current").resolve() != old_build  # a new build, published by the link
    assert _checksums(old_build) == files  # the old build's files were not touched
    # The reader's next search follows the link to the new build.
    assert sorted(ids(reader, "bourse")) == sorted(before)
    assert ids(reader, "zorglubesque") == [SCHEME_ID]


def test_a_vocabulary_change_or_a_damaged_build_means_a_rebuild(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    index = new_index(tmp_path)
    index.ensure("v1", lambda: catalogue, vocabulary)
    funder = next(iter(vocabulary.organisations.values()))
    changed = Vocabulary(
        list(vocabulary.variables.values()),
        [
            org.model_copy(update={"acronym": "ZORGLUB"}) if org.id == funder.id else org
            for org in vocabulary.organisations.values()
        ],
    )
    index.ensure("v1-vocabulary", lambda: catalogue, changed)
    assert made(index)["by"] == "rebuild"

    for segment in (tmp_path / "current").resolve().glob("*.seg"):
        segment.unlink()
    edited = [renamed(s, "zorglubesque") if s.id == SCHEME_ID else s for s in catalogue]
    index.ensure("v2", lambda: edited, changed)
    assert made(index)["by"] == "rebuild"
    assert ids(index, "zorglubesque") == [SCHEME_ID]


def _machine(settings: Settings, factory: sessionmaker[Session], folder: Path) -> FlaskClient:
    app: Flask = create_app(replace(settings, search_index_dir=folder), factory)
    app.config["TESTING"] = True
    return app.test_client()


def _found(client: FlaskClient, word: str) -> list[str]:
    response = client.get(f"/api/v1/schemes?q={word}")
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["items"]]


def test_two_machines_converge_after_a_publish_and_a_rollback(
    settings: Settings,
    session_factory: sessionmaker[Session],
    db: Session,
    vocabulary: Vocabulary,
    tmp_path: Path,
) -> None:
    machines = {name: _machine(settings, session_factory, tmp_path / name) for name in "ab"}
    for client in machines.values():
        assert SCHEME_ID in _found(client, "bourse")  # each builds its own index
        assert not _found(client, "zorglubesque")

    latest = latest_revision(db, SCHEME_ID)
    assert latest is not None
    scheme = renamed(Scheme.model_validate(latest.document), "zorglubesque")
    save_draft(db, scheme, base=latest.number, author="t", comment="c", vocabulary=vocabulary)
    publish(db, SCHEME_ID, author="t", comment="c", vocabulary=vocabulary)
    for name, client in machines.items():
        assert _found(client, "zorglubesque") == [SCHEME_ID]
        meta = new_index(tmp_path / name).metadata() or {}
        assert meta["made"] == {"by": "update", "written": 1, "removed": 0}, name

    rollback(db, SCHEME_ID, latest.number, author="t", comment="c", vocabulary=vocabulary)
    for name, client in machines.items():
        assert not _found(client, "zorglubesque")
        assert SCHEME_ID in _found(client, "bourse")
        meta = new_index(tmp_path / name).metadata() or {}
        assert meta["made"] == {"by": "update", "written": 1, "removed": 0}, name


def test_a_request_that_read_the_catalogue_before_a_publish_leaves_the_newer_index(
    settings: Settings,
    session_factory: sessionmaker[Session],
    db: Session,
    vocabulary: Vocabulary,
    tmp_path: Path,
) -> None:
    # Two workers of one machine share its index. A request of worker b reads the catalogue,
    # then an editor publishes, worker a brings the index up to the publish, and only then
    # does b's request reach the index: it must not write its older catalogue over a's.
    shared = tmp_path / "index"
    worker_a = _machine(settings, session_factory, shared)
    worker_b = _machine(settings, session_factory, shared)
    assert SCHEME_ID in _found(worker_a, "bourse")
    assert not _found(worker_b, "zorglubesque")
    assert worker_b.application is not None
    with worker_b.application.test_request_context("/api/v1/schemes?q=zorglubesque"):
        before = current_catalogue().version
        # Here every session is a savepoint of one connection: the one that read the
        # catalogue ends before the publish, or closing it would undo the publish.
        discard_session()
        latest = latest_revision(db, SCHEME_ID)
        assert latest is not None
        scheme = renamed(Scheme.model_validate(latest.document), "zorglubesque")
        save_draft(db, scheme, base=latest.number, author="t", comment="c", vocabulary=vocabulary)
        publish(db, SCHEME_ID, author="t", comment="c", vocabulary=vocabulary)
        assert _found(worker_a, "zorglubesque") == [SCHEME_ID]
        published = new_index(shared).metadata() or {}
        index = search_index()  # this request still holds the catalogue of before
        assert current_catalogue().version == before
        assert (new_index(shared).metadata() or {})["catalogue"] == published["catalogue"]
        assert index.search("zorglubesque", SearchFilters()).ids == [SCHEME_ID]
    assert _found(worker_b, "zorglubesque") == [SCHEME_ID]
    assert (new_index(shared).metadata() or {})["made"] == published["made"]


def test_lengths_and_facets_read_before_a_publish_are_carried_to_the_new_build(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Enough schemes for the publishes below to stay under the deleted share that merges all.
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 300)
    edited = [*schemes]
    for number in range(1, MERGE_FACTOR + 3):  # through a merge of the small segments
        for text in QUERIES[:2]:
            ids(index, text)  # reads the lengths of the documents found
        position = (37 * number) % len(schemes)
        edited[position] = renamed(schemes[position], word(number))
        index.ensure(f"v{number}", lambda: edited, vocabulary)
        searcher, build = index._searcher()
        carried = {
            (name, docnum): length
            for name, lengths in build.lengths.items()
            for docnum, length in enumerate(lengths)
            if length is None or length >= 0
        }
        assert carried, number  # read before the publish, not read again
        assert all(len(lengths) == searcher.doc_count_all() for lengths in build.lengths.values())
        for (name, docnum), length in carried.items():
            assert length == searcher.doc_field_length(docnum, name, 1), (number, name, docnum)
        # The scores and facet sets are those of a process that reads this build first.
        fresh = new_index(tmp_path / "index")
        assert build.facets == fresh._searcher()[1].facets
        for text in QUERIES[:2]:
            found = index.search(text, SearchFilters(include_inactive=True))
            assert found.scores == fresh.search(text, SearchFilters(include_inactive=True)).scores


def test_lengths_read_a_column_at_a_time_are_those_whoosh_reads_document_by_document(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, monkeypatch: Any
) -> None:
    # Each segment's lengths column is read whole: after an update (several segments, deleted
    # documents), every field's lengths are Whoosh's own, and other readers are read as before.
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 120)
    edited = [renamed(schemes[5], "musique"), *schemes[6:]]
    index.ensure("v1", lambda: edited, vocabulary)
    searcher, build = index._searcher()
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    assert len(leaves) > 1
    assert any(leaf.has_deletions() for leaf in leaves)
    names = sorted(search.POSTINGS_FIELDS)
    expected = {
        name: [searcher.doc_field_length(d, name, 1) for d in range(searcher.doc_count_all())]
        for name in names
    }
    assert any(None in lengths for lengths in expected.values())  # fields some lack
    for name in names:
        search._length_norms(searcher, build, name)
        assert build.lengths[name] == expected[name], name
    build.lengths.clear()
    build.norms.clear()
    with monkeypatch.context() as patched:  # a reader without a lengths column to read whole
        patched.setattr(search, "_segment_lengths", lambda leaf, name: None)
        for name in names:
            search._length_norms(searcher, build, name)
            assert build.lengths[name] == expected[name], name


def test_terms_known_from_the_segments_tables_are_those_whoosh_counts(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Whether a query's term is in the index comes from each segment's terms, read at once:
    # after an update (several segments, deleted documents), as doc_frequency(...) > 0 says.
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 120)
    edited = [renamed(schemes[5], "musiqueneuve"), *schemes[6:]]
    index.ensure("v1", lambda: edited, vocabulary)
    searcher, build = index._searcher()
    reader = searcher.reader()
    assert len(build.starts) > 1
    known = index._known(searcher, build)
    for name in search.WORD_FIELDS:
        terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(name)]
        assert terms
        for term in [*terms, "musiqueneuve", "zzzunknown"]:
            assert known(name, term) == (reader.doc_frequency(name, term) > 0), (name, term)


def test_the_smallest_segments_are_written_again_not_merged_term_by_term(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, monkeypatch: Any
) -> None:
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 200)
    built = _segments(index)
    merged: list[object] = []
    monkeypatch.setattr(SegmentWriter, "add_reader", lambda _writer, reader: merged.append(reader))
    edited = [*schemes]
    for number in range(1, MERGE_FACTOR + 2):  # one publish more than the tier holds
        edited[number] = renamed(schemes[number], word(number))
        index.ensure(f"v{number}", lambda: edited, vocabulary)
        assert made(index) == {"by": "update", "written": 1, "removed": 0}
    assert merged == []  # Whoosh's merge never ran: the documents were written again
    assert len(_segments(index)) <= len(built) + 2
    for number in range(1, MERGE_FACTOR + 2):
        assert ids(index, word(number)) == [edited[number].id]
    fresh = new_index(tmp_path / "fresh")
    fresh.ensure("v-last", lambda: edited, vocabulary)
    for text in QUERIES:
        assert sorted(ids(index, text)) == sorted(ids(fresh, text)), text


def test_name_keys_stay_with_their_segments_and_leave_out_deleted_documents(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    """A build looks a typed name up segment by segment (a segment's name keys are read once,
    then shared by the builds after it): the documents found are those a process reading the
    build afresh finds, never a document an update deleted, and a renamed scheme's whole new
    name ranks it first."""
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 80)
    edited = [*schemes]
    for number in range(1, 4):
        index._searcher()  # the build before is read: the next one shares its segments
        position = 11 * number
        edited[position] = renamed(schemes[position], word(number))
        index.ensure(f"v{number}", lambda: edited, vocabulary)
        _searcher, build = index._searcher()
        fresh = new_index(tmp_path / "index")._searcher()[1]
        keys = {key for _start, part in build.starts for key in part.named}
        deleted = [
            start + docnum
            for start, part in build.starts
            for documents in part.named.values()
            for docnum in documents
            if not build.ids[start + docnum]
        ]
        assert deleted, number  # the renamed schemes' old documents keep their keys
        for key in keys:
            found = build.named(key)
            assert found == fresh.named(key), (number, key)
            assert all(build.ids[docnum] for docnum in found), (number, key)
        assert ids(index, edited[position].name.fr)[0] == edited[position].id, number


def _term_postings(index: SearchIndex, fields: tuple[str, ...]) -> dict[Any, Any]:
    """Each term of `fields` (every 5th) as read for a query: document numbers and weights by
    segment block, and its documents' BM25F scores."""
    searcher, build = index._searcher()
    reader = searcher.reader()
    found: dict[Any, Any] = {}
    for name in fields:
        for token in list(reader.lexicon(name))[::5]:
            blocks = search._posting_blocks(searcher, build, name, token)
            postings = [
                (d, w) for ids, weights in blocks for d, w in zip(ids, weights, strict=True)
            ]
            text = token.decode("utf-8")
            scores = as_dict(search._bm25_postings(searcher, build, name, text))
            found[name, token] = postings, scores
    return found


def _updated_with_deletions(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> SearchIndex:
    """200 synthetic schemes indexed, then updated: 3 deleted, 1 replaced (several segments)."""
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 200)
    edited = [renamed(schemes[3], "musique"), *schemes[4:]]
    index.ensure("v1", lambda: edited, vocabulary)
    assert made(index) == {"by": "update", "written": 1, "removed": 3}
    return index


def test_postings_files_give_whoosh_postings_after_an_update_and_are_optional(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, monkeypatch: Any
) -> None:
    # Each segment's postings are decoded once, when it is written, into a file read without
    # Whoosh's pickles: after an update that deletes documents, a term's documents and weights
    # are Whoosh's own, and a build whose segments have no such file answers the same.
    index = _updated_with_deletions(tmp_path, catalogue, vocabulary)
    searcher, _ = index._searcher()
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    assert len(leaves) > 1
    assert any(leaf.has_deletions() for leaf in leaves)
    current = index.directory / "current"
    files = {p.name for p in current.glob("*" + POSTINGS_EXTENSION)}
    assert files == {leaf.segment().segment_id() + POSTINGS_EXTENSION for leaf in leaves}

    fields = ("body_fr", "name_en", "pairs_summary_fr", "pairs_name_en")
    with monkeypatch.context() as patched:  # every term read from the postings files
        patched.setattr(search, "_raw_blocks", None)
        stored = _term_postings(index, fields)
    assert len(stored) > 200
    for (name, token), (postings, _scores) in stored.items():
        whoosh = searcher.postings(name, token)  # deleted documents left out
        expected = []
        while whoosh.is_active():
            expected.append((whoosh.id(), whoosh.weight()))
            whoosh.next()
        assert postings == expected, (name, token)

    answers = [index.search(text, SearchFilters()) for text in QUERIES]
    for path in current.glob("*" + POSTINGS_EXTENSION):
        path.unlink()
    without = new_index(index.directory)  # a new process: nothing read yet
    assert _term_postings(without, fields) == stored  # the same floats, not close ones
    assert [without.search(text, SearchFilters()) for text in QUERIES] == answers


def test_term_tables_answer_as_whoosh_tables_after_an_update(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary, monkeypatch: Any
) -> None:
    # Each segment's term table says what Whoosh's tables say of its terms: in it or not, the
    # document frequency, where the postings begin; searching then asks Whoosh's tables
    # nothing, and answers the same.
    index = _updated_with_deletions(tmp_path, catalogue, vocabulary)
    searcher, build = index._searcher()
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    assert len(leaves) > 1
    current = index.directory / "current"
    checked = 0
    for leaf in leaves:
        table = Terms.open(current / (leaf.segment().segment_id() + TERMS_EXTENSION))
        assert table is not None
        for name in sorted(search.POSTINGS_FIELDS):
            for token in list(leaf.lexicon(name))[::3]:
                info = leaf._terms.term_info(name, token)
                term = table.find(name, token)
                assert term is not None, (name, token)
                start = None if info.is_inlined() else info.extent()[0]
                assert term == (info.doc_frequency(), start), (name, token)
                checked += 1
            assert table.find(name, b"zorglubesque") is None
        assert table.find("plain", b"musique") is None  # only the fields queries look up
    assert checked > 1000
    for name in ("body_fr", "pairs_body_fr", "pairs_name_en", "name_en"):
        for token in [*list(searcher.reader().lexicon(name))[::4], b"zorglubesque"]:
            frequency = searcher.doc_frequency(name, token)
            assert search._doc_frequency(searcher, build, name, token) == frequency
            text = token.decode("utf-8")
            assert search._idf(searcher, build, name, text) == searcher.idf(name, token)

    answers = [index.search(text, SearchFilters()) for text in (*QUERIES, '"jeu video"')]
    fresh = new_index(index.directory)  # a new process, whose searches ask Whoosh's tables nothing
    with monkeypatch.context() as patched:
        for method in ("term_info", "doc_frequency", "__contains__"):
            patched.setattr(type(leaves[0]._terms), method, None)
        assert [fresh.search(t, SearchFilters()) for t in (*QUERIES, '"jeu video"')] == answers


def test_a_build_without_term_tables_answers_the_same_and_gets_them_at_its_next_update(
    tmp_path: Path, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Builds written before term tables existed (or whose table is cut short) ask Whoosh's
    # tables; the next update writes the tables of every segment lacking one.
    schemes, index = indexed_synthetic(tmp_path / "index", catalogue, vocabulary, 120)
    texts = (*QUERIES, '"jeu video"', '"spectacle vivant" musique')
    answers = [index.search(text, SearchFilters()) for text in texts]
    current = index.directory / "current"
    tables = list(current.glob("*" + TERMS_EXTENSION))
    assert tables
    tables[0].write_bytes(tables[0].read_bytes()[:-1])  # cut short: not read
    assert Terms.open(tables[0]) is None
    for path in tables[1:]:
        path.unlink()
    without = new_index(index.directory)
    assert [without.search(text, SearchFilters()) for text in texts] == answers
    index.ensure("v1", lambda: [renamed(schemes[0], "musique"), *schemes[1:]], vocabulary)
    searcher, _ = index._searcher()
    for leaf, _ in searcher.reader().leaf_readers():
        path = current / (leaf.segment().segment_id() + TERMS_EXTENSION)
        assert Terms.open(path) is not None, path


def test_a_segment_whose_term_keys_collide_gets_no_table(tmp_path: Path, monkeypatch: Any) -> None:
    # Two terms of a segment with one key would answer for each other: no table then (Whoosh's
    # tables are asked).
    rows = [("body_fr", b"jeu", 3, 40), ("body_fr", b"video", 1, ELSEWHERE)]
    assert search_terms.write(tmp_path / "a.terms", rows)
    table = Terms.open(tmp_path / "a.terms")
    assert table is not None
    assert table.find("body_fr", b"jeu") == (3, 40)
    assert table.find("body_fr", b"video") == (1, None)  # kept with the term: ask Whoosh
    assert table.find("body_en", b"jeu") is None
    monkeypatch.setattr(search_terms, "term_key", lambda name, token: 1)
    assert not search_terms.write(tmp_path / "b.terms", rows)
    assert not (tmp_path / "b.terms").exists()


def test_a_postings_file_cut_short_is_not_read(tmp_path: Path) -> None:
    # Written whole or not at all; a file of another length than its trailer says is left
    # alone (the segment's postings are then read from Whoosh's blocks).
    path = tmp_path / "segment.postings"
    write(
        path,
        [(7, array("I", [0, 4]), array("f", [1.0, 2.5])), (90, array("I", [3]), array("f", [3.0]))],
    )
    opened = Postings.open(path)
    assert opened is not None
    assert opened.get(7) == (array("I", [0, 4]), array("f", [1.0, 2.5]))
    assert opened.get(90) == (array("I", [3]), array("f", [3.0]))
    assert opened.get(8) is None
    assert opened.get(0) is None
    path.write_bytes(path.read_bytes()[1:])
    assert Postings.open(path) is None
    assert Postings.open(tmp_path / "none.postings") is None

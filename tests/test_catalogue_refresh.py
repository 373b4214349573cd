"""A worker's cached catalogue follows publishes by reading only the schemes that changed.

After a publish, a rollback, a new scheme and an unpublished one, the refreshed catalogue equals
a fresh load of the database: same schemes, hashes, compiled rules, verdicts and derived values.
"""

from __future__ import annotations

import gc

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.deadlines import today_in_paris
from app.editing import latest_revision, publish, rollback, save_draft
from app.eligibility import together
from app.eligibility.answers import Answers, validate_answers
from app.eligibility.engine import compile_catalogue, evaluate_all, shared_in_use
from app.models import SchemeRecord
from app.repository import SchemeFilters, catalogue_version, list_schemes_hashed
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web.core.catalogue_cache import (
    VALUES_THREAD,
    Catalogue,
    current_catalogue,
    load_catalogue,
)
from app.web.core.listing import deadline_ranks
from app.web.core.verdict_groups import name_ranks

SCHEME_ID = "cnl-bourse-auteurs"


def cached(app: Flask) -> Catalogue:
    """The catalogue a request of this worker sees."""
    with app.test_request_context("/fr/"):
        return current_catalogue()


def profiles(catalogue: Catalogue, vocabulary: Vocabulary) -> list[Answers]:
    """Every scheme's example profiles: answers that reach every kind of verdict."""
    found = []
    for scheme in catalogue.schemes:
        for example in scheme.examples:
            answers, errors = validate_answers(dict(example.answers), vocabulary)
            if not errors:
                found.append(answers)
    assert found
    return found


def verdicts(catalogue: Catalogue, answers: Answers) -> list[tuple[str, str]]:
    return [(v.compiled.scheme.id, v.status) for v in evaluate_all(catalogue.compiled, answers)]


def assert_same_as_a_fresh_load(refreshed: Catalogue, db: Session, vocabulary: Vocabulary) -> None:
    fresh = load_catalogue(db)
    assert refreshed.version == catalogue_version(db) == fresh.version
    # Against the database read the plain way, not through the cache's code.
    schemes, hashes = list_schemes_hashed(db, SchemeFilters(include_inactive=True))
    assert refreshed.schemes == schemes == fresh.schemes
    assert refreshed.hashes == hashes
    plain = compile_catalogue(s for s in schemes if s.criteria)
    assert [c.scheme for c in refreshed.compiled] == [c.scheme for c in plain]
    assert refreshed.compiled.active == plain.active
    # Identical rules are shared as in a full load, and no rule of a former version is kept.
    assert len(refreshed.compiled.table.order) == len(plain.table.order)
    assert len(refreshed.rules) == len(fresh.rules)
    assert refreshed.rules == shared_in_use(refreshed.rules, refreshed.compiled)
    for answers in profiles(fresh, vocabulary):
        assert verdicts(refreshed, answers) == verdicts(fresh, answers)
    today = today_in_paris()
    assert refreshed.deadlines(today) == fresh.deadlines(today)
    assert refreshed.open_ids(today) == fresh.open_ids(today)
    assert refreshed.current == fresh.current
    assert refreshed.facet_sets == fresh.facet_sets
    assert refreshed.facet_columns == fresh.facet_columns
    assert refreshed.by_id == fresh.by_id
    assert refreshed.positions == fresh.positions
    assert refreshed.compiled.positions == fresh.compiled.positions
    assert refreshed.active == fresh.active
    for lang in ("fr", "en"):
        assert refreshed.name_ranks(lang) == fresh.name_ranks(lang)
        assert deadline_ranks(refreshed, today, lang) == deadline_ranks(fresh, today, lang)
        assert name_ranks(refreshed, lang) == name_ranks(fresh, lang)  # of the verdicts


def renamed(scheme: Scheme, word: str) -> Scheme:
    """The scheme with a word before its French name: it moves in the order of names."""
    name = scheme.name.model_copy(update={"fr": f"{word} {scheme.name.fr}"})
    return scheme.model_copy(update={"name": name})


def without_last_criterion(scheme: Scheme) -> Scheme:
    return scheme.model_copy(update={"criteria": scheme.criteria[:-1], "examples": ()})


def publish_changed(db: Session, scheme: Scheme, vocabulary: Vocabulary) -> int:
    """Save the scheme as a draft of its latest revision and publish it; the revision of before."""
    latest = latest_revision(db, scheme.id)
    assert latest is not None
    save_draft(db, scheme, base=latest.number, author="t", comment="c", vocabulary=vocabulary)
    publish(db, scheme.id, author="t", comment="c", vocabulary=vocabulary)
    return latest.number


def test_publishes_rollbacks_additions_and_withdrawals_refresh_to_a_fresh_load(
    app: Flask, client: FlaskClient, db: Session, vocabulary: Vocabulary
) -> None:
    before = cached(app)
    today = today_in_paris()
    before.deadlines(today)  # derived per scheme: carried over by the refresh
    for lang in ("fr", "en"):  # ranks by values kept per scheme: patched
        before.name_ranks(lang)
        deadline_ranks(before, today, lang)
    assert before.facet_sets.values  # facet values too (their sets are made afresh)

    latest = latest_revision(db, SCHEME_ID)
    assert latest is not None
    scheme = renamed(Scheme.model_validate(latest.document), "zorglubesque")
    save_draft(db, scheme, base=latest.number, author="t", comment="c", vocabulary=vocabulary)
    publish(db, SCHEME_ID, author="t", comment="c", vocabulary=vocabulary)
    after = cached(app)
    # The orders lists sort by were patched by the refresh, not left to be made again.
    ranked = [("name order", "fr"), ("name order", "en"), ("deadline order", today, "fr")]
    assert all(("ranks", key) in after._memo for key in ranked)
    assert after.by_id[SCHEME_ID].name.fr.startswith("zorglubesque")
    assert after.name_ranks("fr")[SCHEME_ID] != before.name_ranks("fr")[SCHEME_ID]
    assert_same_as_a_fresh_load(after, db, vocabulary)
    # Only the published scheme was read again: the others are the very objects of before,
    # compiled once, with their deadlines carried over.
    others = [s.id for s in before.schemes if s.id != SCHEME_ID]
    assert all(after.by_id[i] is before.by_id[i] for i in others)
    kept = {c.scheme.id: c for c in before.compiled}
    assert all(c is kept[c.scheme.id] for c in after.compiled if c.scheme.id != SCHEME_ID)
    assert all(after.deadlines(today)[i] is before.deadlines(today)[i] for i in others)
    # Its rules did not change: the rule table (most of a refresh's work at 10,000 schemes) is
    # the one of before, and no rule was added or forgotten.
    assert after.compiled.table is before.compiled.table
    assert after.rules == before.rules
    # The same schemes in the same places: the positions are those of before, not made again
    # (what a worker copies and patches in C after each publish).
    assert after.positions is before.positions
    # The page a visitor opens next shows the publish.
    page = client.get("/fr/aides/?funder=cnl&per_page=100")
    assert page.status_code == 200
    assert "zorglubesque" in page.get_data(as_text=True)

    rollback(db, SCHEME_ID, latest.number, author="t", comment="c", vocabulary=vocabulary)
    assert_same_as_a_fresh_load(cached(app), db, vocabulary)
    assert "zorglubesque" not in cached(app).by_id[SCHEME_ID].name.fr

    # A rule changed: the scheme is compiled again with the others' shared rules.
    with_rules = next(s for s in cached(app).schemes if len(s.criteria) > 1)
    changed = without_last_criterion(with_rules)
    publish_changed(db, changed, vocabulary)
    refreshed = cached(app)
    assert refreshed.by_id[with_rules.id].criteria == changed.criteria
    assert refreshed.compiled.table is not after.compiled.table
    assert_same_as_a_fresh_load(refreshed, db, vocabulary)
    # Closed: its place in the lifecycle facet and among the current schemes moves.
    lifecycle = changed.lifecycle.model_copy(update={"status": "closed"})
    publish_changed(db, changed.model_copy(update={"lifecycle": lifecycle}), vocabulary)
    position = cached(app).compiled.positions[with_rules.id]
    assert position in refreshed.compiled.active
    assert position not in cached(app).compiled.active
    assert_same_as_a_fresh_load(cached(app), db, vocabulary)
    # Its rules all withdrawn, then given back: it leaves the compiled schemes and returns.
    publish_changed(db, changed.model_copy(update={"criteria": ()}), vocabulary)
    assert with_rules.id not in cached(app).compiled.positions
    assert_same_as_a_fresh_load(cached(app), db, vocabulary)
    publish_changed(db, changed, vocabulary)
    assert with_rules.id in cached(app).compiled.positions
    assert_same_as_a_fresh_load(cached(app), db, vocabulary)

    # A new scheme, then one withdrawn from publication.
    new = renamed(scheme, "nouveau").model_copy(update={"id": "zz-nouveau-dispositif"})
    save_draft(db, new, base=0, author="t", comment="c", vocabulary=vocabulary)
    publish(db, new.id, author="t", comment="c", vocabulary=vocabulary)
    assert "zz-nouveau-dispositif" in cached(app).by_id
    assert_same_as_a_fresh_load(cached(app), db, vocabulary)
    record = db.get(SchemeRecord, SCHEME_ID)
    assert record is not None
    record.published = False
    db.commit()
    withdrawn = cached(app)
    assert SCHEME_ID not in withdrawn.by_id
    assert SCHEME_ID not in withdrawn.deadlines(today)
    assert_same_as_a_fresh_load(withdrawn, db, vocabulary)


def test_a_new_rule_table_has_its_values_worked_out_in_the_background(
    app: Flask, db: Session, vocabulary: Vocabulary, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cached(app)
    worker = app.extensions[VALUES_THREAD]
    worker.join(timeout=60)
    assert not worker.is_alive()

    def worked_out_on_use(*_args: object) -> Answers:
        raise AssertionError("a value was worked out for a profile")

    # A value is worked out on an answer made alone: the profiles make none any more.
    with monkeypatch.context() as patched:
        patched.setattr(together, "Answers", worked_out_on_use)
        for answers in profiles(first, vocabulary):
            evaluate_all(first.compiled, answers)

    # A publish that leaves the rules as they were keeps the table and its values.
    publish_changed(db, renamed(first.by_id[SCHEME_ID], "zorglubesque"), vocabulary)
    assert cached(app).compiled.table is first.compiled.table
    assert app.extensions[VALUES_THREAD] is worker
    # One that changes them makes a new table, whose values a new thread works out.
    with_rules = next(s for s in first.schemes if len(s.criteria) > 1)
    publish_changed(db, without_last_criterion(with_rules), vocabulary)
    assert cached(app).compiled.table is not first.compiled.table
    assert app.extensions[VALUES_THREAD] is not worker


def test_a_refreshed_catalogue_and_a_new_search_build_are_set_apart_from_the_collector(
    app: Flask, client: FlaskClient, db: Session, vocabulary: Vocabulary
) -> None:
    # Full collections scan every object not frozen: at 10,000 schemes a catalogue and a
    # build made after a publish cost 250 ms a collection, in every worker (app.long_lived).
    assert client.get("/fr/aides/?q=musique").status_code == 200
    before = cached(app)
    index = app.extensions["aides.search"]
    build_before = index.published()
    latest = latest_revision(db, SCHEME_ID)
    assert latest is not None
    publish_changed(db, renamed(Scheme.model_validate(latest.document), "zorglub"), vocabulary)
    assert client.get("/fr/aides/?sort=name").status_code == 200  # refreshes, no search
    after = cached(app)
    assert after is not before
    assert index.published() == build_before
    assert not_collected(after, after.schemes, after.compiled)
    assert "zorglub" in client.get("/fr/aides/?q=zorglub").get_data(as_text=True)
    assert index.published() != build_before
    (build,) = index._builds.values()  # the build made after the publish, as searched
    assert not_collected(build)


def not_collected(*objects: object) -> bool:
    """Whether these objects, which the collector tracks, are frozen (not listed)."""
    listed = {id(o) for o in gc.get_objects()}
    return all(gc.is_tracked(o) and id(o) not in listed for o in objects)

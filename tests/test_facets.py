"""The facet table is the one link between audience field, vocabulary variable and query
parameter: the repository, the search, the list, the API and the admin all follow it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl

import numpy as np
import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app import facets
from app.facets import (
    AUDIENCE_FACETS,
    LIST_FACETS,
    AudienceFacet,
    FacetSets,
    Filters,
    disjunctive_counts,
    facet_values,
    list_facet_values,
)
from app.repository import list_schemes
from app.schemes import ACTIVE_STATUSES, Audience, Scheme
from app.vocabulary import Vocabulary


def test_the_table_covers_every_audience_list_and_known_variables(vocabulary: Vocabulary) -> None:
    lists = {name for name, info in Audience.model_fields.items() if info.annotation is not None}
    lists -= {"note", "source"}
    assert {facet.field for facet in AUDIENCE_FACETS} == lists
    for facet in AUDIENCE_FACETS:
        assert vocabulary.variable(facet.variable).value_ids()
        assert facet.parameter in LIST_FACETS


def test_inactive_schemes_are_hidden_unless_asked_for() -> None:
    assert Filters().selected() == {"lifecycle": tuple(sorted(ACTIVE_STATUSES))}
    assert Filters(include_inactive=True).selected() == {}
    chosen = Filters(values={"lifecycle": ("closed",), "role": ()})
    assert chosen.selected() == {"lifecycle": ("closed",)}


@pytest.mark.parametrize("facet", AUDIENCE_FACETS, ids=lambda facet: facet.parameter)
def test_each_audience_facet_filters_the_repository_page_and_api_alike(
    client: FlaskClient, db: Session, catalogue: list[Scheme], facet: AudienceFacet
) -> None:
    parameter = facet.parameter
    active = [s for s in catalogue if s.is_active()]
    value = next(v for s in active for v in facet_values(s, parameter))
    expected = sorted(s.id for s in active if value in getattr(s.audience, facet.field))
    stored = list_schemes(db, Filters(values={parameter: (value,)}))
    assert sorted(s.id for s in stored) == expected
    body = client.get(f"/api/v1/schemes?{parameter}={value}&per_page=100&lang=en").get_json()
    assert sorted(item["id"] for item in body["items"]) == expected
    assert body["facets"][parameter][value] == len(expected)
    page = client.get(f"/en/aides/?{parameter}={value}")
    assert page.status_code == 200
    assert f'name="{parameter}" value="{value}" checked' in page.get_data(as_text=True)


def test_an_unknown_value_of_a_facet_is_refused(client: FlaskClient) -> None:
    for facet in AUDIENCE_FACETS:
        response = client.get(f"/api/v1/schemes?{facet.parameter}=no-such-value")
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["field"] == facet.parameter


def test_an_unknown_facet_name_is_a_programming_error(db: Session) -> None:
    with pytest.raises(ValueError, match="unknown facet"):
        list_schemes(db, Filters(values={"colour": ("blue",)}))


def _by_definition(
    columns: Mapping[str, Sequence[tuple[str, ...]]],
    items: Iterable[int],
    selected: Mapping[str, Sequence[str]],
) -> tuple[list[int], dict[str, dict[str, int]]]:
    """Disjunctive facets item by item, as the module docstring defines them."""
    chosen = {name: set(values) for name, values in selected.items() if values}

    def passes(item: int, ignored: str | None = None) -> bool:
        return all(
            set(columns[name][item]) & wanted for name, wanted in chosen.items() if name != ignored
        )

    items = list(items)
    counts = {
        name: dict(
            sorted(Counter(v for i in items if passes(i, name) for v in columns[name][i]).items())
        )
        for name in LIST_FACETS
    }
    return [i for i in items if passes(i)], counts


SELECTIONS = [
    Filters().selected(),
    Filters(values={"funder": ("cnc", "cnm")}).selected(),
    Filters(
        values={"funder": ("cnc",), "sector": ("music", "books")}, include_inactive=True
    ).selected(),
    Filters(values={"sector": ("no-such-sector",)}).selected(),
]


@pytest.mark.parametrize("selected", SELECTIONS)
def test_counting_with_masks_and_tables_follows_the_definition(
    catalogue: list[Scheme], selected: dict[str, tuple[str, ...]]
) -> None:
    # Search and browsing filter items by number with masks and count facets over
    # tables of every item's values: the kept items and counts of the definition, over the
    # whole catalogue and over parts of it (the last items, which have values in some facets
    # only, included).
    columns = {name: [facet_values(s, name) for s in catalogue] for name in LIST_FACETS}
    sets = FacetSets.of_rows([list_facet_values(s) for s in catalogue])
    assert sets == FacetSets.of_columns(columns)
    parts = (
        range(len(catalogue)),
        range(0, len(catalogue), 2),
        range(1),
        range(len(catalogue) - 3, len(catalogue)),
    )
    for items in parts:
        passing = sets.passing(selected, len(catalogue))
        kept, counts = disjunctive_counts(np.array(items), passing, sets, LIST_FACETS)
        kept = np.array(items)[kept].tolist()
        expected_kept, expected_counts = _by_definition(columns, items, selected)
        assert sorted(kept) == expected_kept
        assert counts == expected_counts


@settings(max_examples=200, deadline=None)
@given(
    column=st.lists(st.lists(st.sampled_from("abcde"), max_size=3, unique=True), max_size=40),
    chosen=st.sets(st.integers(min_value=0, max_value=45)),
    few=st.sampled_from([0, 10**9]),
)
def test_a_value_table_counts_any_items_as_the_sets_do(
    column: list[list[str]], chosen: set[int], few: int
) -> None:
    # In numpy and in Python (a few items): items with no value (at the end too) and numbers
    # past the last item count nothing; values in order.
    columns = {"kind": [tuple(values) for values in column], "funder": [("x",)] * len(column)}
    table = FacetSets.of_columns(columns).table(("funder", "kind"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facets, "FEW_ITEMS", few)
        counts = table.count(np.array(sorted(chosen), np.int64))
    for position, name in enumerate(("funder", "kind")):
        counted = Counter(v for i in chosen if i < len(column) for v in columns[name][i])
        assert counts[position] == dict(sorted(counted.items()))
        assert list(counts[position]) == sorted(counted)


def test_a_value_repeated_in_a_scheme_counts_once(catalogue: list[Scheme]) -> None:
    scheme = next(s for s in catalogue if s.audience.sectors)
    audience = scheme.audience.model_copy(update={"sectors": scheme.audience.sectors * 2})
    twice = scheme.model_copy(update={"audience": audience})
    assert facet_values(twice, "sector") == scheme.audience.sectors
    sets = FacetSets.of_rows([list_facet_values(twice)])
    _kept, counts = disjunctive_counts(np.array([0]), {}, sets, LIST_FACETS)
    assert counts["sector"] == dict.fromkeys(sorted(scheme.audience.sectors), 1)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "funder=cnc&funder=cnm",
        "funder=cnc&sector=immersive&sector=cinema&include_closed=true",
        "lifecycle=closed&lifecycle=replaced&applicant_type=company",
    ],
)
def test_browsing_counts_each_facet_over_the_schemes_passing_the_others(
    client: FlaskClient, catalogue: list[Scheme], query: str
) -> None:
    # Through the API: the schemes listed and every facet's counts are those of the definition.
    body = client.get(f"/api/v1/schemes?{query}&per_page=100&lang=en").get_json()
    args = MultiDict(parse_qsl(query))
    selected = Filters(
        values={name: tuple(args.getlist(name)) for name in LIST_FACETS},
        include_inactive=args.get("include_closed") == "true",
    ).selected()
    columns = {name: [facet_values(s, name) for s in catalogue] for name in LIST_FACETS}
    kept, counts = _by_definition(columns, range(len(catalogue)), selected)
    assert kept, "the selection should list something"
    assert sorted(item["id"] for item in body["items"]) == sorted(catalogue[i].id for i in kept)
    assert body["total"] == len(kept)
    assert {name: body["facets"][name] for name in LIST_FACETS} == counts


VALUES = ("a", "b", "c", "d", "e")


@settings(max_examples=200, deadline=None)
@given(
    start=st.lists(
        st.lists(st.sampled_from(VALUES), max_size=3, unique=True), min_size=16, max_size=80
    ),
    changes=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.lists(st.sampled_from(VALUES), max_size=3, unique=True),
        ),
        max_size=8,
    ),
    added=st.lists(st.lists(st.sampled_from(VALUES), max_size=3, unique=True), max_size=4),
)
def test_updated_facet_sets_are_those_counted_anew(
    start: list[list[str]], changes: list[tuple[int, list[str]]], added: list[list[str]]
) -> None:
    """Items changed in place (an edit, a deletion as no values) or added at the end: the
    updated sets equal the sets of the new columns counted from scratch."""
    before = {"kind": [tuple(v) for v in start], "funder": [tuple(reversed(v)) for v in start]}
    after = {name: list(column) for name, column in before.items()}
    for position, values in changes:
        if position < len(start):
            after["kind"][position] = tuple(values)
    for values in added:
        after["kind"].append(tuple(values))
        after["funder"].append(())
    sets = FacetSets.of_columns(before)
    for names in (("kind",), ("funder",), ("kind", "funder")):
        sets.table(names)  # carried where the facets' sets stay the same
    updated = sets.updated(before, after)
    fresh = FacetSets.of_columns(after)
    assert updated == fresh
    assert [list(sets) for sets in updated.values.values()] == [
        list(sets) for sets in fresh.values.values()
    ]  # values in order too
    for names in (("kind",), ("funder",), ("kind", "funder")):  # the same values of each item
        assert updated.table(names).names == fresh.table(names).names
        assert updated.table(names).starts.tolist() == fresh.table(names).starts.tolist()
        assert updated.table(names).ranks.tolist() == fresh.table(names).ranks.tolist()


def test_updated_facet_sets_keep_the_sets_of_unchanged_values() -> None:
    before = {"kind": [("a",)] * 100 + [("b",)]}
    after = {"kind": [*before["kind"][:-1], ("c",)]}
    sets = FacetSets.of_columns(before)
    updated = sets.updated(before, after)
    assert updated.values["kind"]["a"] is sets.values["kind"]["a"]
    assert updated.values["kind"] == {"a": frozenset(range(100)), "c": frozenset({100})}


def test_a_scheme_published_again_with_the_same_values_keeps_the_sets_and_tables() -> None:
    # Its values are new tuples (it was read again), equal to those of before: nothing moves,
    # and the tables that count thousands of schemes are not made again.
    before = {"kind": [("a",), ("b",)] * 100}
    after = {"kind": [*before["kind"][:-1], tuple("b")]}
    assert after["kind"][-1] is not before["kind"][-1]
    sets = FacetSets.of_columns(before)
    table = sets.table(("kind",))
    updated = sets.updated(before, after)
    assert updated.values["kind"] is sets.values["kind"]
    assert updated.table(("kind",)) is table

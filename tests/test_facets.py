"""The facet table is the one link between audience field, vocabulary variable and query
parameter: the repository, the search, the list, the API and the admin all follow it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.facets import (
    AUDIENCE_FACETS,
    LIST_FACETS,
    AudienceFacet,
    Filters,
    disjunctive,
    disjunctive_sets,
    facet_values,
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


def test_counting_with_sets_is_the_same_as_counting_item_by_item(catalogue: list[Scheme]) -> None:
    # Search counts facets over document numbers with set operations: the same counts and kept
    # items as the list's item-by-item count, for no selection, one, and several facets.
    columns = {name: [facet_values(s, name) for s in catalogue] for name in LIST_FACETS}
    items = range(0, len(catalogue), 2)  # a result that is not the whole catalogue
    selections = [
        Filters().selected(),
        Filters(values={"funder": ("cnc", "cnm")}).selected(),
        Filters(
            values={"funder": ("cnc",), "sector": ("music", "books")}, include_inactive=True
        ).selected(),
    ]
    for selected in selections:
        passing = {
            name: frozenset(i for i in items if set(columns[name][i]) & set(values))
            for name, values in selected.items()
        }
        kept, counts = disjunctive_sets(items, passing, columns, LIST_FACETS)
        expected_kept, expected_counts = disjunctive(
            items, selected, lambda i, name: columns[name][i], LIST_FACETS
        )
        assert sorted(kept) == expected_kept
        assert counts == expected_counts
        assert any(counts.values())

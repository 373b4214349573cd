"""Schemes read for the catalogue cache share their equal parts, and stay what they were."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from markupsafe import escape
from sqlalchemy.orm import Session

from app.repository import SchemeFilters, list_schemes_hashed
from app.scheme_rules import Rule
from app.schemes import Scheme
from app.sharing import Sharing, shared_models
from app.web.core.catalogue_cache import current_catalogue


def _fresh(scheme: Scheme) -> Scheme:
    """The scheme parsed anew, as the database gives it (no object in common)."""
    return Scheme.model_validate(json.loads(json.dumps(scheme.document())))


def test_read_catalogue_shares_equal_parts_and_keeps_every_fact(
    db: Session, catalogue: list[Scheme]
) -> None:
    schemes, _hashes = list_schemes_hashed(db, SchemeFilters(include_inactive=True))
    by_id = {s.id: s for s in catalogue}
    assert [s.document() for s in schemes] == [by_id[s.id].document() for s in schemes]
    # The real catalogue repeats sources and criteria labels (the European SME definition…):
    # the equal ones are now one object.
    sources = [source for scheme in schemes for source in scheme.sources]
    distinct_values = {json.dumps(s.model_dump(mode="json"), sort_keys=True) for s in sources}
    assert len({id(s) for s in sources}) == len(distinct_values) < len(sources)


def test_the_cache_serves_shared_schemes(app: Flask, client: Any) -> None:
    with app.test_request_context("/fr/"):
        catalogue = current_catalogue()
        funders = [s.funder for s in catalogue.schemes]
        assert len({id(f) for f in funders}) == len(set(funders))
    # Pages read the shared schemes as before.
    scheme = catalogue.current[0]
    page = client.get(f"/fr/aides/{scheme.id}")
    assert page.status_code == 200
    assert str(escape(scheme.sources[0].title)) in page.get_data(as_text=True)


def test_equal_parts_become_one_object_and_unequal_ones_stay_apart(
    catalogue: list[Scheme],
) -> None:
    # Examples hold their answers in dicts, which stay apart: without them, one scheme.
    model = next(s for s in catalogue if s.criteria).model_copy(update={"examples": ()})
    first, second = shared_models([_fresh(model), _fresh(model)])
    assert first is second
    one, other = shared_models([_fresh(model), _fresh(model).model_copy(update={"id": "x-copy"})])
    assert one is not other
    assert (one.id, other.id) == (model.id, "x-copy")
    assert one.criteria is other.criteria
    assert one.name is other.name


def test_values_equal_in_python_but_not_in_rules_stay_apart() -> None:
    sharing = Sharing()
    rules = [
        Rule.model_validate({"variable": "x", "operator": "equals", "value": value})
        for value in (True, 1, 1.0)
    ]
    shared = sharing.models(rules)
    assert [type(r.value) for r in shared] == [bool, int, float]
    assert len({id(r) for r in shared}) == 3
    again = sharing.model(Rule.model_validate({"variable": "x", "operator": "equals", "value": 1}))
    assert again is shared[1]


def test_a_shared_part_copied_with_a_change_leaves_the_others_alone(
    catalogue: list[Scheme],
) -> None:
    model = next(s for s in catalogue if any(source.page_date is None for source in s.sources))
    source = next(s for s in model.sources if s.page_date is None)
    shared = Sharing().models([_fresh(model), _fresh(model).model_copy(update={"id": "x-copy"})])
    undated = [s for scheme in shared for s in scheme.sources if s.page_date is None]
    assert len(undated) > 1
    assert len({id(s.model_fields_set) for s in undated}) == 1
    changed = undated[0].model_copy(update={"page_date": "2024"})
    assert "page_date" in changed.model_fields_set
    assert all("page_date" not in s.model_fields_set for s in undated)
    assert all(s.page_date is None for s in undated)
    assert source.page_date is None

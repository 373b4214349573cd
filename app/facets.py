"""The facets of the scheme list in one table, the filter type, and disjunctive facet counting.

Facets are disjunctive, shared by search and browsing: OR within a facet, AND across facets.
Each facet's counts ignore that facet's own selection (Solr's tag exclusion, Algolia's and
Meilisearch's disjunctive facets): after ticking CNC, the other funders still show how many
schemes ticking them too would add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from operator import is_not

import numpy as np
from numpy.typing import NDArray

from app.i18n import N_
from app.schemes import ACTIVE_STATUSES, Scheme


@dataclass(frozen=True)
class AudienceFacet:
    """One audience list of a scheme and every name it goes by."""

    field: str  # Audience attribute: `audience.<field>` in scheme files, the API and the admin
    variable: str  # questions.yaml variable whose values it takes (and whose labels show them)
    parameter: str  # query parameter of the list and API, search index field, SchemeTag.facet
    label: str  # the list form's label (English msgid, translated where shown)
    plural: str  # the admin form's label, and the API's description (English msgid)


# In the order of the Audience model (scheme pages, API, admin form, search texts).
AUDIENCE_FACETS: tuple[AudienceFacet, ...] = (
    AudienceFacet(
        "applicant_types",
        "applicant_type",
        "applicant_type",
        N_("Applicant"),
        N_("Applicant types"),
    ),
    AudienceFacet("roles", "roles", "role", N_("Role"), N_("Roles")),
    AudienceFacet("sectors", "sectors", "sector", N_("Sector"), N_("Sectors")),
)
AUDIENCE_BY_PARAMETER = {facet.parameter: facet for facet in AUDIENCE_FACETS}
# The facets of the list, in the order the filters are shown and counted.
LIST_FACETS = ("funder", "sector", "applicant_type", "role", "kind", "lifecycle")


def facet_values(scheme: Scheme, name: str) -> tuple[str, ...]:
    """The values a scheme has for one facet of the list, each once (a scheme counts once)."""
    audience = AUDIENCE_BY_PARAMETER.get(name)
    if audience is not None:
        return tuple(dict.fromkeys(getattr(scheme.audience, audience.field)))
    single = {"funder": scheme.funder, "kind": scheme.kind, "lifecycle": scheme.lifecycle.status}
    return (single[name],)


def list_facet_values(scheme: Scheme) -> tuple[tuple[str, ...], ...]:
    """The values a scheme has for each facet of the list, in LIST_FACETS order."""
    return tuple(facet_values(scheme, name) for name in LIST_FACETS)


def audience_values(scheme: Scheme) -> list[tuple[AudienceFacet, tuple[str, ...]]]:
    """Each audience facet with the scheme's values for it, in the Audience model's order."""
    return [(facet, tuple(getattr(scheme.audience, facet.field))) for facet in AUDIENCE_FACETS]


@dataclass(frozen=True)
class Filters:
    """What a list asks for: values by facet name (alternatives within a facet, facets combined
    with AND), whether closed and replaced schemes are kept, and an optional set of ids."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Closed and replaced schemes are hidden unless asked for, here or by a lifecycle filter.
    include_inactive: bool = False
    only_ids: frozenset[str] | None = None  # e.g. the schemes open today

    def selected(self) -> dict[str, tuple[str, ...]]:
        """The chosen values by facet, with the one place where inactive schemes are hidden:
        without a lifecycle choice and unless asked for, only active statuses are kept."""
        chosen = {name: tuple(values) for name, values in self.values.items() if values}
        if "lifecycle" not in chosen and not self.include_inactive:
            chosen["lifecycle"] = tuple(sorted(ACTIVE_STATUSES))
        return chosen


Column = Sequence[tuple[str, ...]]  # one facet's values, by item number
# From this many items, a facet's values are counted over arrays of all its (item, value)
# pairs (FacetSets.arrays) rather than by meeting the items with each value's set.
ARRAY_COUNTS_FROM = 150  # measured: the two ways cost alike there (10,000 schemes)


@dataclass(frozen=True)
class FacetSets:
    """The items having each value of each facet (items numbered from 0): what
    disjunctive_sets counts and filters with."""

    values: Mapping[str, Mapping[str, frozenset[int]]]  # facet -> value (sorted) -> items

    @classmethod
    def of_columns(cls, columns: Mapping[str, Column]) -> FacetSets:
        """The sets of facet columns (facet -> each item's values, by item number)."""
        values: dict[str, dict[str, set[int]]] = {name: {} for name in columns}
        for name, column in columns.items():
            by_value = values[name]
            for item, found in enumerate(column):
                for value in found:
                    by_value.setdefault(value, set()).add(item)
        return cls(
            {name: {v: frozenset(i) for v, i in sorted(by.items())} for name, by in values.items()}
        )

    @classmethod
    def of_rows(cls, rows: Sequence[tuple[tuple[str, ...], ...]]) -> FacetSets:
        """The list facets of numbered items, from each item's list_facet_values."""
        return cls.of_columns(facet_columns(rows))

    def updated(self, before: Mapping[str, Column], columns: Mapping[str, Column]) -> FacetSets:
        """of_columns(columns), made from these sets, which are those of the columns `before`:
        only the items whose values are another object than before (an item left as it was
        keeps its very tuple) or that are new are moved. A publish changes a few items of
        thousands; when many changed (items inserted shift the others), all are counted anew."""
        if before.keys() != columns.keys():
            return FacetSets.of_columns(columns)
        moved: dict[str, list[int]] = {}
        for name, column in columns.items():
            old = before[name]
            if len(column) < len(old):
                return FacetSets.of_columns(columns)
            # Met in C (compress over `is not`): a Python loop over every item cost each worker
            # tens of milliseconds per publish at 10,000 schemes.
            changed = [*compress(range(len(old)), map(is_not, column, old))]
            # A scheme published again has new tuples, most often of the same values.
            changed = [item for item in changed if column[item] != old[item]]
            changed += range(len(old), len(column))
            if len(changed) > len(column) // 8:
                return FacetSets.of_columns(columns)
            moved[name] = changed
        updated = FacetSets(
            {
                name: _moved(self.values[name], before[name], columns[name], changed)
                if changed
                else self.values[name]
                for name, changed in moved.items()
            }
        )
        # The arrays of the facets left as they were are theirs still (tens of ms to make).
        updated.arrays.update(
            (name, arrays)
            for name, arrays in self.arrays.items()
            if updated.values[name] is self.values[name]
        )
        return updated

    @cached_property
    def arrays(self) -> dict[str, tuple[NDArray[np.int64], NDArray[np.int64]]]:
        """Each facet as two arrays (facet_arrays), made on the facet's first count."""
        return {}

    def facet_arrays(self, name: str) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """A facet as two arrays, a pair per item and value it has: the items, and the values'
        ranks (in `values` order), for counting thousands of items at once."""
        found = self.arrays.get(name)
        if found is None:
            by_value = self.values.get(name, {})
            items = [np.fromiter(docs, np.int64, len(docs)) for docs in by_value.values()]
            ranks = [np.full(len(docs), rank, np.int64) for rank, docs in enumerate(items)]
            found = self.arrays[name] = (
                np.concatenate(items) if items else np.zeros(0, np.int64),
                np.concatenate(ranks) if ranks else np.zeros(0, np.int64),
            )
        return found

    def counts(self, name: str, base: set[int]) -> dict[str, int]:
        """How many of the base items have each value of a facet (values with none left out)."""
        by_value = self.values.get(name, {})
        if len(base) < ARRAY_COUNTS_FROM:
            # Each value's items met with the base, in C: a few items cost as many steps.
            found = ((value, len(base.intersection(docs))) for value, docs in by_value.items())
            return {value: count for value, count in found if count}
        items, ranks = self.facet_arrays(name)
        within = np.zeros(int(items.max(initial=-1)) + 1, dtype=np.bool_)
        chosen = np.fromiter(base, np.int64, len(base))
        within[chosen[chosen < len(within)]] = True
        per_rank = np.bincount(ranks[within[items]], minlength=len(by_value)).tolist()
        return {value: count for value, count in zip(by_value, per_rank, strict=True) if count}

    def having(self, name: str, chosen: Iterable[str]) -> frozenset[int]:
        """The items having one of the chosen values of a facet."""
        by_value = self.values.get(name, {})
        return frozenset().union(*(by_value.get(value, ()) for value in chosen))

    def passing(self, selected: Mapping[str, Sequence[str]]) -> dict[str, frozenset[int]]:
        """For each facet with a selection, the items having one of its selected values."""
        return {name: self.having(name, chosen) for name, chosen in selected.items() if chosen}


def _moved(
    sets: Mapping[str, frozenset[int]], old: Column, column: Column, changed: list[int]
) -> dict[str, frozenset[int]]:
    """One facet's sets (value -> items) with the changed items moved from their old values
    (`old`) to their new ones (`column`); values left with no item dropped, values sorted."""
    touched: dict[str, set[int]] = {}
    for item in changed:
        for value in old[item] if item < len(old) else ():
            if value not in touched:
                touched[value] = set(sets.get(value, ()))
            touched[value].discard(item)
        for value in column[item]:
            if value not in touched:
                touched[value] = set(sets.get(value, ()))
            touched[value].add(item)
    by_value = {**sets, **{value: frozenset(items) for value, items in touched.items()}}
    return {value: items for value, items in sorted(by_value.items()) if items}


def facet_columns(rows: Sequence[tuple[tuple[str, ...], ...]]) -> dict[str, list[tuple[str, ...]]]:
    """Each list facet's values by item, from each item's list_facet_values."""
    return {name: [row[index] for row in rows] for index, name in enumerate(LIST_FACETS)}


def patched_columns(
    columns: Mapping[str, Column], rows: Mapping[int, tuple[tuple[str, ...], ...]]
) -> dict[str, list[tuple[str, ...]]]:
    """facet_columns with the rows at these positions replaced (a publish's few schemes): each
    column copied in C, not made again item by item."""
    patched = {name: list(column) for name, column in columns.items()}
    for position, row in rows.items():
        for index, name in enumerate(LIST_FACETS):
            patched[name][position] = row[index]
    return patched


def disjunctive_sets(
    items: Iterable[int],
    passing: Mapping[str, frozenset[int] | set[int]],
    sets: FacetSets,
    facets: Sequence[str],
) -> tuple[set[int], dict[str, dict[str, int]]]:
    """Disjunctive facets over numbered items, with set operations: the items passing every
    facet with a selection (`passing`: the items having one of its selected values, see
    FacetSets.passing), and each facet's value counts over the items passing every *other*
    facet (values sorted, those with no item left out)."""
    found = set(items)
    kept = found.intersection(*passing.values())
    counts: dict[str, dict[str, int]] = {}
    for name in facets:
        # Most facets have no selection: they share the kept items as their base.
        others = [docs for other, docs in passing.items() if other != name]
        base = kept if len(others) == len(passing) else found.intersection(*others)
        counts[name] = sets.counts(name, base)
    return kept, counts

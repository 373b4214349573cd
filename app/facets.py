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
Mask = NDArray[np.bool_]  # whether each item (by number) is in a set


# Up to this many items, a ValueTable counts in Python (numpy's calls cost more than the work).
FEW_ITEMS = 24  # measured at 10,000 schemes: both ways ~10 µs there


class ValueTable:
    """Some facets' values of every item, for counting many items' values of all of them at
    once: the values are ranked facet after facet (each facet's as `names` gives them), and item
    i's value ranks are ranks[starts[i]:starts[i + 1]]."""

    def __init__(
        self,
        names: tuple[tuple[str, ...], ...],
        starts: NDArray[np.int64],
        ranks: NDArray[np.int64],
    ) -> None:
        self.names = names  # each facet's values
        self.starts = starts  # one more than the items up to the last one having a value
        self.ranks = ranks
        self.values = [(facet, value) for facet, values in enumerate(names) for value in values]
        self._lists: tuple[list[int], list[int]] | None = None

    @staticmethod
    def of_sets(facets: Sequence[Mapping[str, frozenset[int]]]) -> ValueTable:
        """The table of facets' sets (each facet's value -> items)."""
        items = [
            np.fromiter(docs, np.int64, len(docs)) for sets in facets for docs in sets.values()
        ]
        names = tuple(tuple(sets) for sets in facets)
        if not items:
            return ValueTable(names, np.zeros(1, np.int64), np.zeros(0, np.int64))
        ranks = np.concatenate([np.full(len(docs), r, np.int64) for r, docs in enumerate(items)])
        pairs = np.concatenate(items)
        order = np.argsort(pairs, kind="stable")  # by item, each item's values by rank
        by_item = pairs[order]
        last = int(by_item[-1]) if len(by_item) else -1
        starts = np.searchsorted(by_item, np.arange(last + 2)).astype(np.int64)
        return ValueTable(names, starts, ranks[order])

    def count(self, items: NDArray[np.int64]) -> list[dict[str, int]]:
        """Each facet's counts over the items (distinct numbers), by position: how many have
        each value, values in order, those with none left out."""
        counted: Iterable[tuple[int, int]]  # rank, count
        if len(items) <= FEW_ITEMS:
            if self._lists is None:
                self._lists = (self.starts.tolist(), self.ranks.tolist())
            starts, ranks = self._lists
            last = len(starts) - 1  # items from there have no value
            found: dict[int, int] = {}
            for item in items.tolist():
                for rank in ranks[starts[item] : starts[item + 1]] if item < last else ():
                    found[rank] = found.get(rank, 0) + 1
            counted = sorted(found.items())
        else:
            chosen = items[items < len(self.starts) - 1]
            first = self.starts[chosen]
            lengths = self.starts[chosen + 1] - first
            ends = np.cumsum(lengths)
            # Every item's run of ranks gathered at once, in C: the k-th run's positions are
            # first[k], first[k] + 1, … (its place in the gathered ranks shifted to `first`).
            total = int(ends[-1]) if len(ends) else 0
            positions = np.arange(total) + np.repeat(first - (ends - lengths), lengths)
            per_rank = np.bincount(self.ranks[positions], minlength=len(self.values))
            ranks_found = np.flatnonzero(per_rank)
            counted = zip(ranks_found.tolist(), per_rank[ranks_found].tolist(), strict=True)
        by_facet: list[dict[str, int]] = [{} for _ in self.names]
        for rank, count in counted:
            facet, value = self.values[rank]
            by_facet[facet][value] = count
        return by_facet


@dataclass(frozen=True)
class FacetSets:
    """The items having each value of each facet (items numbered from 0): what
    disjunctive_counts counts and filters with."""

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
        # The tables of the facets left as they were are theirs still (milliseconds to make).
        updated.tables.update(
            (names, table)
            for names, table in self.tables.items()
            if all(updated.values[name] is self.values[name] for name in names)
        )
        return updated

    @cached_property
    def tables(self) -> dict[tuple[str, ...], ValueTable]:
        """The ValueTables counted with, by facet names, each made on its first count."""
        return {}

    def table(self, names: tuple[str, ...]) -> ValueTable:
        """The facets' ValueTable (made once; carried by `updated` while their sets stay)."""
        found = self.tables.get(names)
        if found is None:
            found = self.tables[names] = ValueTable.of_sets([self.values.get(n, {}) for n in names])
        return found

    def having(self, name: str, chosen: Iterable[str], size: int) -> Mask:
        """Which of `size` items have one of the chosen values of a facet."""
        by_value = self.values.get(name, {})
        found = np.zeros(size, np.bool_)
        for value in chosen:
            items = by_value.get(value, frozenset())
            found[np.fromiter(items, np.int64, len(items))] = True
        return found

    def passing(self, selected: Mapping[str, Sequence[str]], size: int) -> dict[str, Mask]:
        """For each facet with a selection, which of `size` items have one of its values."""
        return {
            name: self.having(name, chosen, size) for name, chosen in selected.items() if chosen
        }


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


def passes(masks: Iterable[Mask], items: NDArray[np.int64]) -> Mask:
    """Which of the items pass every mask (all of them, with none)."""
    passed = np.ones(len(items), np.bool_)
    for mask in masks:
        passed &= mask[items]
    return passed


def disjunctive_counts(
    items: NDArray[np.int64],
    passing: Mapping[str, Mask],
    sets: FacetSets,
    facets: Sequence[str],
) -> tuple[Mask, dict[str, dict[str, int]]]:
    """Disjunctive facets over distinct numbered items: which of them pass every facet with a
    selection (`passing`: which items have one of its selected values, see
    FacetSets.passing), and each facet's value counts over the items passing every *other*
    facet (values in order, those with no item left out). In C over arrays: search counts
    the hundreds of matches of each query."""
    table = sets.table(tuple(facets))
    kept = passes(passing.values(), items)
    kept_counts = None  # those of most facets: the ones with no selection
    counts: dict[str, dict[str, int]] = {}
    for position, name in enumerate(facets):
        if name not in passing:
            kept_counts = kept_counts or table.count(items[kept])
            counts[name] = kept_counts[position]
        else:
            others = passes((m for other, m in passing.items() if other != name), items)
            counts[name] = table.count(items[others])[position]
    return kept, counts

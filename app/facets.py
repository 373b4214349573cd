"""Disjunctive facets, shared by search and browsing: OR within a facet, AND across facets.

Each facet's counts ignore that facet's own selection (Solr's tag exclusion, Algolia's and
Meilisearch's disjunctive facets): after ticking CNC, the other funders still show how many
schemes ticking them too would add.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

Item = TypeVar("Item")


def disjunctive(
    items: Iterable[Item],
    selected: Mapping[str, Sequence[str]],
    values_of: Callable[[Item, str], Iterable[str]],
    facets: Sequence[str],
) -> tuple[list[Item], dict[str, dict[str, int]]]:
    """The items that have, for every facet with a selection, one of its selected values (in
    their order); and for each facet, value counts over the items that pass every *other* facet.
    """
    chosen = {name: frozenset(values) for name, values in selected.items() if values}
    kept: list[Item] = []
    counts: dict[str, Counter[str]] = {name: Counter() for name in facets}
    for item in items:
        values = {name: set(values_of(item, name)) for name in (*facets, *chosen)}
        failed = [name for name, wanted in chosen.items() if not values[name] & wanted]
        if not failed:
            kept.append(item)
        # Counted for a facet when no other facet rejects the item.
        for name in facets:
            if not failed or failed == [name]:
                counts[name].update(values[name])
    return kept, {name: dict(sorted(counter.items())) for name, counter in counts.items()}

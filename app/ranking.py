"""Dense ranks of keyed items (the same key, the same rank), patched when a few keys change."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Collection, Mapping
from typing import Any


class DenseRanks:
    """Each item's rank among the distinct keys in order: what lists sort by instead of
    comparing keys. Kept with the sorted distinct keys and how many items have each, so that a
    publish changing a few items re-places those only (at 10,000 items, sorting them all again
    is what each worker paid per publish); the ranks are then counted in C."""

    def __init__(
        self,
        keys: Mapping[str, Any],
        order: list[Any] | None = None,
        counts: Counter[Any] | None = None,
        ranks: dict[str, int] | None = None,
    ) -> None:
        """keys: each item's key, by item id. The others, when known: the distinct keys sorted,
        how many items have each, and the ranks."""
        self.keys = keys
        self.counts = Counter(keys.values()) if counts is None else counts
        self.order = sorted(self.counts) if order is None else order
        if ranks is None:
            rank_of = dict(zip(self.order, range(len(self.order)), strict=True))
            ranks = dict(zip(keys, map(rank_of.__getitem__, keys.values()), strict=True))
        self.ranks = ranks

    def patched(self, keys: Mapping[str, Any], changed: Collection[str]) -> DenseRanks:
        """The ranks of `keys`: the same items as these, only the `changed` ones' keys may
        differ."""
        moved = [(i, self.keys[i], keys[i]) for i in set(changed) if self.keys[i] != keys[i]]
        if not moved:
            return DenseRanks(keys, self.order, self.counts, self.ranks)
        counts = self.counts.copy()
        if len(moved) == 1 and (replaced := self._replaced(*moved[0][1:])) is not None:
            # The usual publish: one item's key changed (a word added to a name), still
            # alone and between the same neighbours: every other rank stays.
            (item, old, new), (order, rank) = moved[0], replaced
            del counts[old]
            counts[new] = 1
            ranks = dict(self.ranks)
            ranks[item] = rank
            return DenseRanks(keys, order, counts, ranks)
        order = list(self.order)
        for _item, old, new in moved:
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
                del order[bisect_left(order, old)]
            if new not in counts:
                insort(order, new)
            counts[new] += 1
        return DenseRanks(keys, order, counts)

    def _replaced(self, old: Any, new: Any) -> tuple[list[Any], int] | None:
        """The sorted keys with `old` (one item's alone) replaced by `new` (no item's) in its
        place, and that place, when the order allows it; else None."""
        if self.counts[old] != 1 or new in self.counts:
            return None
        at = bisect_left(self.order, old)
        if (at and not self.order[at - 1] < new) or (
            at + 1 < len(self.order) and not new < self.order[at + 1]
        ):
            return None
        order = list(self.order)
        order[at] = new
        return order, at

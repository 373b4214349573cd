"""Dense ranks patched after a few keys changed equal the ranks counted anew."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ranking import DenseRanks

KEYS = st.tuples(st.integers(0, 6), st.sampled_from(("aide", "bourse", "prix", "zèbre")))


@settings(max_examples=300, deadline=None)
@given(
    start=st.lists(KEYS, min_size=1, max_size=40),
    changes=st.lists(st.tuples(st.integers(0, 39), KEYS), max_size=6),
)
def test_patched_ranks_are_those_counted_anew(
    start: list[tuple[int, str]], changes: list[tuple[int, tuple[int, str]]]
) -> None:
    # Keys that tie, keys that vanish (their last item moved), new keys between others.
    before = {f"s{n:02}": key for n, key in enumerate(start)}
    after = dict(before)
    changed = []
    for position, key in changes:
        if position < len(start):
            after[f"s{position:02}"] = key
            changed.append(f"s{position:02}")
    patched = DenseRanks(before).patched(after, changed)
    fresh = DenseRanks(after)
    assert patched.ranks == fresh.ranks
    assert patched.order == fresh.order
    assert patched.counts == fresh.counts
    assert list(patched.ranks) == list(after)  # in the items' order


def test_the_same_key_has_the_same_rank_and_ranks_follow_each_other() -> None:
    ranks = DenseRanks({"a": "prix", "b": "aide", "c": "prix", "d": "bourse"}).ranks
    assert ranks == {"a": 2, "b": 0, "c": 2, "d": 1}


def test_unchanged_keys_keep_the_ranks_of_before() -> None:
    # A scheme published again without a change to its key: nothing is counted again.
    ranks = DenseRanks({"a": "prix", "b": "aide"})
    assert ranks.patched({"a": "prix", "b": "aide"}, ["a"]).ranks is ranks.ranks


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("bourse d'écriture", {"a": 0, "b": 1, "c": 2}),  # in its place: the others stay
        ("zèbre", {"a": 0, "b": 2, "c": 1}),  # past a neighbour: ranks move
        ("prix", {"a": 0, "b": 1, "c": 1}),  # now shared with another item
    ],
)
def test_one_key_changed_is_replaced_in_place_or_moved(new: str, expected: dict[str, int]) -> None:
    before = {"a": "aide", "b": "bourse", "c": "prix"}
    after = {**before, "b": new}
    patched = DenseRanks(before).patched(after, ["b"])
    assert patched.ranks == expected == DenseRanks(after).ranks
    assert patched.order == DenseRanks(after).order
    assert patched.counts == DenseRanks(after).counts

"""Search scores summed as arrays (app/search_scores.py) are the very floats of summing them
document by document in Whoosh's order, which the app did before (and Whoosh's matchers do)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import search_scores
from app.search_scores import EMPTY, Leaf, all_of, any_of, as_dict, bm25_leaf, boosted, common_docs

SIZE = 40
scores = st.floats(min_value=1e-3, max_value=50, allow_nan=False, allow_infinity=False)
leaves = st.dictionaries(st.integers(0, SIZE - 1), scores, max_size=SIZE)


def reference_any(parts: list[dict[int, float]]) -> dict[int, float]:
    """Whoosh's union: the parts matching most documents first, each added where it matches."""
    ordered = sorted((p for p in parts if p), key=len, reverse=True)
    if not ordered:
        return {}
    result = dict(ordered[0])
    for part in ordered[1:]:
        result.update({d: result.get(d, 0.0) + s for d, s in part.items()})
    return result


def reference_all(parts: list[dict[int, float]]) -> dict[int, float]:
    """Whoosh's intersection: the documents of every part, summed part after part."""
    if not parts:
        return {}
    docs = set(parts[0]).intersection(*parts[1:])
    result = {d: parts[0][d] for d in docs}
    for part in parts[1:]:
        result = {d: score + part[d] for d, score in result.items()}
    return result


def exact(found: dict[int, float]) -> dict[int, str]:
    return {d: repr(s) for d, s in found.items()}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(leaves, max_size=6),
    st.lists(st.lists(leaves, max_size=4), max_size=3),
    st.sampled_from([0, 10**9]),
)
def test_words_and_all_words_sum_as_whoosh_adds(
    terms: list[dict[int, float]], words: list[list[dict[int, float]]], share: int
) -> None:
    # Unions summed over their documents alone (share 0) or over every document.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_scores, "SPARSE_SHARE", share)
        _sum_as_whoosh_adds(terms, words)


def _sum_as_whoosh_adds(terms: list[dict[int, float]], words: list[list[dict[int, float]]]) -> None:
    assert exact(as_dict(any_of([Leaf.of(t) for t in terms], SIZE))) == exact(reference_any(terms))
    # All words, each an Or of its terms: the shape of an ordinary query.
    expected = reference_all([reference_any(word) for word in words])
    found = all_of([any_of([Leaf.of(t) for t in word], SIZE) for word in words], SIZE)
    assert exact(as_dict(found)) == exact(expected)
    # Within a union (the documents it does not match add nothing).
    if terms:
        union = any_of([found, Leaf.of(terms[0])], SIZE)
        assert exact(as_dict(union)) == exact(reference_any([expected, terms[0]]))


@given(leaves, st.sampled_from([0.5, 1.0, 2.0, 3.0]))
def test_a_boost_multiplies_each_score(leaf: dict[int, float], boost: float) -> None:
    assert exact(as_dict(boosted(Leaf.of(leaf), boost))) == exact(
        {d: s * boost for d, s in leaf.items()}
    )


def test_bm25_scores_are_the_formula_per_posting() -> None:
    norms = np.array([0.0, 1.1, 0.7, 1.9, 1.3], dtype=np.float64)
    blocks = [((1, 3), np.array([2.0, 1.0], dtype=np.float32)), ([4], [3.0])]
    idf, plus = 1.7, 2.2
    found = as_dict(bm25_leaf(blocks, idf, plus, norms))
    expected = {
        d: idf * ((tf * plus) / (tf + float(norms[d]))) for d, tf in ((1, 2.0), (3, 1.0), (4, 3.0))
    }
    assert exact(found) == exact(expected)
    assert as_dict(bm25_leaf([], idf, plus, norms)) == {}


def test_common_documents_of_leaves() -> None:
    a, b, c = (
        Leaf.of({1: 1.0, 4: 1.0, 7: 1.0}),
        Leaf.of({4: 2.0, 7: 1.0}),
        Leaf.of({7: 1.0, 9: 1.0}),
    )
    assert common_docs([a, b, c]) == [7]
    assert common_docs([a, EMPTY]) == []
    assert common_docs([]) == []

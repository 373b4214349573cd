"""Search scores as arrays: a term's documents with their BM25 scores, and the sums of a
query's parts over every document at once, in C. Each document's score is made of the same
float operations in the same order as Whoosh's matchers make it (so the same floats): numpy
adds, multiplies and divides float64 arrays element by element, correctly rounded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
from numpy.typing import NDArray

Docs = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Leaf:
    """A term's or a phrase's documents (ascending numbers) and their scores."""

    docs: Docs
    scores: Floats

    def __len__(self) -> int:
        return len(self.docs)

    @staticmethod
    def of(scores: Mapping[int, float]) -> Leaf:
        """From document number -> score."""
        docs = np.fromiter(sorted(scores), dtype=np.int64, count=len(scores))
        values = np.fromiter((scores[d] for d in docs.tolist()), np.float64, count=len(scores))
        return Leaf(docs, values)


# A union of leaves with at most 1/SPARSE_SHARE of the documents in all is summed over their
# documents alone: over every document it costs arrays the size of the index (and the memory
# they pass through, which slows the next query too).
SPARSE_SHARE = 8

EMPTY = Leaf(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def bm25_leaf(
    blocks: Iterable[tuple[Sequence[int] | Docs, Sequence[float] | Floats]],
    idf: float,
    k1_plus_one: float,
    norms: Floats,
) -> Leaf:
    """A term's postings (blocks of document numbers and weights, ascending) scored as Whoosh's
    bm25(idf, tf, fl, avgfl, B, K1) = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl /
    avgfl))), with each document's length part (`norms`) worked out beforehand."""
    parts = [(np.asarray(ids, dtype=np.int64), np.asarray(tfs, np.float64)) for ids, tfs in blocks]
    if not parts:
        return EMPTY
    if len(parts) == 1:  # most terms: one segment's postings
        docs, tf = parts[0]
    else:
        docs = np.concatenate([ids for ids, _ in parts])
        tf = np.concatenate([tfs for _, tfs in parts])
    return Leaf(docs, idf * ((tf * k1_plus_one) / (tf + norms[docs])))


def common_docs(leaves: Sequence[Leaf]) -> list[int]:
    """The documents every leaf has, ascending."""
    if not leaves:
        return []
    smallest = min(leaves, key=len)
    docs = reduce(
        np.intersect1d, (leaf.docs for leaf in leaves if leaf is not smallest), smallest.docs
    )
    return [int(d) for d in docs]


@dataclass(frozen=True, slots=True)
class Dense:
    """A query's scores over every document: `matched` says which it matches (the others'
    scores are meaningless), `count` how many."""

    matched: NDArray[np.bool_]
    scores: Floats
    count: int

    def __len__(self) -> int:
        return self.count


# What a query part scores: a leaf's few documents, or sums over every document.
Part = Leaf | Dense


def boosted(part: Part, boost: float) -> Part:
    """The part's scores times a boost other than 1."""
    if boost == 1.0:
        return part
    if isinstance(part, Leaf):
        return Leaf(part.docs, part.scores * boost)
    return Dense(part.matched, part.scores * boost, part.count)


def spread(part: Part, size: int) -> Dense:
    """The part over `size` documents."""
    if isinstance(part, Dense):
        return part
    matched = np.zeros(size, dtype=np.bool_)
    matched[part.docs] = True
    scores = np.zeros(size, dtype=np.float64)
    scores[part.docs] = part.scores
    return Dense(matched, scores, len(part))


def as_dict(part: Part) -> dict[int, float]:
    """Document number -> score of the documents matched."""
    if isinstance(part, Leaf):
        return dict(zip(part.docs.tolist(), part.scores.tolist(), strict=True))
    docs = np.flatnonzero(part.matched)
    return dict(zip(docs.tolist(), part.scores[docs].tolist(), strict=True))


def matches(part: Part) -> tuple[Docs, Floats]:
    """The documents matched, ascending, and their scores."""
    if isinstance(part, Leaf):
        return part.docs, part.scores
    docs = np.flatnonzero(part.matched)
    return docs, part.scores[docs]


def best_first(scores: Floats) -> NDArray[np.intp]:
    """The positions of the scores of ascending documents (as `matches` gives them) by score,
    best first, ties by document number (Whoosh's order): a stable sort."""
    return np.argsort(-scores, kind="stable")


def any_of(parts: Sequence[Part], size: int) -> Part:
    """The documents of any part, their scores summed as Whoosh's union matchers add them:
    the parts matching most documents first (a document missing from a part adds 0.0, which
    changes no sum of positive scores). A leaf is added where its documents are; leaves with
    few documents in all are summed over their documents alone."""
    ordered = sorted((part for part in parts if len(part)), key=len, reverse=True)
    if not ordered:
        return EMPTY
    if len(ordered) == 1:
        return ordered[0]
    leaves = [part for part in ordered if isinstance(part, Leaf)]
    if len(leaves) == len(ordered) and sum(map(len, leaves)) * SPARSE_SHARE <= size:
        docs = np.unique(np.concatenate([leaf.docs for leaf in leaves]))
        summed = np.zeros(len(docs), dtype=np.float64)
        for leaf in leaves:
            summed[np.searchsorted(docs, leaf.docs)] += leaf.scores
        return Leaf(docs, summed)
    matched = np.zeros(size, dtype=np.bool_)
    scores = np.zeros(size, dtype=np.float64)
    for part in ordered:
        if isinstance(part, Leaf):
            matched[part.docs] = True
            scores[part.docs] += part.scores
        else:
            matched |= part.matched
            scores += part.scores
    return Dense(matched, scores, int(np.count_nonzero(matched)))


def all_of(parts: Sequence[Part], size: int) -> Part:
    """The documents of every part, their scores summed part after part, in the query's order.
    Leaves are met on their documents alone: the smallest's looked up in each other's."""
    if not parts or not all(len(part) for part in parts):
        return EMPTY
    leaves = [part for part in parts if isinstance(part, Leaf)]
    if len(leaves) == len(parts):
        docs = min(leaves, key=len).docs
        for leaf in leaves:
            found = leaf.docs[np.minimum(np.searchsorted(leaf.docs, docs), len(leaf) - 1)]
            docs = docs[found == docs]
        summed = leaves[0].scores[np.searchsorted(leaves[0].docs, docs)]
        for leaf in leaves[1:]:
            summed = summed + leaf.scores[np.searchsorted(leaf.docs, docs)]
        return Leaf(docs, summed)
    dense = [spread(part, size) for part in parts]
    matched = reduce(np.logical_and, (part.matched for part in dense[1:]), dense[0].matched)
    scores = dense[0].scores.copy()
    for part in dense[1:]:
        scores += part.scores
    scores[~matched] = 0.0  # what a document not matched adds to a sum it is part of
    return Dense(matched, scores, int(np.count_nonzero(matched)))

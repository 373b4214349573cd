"""Typo tolerance with limits, without Whoosh: how many edits a word allows, and a bounded speller.

The limits are those of the best engines (Meilisearch's minWordSizeForTypos): no correction
under 5 letters, one edit from 5, two from 9. A word the index or a lexicon knows (places,
funders, acronyms, vocabulary terms) is never corrected: "Senegal" is not a typo of "general".

The speller is a symmetric-delete dictionary (the SymSpell idea): every index word is stored
under its deletions, so looking a word up costs a few dozen dictionary probes whatever the size
of the index; Whoosh's Levenshtein automata cost tens of milliseconds per word at distance 2,
which made a query of 20 unknown long words cost as much as 65 normal ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

MIN_TYPO_LENGTH = 5  # shorter words are never corrected
TWO_TYPOS_LENGTH = 9  # from this length, two edits are allowed
MAX_TYPO_WORDS = 4  # at most this many words of one query get typo treatment (bounded work)
MAX_EXPANSIONS = 6  # at most this many close spellings per word
MAX_TYPO_WORD_LENGTH = 25  # longer is no word ("anticonstitutionnellement" has 25 letters)


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may be away from what it means: 0, 1 or 2."""
    if len(word) < MIN_TYPO_LENGTH or len(word) > MAX_TYPO_WORD_LENGTH:
        return 0
    return 2 if len(word) >= TWO_TYPOS_LENGTH else 1


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours is one edit), capped at
    limit + 1 so that a hopeless pair stops early."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _deletions(word: str, count: int) -> set[str]:
    """The word with up to `count` letters removed (the word itself included)."""
    result = {word}
    for size in range(1, count + 1):
        if size >= len(word):
            break
        for positions in combinations(range(len(word)), size):
            result.add("".join(c for i, c in enumerate(word) if i not in positions))
    return result


class Deletions:
    """Index words by their deletions. A word's deletions never change, so one map serves every
    build of a process: a new build (after a publish) adds only its new words, instead of
    spending seconds deleting letters from the same thousands of words again. Words no longer in
    a build stay in the map; each speller keeps only candidates its own build knows."""

    def __init__(self) -> None:
        self._added: set[str] = set()
        self._by_deletion: dict[str, list[str]] = {}

    def add(self, word: str) -> None:
        """Index a word under its deletions (once)."""
        if word in self._added:
            return
        self._added.add(word)
        # An index word matters only to query words that may be corrected: from 5 letters
        # with one edit (so index words from 4), two edits from 9 (index words from 7).
        if len(word) < MIN_TYPO_LENGTH - 1:
            return
        depth = 2 if len(word) >= TWO_TYPOS_LENGTH - 2 else 1
        for deleted in _deletions(word, depth):
            self._by_deletion.setdefault(deleted, []).append(word)

    def words(self, deleted: str) -> tuple[str, ...]:
        """The words indexed under this deletion (a copy: another build may be adding)."""
        return tuple(self._by_deletion.get(deleted, ()))


class Speller:
    """Close spellings of a word among the index's words, most frequent first."""

    def __init__(
        self, frequencies: Iterable[tuple[str, int]], deletions: Deletions | None = None
    ) -> None:
        self.frequency: dict[str, int] = {}
        self.deletions = deletions if deletions is not None else Deletions()
        for word, count in frequencies:
            self.frequency[word] = count
            self.deletions.add(word)

    def knows(self, word: str) -> bool:
        """The word is in the index as typed."""
        return word in self.frequency

    def close(self, word: str, limit: int = MAX_EXPANSIONS) -> list[str]:
        """Index words within the allowed edits of `word`, nearest then most frequent first."""
        edits = allowed_edits(word)
        if not edits:
            return []
        candidates: set[str] = set()
        for deleted in _deletions(word, edits):
            candidates.update(self.deletions.words(deleted))
        scored = []
        for candidate in candidates & self.frequency.keys():
            distance = edit_distance(word, candidate, edits)
            # The first letter is kept: typos rarely hit it, and it keeps corrections plausible.
            if 0 < distance <= edits and candidate[:1] == word[:1]:
                scored.append((distance, -self.frequency[candidate], candidate))
        return [candidate for _, _, candidate in sorted(scored)[:limit]]

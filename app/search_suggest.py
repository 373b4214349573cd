"""Suggestions as you type, without Whoosh: scheme names, funders and vocabulary terms.

The entries are computed when the index is built and kept with it; a lookup scans them in
memory (a few hundred), so it costs well under a millisecond on the real catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from app.schemes import Scheme
from app.search_text import words
from app.search_typos import Speller
from app.vocabulary import Vocabulary

KIND_ORDER = {"scheme": 0, "funder": 1, "term": 2}
# The vocabulary variables whose values are worth suggesting as search words.
TERM_VARIABLES = ("sectors", "roles", "applicant_type", "project_types", "country_zone", "region")


class SuggestEntry(NamedTuple):
    """One completion: its label in one language, what it is, and the id it names. A named
    tuple: an index update makes two per scheme, and a tuple is made, hashed and written as a
    JSON list several times faster than a dataclass."""

    label: str
    lang: str
    kind: str  # scheme, funder or term
    id: str


def suggest_entries(schemes: Iterable[Scheme], vocabulary: Vocabulary) -> list[SuggestEntry]:
    """Every completion of the catalogue, in both languages."""
    entries: list[SuggestEntry] = []
    for lang in ("fr", "en"):
        entries += [SuggestEntry(s.name.get(lang), lang, "scheme", s.id) for s in schemes]
        for org in vocabulary.organisations.values():
            entries.append(SuggestEntry(org.acronym, lang, "funder", org.id))
            entries.append(SuggestEntry(org.name.get(lang), lang, "funder", org.id))
        known = set(vocabulary.variables)
        for variable_id in TERM_VARIABLES:
            if variable_id in known:
                variable = vocabulary.variable(variable_id)
                entries += [
                    SuggestEntry(c.label.get(lang), lang, "term", f"{variable_id}:{c.id}")
                    for c in variable.values
                ]
    return list(dict.fromkeys(entries))


@lru_cache(maxsize=8192)
def _label_words(label: str) -> tuple[str, ...]:
    return tuple(words(label))


def _matches(entry_words: tuple[str, ...], typed: tuple[str, ...]) -> bool:
    """Every typed word but the last is a word of the entry; the last starts one."""
    *whole, last = typed
    return all(w in entry_words for w in whole) and any(e.startswith(last) for e in entry_words)


def suggest(
    entries: list[SuggestEntry], speller: Speller, text: str, lang: str, limit: int = 8
) -> list[SuggestEntry]:
    """Completions of `text`, best first: the asked language's labels, then the other's; when
    nothing completes the words as typed, the same with the words' closest spellings."""
    typed = tuple(words(text))[:6]
    if not typed:
        return []
    attempts = [typed]
    corrected = tuple((speller.close(w, 1) or [w])[0] for w in typed)
    if corrected != typed:
        attempts.append(corrected)
    for attempt in attempts:
        found = []
        for position, entry in enumerate(entries):
            entry_words = _label_words(entry.label)
            if _matches(entry_words, attempt):
                starts = (
                    entry_words[: len(attempt) - 1] == attempt[:-1]
                    and entry_words[len(attempt) - 1].startswith(attempt[-1])
                    if len(entry_words) >= len(attempt)
                    else False
                )
                rank = (entry.lang != lang, not starts, KIND_ORDER[entry.kind], position)
                found.append((rank, entry))
        if found:
            seen: set[tuple[str, str]] = set()
            result: list[SuggestEntry] = []
            for _, entry in sorted(found, key=lambda pair: pair[0]):
                # One completion per thing named: its label in the asked language if it matched.
                if (entry.kind, entry.id) not in seen and len(result) < limit:
                    seen.add((entry.kind, entry.id))
                    result.append(entry)
            return result
    return []

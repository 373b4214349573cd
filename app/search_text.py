"""What search reads from a query and a scheme, without Whoosh: folding, tokens, synonyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.facets import audience_values
from app.schemes import Scheme
from app.vocabulary import PLACES_FILE, Vocabulary

MAX_QUERY_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LETTERS = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]+)"')


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case without accents: what both the index and the queries compare."""
    if text.isascii():  # no accent nor ligature, and casefold() is lower() (most words)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text, folded, apostrophes and hyphens splitting them: its runs of letters
    and digits."""
    return _LETTERS.findall(fold(text))


def singular(word: str) -> str:
    """A folded word without its plural mark (French and English): "jeux" -> "jeu", "videos" ->
    "video". Crude on purpose: it only makes the plural and the singular meet, it is no lemma."""
    if len(word) > 3 and word.endswith(("eux", "eaux", "aux")):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key(phrase: tuple[str, ...]) -> tuple[str, ...]:
    # Elided articles ("d'", "l'") are left out: search drops them as stop words.
    return tuple(singular(w) for w in phrase if len(w) > 1) or phrase


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query made safe: its free words, its quoted phrases, and whether it was cut."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    truncated: bool

    @property
    def empty(self) -> bool:
        """Nothing searchable is left."""
        return not self.words and not self.phrases


def parse_query(text: str) -> ParsedQuery:
    """Control characters dropped, length capped, balanced quotes kept as phrases; no syntax."""
    clean = _CONTROL.sub(" ", text)
    truncated = len(clean) > MAX_QUERY_LENGTH
    clean = clean[:MAX_QUERY_LENGTH]
    phrases = (tuple(words(p)) for p in _PHRASE.findall(clean))
    rest = _PHRASE.sub(" ", clean)
    return ParsedQuery(tuple(words(rest)), tuple(p for p in phrases if len(p) > 1), truncated)


class Synonyms:
    """The query vocabulary: groups of equivalent phrases (FR and EN), and place names with the
    zones and regions they mean (places.yaml). A phrase maps to the others of its group."""

    def __init__(self, groups: list[list[str]], places: dict[str, list[str]] | None = None) -> None:
        self._alternatives: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            phrases = list(dict.fromkeys(tuple(words(p)) for p in group if words(p)))
            for phrase in phrases:
                others = [p for p in phrases if p != phrase]
                known = self._alternatives.setdefault(_key(phrase), [])
                known.extend(p for p in others if p not in known)
        self._zones: dict[tuple[str, ...], list[str]] = {}
        for zone, names in (places or {}).items():
            # Someone based in a French region is based in France.
            meant = [zone]
            if zone.startswith("region:") and zone != "region:abroad":
                meant.append("country_zone:france")
            for name in names:
                phrase = _key(tuple(words(name)))
                if phrase:
                    zones = self._zones.setdefault(phrase, [])
                    zones.extend(z for z in meant if z not in zones)
        self.longest = max((len(p) for p in (*self._alternatives, *self._zones)), default=1)
        # Words never "corrected" into another word: every word of a synonym or a place name.
        self.lexicon = frozenset(
            form
            for group in (*groups, *(places or {}).values())
            for phrase in group
            for word in words(phrase)
            for form in (word, singular(word))
        )

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        """Read synonyms.yaml, and places.yaml beside it when it exists."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        places_path = path.parent / PLACES_FILE
        places = {}
        if places_path.exists():
            raw = yaml.safe_load(places_path.read_text(encoding="utf-8")) or {}
            places = {str(k): list(map(str, v)) for k, v in (raw.get("places") or {}).items()}
        return cls([list(map(str, group)) for group in data.get("groups", [])], places)

    def alternatives(self, phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
        """The equivalent phrases of a folded phrase (empty when it has none)."""
        return [p for p in self._alternatives.get(_key(phrase), []) if p != phrase]

    def zones(self, phrase: tuple[str, ...]) -> list[str]:
        """The `variable:value` zones and regions a folded place name means (empty if none)."""
        return self._zones.get(_key(phrase), [])

    def segment(
        self, tokens: tuple[str, ...]
    ) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
        """Split tokens into phrases, longest synonym or place match first; each with its
        alternatives."""
        result = []
        position = 0
        while position < len(tokens):
            for size in range(min(self.longest, len(tokens) - position), 0, -1):
                phrase = tokens[position : position + size]
                key = _key(phrase)
                if size == 1 or key in self._alternatives or key in self._zones:
                    result.append((phrase, self.alternatives(phrase)))
                    position += size
                    break
        return result


def document_texts(scheme: Scheme, vocabulary: Vocabulary, lang: str) -> dict[str, str]:
    """The texts of a scheme that search reads, in one language: name, summary, body."""
    funder = vocabulary.organisations.get(scheme.funder)
    operator = vocabulary.organisations.get(scheme.operator or "")
    labels = [
        vocabulary.variable(facet.variable).value_label(value, lang)
        for facet, values in audience_values(scheme)
        for value in values
    ]
    body = [
        scheme.description.get(lang),
        *(c.label.get(lang) for c in scheme.criteria),
        *(n.text.get(lang) for n in scheme.notes),
        *labels,
        *(f"{org.acronym} {org.name.get(lang)}" for org in (funder, operator) if org),
    ]
    return {
        "name": scheme.name.get(lang),
        "summary": scheme.summary.get(lang),
        "body": "\n".join(body),
    }


_QUOTED = re.compile(r"[«“\"]\s*([^»”\"]+?)\s*[»”\"]")
_BRACKETED = re.compile(r"\(([^)]+)\)")


def name_keys(scheme: Scheme) -> dict[tuple[str, ...], int]:
    """The ways a user may type a scheme's name exactly, as folded words, each with its weight:
    2 for the whole name in either language, 1 for a part around a dash ("CNL – Bourse de
    résidence") or what the name quotes or puts in brackets ("Diffusions alternatives",
    "DICRéAM", "FAJV"), which strands may share with their fund."""
    keys: dict[tuple[str, ...], int] = {}
    for lang in ("fr", "en"):
        name = scheme.name.get(lang)
        parts = [*re.split(r"\s+[–—-]\s+", name), *_QUOTED.findall(name)]
        parts += _BRACKETED.findall(name)
        parts += [_BRACKETED.sub(" ", part) for part in [name, *parts]]
        for part in parts:
            if words(part):
                keys.setdefault(tuple(words(part)), 1)
        keys[tuple(words(name))] = 2
    return keys

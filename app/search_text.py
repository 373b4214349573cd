"""What search reads from a query and a scheme, without Whoosh: folding, tokens, synonyms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.schemes import Scheme
from app.vocabulary import Vocabulary

MAX_QUERY_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_PHRASE = re.compile(r'"([^"]+)"')


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case without accents: what both the index and the queries compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text, folded, apostrophes and hyphens splitting them."""
    return [
        w for w in re.split(r"['’-]", " ".join(_WORD.findall(fold(text)))) for w in w.split() if w
    ]


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
    phrases = tuple(tuple(words(p)) for p in _PHRASE.findall(clean) if words(p))
    rest = _PHRASE.sub(" ", clean)
    return ParsedQuery(tuple(words(rest)), tuple(p for p in phrases if len(p) > 1), truncated)


class Synonyms:
    """Groups of equivalent phrases (FR and EN); a phrase maps to the others of its group."""

    def __init__(self, groups: list[list[str]]) -> None:
        self._alternatives: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            phrases = list(dict.fromkeys(tuple(words(p)) for p in group if words(p)))
            for phrase in phrases:
                others = [p for p in phrases if p != phrase]
                self._alternatives.setdefault(phrase, []).extend(others)
        self.longest = max((len(p) for p in self._alternatives), default=1)

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        """Read synonyms.yaml."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls([list(map(str, group)) for group in data.get("groups", [])])

    def alternatives(self, phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
        """The equivalent phrases of a folded phrase (empty when it has none)."""
        return self._alternatives.get(phrase, [])

    def segment(
        self, tokens: tuple[str, ...]
    ) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
        """Split tokens into phrases, longest synonym match first; each with its alternatives."""
        result = []
        position = 0
        while position < len(tokens):
            for size in range(min(self.longest, len(tokens) - position), 0, -1):
                phrase = tokens[position : position + size]
                if size == 1 or phrase in self._alternatives:
                    result.append((phrase, self.alternatives(phrase)))
                    position += size
                    break
        return result


def document_texts(scheme: Scheme, vocabulary: Vocabulary, lang: str) -> dict[str, str]:
    """The texts of a scheme that search reads, in one language: name, summary, body."""
    funder = vocabulary.organisations.get(scheme.funder)
    operator = vocabulary.organisations.get(scheme.operator or "")
    audience = scheme.audience
    labels = [
        vocabulary.variable(variable).value_label(value, lang)
        for variable, values in (
            ("applicant_type", audience.applicant_types),
            ("roles", audience.roles),
            ("sectors", audience.sectors),
        )
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

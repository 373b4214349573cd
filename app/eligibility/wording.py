"""Whether a criterion's wording still says the numbers its rule checks ("80 %" vs a rule of 30)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.reasons import Reason, reason
from app.scheme_rules import Criterion

# Digits, with groups of three separated by a space, a no-break space, a comma or a dot
# (10 000, 10,000, 10.000), or a decimal part after a comma or a dot (0,5; 2.5).
_NUMBER = re.compile(
    r"((?<![\w.,])\d{1,3}(?:[  \u202f,.]\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
    r"(?:[  \u202f]?(millions?|M€|M\b|m\b|k€|k\b))?"
)
# "1 M€", "€1m", "2 millions", "50 k€": amounts are often written with a scale.
_SCALES = {"million": 10**6, "millions": 10**6, "M€": 10**6, "M": 10**6, "m": 10**6}
_SCALES |= {"k€": 10**3, "k": 10**3}
_GROUP_SEPARATORS = re.compile(r"[  \u202f]|(?<=\d)[.,](?=\d{3}(?!\d))")


def numbers_in(text: str) -> set[Decimal]:
    """The numbers written in a text, whatever the language's separators."""
    found: set[Decimal] = set()
    for digits, scale in _NUMBER.findall(text):
        plain = _GROUP_SEPARATORS.sub("", digits).replace(",", ".")
        try:
            found.add(Decimal(plain) * _SCALES.get(scale, 1))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
    return found


@dataclass(frozen=True)
class WordingMismatch:
    """A label in one language that writes numbers, none of them the rule's value."""

    lang: str
    written: tuple[Decimal, ...]
    missing: tuple[Decimal, ...]

    def reason(self) -> Reason:
        """Why the label is refused, for the load checks and the editor."""
        return reason(
            "wording_disagrees",
            written=", ".join(f"{n:g}" for n in self.written),
            value=", ".join(f"{v:g}" for v in self.missing),
        )


def wording_mismatches(criterion: Criterion) -> list[WordingMismatch]:
    """Each label that writes numbers but not the rule's own.

    A label with no digits ("at least one year") is left alone: only a written number that
    disagrees with the rule can mislead a reader.
    """
    if criterion.rule is None:
        return []
    values = [
        Decimal(str(leaf.value))
        for leaf in criterion.rule.conditions()
        if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool)
    ]
    problems: list[WordingMismatch] = []
    for lang in ("fr", "en"):
        written = numbers_in(criterion.label.get(lang))
        missing = tuple(value for value in values if written and value not in written)
        if missing:
            problems.append(WordingMismatch(lang, tuple(sorted(written)), missing))
    return problems

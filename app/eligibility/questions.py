"""The next question: the unanswered variable that weighs most on the schemes still undecided."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.eligibility.engine import SchemeVerdict, Verdicts
from app.vocabulary import Vocabulary


@dataclass(frozen=True)
class Progress:
    """Where the questionnaire stands."""

    next_questions: list[str]
    finished: bool
    nothing_can_match: bool


def _weights(verdicts: Iterable[SchemeVerdict]) -> tuple[Counter[str], bool]:
    """Variable weights over undecided active schemes, and whether any active scheme can match."""
    if isinstance(
        verdicts, Verdicts
    ):  # a whole catalogue: counted rule by rule, not scheme by scheme
        return verdicts.weights(), verdicts.can_match
    weights: Counter[str] = Counter()
    can_match = False
    for verdict in verdicts:
        if not verdict.compiled.active or verdict.status == "ineligible":
            continue
        can_match = True
        if verdict.status == "unknown":
            weights.update(verdict.open_variables())
    return weights, can_match


def _ranked(weights: Counter[str], vocabulary: Vocabulary) -> list[str]:
    order = {name: position for position, name in enumerate(vocabulary.variables)}
    return sorted(weights, key=lambda name: (-weights[name], order.get(name, len(order))))


def next_questions(verdicts: Iterable[SchemeVerdict], vocabulary: Vocabulary) -> list[str]:
    """Unanswered variables, most decisive first.

    A variable weighs one point per still-undecided criterion (of an active, undecided scheme)
    whose outcome it could change. Closed and replaced schemes are not asked about. Ties follow
    the vocabulary's order. A variable no undecided criterion needs is never proposed.
    """
    return _ranked(_weights(verdicts)[0], vocabulary)


def progress(verdicts: Sequence[SchemeVerdict], vocabulary: Vocabulary) -> Progress:
    """The questions left, whether to stop, and whether no active scheme can match any more."""
    weights, can_match = _weights(verdicts)
    remaining = _ranked(weights, vocabulary)
    if isinstance(verdicts, Verdicts):
        has_active = verdicts.has_active
    else:
        has_active = any(verdict.compiled.active for verdict in verdicts)
    return Progress(
        remaining, finished=not remaining, nothing_can_match=has_active and not can_match
    )

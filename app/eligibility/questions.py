"""The next question: the unanswered variable that weighs most on the schemes still undecided."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from app.eligibility.engine import SchemeVerdict
from app.vocabulary import Vocabulary


@dataclass(frozen=True)
class Progress:
    """Where the questionnaire stands."""

    next_questions: list[str]
    finished: bool
    nothing_can_match: bool


def next_questions(verdicts: Iterable[SchemeVerdict], vocabulary: Vocabulary) -> list[str]:
    """Unanswered variables, most decisive first.

    A variable weighs one point per still-undecided criterion (of an active, undecided scheme)
    whose outcome it could change. Closed and replaced schemes are not asked about. Ties follow
    the vocabulary's order. A variable no undecided criterion needs is never proposed.
    """
    weights: Counter[str] = Counter()
    for verdict in verdicts:
        if verdict.status != "unknown" or not verdict.scheme.is_active():
            continue
        for result in verdict.unresolved():
            weights.update(result.open_variables)
    order = {name: position for position, name in enumerate(vocabulary.variables)}
    return sorted(weights, key=lambda name: (-weights[name], order.get(name, len(order))))


def progress(verdicts: list[SchemeVerdict], vocabulary: Vocabulary) -> Progress:
    """The questions left, whether to stop, and whether no active scheme can match any more."""
    remaining = next_questions(verdicts, vocabulary)
    active = [v for v in verdicts if v.scheme.is_active()]
    nothing = bool(active) and all(v.status == "ineligible" for v in active)
    return Progress(remaining, finished=not remaining, nothing_can_match=nothing)

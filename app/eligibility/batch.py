"""A whole catalogue at once: each distinct rule evaluated once per profile, verdicts by set unions.

Built once per catalogue version. A profile that differs from a recently evaluated one by a single
answer (the next questionnaire step) re-evaluates only the rules that read that variable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from app.eligibility.answers import Answers
from app.eligibility.conditions import Compiled, Outcome

# Profiles remembered per process for the next step; each holds one outcome per distinct rule
# (about 0.6 MB at 10,000 schemes), so the bound keeps the whole under about 10 MB.
REMEMBERED_PROFILES = 16
AnswersKey = tuple[frozenset[tuple[str, object]], frozenset[str]]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One profile's outcome of every distinct rule (None: it raised), sorted by status."""

    outcomes: dict[Compiled, Outcome | None]
    failed: frozenset[Compiled]
    unknown: frozenset[Compiled]
    broken: frozenset[Compiled]


@dataclass(frozen=True, slots=True)
class Standing:
    """Scheme positions (in catalogue order) by verdict, before any per-scheme work."""

    evaluation: Evaluation
    ineligible: set[int]
    undecided: set[int]
    broken: set[int]  # they read a rule that raised: judged one by one, criterion by criterion


def _key(answers: Answers) -> AnswersKey:
    return frozenset(answers.values.items()), answers.unknown


def _parents(answers: Answers, key: AnswersKey) -> list[tuple[AnswersKey, str]]:
    """The keys of these answers with one answer forgotten, and the variable forgotten."""
    values, unknown = key
    parents = [
        ((values - {(name, value)}, unknown), name) for name, value in answers.values.items()
    ]
    parents += [((values, unknown - {name}), name) for name in answers.unknown]
    return parents


class RuleTable:
    """The distinct rules of a list of compiled schemes, who reads which variable, who uses which."""

    def __init__(self, plans: Sequence[tuple[tuple[Compiled | None, bool], ...]]) -> None:
        """plans: each scheme's criteria as (compiled rule or None, needs a check by someone)."""
        users: dict[Compiled, set[int]] = {}
        undecided: set[int] = set()
        for position, plan in enumerate(plans):
            if not plan:
                undecided.add(position)  # no rule encoded: nothing is known
            for check, to_verify in plan:
                if check is None or to_verify:
                    undecided.add(position)  # never eligible: at best unknown
                if check is not None:
                    users.setdefault(check, set()).add(position)
        self.users = {check: frozenset(positions) for check, positions in users.items()}
        self.always_undecided = frozenset(undecided)
        # With none of its variables asked, a rule is unknown and names them all: computed once.
        idle: dict[Compiled, Outcome | None] = {check: check(Answers()) for check in self.users}
        self.idle = Evaluation(idle, frozenset(), frozenset(idle), frozenset())
        self.readers: dict[str, list[Compiled]] = {}
        for check, outcome in idle.items():
            for name in outcome[1] if outcome else ():
                self.readers.setdefault(name, []).append(check)
        self._recent: OrderedDict[AnswersKey, Evaluation] = OrderedDict()
        self._lock = threading.Lock()

    def evaluate(self, answers: Answers) -> Evaluation:
        """Every rule's outcome, starting from a remembered profile one answer away if there is one."""
        key = _key(answers)
        with self._lock:
            known = self._recent.get(key)
            if known is not None:
                self._recent.move_to_end(key)
                return known
            parent = next(
                (
                    (self._recent[k], name)
                    for k, name in _parents(answers, key)
                    if k in self._recent
                ),
                None,
            )
        if parent is not None:
            base, name = parent
            changed: Sequence[Compiled] = self.readers.get(name, ())
        else:
            base = self.idle
            asked = [*answers.values, *answers.unknown]
            changed = list(dict.fromkeys(c for name in asked for c in self.readers.get(name, ())))
        evaluation = _update(base, changed, answers)
        with self._lock:
            self._recent[key] = evaluation
            while len(self._recent) > REMEMBERED_PROFILES:
                self._recent.popitem(last=False)
        return evaluation

    def standing(self, answers: Answers) -> Standing:
        """Which schemes are ruled out, which undecided, which need a careful look."""
        evaluation = self.evaluate(answers)
        users = self.users
        return Standing(
            evaluation,
            set().union(*[users[check] for check in evaluation.failed]),
            set(self.always_undecided).union(*[users[check] for check in evaluation.unknown]),
            set().union(*[users[check] for check in evaluation.broken]),
        )


def _update(base: Evaluation, changed: Sequence[Compiled], answers: Answers) -> Evaluation:
    """base with the changed rules evaluated again for these answers (the hot loop: kept flat)."""
    outcomes = dict(base.outcomes)
    failed, unknown, broken = set(base.failed), set(base.unknown), set(base.broken)
    for check in changed:
        failed.discard(check)
        unknown.discard(check)
        broken.discard(check)
        try:
            outcome: Outcome | None = check(answers)
        except (TypeError, ValueError, KeyError):
            outcome = None
            broken.add(check)
        else:
            status = outcome[0]
            if status == "failed":
                failed.add(check)
            elif status == "unknown":
                unknown.add(check)
        outcomes[check] = outcome
    return Evaluation(outcomes, frozenset(failed), frozenset(unknown), frozenset(broken))

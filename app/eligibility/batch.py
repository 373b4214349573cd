"""A whole catalogue at once: each distinct rule evaluated at most once per profile, lazily.

Built once per catalogue version. Rules shared by most schemes are evaluated first, and a rule is
skipped once every scheme using it is ruled out. A profile that differs from a recently evaluated
one by one more answer (the next questionnaire step) re-evaluates only the undecided rules that
read that variable: with three-valued logic, a decided rule stays decided when an answer is added.
Most rules belong to a single scheme; those that one answer alone can rule out are judged for all
their schemes at once (together.py), and only the others are run one by one.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

from app.eligibility.answers import Answers
from app.eligibility.conditions import Compiled, Outcome, Status
from app.eligibility.together import Together
from app.scheme_rules import Rule

# Profiles remembered per process for their next step; each holds at most one outcome per
# distinct rule (well under 1 MB at 10,000 schemes), so the bound keeps the whole small.
REMEMBERED_PROFILES = 32
AnswersKey = tuple[frozenset[tuple[str, object]], frozenset[str]]
Plan = tuple[tuple[Compiled | None, bool], ...]  # per criterion: its rule, needs a check by someone


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One profile: the rules evaluated, the schemes ruled out, the rules not settled.

    The rules not settled are those reading no answered variable (unknown whatever the schemes:
    told by `answered`, never listed) and those listed in `open`.
    """

    outcomes: dict[Compiled, Outcome]  # only the rules evaluated; the verdicts may add more
    ruled_out: frozenset[int]  # scheme positions with a failed rule
    answered: frozenset[str]  # the variables answered (or answered "I don't know")
    open: frozenset[Compiled]  # read by an answer, yet unknown or raised
    broken: frozenset[Compiled]  # raised: the schemes using them are judged one by one


def _key(answers: Answers) -> AnswersKey:
    return frozenset(answers.values.items()), answers.unknown


def _parent(answers: Answers, key: AnswersKey) -> Iterable[tuple[AnswersKey, str]]:
    """The keys of these answers with one answer forgotten, and the variable forgotten."""
    values, unknown = key
    for name, value in answers.values.items():
        yield (values - {(name, value)}, unknown), name
    for name in answers.unknown:
        yield (values, unknown - {name}), name


class RuleTable:
    """The distinct rules of compiled schemes: who reads which variable, who uses which rule."""

    def __init__(
        self, plans: Sequence[Plan], rules: Mapping[Compiled, Rule | None] | None = None
    ) -> None:
        """plans: each scheme's criteria, in the order of the schemes; rules: what each compiled
        rule was compiled from (where known, a single scheme's rules may be judged together with
        those of the other schemes: together.py)."""
        users: dict[Compiled, set[int]] = {}
        uses: Counter[tuple[Compiled, int]] = Counter()
        undecided: set[int] = set()
        for position, plan in enumerate(plans):
            if not plan:
                undecided.add(position)  # no rule encoded: nothing is known
            for check, to_verify in plan:
                if check is None or to_verify:
                    undecided.add(position)  # never eligible: at best unknown
                if check is not None:
                    users.setdefault(check, set()).add(position)
                    uses[check, position] += 1
        self.size = len(plans)
        self.positions = frozenset(range(self.size))  # copied, not rebuilt, per profile
        # The most used rules first: one failure there rules out the most schemes at once.
        self.order = sorted(users, key=lambda check: -len(users[check]))
        self.users = {check: frozenset(users[check]) for check in self.order}
        self.shared = [check for check in self.order if len(users[check]) > 1]
        # The rules of a single scheme (most of them) and that scheme.
        self.owner = {c: next(iter(users[c])) for c in self.order if len(users[c]) == 1}
        self.repeated = {pair: count for pair, count in uses.items() if count > 1}
        self.repeating = frozenset(check for check, _position in self.repeated)
        self.always_undecided = frozenset(undecided)
        # With no answer, a rule is unknown and names every variable it reads.
        self.idle = {check: check(Answers()) for check in self.order}
        self.readers: dict[str, list[Compiled]] = {}
        self.by_variables: dict[tuple[str, ...], tuple[list[Compiled], list[frozenset[int]]]] = {}
        for check in self.order:
            checks, user_sets = self.by_variables.setdefault(self.idle[check][1], ([], []))
            checks.append(check)
            user_sets.append(self.users[check])
        # Per tuple of variables read, the schemes using such a rule: undecided while none of
        # them is answered.
        self.group_users = {
            names: frozenset().union(*user_sets)
            for names, (_checks, user_sets) in self.by_variables.items()
        }
        self.groups_by_size = sorted(  # the largest first (see eligible)
            self.group_users.items(), key=lambda item: -len(item[1])
        )
        # ...and how many of the group's rules each uses beyond one (the weight of a group left
        # unanswered: one per scheme, plus these); most schemes use one rule of each group.
        self.group_extra_uses: dict[tuple[str, ...], dict[int, int]] = {}
        for names, (_checks, user_sets) in self.by_variables.items():
            uses_per_scheme = Counter(chain.from_iterable(user_sets))
            self.group_extra_uses[names] = {p: n - 1 for p, n in uses_per_scheme.items() if n > 1}
        for check in self.order:
            for name in self.idle[check][1]:
                self.readers.setdefault(name, []).append(check)
        # Per tuple of variables read, its shared rules and its rules of a single scheme with
        # that scheme: a profile asks whole groups, so no set of its rules is built.
        self.shared_by_group: dict[tuple[str, ...], list[Compiled]] = {}
        self.owned_by_group: dict[tuple[str, ...], list[tuple[Compiled, int]]] = {}
        for names, (checks, _user_sets) in self.by_variables.items():
            self.shared_by_group[names] = [c for c in checks if c not in self.owner]
            self.owned_by_group[names] = [(c, self.owner[c]) for c in checks if c in self.owner]
        owned = chain.from_iterable(self.owned_by_group.values())
        self.together = Together(owned, rules or {})
        # ...and of those, the ones that the rules judged together do not decide alone.
        self.owned_apart: dict[tuple[str, ...], list[tuple[Compiled, int]]] = {}
        self.owned_decided: dict[tuple[str, ...], list[tuple[Compiled, int]]] = {}
        decided = self.together.decided
        for names, owned_rules in self.owned_by_group.items():
            self.owned_apart[names] = [p for p in owned_rules if p[0] not in decided]
            self.owned_decided[names] = [p for p in owned_rules if p[0] in decided]
        self._recent: OrderedDict[AnswersKey, Evaluation] = OrderedDict()
        self._lock = threading.Lock()

    def evaluate(self, answers: Answers) -> Evaluation:
        """The profile's evaluation, from a remembered profile one answer away if there is one."""
        key = _key(answers)
        with self._lock:
            known = self._recent.get(key)
            if known is not None:
                self._recent.move_to_end(key)
                return known
            parent = next(
                ((self._recent[k], name) for k, name in _parent(answers, key) if k in self._recent),
                None,
            )
        if parent is None:
            evaluation = self._full(answers)
        else:
            evaluation = self._step(parent[0], parent[1], answers)
        with self._lock:
            self._recent[key] = evaluation
            while len(self._recent) > REMEMBERED_PROFILES:
                self._recent.popitem(last=False)
        return evaluation

    def _full(self, answers: Answers) -> Evaluation:
        """Every rule reading an answer; the others are unknown whatever the schemes."""
        answered = frozenset((*answers.values, *answers.unknown))
        # Ruled out by single-scheme rules judged together, before the rest: fewer to run.
        failed, judged = self._judged_together(answers.values.items())
        asked = [names for names in self.by_variables if not answered.isdisjoint(names)]
        shared = set().union(*[self.shared_by_group[names] for names in asked])
        owned: list[list[tuple[Compiled, int]]] = []
        unsettled: list[tuple[list[tuple[Compiled, int]], Outcome]] = []
        for names in asked:
            if judged.isdisjoint(names) or not judged.union(answers.unknown).issuperset(
                n for n in names if n in answered
            ):
                owned.append(self.owned_by_group[names])
                continue
            owned.append(self.owned_apart[names])
            if not judged.issuperset(names):
                # Not ruled out, a rule decided by the answers judged together waits for the
                # variables not answered yet (an "I don't know" condition names none).
                waiting = tuple(n for n in names if n not in answered)
                unsettled.append((self.owned_decided[names], ("unknown", waiting)))
        empty: frozenset[Compiled] = frozenset()
        base = Evaluation({}, failed, answered, empty, empty)
        return self._run(shared, chain.from_iterable(owned), answers, base, unsettled)

    def _step(self, parent: Evaluation, name: str, answers: Answers) -> Evaluation:
        """Only the rules reading `name` that the parent left unsettled can change."""
        readers = self.readers.get(name, [])
        outcomes = parent.outcomes
        # Not evaluated (read no answer, or all users ruled out), or evaluated but unknown.
        changed = [c for c in readers if c not in outcomes or c in parent.open]
        outcomes = dict(outcomes)
        for check in changed:
            outcomes.pop(check, None)  # unknown for fewer answers: stale
        failed, judged_now = self._judged_together([(name, answers.values.get(name))])
        if judged_now:
            # The parent applied the other answers' failures: a rule decided by the answers
            # judged together is settled.
            judged = {n for n, answer in answers.values.items() if self.together.judges(n, answer)}
            changed = [
                c
                for c in changed
                if c not in self.together.decided or not judged.issuperset(self.idle[c][1])
            ]
        return self._run(
            {c for c in changed if c not in self.owner},
            [(c, self.owner[c]) for c in changed if c in self.owner],
            answers,
            Evaluation(
                outcomes,
                parent.ruled_out | failed,
                parent.answered | {name},
                parent.open.difference(readers),
                parent.broken.difference(readers),
            ),
        )

    def _judged_together(
        self, answers: Iterable[tuple[str, object]]
    ) -> tuple[frozenset[int], set[str]]:
        """The schemes these answers rule out through rules judged together, and the variables
        so judged."""
        failed: set[int] = set()
        judged: set[str] = set()
        for name, answer in answers:
            if self.together.judges(name, answer):
                failed.update(self.together.failed(name, answer))
                judged.add(name)
        return frozenset(failed), judged

    def _run(
        self,
        shared: set[Compiled],
        owned: Iterable[tuple[Compiled, int]],
        answers: Answers,
        base: Evaluation,
        unsettled: Iterable[tuple[list[tuple[Compiled, int]], Outcome]] = (),
    ) -> Evaluation:
        """base with these rules evaluated, but those whose schemes are all ruled out.

        The shared rules first, most used first; then the rules of a single scheme (most of
        them, given with that scheme), only while that scheme is alive: most schemes are ruled
        out by then. unsettled: rules of a single scheme whose outcome is known unless their
        scheme is ruled out, with that outcome.
        """
        users = self.users
        outcomes = base.outcomes  # a fresh dict, filled here
        alive = set(self.positions)
        alive.difference_update(base.ruled_out)
        still_open: list[Compiled] = []
        broken: list[Compiled] = []

        def judge(check: Compiled) -> Status | None:
            try:
                outcome = check(answers)
            except (TypeError, ValueError, KeyError):
                broken.append(check)
                still_open.append(check)
                return None
            outcomes[check] = outcome
            if outcome[0] == "unknown":
                still_open.append(check)
            return outcome[0]

        for check in self.shared:
            # Skipped when every scheme using it is ruled out: its outcome changes nothing.
            if check in shared and not users[check].isdisjoint(alive) and judge(check) == "failed":
                alive.difference_update(users[check])
        for check, position in owned:
            if position in alive and judge(check) == "failed":
                alive.discard(position)
        for pairs, outcome in unsettled:
            for check, position in pairs:
                if position in alive:
                    outcomes[check] = outcome
                    still_open.append(check)
        return Evaluation(
            outcomes,
            self.positions.difference(alive),
            base.answered,
            base.open.union(still_open),
            base.broken.union(broken),
        )

    def eligible(self, evaluation: Evaluation) -> set[int]:
        """The schemes not ruled out that no unsettled rule or check by someone leaves open.

        Worked out by taking the open ones away from those not ruled out, the largest groups of
        rules first: few schemes are left after the first groups, and each set difference then
        walks only those few (a union of the open ones would walk them all).
        """
        users, answered = self.users, evaluation.answered
        left = set(self.positions.difference(evaluation.ruled_out, self.always_undecided))
        for names, group in self.groups_by_size:
            if not left:
                return left
            if answered.isdisjoint(names):  # unanswered: each rule is unknown
                left = left - group
        owner = self.owner
        for check in evaluation.open:
            if not left:
                break
            position = owner.get(check)  # most rules have one user: no set to walk
            if position is not None:
                left.discard(position)
            elif len(users[check]) > len(left):
                left = left - users[check]  # walks the few left, not all the rule's users
            else:
                left.difference_update(users[check])
        return left

    def weights(self, evaluation: Evaluation, asking: set[int], asked: set[str]) -> Counter[str]:
        """Per variable, how many criteria of the asking schemes it could still settle."""
        outcomes, idle, users, owner = evaluation.outcomes, self.idle, self.users, self.owner
        open_rules = evaluation.open - evaluation.broken
        # Count rule by rule only where an answer was given; elsewhere, rules are unknown and name
        # every variable they read: such rules are counted in bulk, by the variables they read.
        # gathered: per tuple of variables still open, the criteria of asking schemes they settle.
        gathered: Counter[tuple[str, ...]] = Counter()
        weights: Counter[str] = Counter()
        for names, (checks, _user_sets) in self.by_variables.items():
            if asked.isdisjoint(names):
                using = asking.intersection(self.group_users[names])
                count = len(using) + sum(
                    n for p, n in self.group_extra_uses[names].items() if p in using
                )
                for name in names:
                    weights[name] += count
                continue
            for check in open_rules.intersection(checks):
                still_open = (outcomes.get(check) or idle[check])[1]
                if still_open:
                    position = owner.get(check)  # most rules have one user: no set to build
                    gathered[still_open] += (
                        position in asking
                        if position is not None
                        else len(asking.intersection(users[check]))
                    )
        for still_open, count in gathered.items():
            for name in still_open:
                weights[name] += count
        repeating = [
            check
            for check in self.repeating
            if check in open_rules or asked.isdisjoint(idle[check][1])  # unsettled
        ]
        for check in repeating:
            names = (outcomes.get(check) or idle[check])[1]
            extra = sum(self.repeated.get((check, p), 1) - 1 for p in users[check] & asking)
            for name in names:  # a scheme using the rule twice counts it twice
                weights[name] += extra
        return +weights  # without the variables no asking scheme needs

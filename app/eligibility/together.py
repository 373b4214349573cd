"""Rules of single schemes judged for all their schemes at once, one answer at a time.

With three-valued logic a rule that fails on one answer alone fails whatever the other answers.
So the schemes one answer rules out through their own rules are worked out once per catalogue
version and per value, by the compiled rules themselves: for every value of the vocabulary by
work_out(), which the app runs in the background once a new rule table is built (50-57 ms at 10,000
synthetic schemes; in the table's build, it would fall on the request that follows each publish
changing rules, on every worker), and for a value not yet worked out when a profile first gives
it (0.01-8 ms a value); a profile is then judged with a few set operations instead of one call
per rule:
- a choice or true/false answer: each rule reading it, run on that answer alone;
- a set answer: the conditions on it (a whole rule, or directly inside an "all") whose operator
  combines the outcomes of the set's values (OperatorSpec.over_values), from those outcomes.
A rule made only of such conditions (one, or an "all" of them) is then decided once each of its
variables is answered: it is never run on its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from app.eligibility.answers import Answers
from app.eligibility.conditions import Compiled, compile_rule
from app.scheme_operators import OPERATORS
from app.scheme_rules import Rule
from app.vocabulary import Vocabulary

_ONE_VALUE = frozenset({"choice", "boolean"})  # variable types answered with one value
_BROKEN = (TypeError, ValueError, KeyError)  # a rule that cannot be run is judged one by one


class ValueFailures:
    """A choice or true/false variable: per value, the schemes that value alone rules out."""

    def __init__(self, variable: str, rules: Sequence[tuple[Compiled, int]]) -> None:
        """rules: the single-scheme rules reading the variable, each with its scheme."""
        self.variable = variable
        self._rules = tuple(rules)
        # Bounded by the vocabulary's values; two threads filling one entry compute the same set.
        self._failed: dict[Any, frozenset[int]] = {}

    def _fails(self, check: Compiled, alone: Answers) -> bool:
        try:
            return check(alone)[0] == "failed"
        except _BROKEN:
            return False

    def failed(self, value: Any) -> frozenset[int]:
        """The schemes this value rules out."""
        failed = self._failed.get(value)
        if failed is None:
            alone = Answers({self.variable: value})
            failed = self._failed[value] = frozenset(
                position for check, position in self._rules if self._fails(check, alone)
            )
        return failed


class SetConditions:
    """A set variable's conditions that combine their values' outcomes, and their schemes."""

    def __init__(
        self, variable: str, by_kind: Mapping[str, Sequence[tuple[Compiled, int]]]
    ) -> None:
        """by_kind: per way of combining ("any", "all"), the conditions and their one scheme
        each (a scheme has at most one condition of each kind here)."""
        self.variable = variable
        self._checks = {kind: tuple(pairs) for kind, pairs in by_kind.items()}
        self._schemes = {
            kind: frozenset(p for _c, p in pairs) for kind, pairs in self._checks.items()
        }
        # (kind, value) -> the schemes whose condition that value alone meets. Bounded by the
        # vocabulary's values; two threads filling one entry compute the same set.
        self._met: dict[tuple[str, str], frozenset[int]] = {}

    def _met_by(self, kind: str, value: str) -> frozenset[int]:
        met = self._met.get((kind, value))
        if met is None:
            alone = Answers({self.variable: frozenset((value,))})
            met = self._met[kind, value] = frozenset(
                position for check, position in self._checks[kind] if check(alone)[0] == "met"
            )
        return met

    def work_out(self, values: Iterable[str]) -> None:
        """What each of these values meets, worked out now (see Together.work_out)."""
        for value in values:
            for kind in self._checks:
                self._met_by(kind, value)

    def failed(self, answer: frozenset[str]) -> frozenset[int]:
        """The schemes whose condition this answer fails."""
        failed: frozenset[int] = frozenset()
        for kind, schemes in self._schemes.items():
            per_value = [self._met_by(kind, value) for value in answer]
            # any: met by one of the values (none for no value); all: by each (all for none).
            if kind == "any":
                met = frozenset().union(*per_value)
            else:
                met = schemes.intersection(*per_value)
            failed |= schemes - met
        return failed


def _domain(vocabulary: Vocabulary, name: str) -> tuple[Any, ...]:
    """The values a validated answer to this variable may hold (none for a number or a date)."""
    variable = vocabulary.variables.get(name)
    if variable is None:
        return ()
    if variable.type == "boolean":
        return (True, False)
    return variable.value_ids()  # a choice's or a set's values (none for other types)


def _leaves(rule: Rule) -> Iterable[Rule]:
    if rule.variable is not None:
        yield rule
    for child in (*(rule.all or ()), *(rule.any or ()), *((rule.not_,) if rule.not_ else ())):
        yield from _leaves(child)


class Together:
    """The single-scheme rules judged together, per variable, and those they decide alone."""

    def __init__(
        self, owned: Iterable[tuple[Compiled, int]], rules: Mapping[Compiled, Rule | None]
    ) -> None:
        """owned: the rules of a single scheme, each with that scheme; rules: what each compiled
        rule was compiled from (a rule not found there is left to be run on its own)."""
        with_rules = [(check, position, rules.get(check)) for check, position in owned]
        one_value = {  # the variables answered by one value (a choice, true or false)
            leaf.variable
            for _check, _position, rule in with_rules
            for leaf in (_leaves(rule) if rule is not None else ())
            if leaf.variable and OPERATORS[leaf.operator or ""].types & _ONE_VALUE
        }
        memo: dict[Hashable, Compiled] = {}  # a condition inside many rules compiled once
        by_variable: dict[str, dict[str, list[tuple[Compiled, int]]]] = {}
        taken: set[tuple[str, str, int]] = set()
        readers: dict[str, list[tuple[Compiled, int]]] = {}
        decided: set[Compiled] = set()
        for check, position, rule in with_rules:
            if rule is None:
                continue
            for name in rule.variables():
                if name in one_value:
                    readers.setdefault(name, []).append((check, position))
            parts = (rule,) if rule.variable is not None else (rule.all or ())
            whole = bool(parts)
            for part in parts:
                spec = OPERATORS.get(part.operator or "") if part.variable else None
                if spec is None:
                    whole = False  # a combination inside: run on its own
                elif part.variable in one_value and spec.types & _ONE_VALUE:
                    pass  # decided by the value's failures, which run the whole rule
                elif spec.over_values is not None and "set" in spec.types:
                    variable = part.variable or ""
                    # A second condition of one kind for one scheme is run on its own.
                    if (variable, spec.over_values, position) in taken:
                        whole = False
                        continue
                    taken.add((variable, spec.over_values, position))
                    by_kind = by_variable.setdefault(variable, {})
                    by_kind.setdefault(spec.over_values, []).append(
                        (compile_rule(part, memo), position)
                    )
                else:
                    whole = False
            if whole:
                decided.add(check)
        self.values = {name: ValueFailures(name, pairs) for name, pairs in readers.items()}
        self.sets = {name: SetConditions(name, by_kind) for name, by_kind in by_variable.items()}
        self.decided = frozenset(decided)

    def work_out(self, vocabulary: Vocabulary) -> None:
        """What each value of the vocabulary rules out, worked out now rather than for the first
        profile giving it (values the vocabulary does not know are still worked out then)."""
        for name, failures in self.values.items():
            for value in _domain(vocabulary, name):
                failures.failed(value)
        for name, conditions in self.sets.items():
            conditions.work_out(_domain(vocabulary, name))

    def judges(self, name: str, answer: Any) -> bool:
        """Whether this answer is judged here: rules of single schemes read it, and it has the
        type of a validated answer."""
        if type(answer) is frozenset:
            return name in self.sets
        return (type(answer) is str or type(answer) is bool) and name in self.values

    def failed(self, name: str, answer: Any) -> frozenset[int]:
        """The schemes this answer rules out through their own rules (one judged here)."""
        if type(answer) is frozenset:
            return self.sets[name].failed(answer)
        return self.values[name].failed(answer)

"""The condition operators in one registry: the variable types each applies to, the shape of its
value, its test of an answer, and its wording in the admin (adding one is one entry here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from app.i18n import N_

# The shape of a condition's value: one choice, a list of choices, a number, true or false.
ValueShape = Literal["one", "many", "number", "boolean"]
# value -> the test of an answer (built once per condition, when the rules are compiled).
TestFactory = Callable[[Any], Callable[[Any], bool]]

_CHOICE = frozenset({"choice"})
_SET = frozenset({"set"})
_NUMBER = frozenset({"number", "integer"})
_BOOLEAN = frozenset({"boolean"})


def number(value: Any) -> float:
    """A condition's or an answer's number; the load checks guarantee it is one."""
    if type(value) is float:  # a validated answer: the common case, tested first (hot loop)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def as_set(value: Any) -> frozenset[str]:
    """A choice or a set of choices, as a set."""
    if type(value) is frozenset:  # a validated set answer, taken as it is (hot loop)
        return value
    return frozenset((value,) if isinstance(value, str) else value)


def _of_set(test: Callable[[frozenset[str], Any], bool]) -> TestFactory:
    def factory(value: Any) -> Callable[[Any], bool]:
        # A partial, not a closure: evaluated thousands of times per profile, one call less.
        return partial(test, as_set(value))

    return factory


def _of_number(test: Callable[[float, float], bool]) -> TestFactory:
    def factory(value: Any) -> Callable[[Any], bool]:
        limit = number(value)
        return lambda answer: test(number(answer), limit)

    return factory


@dataclass(frozen=True)
class OperatorSpec:
    """One operator: where it applies, what value it takes, how it tests, how the admin says it."""

    types: frozenset[str]  # variable types of questions.yaml
    shape: ValueShape
    test: TestFactory
    label: str  # English msgid, translated where shown
    # For a set answer: the condition holds when any (or all) of its values alone would make it
    # hold, so a whole catalogue's conditions can be judged from their outcomes per single value
    # (app/eligibility/together.py). None: no such rule.
    over_values: Literal["any", "all"] | None = None


OPERATORS: dict[str, OperatorSpec] = {
    "equals": OperatorSpec(
        _CHOICE, "one", lambda value: lambda answer: answer == value, N_("is (one value)")
    ),
    "in": OperatorSpec(_CHOICE, "many", _of_set(lambda vs, a: a in vs), N_("is one of")),
    "not_in": OperatorSpec(_CHOICE, "many", _of_set(lambda vs, a: a not in vs), N_("is none of")),
    "includes_any": OperatorSpec(
        _SET,
        "many",
        _of_set(lambda vs, a: not vs.isdisjoint(as_set(a))),
        N_("includes at least one of"),
        over_values="any",
    ),
    "includes_all": OperatorSpec(
        _SET, "many", _of_set(lambda vs, a: vs <= as_set(a)), N_("includes all of")
    ),
    "includes_none": OperatorSpec(
        _SET,
        "many",
        _of_set(lambda vs, a: vs.isdisjoint(as_set(a))),
        N_("includes none of"),
        over_values="all",
    ),
    "at_least": OperatorSpec(
        _NUMBER, "number", _of_number(lambda a, limit: a >= limit), N_("is at least (≥)")
    ),
    "at_most": OperatorSpec(
        _NUMBER, "number", _of_number(lambda a, limit: a <= limit), N_("is at most (≤)")
    ),
    "greater_than": OperatorSpec(
        _NUMBER, "number", _of_number(lambda a, limit: a > limit), N_("is more than (>)")
    ),
    "less_than": OperatorSpec(
        _NUMBER, "number", _of_number(lambda a, limit: a < limit), N_("is less than (<)")
    ),
    "is": OperatorSpec(
        _BOOLEAN, "boolean", lambda value: lambda answer: answer is value, N_("is (true or false)")
    ),
}
OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    kind: frozenset(name for name, spec in OPERATORS.items() if kind in spec.types)
    for kind in ("choice", "set", "number", "integer", "boolean")
}


def known_operator(name: str) -> str:
    """The name, when it is an operator of the registry (a pydantic validator)."""
    if name not in OPERATORS:
        raise ValueError(f"unknown operator {name!r}; use one of: {', '.join(OPERATORS)}")
    return name

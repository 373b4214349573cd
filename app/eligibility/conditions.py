"""Three-valued (Kleene) evaluation of rules: met, failed, or unknown when an answer is missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from app.eligibility.answers import Answers, AnswerValue
from app.eligibility.rules import Rule

Status = Literal["met", "failed", "unknown"]
Predicate = Callable[[AnswerValue, Any], bool]


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _as_set(value: Any) -> frozenset[str]:
    return frozenset((value,) if isinstance(value, str) else value)


# One predicate per operator; the vocabulary check at load time guarantees the types match.
PREDICATES: dict[str, Predicate] = {
    "equals": lambda answer, value: answer == value,
    "in": lambda answer, value: answer in _as_set(value),
    "not_in": lambda answer, value: answer not in _as_set(value),
    "includes_any": lambda answer, value: bool(_as_set(answer) & _as_set(value)),
    "includes_all": lambda answer, value: _as_set(value) <= _as_set(answer),
    "includes_none": lambda answer, value: not (_as_set(answer) & _as_set(value)),
    "at_least": lambda answer, value: _number(answer) >= _number(value),
    "at_most": lambda answer, value: _number(answer) <= _number(value),
    "greater_than": lambda answer, value: _number(answer) > _number(value),
    "less_than": lambda answer, value: _number(answer) < _number(value),
    "is": lambda answer, value: answer is value,
}


def _status(result: bool) -> Status:
    return "met" if result else "failed"


def evaluate(rule: Rule, answers: Answers) -> Status:
    """met / failed / unknown for a rule; a missing answer makes a condition unknown."""
    if rule.variable is not None:
        answer = answers.values.get(rule.variable)
        if answer is None or rule.operator is None:
            return "unknown"
        return _status(PREDICATES[rule.operator](answer, rule.value))
    if rule.not_ is not None:
        inner = evaluate(rule.not_, answers)
        return "unknown" if inner == "unknown" else _status(inner == "failed")
    children = [evaluate(child, answers) for child in (rule.all or rule.any or ())]
    decisive: Status = "failed" if rule.all is not None else "met"
    neutral: Status = "met" if rule.all is not None else "failed"
    if decisive in children:
        return decisive
    return "unknown" if "unknown" in children else neutral


def open_variables(rule: Rule, answers: Answers) -> list[str]:
    """The unanswered variables that could still change this rule's outcome (none if decided)."""
    if evaluate(rule, answers) != "unknown":
        return []
    if rule.variable is not None:
        return [] if answers.is_asked(rule.variable) else [rule.variable]
    children = rule.all or rule.any or ((rule.not_,) if rule.not_ else ())
    return list(dict.fromkeys(v for child in children for v in open_variables(child, answers)))

"""Three-valued (Kleene) evaluation of rules: met, failed, or unknown when an answer is missing.

Rules are compiled once into closures; each returns its status and the unanswered variables that
could still change it (empty once decided), so the next question comes from the same pass.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Literal

from app.eligibility.answers import Answers, AnswerValue
from app.scheme_operators import OPERATORS
from app.scheme_rules import Rule

Status = Literal["met", "failed", "unknown"]
Outcome = tuple[Status, tuple[str, ...]]
Compiled = Callable[[Answers], Outcome]
Predicate = Callable[[AnswerValue], bool]

MET: Outcome = ("met", ())
FAILED: Outcome = ("failed", ())
UNKNOWN_ASKED: Outcome = ("unknown", ())


def _predicate(operator: str, value: Any) -> Predicate:
    """The test of one answer; the vocabulary check at load time guarantees the types match."""
    return OPERATORS[operator].test(value)


def _compile_condition(variable: str, test: Predicate) -> Compiled:
    open_outcome: Outcome = ("unknown", (variable,))

    def condition(answers: Answers) -> Outcome:
        answer = answers.values.get(variable)
        if answer is None:
            return UNKNOWN_ASKED if variable in answers.unknown else open_outcome
        return MET if test(answer) else FAILED

    return condition


def _compile_combination(children: list[Compiled], decisive: Status) -> Compiled:
    """`all` (decided by the first failure) or `any` (decided by the first success)."""
    settled = FAILED if decisive == "failed" else MET
    otherwise = MET if decisive == "failed" else FAILED

    def combination(answers: Answers) -> Outcome:
        still_open: tuple[str, ...] | None = None
        for child in children:
            status, variables = child(answers)
            if status == decisive:
                return settled
            if status == "unknown":
                if still_open is None:
                    still_open = variables
                else:
                    still_open += tuple(v for v in variables if v not in still_open)
        return otherwise if still_open is None else ("unknown", still_open)

    return combination


def _compile_not(child: Compiled) -> Compiled:
    def negation(answers: Answers) -> Outcome:
        status, variables = child(answers)
        if status == "unknown":
            return ("unknown", variables)
        return FAILED if status == "met" else MET

    return negation


def compile_rule(rule: Rule, memo: dict[Hashable, Compiled] | None = None) -> Compiled:
    """A function of the answers giving the rule's status and its still-open variables.

    With a memo (one per catalogue), equal rules and sub-rules compile to one shared function:
    a catalogue's rules repeat the same conditions, and each function costs memory.
    """
    memo = {} if memo is None else memo
    key: Hashable
    if rule.variable is not None and rule.operator is not None:
        # The value's type is part of it: True, 1 and 1.0 are equal in Python, not in rules.
        key = (rule.variable, rule.operator, type(rule.value), rule.value)
        make: Callable[[], Compiled] = lambda: _compile_condition(  # noqa: E731
            rule.variable or "", _predicate(rule.operator or "", rule.value)
        )
    elif rule.not_ is not None:
        child = compile_rule(rule.not_, memo)
        key = ("not", child)
        make = lambda: _compile_not(child)  # noqa: E731
    else:
        decisive: Status = "failed" if rule.all is not None else "met"
        children = tuple(compile_rule(c, memo) for c in rule.all or rule.any or ())
        key = (decisive, children)
        make = lambda: _compile_combination(list(children), decisive)  # noqa: E731
    compiled = memo.get(key)
    if compiled is None:
        compiled = memo[key] = make()
    return compiled


def evaluate(rule: Rule, answers: Answers) -> Status:
    """met / failed / unknown for a rule; a missing answer makes a condition unknown."""
    return compile_rule(rule)(answers)[0]


def open_variables(rule: Rule, answers: Answers) -> list[str]:
    """The unanswered variables that could still change this rule's outcome (none if decided)."""
    return list(compile_rule(rule)(answers)[1])

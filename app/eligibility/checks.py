"""Load-time checks of a scheme's criteria and examples against the vocabulary."""

from __future__ import annotations

from typing import Any

from app.eligibility.examples import run_example
from app.eligibility.operators import OPERATORS, OPERATORS_BY_TYPE
from app.eligibility.rules import Rule
from app.eligibility.wording import wording_mismatches
from app.schemes import Scheme
from app.vocabulary import Variable, Vocabulary


def _check_value(variable: Variable, operator: str, value: Any) -> str | None:
    if variable.type in ("choice", "set"):
        many = OPERATORS[operator].shape == "many"
        if many and not isinstance(value, tuple | list):
            return f"operator {operator!r} takes a list of values"
        if not many and not isinstance(value, str):
            return f"operator {operator!r} takes one value"
        items = list(value) if many else [value]
        unknown = [item for item in items if item not in variable.value_ids()]
        return (
            f"unknown values for {variable.id}: {', '.join(map(str, unknown))}" if unknown else None
        )
    if variable.type == "boolean":
        return None if isinstance(value, bool) else "a boolean condition takes true or false"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"operator {operator!r} takes a number"
    if variable.min is not None and value < variable.min:
        return f"{value} is below the minimum of {variable.id} ({variable.min:g})"
    if variable.max is not None and value > variable.max:
        return f"{value} is above the maximum of {variable.id} ({variable.max:g})"
    return None


def _check_rule(rule: Rule, where: str, vocabulary: Vocabulary) -> list[tuple[str, str]]:
    if rule.variable is None:
        if rule.not_ is not None:
            return _check_rule(rule.not_, f"{where}.not", vocabulary)
        key, children = ("all", rule.all) if rule.all is not None else ("any", rule.any or ())
        return [
            problem
            for position, child in enumerate(children)
            for problem in _check_rule(child, f"{where}.{key}[{position}]", vocabulary)
        ]
    variable = vocabulary.variables.get(rule.variable)
    if variable is None:
        return [(f"{where}.variable", f"unknown variable {rule.variable!r}")]
    if rule.operator not in OPERATORS_BY_TYPE[variable.type]:
        allowed = ", ".join(sorted(OPERATORS_BY_TYPE[variable.type]))
        return [
            (
                f"{where}.operator",
                f"{rule.operator!r} does not apply to a {variable.type}; use {allowed}",
            )
        ]
    message = _check_value(variable, rule.operator, rule.value)
    return [(f"{where}.value", message)] if message else []


def _check_examples(scheme: Scheme, vocabulary: Vocabulary) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    criterion_ids = {c.id for c in scheme.criteria}
    for position, example in enumerate(scheme.examples):
        where = f"examples[{position}]"
        run = run_example(scheme, example, vocabulary)
        problems += [(f"{where}.answers.{e.variable}", e.message) for e in run.errors]
        problems += [
            (f"{where}.failed", f"unknown criterion {cid!r}")
            for cid in example.failed
            if cid not in criterion_ids
        ]
        if run.verdict is not None and not run.passed:
            problems.append(
                (
                    where,
                    f"{example.title!r} expects {example.expect}, the rules give {run.outcome()}",
                )
            )
    return problems


def check_rules(
    scheme: Scheme, vocabulary: Vocabulary, run_examples: bool = True
) -> list[tuple[str, str]]:
    """(field, message) for each criterion not fitting the vocabulary or whose wording writes
    other numbers than its rule, and each failing example."""
    ids = [c.id for c in scheme.criteria]
    problems = [
        ("criteria", f"duplicate criterion id {i!r}") for i in sorted(set(ids)) if ids.count(i) > 1
    ]
    for position, criterion in enumerate(scheme.criteria):
        if criterion.rule is not None:
            problems += _check_rule(criterion.rule, f"criteria[{position}].rule", vocabulary)
        problems += [
            (f"criteria[{position}].label.{mismatch.lang}", mismatch.message())
            for mismatch in wording_mismatches(criterion)
        ]
    if not problems and run_examples:
        problems += _check_examples(scheme, vocabulary)
    return problems

"""Load-time checks of a scheme's criteria and examples against the vocabulary."""

from __future__ import annotations

from typing import Any

from app.eligibility.examples import run_example
from app.eligibility.wording import wording_mismatches
from app.reasons import Reason, reason
from app.scheme_operators import OPERATORS, OPERATORS_BY_TYPE
from app.scheme_rules import Rule
from app.schemes import Scheme
from app.vocabulary import Variable, Vocabulary


def _check_value(variable: Variable, operator: str, value: Any) -> Reason | None:
    if variable.type in ("choice", "set"):
        many = OPERATORS[operator].shape == "many"
        if many and not isinstance(value, tuple | list):
            return reason("operator_takes_list", operator=operator)
        if not many and not isinstance(value, str):
            return reason("operator_takes_one", operator=operator)
        items = list(value) if many else [value]
        unknown = [item for item in items if item not in variable.value_ids()]
        if unknown:
            return reason("unknown_values_for", variable=variable.id, values=", ".join(unknown))
        return None
    if variable.type == "boolean":
        return None if isinstance(value, bool) else reason("boolean_takes_true_false")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return reason("operator_takes_number", operator=operator)
    if variable.type == "integer" and not float(value).is_integer():
        return reason("must_be_whole_number")
    if variable.min is not None and value < variable.min:
        return reason(
            "below_minimum_of", value=value, variable=variable.id, limit=f"{variable.min:g}"
        )
    if variable.max is not None and value > variable.max:
        return reason(
            "above_maximum_of", value=value, variable=variable.id, limit=f"{variable.max:g}"
        )
    return None


def _check_rule(rule: Rule, where: str, vocabulary: Vocabulary) -> list[tuple[str, Reason]]:
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
        return [(f"{where}.variable", reason("unknown_rule_variable", variable=rule.variable))]
    if rule.operator not in OPERATORS_BY_TYPE[variable.type]:
        allowed = ", ".join(sorted(OPERATORS_BY_TYPE[variable.type]))
        wrong = reason(
            "operator_not_for_type", operator=rule.operator, type=variable.type, allowed=allowed
        )
        return [(f"{where}.operator", wrong)]
    why = _check_value(variable, rule.operator, rule.value)
    return [(f"{where}.value", why)] if why else []


def _check_examples(scheme: Scheme, vocabulary: Vocabulary) -> list[tuple[str, Reason]]:
    problems: list[tuple[str, Reason]] = []
    for position, example in enumerate(scheme.examples):
        where = f"examples[{position}]"
        run = run_example(scheme, example, vocabulary)
        problems += [(f"{where}.answers.{e.variable}", e.reason) for e in run.errors]
        if run.verdict is not None and not run.passed:
            said = {"title": example.title, "expected": example.expect, "got": run.verdict.status}
            if run.failed:
                failed = ", ".join(sorted(run.failed))
                problems.append((where, reason("example_fails_criteria", **said, failed=failed)))
            else:
                problems.append((where, reason("example_fails", **said)))
    return problems


def check_rules(
    scheme: Scheme, vocabulary: Vocabulary, run_examples: bool = True
) -> list[tuple[str, Reason]]:
    """(field, reason) for each criterion not fitting the vocabulary or whose wording writes
    other numbers than its rule, and each failing example."""
    ids = [c.id for c in scheme.criteria]
    problems = [
        (f"criteria[{position}].id", reason("duplicate_criterion", id=cid))
        for position, cid in enumerate(ids)
        if cid in ids[:position]
    ]
    # Checked with or without running the examples: a draft is saved without running them.
    problems += [
        (f"examples[{position}].failed", reason("unknown_criterion", id=cid))
        for position, example in enumerate(scheme.examples)
        for cid in example.failed
        if cid not in ids
    ]
    for position, criterion in enumerate(scheme.criteria):
        if criterion.rule is not None:
            problems += _check_rule(criterion.rule, f"criteria[{position}].rule", vocabulary)
        problems += [
            (f"criteria[{position}].label.{mismatch.lang}", mismatch.reason())
            for mismatch in wording_mismatches(criterion)
        ]
    if not problems and run_examples:
        problems += _check_examples(scheme, vocabulary)
    return problems

"""The operator registry: every operator evaluates, loads, checks and shows from its one entry."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.catalogue import parse_scheme
from app.config import DEFAULT_SCHEMES_DIR
from app.eligibility.answers import validate_answers
from app.eligibility.checks import check_rules
from app.eligibility.conditions import evaluate
from app.scheme_operators import OPERATORS, OPERATORS_BY_TYPE
from app.scheme_rules import Rule
from app.vocabulary import Vocabulary

# operator: (variable, value, an answer that meets it, an answer that fails it)
CASES: dict[str, tuple[str, Any, Any, Any]] = {
    "equals": ("applicant_type", "individual", "individual", "company"),
    "in": ("applicant_type", ["individual", "company"], "company", "association"),
    "not_in": ("applicant_type", ["company"], "individual", "company"),
    "includes_any": ("roles", ["author", "artist"], ["artist"], ["producer"]),
    "includes_all": ("roles", ["author", "artist"], ["author", "artist"], ["author"]),
    "includes_none": ("roles", ["producer"], ["author"], ["author", "producer"]),
    "at_least": ("years_of_activity", 3, 3, 2),
    "at_most": ("years_of_activity", 3, 3, 4),
    "greater_than": ("years_of_activity", 3, 4, 3),
    "less_than": ("years_of_activity", 3, 2, 3),
    "is": ("cnm_affiliated", True, True, False),
}


def test_every_operator_has_a_case_here_and_a_variable_type() -> None:
    assert set(CASES) == set(OPERATORS)
    assert set().union(*OPERATORS_BY_TYPE.values()) == set(OPERATORS)


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_each_operator_meets_fails_and_waits_for_an_answer(
    operator: str, vocabulary: Vocabulary
) -> None:
    variable, value, meets, fails = CASES[operator]
    assert operator in OPERATORS_BY_TYPE[vocabulary.variable(variable).type]
    rule = Rule.model_validate({"variable": variable, "operator": operator, "value": value})
    for answer, status in ((meets, "met"), (fails, "failed")):
        answers, errors = validate_answers({variable: answer}, vocabulary)
        assert errors == []
        assert evaluate(rule, answers) == status, (operator, answer)
    assert evaluate(rule, validate_answers({}, vocabulary)[0]) == "unknown"


def test_an_unknown_operator_is_refused_when_a_scheme_file_is_read() -> None:
    path = DEFAULT_SCHEMES_DIR / "cnc-xn-ecriture.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    condition = next(c["rule"] for c in document["criteria"] if "operator" in c.get("rule", {}))
    condition["operator"] = "roughly"
    scheme, problems = parse_scheme(path.name, yaml.safe_dump(document, allow_unicode=True))
    assert scheme is None
    assert any("unknown operator 'roughly'" in problem.message for problem in problems)


def test_an_operator_of_another_type_is_refused_by_the_load_checks(
    catalogue: list[Any], vocabulary: Vocabulary
) -> None:
    scheme = next(s for s in catalogue if s.id == "cnc-xn-ecriture")
    document = scheme.document()
    condition = next(c["rule"] for c in document["criteria"] if "operator" in c.get("rule", {}))
    condition["operator"] = "at_least"
    condition["value"] = 1
    changed = type(scheme).model_validate(document)
    problems = check_rules(changed, vocabulary, run_examples=False)
    assert any("does not apply to a" in str(message) for _, message in problems)


@given(data=st.data())
def test_over_values_says_how_a_set_answer_combines_its_values(data: st.DataObject) -> None:
    """The set conditions judged for a whole catalogue at once rely on this (together.py)."""
    values = ["author", "artist", "producer", "venue", "student"]
    for name, spec in OPERATORS.items():
        if spec.over_values is None:
            continue
        assert "set" in spec.types, name
        combine = any if spec.over_values == "any" else all
        test = spec.test(data.draw(st.lists(st.sampled_from(values), min_size=1), label=name))
        answer = frozenset(data.draw(st.lists(st.sampled_from(values)), label="answer"))
        assert test(answer) == combine(test(frozenset((value,))) for value in answer), name

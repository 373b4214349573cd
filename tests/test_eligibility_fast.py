"""The whole-catalogue path (rule table, lazy verdicts, one-answer steps) against each scheme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_eligibility import cond, scheme

from app.eligibility import together
from app.eligibility.answers import DONT_KNOW, Answers, validate_answers
from app.eligibility.conditions import Compiled, Outcome
from app.eligibility.engine import (
    CompiledCatalogue,
    CompiledScheme,
    SchemeVerdict,
    Verdicts,
    compile_catalogue,
    evaluate_all,
    evaluate_scheme,
)
from app.eligibility.questions import _weights, progress
from app.schemes import Scheme
from app.vocabulary import Vocabulary


def _odd_schemes() -> list[Scheme]:
    """Shapes the real catalogue lacks: a rule used twice, no rule, and a rule that raises."""
    twice = cond("applicant_type", "equals", "individual")
    return [
        scheme("odd-twice", twice, twice, cond("years_of_activity", "at_least", 2)),
        scheme("odd-verify", {"verify_by": "funder"}, cond("years_of_activity", "at_most", 5)),
        # Never loaded from files (the vocabulary check refuses it): a number test on a choice.
        scheme(
            "odd-raises",
            cond("years_of_activity", "at_least", 1),
            cond("applicant_type", "at_least", 2),
        ),
        scheme("odd-closed", cond("years_of_activity", "at_least", 3), status="closed"),
        # Set conditions judged for all schemes at once (app/eligibility/together.py):
        # "includes none of", which no real scheme uses; two conditions of one kind on one
        # variable (the second is judged on its own); one that only the funder can settle.
        scheme("odd-none", cond("roles", "includes_none", ["producer", "venue"])),
        scheme(
            "odd-two",
            cond("sectors", "includes_any", ["cinema", "music"]),
            cond("sectors", "includes_any", ["music", "books"]),
            cond("sectors", "includes_none", ["video_games"]),
        ),
        scheme(
            "odd-set-verify",
            {**cond("project_types", "includes_all", ["immersive_work"]), "verify_by": "funder"},
            cond("project_types", "includes_any", ["immersive_work", "writing_project"]),
        ),
    ]


@pytest.fixture(scope="module")
def schemes(catalogue: list[Scheme]) -> list[Scheme]:
    return [s for s in catalogue if s.criteria] + _odd_schemes()


def _answer(vocabulary: Vocabulary, name: str) -> st.SearchStrategy[Any]:
    variable = vocabulary.variables[name]
    if variable.type == "choice":
        values: st.SearchStrategy[Any] = st.sampled_from(variable.value_ids())
    elif variable.type == "set":
        values = st.lists(st.sampled_from(variable.value_ids()), max_size=4)
    elif variable.type == "boolean":
        values = st.booleans()
    else:
        low = int(variable.min or 0)
        high = int(variable.max) if variable.max is not None else low + 100
        values = st.integers(low, high)
    return st.one_of(values, st.just(DONT_KNOW))


@st.composite
def answer_steps(draw: st.DrawFn, vocabulary: Vocabulary) -> list[tuple[str, Any]]:
    """Answers in the order a questionnaire could give them."""
    names = draw(st.lists(st.sampled_from(sorted(vocabulary.variables)), unique=True, max_size=14))
    return [(name, draw(_answer(vocabulary, name))) for name in names]


def _reference(schemes: Sequence[CompiledScheme], answers: Answers) -> list[SchemeVerdict]:
    """Scheme by scheme, each on its own: the plain definition of evaluate_all."""
    verdicts = [evaluate_scheme(s, answers) for s in schemes]
    return [
        v
        for status in ("eligible", "unknown", "ineligible")
        for v in verdicts
        if v.status == status
    ]


def _seen(verdict: SchemeVerdict) -> tuple[Any, ...]:
    criteria = [(c.criterion.id, c.status, c.open_variables, c.error) for c in verdict.criteria]
    return verdict.scheme.id, verdict.status, verdict.outcomes, verdict.errors, criteria


def _assert_same(fast: Verdicts, slow: list[SchemeVerdict], vocabulary: Vocabulary) -> None:
    # The counts per status (a page's facts), known before any verdict is built.
    assert fast.counts == {
        s: sum(v.status == s for v in slow) for s in ("eligible", "unknown", "ineligible")
    }
    assert [_seen(v) for v in fast] == [_seen(v) for v in slow]
    assert [v.open_variables() for v in fast] == [v.open_variables() for v in slow]
    assert progress(fast, vocabulary) == progress(slow, vocabulary)
    # The weights themselves, counted rule by rule and in bulk, are those counted scheme by scheme.
    assert fast.weights() == _weights(slow)[0]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_path_gives_the_verdicts_of_a_full_evaluation(
    data: st.DataObject, schemes: list[Scheme], vocabulary: Vocabulary
) -> None:
    compiled = compile_catalogue(schemes)  # fresh: no remembered profile from another example
    if data.draw(st.booleans()):  # as the app's background thread does after a build
        compiled.table.together.work_out(vocabulary)
    reference = list(compiled)
    raw: dict[str, Any] = {}
    for name, value in data.draw(answer_steps(vocabulary)):
        raw[name] = value  # one more answer: the step starts from the previous profile
        answers, errors = validate_answers(raw, vocabulary)
        assert errors == []
        _assert_same(evaluate_all(compiled, answers), _reference(reference, answers), vocabulary)
    # The same answers again, from scratch and in any order of evaluation.
    answers, _errors = validate_answers(raw, vocabulary)
    _assert_same(
        evaluate_all(compile_catalogue(schemes), answers),
        _reference(reference, answers),
        vocabulary,
    )


def _counting(compiled: CompiledCatalogue, calls: list[Compiled]) -> CompiledCatalogue:
    """The same catalogue whose rules record each evaluation (shared rules stay shared)."""
    wrapped: dict[Compiled, Compiled] = {}

    def wrap(check: Compiled) -> Compiled:
        def counted(answers: Answers) -> Outcome:
            calls.append(counted)
            return check(answers)

        return wrapped.setdefault(check, counted)

    return CompiledCatalogue(
        CompiledScheme(
            s.scheme,
            s.criteria,
            tuple((None if c is None else wrap(c), verify) for c, verify in s.checks),
            s.active,
        )
        for s in compiled
    )


def test_a_step_evaluates_only_the_rules_reading_the_new_answer(
    schemes: list[Scheme], vocabulary: Vocabulary
) -> None:
    calls: list[Compiled] = []
    compiled = _counting(compile_catalogue(schemes), calls)
    table = compiled.table
    calls.clear()  # building the table reads each rule once with no answer

    def readers(*names: str) -> set[Compiled]:
        return {check for name in names for check in table.readers.get(name, ())}

    first_raw = {"applicant_type": "individual", "sectors": ["cinema"]}
    first, errors = validate_answers(first_raw, vocabulary)
    assert errors == []
    evaluate_all(compiled, first)
    assert calls
    assert set(calls) <= readers("applicant_type", "sectors")
    calls.clear()
    second, errors = validate_answers({**first_raw, "years_of_activity": 1}, vocabulary)
    assert errors == []
    verdicts = evaluate_all(compiled, second)
    assert calls, "the new answer's rules are evaluated"
    assert set(calls) <= readers("years_of_activity")
    assert len(set(calls)) == len(calls)  # each once
    _assert_same(verdicts, _reference(list(compiled), second), vocabulary)
    calls.clear()
    evaluate_all(compiled, second)  # the same profile again: remembered
    assert calls == []


@pytest.mark.parametrize(
    "raw",
    [{}, {"applicant_type": "company"}, {"applicant_type": "individual", "years_of_activity": 2}],
)
def test_verdicts_by_position_are_those_by_rank(
    schemes: list[Scheme], vocabulary: Vocabulary, raw: dict[str, Any]
) -> None:
    # Pages group and sort positions, then build only the verdicts they show.
    compiled = compile_catalogue(schemes)
    answers, _errors = validate_answers(raw, vocabulary)
    verdicts = evaluate_all(compiled, answers)
    position = {c.scheme.id: p for p, c in enumerate(compiled)}
    for status in ("eligible", "unknown", "ineligible"):
        expected = [position[v.scheme.id] for v in verdicts if v.status == status]
        assert verdicts.positions(status) == sorted(expected) == expected
    assert sum(len(verdicts.positions(s)) for s in ("eligible", "unknown", "ineligible")) == len(
        compiled
    )
    for verdict in verdicts:
        assert verdicts.at(position[verdict.scheme.id]) is verdict  # built once
    with pytest.raises(IndexError):
        verdicts.at(len(compiled))


def test_answers_of_an_unexpected_type_are_run_rule_by_rule(
    schemes: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Rules judged together take validated answers (a set as a frozenset); any other answer
    # (a tuple built by hand) leaves its rules to be run one by one, with the same verdicts.
    compiled = compile_catalogue(schemes)
    for roles in (("author",), ("producer", "venue")):
        answers = Answers({"applicant_type": "individual", "roles": roles})  # type: ignore[dict-item]
        slow = _reference(list(compiled), answers)
        _assert_same(evaluate_all(compiled, answers), slow, vocabulary)


def test_every_value_worked_out_up_front_leaves_nothing_for_the_profiles(
    schemes: list[Scheme], vocabulary: Vocabulary, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compile_catalogue(schemes)
    compiled.table.together.work_out(vocabulary)

    def worked_out_on_use(*_args: Any) -> Answers:
        raise AssertionError("a value was worked out for a profile")

    # A value worked out on use is judged on an answer made alone: none may be made now.
    monkeypatch.setattr(together, "Answers", worked_out_on_use)
    for raw in (
        {"applicant_type": value, "sectors": [sector], "roles": [role, "author"]}
        for value in vocabulary.variables["applicant_type"].value_ids()
        for sector in vocabulary.variables["sectors"].value_ids()[:3]
        for role in vocabulary.variables["roles"].value_ids()[:3]
    ):
        answers, errors = validate_answers(raw, vocabulary)
        assert errors == []
        _assert_same(
            evaluate_all(compiled, answers), _reference(list(compiled), answers), vocabulary
        )

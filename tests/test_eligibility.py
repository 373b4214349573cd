"""The engine: three-valued criteria, verdicts, the next question; and every scheme's examples."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalogue import scheme_files
from app.config import DEFAULT_SCHEMES_DIR
from app.eligibility.answers import Answers, validate_answers
from app.eligibility.conditions import evaluate
from app.eligibility.engine import evaluate_all, evaluate_scheme
from app.eligibility.examples import run_example
from app.eligibility.questions import next_questions, progress
from app.scheme_rules import Rule
from app.schemes import Scheme
from app.vocabulary import Vocabulary

BASE: dict[str, Any] = {
    "name": {"fr": "Aide", "en": "Aid"},
    "summary": {"fr": "Résumé", "en": "Summary"},
    "description": {"fr": "Description", "en": "Description"},
    "funder": "cnc",
    "kind": "grant",
    "lifecycle": {"status": "open", "source": "s"},
    "audience": {"applicant_types": ["individual"], "source": "s"},
    "sources": [
        {
            "id": "s",
            "url": "https://example.org",
            "title": "T",
            "kind": "official",
            "checked": "2026-11-27",
        }
    ],
}


def scheme(scheme_id: str, *criteria: dict[str, Any], status: str = "open") -> Scheme:
    data = {**BASE, "id": scheme_id, "lifecycle": {"status": status, "source": "s"}}
    if status == "replaced":
        data["lifecycle"]["replaced_by"] = "other"
    data["criteria"] = [
        {"id": f"c{i}", "label": {"fr": "c", "en": "c"}, "source": "s", **c}
        for i, c in enumerate(criteria)
    ]
    return Scheme.model_validate(data)


def cond(variable: str, operator: str, value: Any) -> dict[str, Any]:
    return {"rule": {"variable": variable, "operator": operator, "value": value}}


def answers(vocabulary: Vocabulary, **raw: Any) -> Answers:
    parsed, errors = validate_answers(raw, vocabulary)
    assert errors == []
    return parsed


def test_verdicts_eligible_ineligible_unknown(vocabulary: Vocabulary) -> None:
    aid = scheme(
        "a",
        cond("applicant_type", "equals", "individual"),
        cond("years_of_activity", "at_least", 2),
    )
    assert (
        evaluate_scheme(
            aid, answers(vocabulary, applicant_type="individual", years_of_activity=3)
        ).status
        == "eligible"
    )
    verdict = evaluate_scheme(
        aid, answers(vocabulary, applicant_type="company", years_of_activity=3)
    )
    assert verdict.status == "ineligible"
    assert [r.criterion.id for r in verdict.failed()] == ["c0"]
    verdict = evaluate_scheme(aid, answers(vocabulary, applicant_type="individual"))
    assert verdict.status == "unknown"
    assert [(r.criterion.id, r.variables) for r in verdict.unresolved()] == [
        ("c1", ("years_of_activity",))
    ]


def test_dont_know_stays_unknown_and_is_not_asked_again(vocabulary: Vocabulary) -> None:
    aid = scheme("a", cond("years_of_activity", "at_least", 2))
    profile = answers(vocabulary, years_of_activity="?")
    verdicts = evaluate_all([aid], profile)
    assert verdicts[0].status == "unknown"
    assert next_questions(verdicts, vocabulary) == []


def test_a_verify_criterion_is_never_silently_met(vocabulary: Vocabulary) -> None:
    aid = scheme(
        "a",
        {**cond("applicant_type", "equals", "company"), "verify_by": "funder"},
        {"verify_by": "applicant"},
    )
    verdict = evaluate_scheme(aid, answers(vocabulary, applicant_type="company"))
    assert verdict.status == "unknown"
    assert all(r.to_verify for r in verdict.criteria)
    assert (
        evaluate_scheme(aid, answers(vocabulary, applicant_type="individual")).status
        == "ineligible"
    )


def test_closed_scheme_gets_a_verdict_but_no_questions(vocabulary: Vocabulary) -> None:
    old = scheme("old", cond("cnm_affiliated", "is", True), status="replaced")
    verdicts = evaluate_all([old], answers(vocabulary))
    assert verdicts[0].status == "unknown"
    assert next_questions(verdicts, vocabulary) == []
    assert evaluate_all([old], answers(vocabulary, cnm_affiliated=False))[0].status == "ineligible"


def test_next_question_weighs_variables_and_breaks_ties_by_vocabulary_order(
    vocabulary: Vocabulary,
) -> None:
    schemes = [
        scheme("a", cond("years_of_activity", "at_least", 1), cond("cnm_affiliated", "is", True)),
        scheme("b", cond("years_of_activity", "at_least", 2)),
        scheme(
            "c",
            cond("project_language", "equals", "fr"),
            cond("applicant_type", "equals", "company"),
        ),
    ]
    verdicts = evaluate_all(schemes, answers(vocabulary))
    # years_of_activity sits in two undecided criteria; the others in one, in questions.yaml order.
    assert next_questions(verdicts, vocabulary) == [
        "years_of_activity",
        "applicant_type",
        "cnm_affiliated",
        "project_language",
    ]


def test_decided_schemes_ask_nothing_more(vocabulary: Vocabulary) -> None:
    schemes = [
        scheme("a", cond("applicant_type", "equals", "company"), cond("employees", "at_most", 10)),
        scheme(
            "b", cond("applicant_type", "equals", "company"), cond("cnm_affiliated", "is", True)
        ),
    ]
    verdicts = evaluate_all(schemes, answers(vocabulary, applicant_type="individual"))
    state = progress(verdicts, vocabulary)
    assert state.next_questions == []
    assert state.finished
    assert state.nothing_can_match


def test_any_met_by_one_branch_needs_no_other_answer(vocabulary: Vocabulary) -> None:
    aid = scheme(
        "a",
        {
            "rule": {
                "any": [
                    {"variable": "applicant_type", "operator": "equals", "value": "individual"},
                    {"variable": "vhss_training_done", "operator": "is", "value": True},
                ]
            }
        },
    )
    verdicts = evaluate_all([aid], answers(vocabulary, applicant_type="individual"))
    assert verdicts[0].status == "eligible"
    verdicts = evaluate_all([aid], answers(vocabulary, applicant_type="company"))
    assert next_questions(verdicts, vocabulary) == ["vhss_training_done"]


@pytest.mark.parametrize(
    ("raw", "variable"),
    [
        ({"applicant_type": "alien"}, "applicant_type"),
        ({"roles": ["author", "wizard"]}, "roles"),
        ({"years_of_activity": -1}, "years_of_activity"),
        ({"years_of_activity": "many"}, "years_of_activity"),
        ({"employees": 2.5}, "employees"),
        ({"music_activity_share_percent": 101}, "music_activity_share_percent"),
        ({"cnm_affiliated": "perhaps"}, "cnm_affiliated"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"years_of_activity": True}, "years_of_activity"),
    ],
)
def test_invalid_answers_name_the_variable(
    vocabulary: Vocabulary, raw: dict[str, Any], variable: str
) -> None:
    _answers, errors = validate_answers(raw, vocabulary)
    assert [error.variable for error in errors] == [variable]


# Property: three-valued logic is monotone. Once a rule is met or failed on some answers,
# answering more questions never changes that outcome.
VARIABLES = {
    "applicant_type": st.sampled_from(["individual", "company", "association", "public_body"]),
    "years_of_activity": st.integers(min_value=0, max_value=10),
    "cnm_affiliated": st.booleans(),
    "roles": st.lists(st.sampled_from(["author", "producer", "publisher", "artist"]), unique=True),
}
LEAVES = st.one_of(
    st.builds(
        lambda v: Rule(variable="applicant_type", operator="in", value=tuple(v)),
        st.lists(
            st.sampled_from(["individual", "company", "association"]), min_size=1, unique=True
        ),
    ),
    st.builds(
        lambda n: Rule(variable="years_of_activity", operator="at_least", value=n),
        st.integers(0, 10),
    ),
    st.builds(lambda b: Rule(variable="cnm_affiliated", operator="is", value=b), st.booleans()),
    st.builds(
        lambda v: Rule(variable="roles", operator="includes_any", value=tuple(v)),
        st.lists(st.sampled_from(["author", "producer", "publisher"]), min_size=1, unique=True),
    ),
)
RULES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.builds(lambda c: Rule(all=tuple(c)), st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: Rule(any=tuple(c)), st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: Rule(**{"not": c}), children),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    rule=RULES,
    full=st.fixed_dictionaries(VARIABLES),
    known=st.sets(st.sampled_from(sorted(VARIABLES))),
)
def test_more_answers_never_change_a_decided_rule(
    vocabulary: Vocabulary, rule: Rule, full: dict[str, Any], known: set[str]
) -> None:
    complete = answers(vocabulary, **full)
    partial = answers(vocabulary, **{k: v for k, v in full.items() if k in known})
    outcome = evaluate(rule, partial)
    assert evaluate(rule, complete) != "unknown"
    if outcome != "unknown":
        assert evaluate(rule, complete) == outcome


def test_every_scheme_with_criteria_has_examples_both_ways(catalogue: list[Scheme]) -> None:
    for item in catalogue:
        if not item.criteria:
            continue
        expectations = {example.expect for example in item.examples}
        assert "ineligible" in expectations, item.id
        assert expectations & {"eligible", "unknown"}, item.id


@pytest.mark.parametrize("path", scheme_files(DEFAULT_SCHEMES_DIR), ids=lambda p: p.stem)
def test_scheme_examples_hold(path: Any, catalogue: list[Scheme], vocabulary: Vocabulary) -> None:
    item = next(s for s in catalogue if s.id == path.stem)
    for example in item.examples:
        run = run_example(item, example, vocabulary)
        assert run.errors == (), example.title
        assert run.passed, f"{example.title}: {run.outcome()}"
        assert sorted(run.failed) == sorted(example.failed), example.title
        if example.expect == "eligible":
            profile, _ = validate_answers(example.answers, vocabulary)
            assert profile.values.get("applicant_type", "?") in (
                *item.audience.applicant_types,
                "?",
            )

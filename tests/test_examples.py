"""One example runner: the CLI, the load checks and the runner agree on what passes."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from app.catalogue import parse_scheme, scheme_files
from app.cli import main
from app.config import DEFAULT_SCHEMES_DIR
from app.eligibility.checks import check_rules
from app.eligibility.examples import run_example, run_profile
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SOURCE = DEFAULT_SCHEMES_DIR / "cnc-xn-ecriture.yaml"


def _with_eligible_expected_of_ineligible(folder: Path) -> Path:
    """A copy of a scheme whose ineligible example is said to be eligible instead."""
    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    wrong = next(e for e in document["examples"] if e["expect"] == "ineligible")
    wrong["expect"], wrong["failed"] = "unknown", []
    target = folder / SOURCE.name
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return target


def test_every_catalogue_example_passes_through_the_cli() -> None:
    result = CliRunner().invoke(main, ["schemes", "test"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    count = sum(
        len(scheme.examples)
        for path in scheme_files(DEFAULT_SCHEMES_DIR)
        for scheme in [parse_scheme(path.name, path.read_text(encoding="utf-8"))[0]]
        if scheme
    )
    assert f"{count} of {count} examples pass." in result.output
    assert "FAIL" not in result.output


def test_a_wrong_expectation_fails_alike_in_the_cli_the_checks_and_the_runner(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    path = _with_eligible_expected_of_ineligible(tmp_path)
    scheme, problems = parse_scheme(path.name, path.read_text(encoding="utf-8"))
    assert scheme is not None
    assert problems == []
    result = CliRunner().invoke(main, ["schemes", "test", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    runs = [run_example(scheme, example, vocabulary) for example in scheme.examples]
    failing = [run for run in runs if not run.passed]
    assert len(failing) == 1
    assert failing[0].outcome().startswith("ineligible (failed: ")
    assert f"FAIL {path.stem}: {failing[0].title} -> {failing[0].outcome()}" in result.output
    checked = check_rules(scheme, vocabulary)
    assert [(reason.code, dict(reason.params)) for _, reason in checked] == [
        (
            "example_fails_criteria",
            {
                "title": failing[0].title,
                "expected": "unknown",
                "got": "ineligible",
                "failed": ", ".join(failing[0].failed),
            },
        )
    ]


def test_answers_outside_the_vocabulary_never_pass(
    catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    scheme = next(s for s in catalogue if s.id == SOURCE.stem)
    run = run_profile(scheme, "typo", {"applicant_type": "no-such-type"}, vocabulary, "unknown")
    assert run.verdict is None
    assert not run.passed
    assert [error.variable for error in run.errors] == ["applicant_type"]
    assert run.outcome() == "invalid answers"

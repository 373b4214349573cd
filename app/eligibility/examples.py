"""The one answer to "does this example pass?", for load checks, CLI, admin preview and tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.eligibility.answers import AnswerError, validate_answers
from app.eligibility.engine import SchemeVerdict, evaluate_scheme
from app.scheme_rules import Example
from app.schemes import Scheme
from app.vocabulary import Vocabulary


@dataclass(frozen=True)
class ExampleRun:
    """What the rules give a profile, beside what it expects (nothing expected for a trial)."""

    title: str
    verdict: SchemeVerdict | None  # None when the answers do not fit the vocabulary
    errors: tuple[AnswerError, ...] = ()
    expect: str | None = None
    expect_failed: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the criteria the profile fails, in the scheme's order."""
        return tuple(r.criterion.id for r in self.verdict.failed()) if self.verdict else ()

    @property
    def passed(self) -> bool:
        """The verdict is the expected one, and so are the failing criteria when named (an
        ineligible example always names them)."""
        if self.verdict is None or self.verdict.status != self.expect:
            return False
        return not self.expect_failed or sorted(self.failed) == sorted(self.expect_failed)

    def outcome(self) -> str:
        """What the rules gave, in a line: "ineligible (failed: a, b)" or "invalid answers"."""
        got = self.verdict.status if self.verdict else "invalid answers"
        return got + (f" (failed: {', '.join(self.failed)})" if self.failed else "")


def run_profile(
    scheme: Scheme,
    title: str,
    raw: Mapping[str, Any],
    vocabulary: Vocabulary,
    expect: str | None = None,
    expect_failed: tuple[str, ...] = (),
) -> ExampleRun:
    """Check the answers against the vocabulary, then evaluate the scheme's rules on them."""
    answers, errors = validate_answers(dict(raw), vocabulary)
    if errors:
        return ExampleRun(title, None, tuple(errors), expect, expect_failed)
    return ExampleRun(title, evaluate_scheme(scheme, answers), (), expect, expect_failed)


def run_example(scheme: Scheme, example: Example, vocabulary: Vocabulary) -> ExampleRun:
    """One of the scheme's own examples, run."""
    return run_profile(
        scheme, example.title, example.answers, vocabulary, example.expect, example.failed
    )

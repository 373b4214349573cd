"""Answers carried in the URL, so a questionnaire or its results can be bookmarked and shared.

Each variable is a query parameter named by its id, in the order it was answered:
`applicant_type=individual&roles=author&roles=artist&years_of_activity=3&cnm_affiliated=false`.
An empty set is `roles=`; "I don't know" is `?`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from app.eligibility.answers import DONT_KNOW, AnswerError, Answers, validate_answers
from app.vocabulary import Vocabulary


def raw_answers(args: MultiDict[str, str], vocabulary: Vocabulary) -> dict[str, Any]:
    """The answer parameters of a query string, in their order, as validate_answers takes them."""
    raw: dict[str, Any] = {}
    for name in dict.fromkeys(args.keys()):
        variable = vocabulary.variables.get(name)
        if variable is None:
            continue
        values = args.getlist(name)
        if DONT_KNOW in values:
            raw[name] = DONT_KNOW
        elif variable.type == "set":
            raw[name] = [v for v in values if v]
        else:
            raw[name] = values[-1]
    return raw


def answers_from_args(
    args: MultiDict[str, str], vocabulary: Vocabulary
) -> tuple[Answers, list[str], list[AnswerError]]:
    """Typed answers, the order they were given in, and problems naming their variables."""
    raw = raw_answers(args, vocabulary)
    answers, errors = validate_answers(raw, vocabulary)
    return answers, list(raw), errors


def _encode(value: Any) -> list[str]:
    if isinstance(value, frozenset):
        return sorted(value) or [""]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def hidden_fields(
    answers: Answers, order: list[str], skip: str | None = None
) -> list[tuple[str, str]]:
    """The answers as (name, value) pairs for hidden inputs of the next form."""
    pairs: list[tuple[str, str]] = []
    for name in order:
        if name == skip:
            continue
        if name in answers.unknown:
            pairs.append((name, DONT_KNOW))
        elif name in answers.values:
            pairs += [(name, item) for item in _encode(answers.values[name])]
    return pairs


def answers_query(answers: Answers, order: list[str], skip: str | None = None) -> str:
    """The query string that reproduces these answers, in the order they were given."""
    return urlencode(hidden_fields(answers, order, skip))

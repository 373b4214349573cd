"""A profile's answers, validated against the vocabulary, with "I don't know" kept apart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.reasons import Reason, reason
from app.vocabulary import Variable, Vocabulary

AnswerValue = str | frozenset[str] | float | bool
DONT_KNOW = "?"
# No answer is larger than this in absolute value (a turnover of a thousand billion euros):
# beyond it a number is refused, before it overflows a float or a database column.
MAX_MAGNITUDE = 10**12


@dataclass(frozen=True)
class AnswerError:
    """An answer that was refused, naming its variable."""

    variable: str
    reason: Reason

    @property
    def message(self) -> str:
        """In English (the command line); the web layer words the reason for its reader."""
        return self.reason.words()


@dataclass(frozen=True)
class Answers:
    """Known values by variable, and the variables answered "I don't know"."""

    values: Mapping[str, AnswerValue] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()

    def is_asked(self, variable: str) -> bool:
        """True once the variable has a value or was answered "I don't know"."""
        return variable in self.values or variable in self.unknown

    def without(self, variable: str) -> Answers:
        """These answers, forgetting one variable."""
        values = {k: v for k, v in self.values.items() if k != variable}
        return Answers(values, self.unknown - {variable})


def _number(variable: Variable, raw: Any) -> tuple[float | None, Reason | None]:
    if isinstance(raw, bool):
        return None, reason("must_be_number")
    if isinstance(raw, int) and abs(raw) > MAX_MAGNITUDE:
        return None, reason("must_be_between", limit=MAX_MAGNITUDE)
    try:
        number = float(raw) if isinstance(raw, int | float | str) else math.nan
    except (ValueError, OverflowError):
        return None, reason("must_be_number")
    if math.isnan(number) or math.isinf(number):
        return None, reason("must_be_number")
    if abs(number) > MAX_MAGNITUDE:
        return None, reason("must_be_between", limit=MAX_MAGNITUDE)
    if variable.type == "integer" and not number.is_integer():
        return None, reason("must_be_whole_number")
    if variable.min is not None and number < variable.min:
        return None, reason("must_be_at_least", limit=f"{variable.min:g}")
    if variable.max is not None and number > variable.max:
        return None, reason("must_be_at_most", limit=f"{variable.max:g}")
    return number, None


def _boolean(raw: Any) -> tuple[bool | None, Reason | None]:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str) and raw.lower() in ("true", "yes", "1"):
        return True, None
    if isinstance(raw, str) and raw.lower() in ("false", "no", "0"):
        return False, None
    return None, reason("must_be_true_or_false")


def parse_answer(variable: Variable, raw: Any) -> tuple[AnswerValue | None, Reason | None]:
    """One raw answer (JSON or form text) as a typed value, or the reason it is refused."""
    if variable.type == "choice":
        if not isinstance(raw, str) or raw not in variable.value_ids():
            return None, reason("must_be_one_of", allowed=", ".join(variable.value_ids()))
        return raw, None
    if variable.type == "set":
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            return None, reason("must_be_list")
        unknown = [i for i in items if i and i not in variable.value_ids()]
        if unknown:
            allowed = ", ".join(variable.value_ids())
            return None, reason(
                "unknown_values_allowed", values=", ".join(unknown), allowed=allowed
            )
        return frozenset(i for i in items if i), None
    if variable.type == "boolean":
        return _boolean(raw)
    return _number(variable, raw)


def validate_answers(
    raw: Mapping[str, Any], vocabulary: Vocabulary
) -> tuple[Answers, list[AnswerError]]:
    """Typed answers from raw data; "?" means "I don't know". Every problem names its variable."""
    values: dict[str, AnswerValue] = {}
    unknown: set[str] = set()
    errors: list[AnswerError] = []
    for name, value in raw.items():
        variable = vocabulary.variables.get(name)
        if variable is None:
            errors.append(AnswerError(name, reason("unknown_variable")))
            continue
        if value == DONT_KNOW or value is None:
            unknown.add(name)
            continue
        parsed, why = parse_answer(variable, value)
        if why is not None or parsed is None:
            errors.append(AnswerError(name, why or reason("invalid_value")))
        else:
            values[name] = parsed
    ordered = {v: values[v] for v in vocabulary.variables if v in values}
    return Answers(ordered, frozenset(unknown)), errors


def answers_to_json(answers: Answers) -> dict[str, Any]:
    """Answers as plain JSON data (sets as sorted lists, "?" for "I don't know")."""
    data: dict[str, Any] = {}
    for name, value in answers.values.items():
        if isinstance(value, frozenset):
            data[name] = sorted(value)
        elif isinstance(value, float) and value.is_integer():
            data[name] = int(value)
        else:
            data[name] = value
    data.update(dict.fromkeys(sorted(answers.unknown), DONT_KNOW))
    return data

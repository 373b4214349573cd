"""Typed values as the editor's inputs write them: numbers, dates, lists, rule values, answers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.eligibility.answers import DONT_KNOW, parse_answer
from app.reasons import reason
from app.scheme_operators import OPERATORS
from app.vocabulary import Variable, Vocabulary
from app.web.core.reason_text import say

ANSWERS_HELP = _l(
    "One answer per line, as variable = value. Separate the values of a list with commas "
    "(roles = author, illustrator); write true or false for a yes/no question, and ? for "
    '"I don\'t know". A JSON object is accepted too.'
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD; None when it is not one."""
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_number(text: str) -> int | float | None:
    """A whole number stays an int, so that 2 is not saved as 2.0; None when not a number."""
    text = text.strip()
    if _INTEGER.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def number_text(value: float | None) -> str:
    """A number as the form shows it (50.0 as 50)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def split_list(text: str | None) -> list[str]:
    """Comma-separated values, without blanks and repeats."""
    return list(dict.fromkeys(item.strip() for item in (text or "").split(",") if item.strip()))


def rule_value_from_text(variable: Variable | None, operator: str, text: str | None) -> Any:
    """A condition row's value as typed, read in the terms of its variable's type (a list of
    choices, a number, true or false). Text it cannot read is passed on as it is, for the
    domain to refuse at the field (app/eligibility/checks.py): the form checks nothing."""
    text = (text or "").strip()
    if not text:
        return None
    if variable is None:
        return text
    if variable.type in ("choice", "set"):
        items = tuple(split_list(text))
        if not items:  # only commas: no value, which the domain refuses as missing
            return None
        one = operator in OPERATORS and OPERATORS[operator].shape == "one"
        return items[0] if one and len(items) == 1 else items
    if variable.type == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    number = parse_number(text)
    return text if number is None else number


def rule_value_text(value: Any) -> str:
    """A condition's value as the form shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _typed_answer(variable: Variable, raw: Any) -> tuple[Any, str | None]:
    if variable.type == "set" and isinstance(raw, str):
        raw = split_list(raw)
    if variable.type in ("number", "integer") and isinstance(raw, str):
        number = parse_number(raw)
        if number is None:
            return None, say(reason("must_be_number"))
        raw = number
    parsed, why = parse_answer(variable, raw)
    if why is not None:
        return None, say(why)
    if variable.type == "set":
        return list(dict.fromkeys(raw)), None
    return (parsed if variable.type in ("choice", "boolean") else raw), None


def parse_answers_text(text: str, vocabulary: Vocabulary) -> tuple[dict[str, Any], list[str]]:
    """Answers typed as `variable = value` lines (or JSON); each problem names its variable."""
    problems: list[str] = []
    items: list[tuple[str, Any]] = []
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            return {}, [_("Not valid JSON: %(error)s.", error=error.msg)]
        if not isinstance(raw, dict):
            return {}, [_("Write a JSON object of answers.")]
        items = list(raw.items())
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, equals, value = line.partition("=")
            if not equals:
                problems.append(_("Line %(number)d: write variable = value.", number=number))
                continue
            items.append((name.strip(), value.strip()))
    answers: dict[str, Any] = {}
    for name, value in items:
        variable = vocabulary.variables.get(name)
        if name in answers:
            problems.append(_("%(variable)s: given twice.", variable=name))
        elif variable is None:
            unknown = say(reason("unknown_variable"))
            problems.append(_("%(variable)s: %(message)s", variable=name, message=unknown))
        elif value == DONT_KNOW or value is None:
            answers[name] = DONT_KNOW
        else:
            typed, message = _typed_answer(variable, value)
            if message is None:
                answers[name] = typed
            else:
                problems.append(_("%(variable)s: %(message)s", variable=name, message=message))
    return answers, problems


def format_answers(answers: Mapping[str, Any]) -> str:
    """Answers as `variable = value` lines, the syntax parse_answers_text reads."""
    lines = []
    for name, value in answers.items():
        text = DONT_KNOW if value is None else rule_value_text(value)
        lines.append(f"{name} = {text}")
    return "\n".join(lines)

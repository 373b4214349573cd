"""Why something is refused, as a code with parameters: one table of English wordings, marked
for translation, read by the command line (English), the API and the admin (the reader's
language)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic_core import ErrorDetails, PydanticCustomError

from app.formats import PARTIAL_DATE_PATTERN, SLUG_PATTERN, URL_PATTERN
from app.i18n import N_

WORDINGS: dict[str, str] = {
    # Scheme files
    "unreadable": N_("cannot be read: %(detail)s"),
    "not_yaml": N_("not valid YAML: %(detail)s"),
    "not_mapping": N_("a scheme file must be a mapping of keys to values"),
    "unknown_key": N_("unknown key"),
    "missing_translation_fr": N_("missing French translation"),
    "missing_translation_en": N_("missing English translation"),
    "empty_translation_fr": N_("empty French translation"),
    "empty_translation_en": N_("empty English translation"),
    "required": N_("this field is required"),
    "empty": N_("this field cannot be empty"),
    "too_long": N_("this text is too long"),
    "not_a_date": N_("must be a date (YYYY-MM-DD)"),
    "not_a_url": N_("must be a web address (https://…)"),
    "bad_form": N_("is not written in the expected form"),
    "not_a_slug": N_("must be lower-case letters, digits and single hyphens, like cnc-xn-ecriture"),
    "not_a_partial_date": N_("must be a year, a month or a day: 2022, 2022-07 or 2022-07-01"),
    "invalid": N_("%(detail)s"),
    # Links, vocabulary and sources
    "unknown_value": N_("unknown value '%(value)s'"),
    "unknown_organisation": N_("unknown organisation '%(id)s'"),
    "duplicate_source": N_("duplicate source id '%(id)s'"),
    "unknown_source": N_("unknown source '%(id)s'"),
    "official_source_required": N_("at least one official source is required"),
    "id_not_file_name": N_("'%(id)s' does not match the file name"),
    "duplicate_id": N_("duplicate id '%(id)s', also in %(other)s"),
    "points_to_itself": N_("a scheme cannot point to itself"),
    "unknown_scheme": N_("unknown scheme '%(id)s'"),
    "unknown_scheme_close": N_("unknown scheme '%(id)s'; did you mean %(close)s?"),
    # The scheme model's own rules
    "replaced_needs_successor": N_("a replaced scheme needs replaced_by"),
    "successor_only_when_replaced": N_("replaced_by is only for a replaced or closed scheme"),
    "minimum_above_maximum": N_("min_eur is above max_eur"),
    "opens_after_closes": N_("opens is after closes"),
    "rolling_without_sessions": N_("a rolling calendar has no sessions"),
    "calendar_source_required": N_("source is required for a rolling calendar or a note"),
    # Rules and criteria
    "rule_one_form": N_("a rule is exactly one of: all, any, not, or variable/operator/value"),
    "criterion_needs_rule": N_("a criterion needs a rule, verify_by, or both"),
    "ineligible_names_failed": N_("an ineligible example names the criteria that fail in `failed`"),
    "failed_only_when_ineligible": N_("only an ineligible example lists failed criteria"),
    "duplicate_criterion": N_("duplicate criterion id '%(id)s'"),
    "unknown_rule_variable": N_("unknown variable '%(variable)s'"),
    "operator_not_for_type": N_("'%(operator)s' does not apply to a %(type)s; use %(allowed)s"),
    "operator_takes_list": N_("operator '%(operator)s' takes a list of values"),
    "operator_takes_one": N_("operator '%(operator)s' takes one value"),
    "operator_takes_number": N_("operator '%(operator)s' takes a number"),
    "boolean_takes_true_false": N_("a boolean condition takes true or false"),
    "unknown_values_for": N_("unknown values for %(variable)s: %(values)s"),
    "below_minimum_of": N_("%(value)s is below the minimum of %(variable)s (%(limit)s)"),
    "above_maximum_of": N_("%(value)s is above the maximum of %(variable)s (%(limit)s)"),
    "wording_disagrees": N_("the wording says %(written)s but the rule checks %(value)s"),
    "unknown_criterion": N_("unknown criterion '%(id)s'"),
    "example_fails": N_("'%(title)s' expects %(expected)s, the rules give %(got)s"),
    "example_fails_criteria": N_(
        "'%(title)s' expects %(expected)s, the rules give %(got)s (failed: %(failed)s)"
    ),
    # Answers to the questionnaire (profiles, examples, the API)
    "unknown_variable": N_("unknown variable"),
    "invalid_value": N_("invalid value"),
    "must_be_number": N_("must be a number"),
    "must_be_whole_number": N_("must be a whole number"),
    "must_be_between": N_("must be between -%(limit)s and %(limit)s"),
    "must_be_at_least": N_("must be at least %(limit)s"),
    "must_be_above": N_("must be above %(limit)s"),
    "must_be_at_most": N_("must be at most %(limit)s"),
    "must_be_true_or_false": N_("must be true or false"),
    "must_be_one_of": N_("must be one of: %(allowed)s"),
    "must_be_list": N_("must be a list of values"),
    "unknown_values_allowed": N_("unknown values %(values)s; allowed: %(allowed)s"),
    # Editing and publishing
    "scheme_not_valid": N_("the scheme is not valid"),
    "no_such_scheme": N_("no such scheme"),
    "no_such_revision": N_("no such revision"),
    "scheme_exists": N_("a scheme with id '%(id)s' already exists"),
    "no_draft_to_publish": N_("there is no draft to publish"),
    "no_draft_to_submit": N_("there is no draft to submit"),
    "no_draft_under_review": N_("there is no draft under review"),
    "publishing_refused": N_("publishing refused"),
    "saved_meanwhile": N_("revision %(number)s by %(author)s was saved meanwhile"),
}
_PARAMETER = re.compile(r"%\((\w+)\)s")


def parameters(code: str) -> set[str]:
    """The parameters a code's wording needs."""
    return set(_PARAMETER.findall(WORDINGS[code]))


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Reason:
    """A code from WORDINGS with its parameters (plain strings, not translated)."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def words(self, translate: Callable[[str], str] = _same) -> str:
        """The sentence, in English unless a translate function (gettext) is given."""
        return translate(WORDINGS[self.code]) % dict(self.params)

    def __str__(self) -> str:
        return self.words()


def reason(code: str, **params: object) -> Reason:
    """A reason; refuses an unknown code or missing parameters at once, not when worded."""
    missing = parameters(code) - params.keys()
    if missing:
        raise KeyError(f"{code} needs {', '.join(sorted(missing))}")
    return Reason(code, tuple(sorted((name, str(value)) for name, value in params.items())))


# Pydantic's own error types, as reasons (their English message is kept for the command line).
_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_key",
    "string_too_short": "empty",
    "too_short": "empty",
    "string_too_long": "too_long",
    "date_parsing": "not_a_date",
    "date_from_datetime_parsing": "not_a_date",
    "date_type": "not_a_date",
    "url_parsing": "not_a_url",
    "url_scheme": "not_a_url",
    "url_type": "not_a_url",
    "int_parsing": "must_be_number",
    # A float or a text where a strict whole number is expected (a fixed sum's euros).
    "int_type": "must_be_whole_number",
    "float_parsing": "must_be_number",
    "float_type": "must_be_number",
    "int_from_float": "must_be_whole_number",
    "bool_parsing": "must_be_true_or_false",
    "bool_type": "must_be_true_or_false",
}


# The formats of scheme fields, as reasons that say what is expected.
_PATTERN_CODES = {
    SLUG_PATTERN: "not_a_slug",
    URL_PATTERN: "not_a_url",
    PARTIAL_DATE_PATTERN: "not_a_partial_date",
}


def model_reason(detail: ErrorDetails) -> Reason:
    """Why the scheme model refused a value, as a reason (one mapping for files and forms)."""
    loc, kind, context = detail["loc"], detail["type"], detail.get("ctx") or {}
    language = str(loc[-1]) if loc else ""
    if kind in ("missing", "model_type") and language in ("fr", "en"):
        return reason(f"missing_translation_{language}")
    if kind == "string_too_short" and language in ("fr", "en"):
        return reason(f"empty_translation_{language}")
    if kind in WORDINGS and not parameters(kind):  # the model validators' own codes
        return reason(kind)
    if kind == "literal_error":
        return reason("must_be_one_of", allowed=context.get("expected", ""))
    if kind == "greater_than_equal":
        return reason("must_be_at_least", limit=context.get("ge", ""))
    if kind == "greater_than":
        return reason("must_be_above", limit=context.get("gt", ""))
    if kind in ("less_than_equal", "less_than"):
        return reason("must_be_at_most", limit=context.get("le", context.get("lt", "")))
    if kind == "string_pattern_mismatch":
        return reason(_PATTERN_CODES.get(str(context.get("pattern", "")), "bad_form"))
    if kind.endswith("_type") and detail.get("input") is None:
        return reason("required")  # an empty input of a form arrives as None
    if kind in _PYDANTIC_CODES:
        return reason(_PYDANTIC_CODES[kind])
    return reason("invalid", detail=detail["msg"].removeprefix("Value error, "))


def model_refusal(code: str, at: str | None = None) -> PydanticCustomError:
    """What a model validator raises: pydantic reports the code as the error's type.

    at: the field of the model the problem belongs to (a rule across fields is checked once
    they are all read, where pydantic can only point at the model); `model_location` adds it.
    """
    if parameters(code):
        raise KeyError(f"{code} takes parameters: not for a model validator")
    return PydanticCustomError(code, WORDINGS[code], {"at": at} if at else None)


def model_location(detail: ErrorDetails) -> tuple[int | str, ...]:
    """Where a refused value is: pydantic's location, down to the field a model validator
    names (`lifecycle.replaced_by` rather than `lifecycle`)."""
    at = (detail.get("ctx") or {}).get("at")
    return (*detail["loc"], at) if isinstance(at, str) else tuple(detail["loc"])

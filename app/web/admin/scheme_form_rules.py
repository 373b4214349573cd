"""The editor's forms for eligibility: criteria as rows of conditions, examples with verdicts."""

from __future__ import annotations

from typing import Any

import pydantic
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.eligibility.operators import OPERATORS, OPERATORS_BY_TYPE
from app.eligibility.rules import Rule
from app.web.admin.scheme_form_fields import (
    LongTextPair,
    SourceField,
    add_error,
    choices_from,
    clean,
    required,
    slug,
)
from app.web.admin.scheme_form_values import ANSWERS_HELP, parse_answers_text, parse_rule_value
from app.web.choices import SelectChoice
from app.web.reference import vocabulary as current_vocabulary

# The msgids are marked for extraction in app/eligibility/operators.py.
OPERATOR_LABELS = {name: _l(spec.label) for name, spec in OPERATORS.items()}
TYPE_LABELS = {
    "choice": _l("one choice"),
    "set": _l("a set of choices"),
    "number": _l("a number"),
    "integer": _l("a whole number"),
    "boolean": _l("true or false"),
}
VERDICT_LABELS = {
    "eligible": _l("eligible"),
    "unknown": _l("to verify (unknown)"),
    "ineligible": _l("ineligible"),
}


class ConditionForm(Form):
    """One condition of a criterion: variable, operator, value."""

    variable = SelectField(_l("Variable"), validators=[required()])
    operator = SelectField(_l("Operator"), choices=choices_from(OPERATOR_LABELS))
    value = StringField(_l("Value"), filters=[clean], validators=[required()])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        variable = current_vocabulary().variables[self.variable.data or ""]
        allowed = OPERATORS_BY_TYPE[variable.type]
        if self.operator.data not in allowed:
            add_error(
                self.operator,
                _(
                    "This operator does not apply to %(variable)s (%(type)s); use: %(allowed)s.",
                    variable=variable.id,
                    type=TYPE_LABELS[variable.type],
                    allowed=", ".join(str(OPERATOR_LABELS[op]) for op in sorted(allowed)),
                ),
            )
            return False
        _value, message = parse_rule_value(variable, self.operator.data or "", self.value.data)
        if message:
            add_error(self.value, message)
            return False
        return True


class CriterionForm(Form):
    """One eligibility criterion: its wording in both languages and its rule as rows."""

    id = StringField(_l("Identifier"), filters=[clean], validators=[required(), slug()])
    label = FormField(LongTextPair, _l("The criterion in plain words"))
    combinator = SelectField(
        _l("With two conditions or more"),
        default="all",
        choices=[
            SelectChoice("all", _l("every condition must be met")),
            SelectChoice("any", _l("one condition is enough")),
        ],
    )
    conditions = FieldList(FormField(ConditionForm), label=_l("Conditions"))
    # A rule nested deeper than all/any of conditions: kept as it is, shown read-only.
    nested_rule = HiddenField(filters=[clean])
    verify_by = SelectField(
        _l("To verify"),
        choices=[
            SelectChoice("", _l("No: the answers decide")),
            SelectChoice("applicant", _l("Yes, by the applicant")),
            SelectChoice("funder", _l("Yes, by the funder")),
        ],
        description=_l("A criterion to verify is never shown as met, only as to verify."),
    )
    source = SourceField(_l("Source"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.nested_rule.data:
            try:
                Rule.model_validate_json(self.nested_rule.data)
            except pydantic.ValidationError:
                add_error(self.verify_by, _l("The rule kept from the file cannot be read."))
                valid = False
        elif not self.conditions.entries and not self.verify_by.data:
            add_error(self.verify_by, _l("Add a condition, or say who must verify this criterion."))
            valid = False
        return valid


class ExampleForm(Form):
    """A profile with the verdict the rules must give it."""

    title = StringField(_l("Title"), filters=[clean], validators=[required(), Length(max=300)])
    answers = TextAreaField(
        _l("Answers"),
        filters=[clean],
        description=ANSWERS_HELP,
        render_kw={"rows": 5, "spellcheck": "false"},
    )
    expect = SelectField(_l("Expected verdict"), choices=choices_from(VERDICT_LABELS))
    failed = StringField(
        _l("Criteria that fail"),
        filters=[clean],
        description=_l(
            "Identifiers of the failing criteria, separated by commas: required for an "
            "ineligible verdict, empty otherwise."
        ),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        _answers, problems = parse_answers_text(self.answers.data or "", current_vocabulary())
        if problems:
            add_error(self.answers, *problems)
            valid = False
        if self.expect.data == "ineligible" and not self.failed.data:
            add_error(self.failed, _l("Name the criteria that make this profile ineligible."))
            valid = False
        if self.expect.data != "ineligible" and self.failed.data:
            add_error(self.failed, _l("Only an ineligible example lists failing criteria."))
            valid = False
        return valid

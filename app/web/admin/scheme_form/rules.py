"""The editor's forms for eligibility: criteria as rows of conditions, examples with verdicts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.scheme_operators import OPERATORS, OPERATORS_BY_TYPE
from app.web.admin.scheme_form.fields import (
    LongTextPair,
    SourceField,
    add_error,
    choices_from,
    clean,
    required,
    slug,
)
from app.web.admin.scheme_form.rule_rows import is_group
from app.web.admin.scheme_form.values import ANSWERS_HELP, parse_answers_text, parse_rule_value
from app.web.core.choices import SelectChoice
from app.web.core.reference import vocabulary as current_vocabulary

# The msgids are marked for extraction in app/scheme_operators.py.
OPERATOR_LABELS = {name: _l(spec.label) for name, spec in OPERATORS.items()}
TYPE_LABELS = {
    "choice": _l("one choice"),
    "set": _l("a set of choices"),
    "number": _l("a number"),
    "integer": _l("a whole number"),
    "boolean": _l("true or false"),
}
GROUP_LABELS = {
    "all": _l("all of"),
    "any": _l("any of"),
    "none": _l("none of"),
}
GROUP_CHOICES = [
    SelectChoice("all", _l("all of: every row inside must be met")),
    SelectChoice("any", _l("any of: one row inside is enough")),
    SelectChoice("none", _l("none of: no row inside may be met")),
]
VERDICT_LABELS = {
    "eligible": _l("eligible"),
    "unknown": _l("to verify (unknown)"),
    "ineligible": _l("ineligible"),
}


class ConditionForm(Form):
    """One row of a criterion's rule: a condition (variable, operator, value) or a group
    ("all of", "any of", "none of") of the rows nested under it, with its depth."""

    kind = HiddenField(default="condition")
    depth = HiddenField(default="0")
    group = SelectField(_l("This group is met when"), default="all", choices=GROUP_CHOICES)
    variable = SelectField(_l("Variable"), validators=[required()])
    operator = SelectField(_l("Operator"), choices=choices_from(OPERATOR_LABELS))
    value = StringField(_l("Value"), filters=[clean], validators=[required()])

    def validate(self, extra_validators: Any = None) -> bool:
        if is_group(self.data):
            # A group's only input is its kind; its condition fields are not shown.
            return self.group.validate(self)
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
        _l("How the rows below combine"),
        default="all",
        choices=[
            SelectChoice("all", _l("every condition must be met")),
            SelectChoice("any", _l("one condition is enough")),
            SelectChoice("none", _l("no condition may be met")),
        ],
        description=_l("With a single row under “every” or “one”, the rule is that row."),
    )
    # The rule as rows with a depth: groups and conditions (app/web/admin/scheme_form/rule_rows.py).
    conditions = FieldList(FormField(ConditionForm), label=_l("Conditions"))
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
        if not self.conditions.entries and not self.verify_by.data:
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
        return valid

"""The editor's forms for eligibility: criteria as rows of conditions, examples with verdicts."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.scheme_operators import OPERATORS
from app.web.admin.scheme_form.fields import (
    Asked,
    LongTextPair,
    SourceField,
    choices_from,
    clean,
)
from app.web.admin.scheme_form.rule_rows import is_group
from app.web.admin.scheme_form.values import ANSWERS_HELP
from app.web.core.choices import SelectChoice

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
    variable = SelectField(_l("Variable"), validators=[Asked()])
    operator = SelectField(_l("Operator"), choices=choices_from(OPERATOR_LABELS))
    value = StringField(_l("Value"), filters=[clean], validators=[Asked()])

    def validate(self, extra_validators: Any = None) -> bool:
        # A group's only input is its kind; its condition fields are not shown. A condition's
        # operator and value are the domain's to check (app/eligibility/checks.py).
        return self.group.validate(self) if is_group(self.data) else super().validate()


class CriterionForm(Form):
    """One eligibility criterion: its wording in both languages and its rule as rows."""

    id = StringField(_l("Identifier"), filters=[clean], validators=[Asked()])
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


class ExampleForm(Form):
    """A profile with the verdict the rules must give it."""

    # The length limit is the form's own (the scheme model has none).
    title = StringField(_l("Title"), filters=[clean], validators=[Asked(), Length(max=300)])
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

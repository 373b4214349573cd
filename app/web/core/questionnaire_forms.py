"""One WTForms form per question, built from the vocabulary (read from GET, so no CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    EmailField,
    Field,
    RadioField,
    SelectMultipleField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.eligibility.answers import DONT_KNOW
from app.vocabulary import Variable
from app.web.core.choices import SelectChoice, choices_of
from app.web.core.number_fields import BoundedDecimalField, BoundedIntegerField


class CheckboxesField(SelectMultipleField):
    """Several values, shown as checkboxes; none ticked is a valid answer."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        allowed = {choice.value for choice in choices_of(self)}
        unknown = [value for value in self.data or () if value not in allowed]
        if unknown:
            raise ValidationError(_l("Choose among the values offered."))


class QuestionForm(FlaskForm):
    """The form of one question; its single field is named after the variable."""

    class Meta:
        csrf = False


def _field(variable: Variable, lang: str) -> Field:
    label = variable.label.get(lang)
    choices = [SelectChoice(c.id, c.label.get(lang)) for c in variable.values]
    if variable.type == "choice":
        return RadioField(
            label, choices=choices, validators=[InputRequired(_l("Choose an answer."))]
        )
    if variable.type == "set":
        return CheckboxesField(label, choices=choices)
    if variable.type == "boolean":
        yes_no = [SelectChoice("true", _l("Yes")), SelectChoice("false", _l("No"))]
        return RadioField(
            label, choices=yes_no, validators=[InputRequired(_l("Choose an answer."))]
        )
    bounds = NumberRange(
        min=variable.min,
        max=variable.max,
        message=_l("Enter a number between %(min)s and %(max)s.")
        if variable.max is not None
        else _l("Enter a number of at least %(min)s."),
    )
    required = InputRequired(_l("Enter a number."))
    if variable.type == "integer":
        return BoundedIntegerField(label, validators=[required, bounds])
    return BoundedDecimalField(label, validators=[required, bounds])


def question_form(
    variable: Variable, lang: str, formdata: MultiDict[str, str] | None, initial: Any = None
) -> QuestionForm:
    """A form for this variable, bound to submitted values, or showing a previous answer."""

    class _Form(QuestionForm):
        pass

    setattr(_Form, variable.id, _field(variable, lang))
    if formdata is not None:
        values = [v for v in formdata.getlist(variable.id) if v and v != DONT_KNOW]
        formdata = MultiDict([(variable.id, v) for v in values])
    if initial is not None:
        return _Form(formdata=None, data={variable.id: _initial(variable, initial)})
    return _Form(formdata=formdata)


def _initial(variable: Variable, value: Any) -> Any:
    if variable.type == "set":
        return sorted(value)
    if variable.type == "boolean":
        return "true" if value else "false"
    if variable.type == "integer":
        return int(value)
    return value


def email_address_field(label: Any = None, *, required: bool = True) -> EmailField:
    """An e-mail address field, the same checks and messages wherever one is asked for."""
    first = InputRequired(_l("Enter your e-mail address.")) if required else Optional()
    return EmailField(
        label or _l("Your e-mail address"),
        validators=[
            first,
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(_l("Enter an e-mail address such as name@example.org.")),
        ],
        render_kw={"autocomplete": "email"},
    )


class MailResultsForm(FlaskForm):
    """Send the results to oneself: an address, nothing kept."""

    email = email_address_field()

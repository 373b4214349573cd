"""What the editor's forms share: input cleaning, common validators, source and text fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, SelectField, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Regexp, ValidationError

from app.schemes import SLUG_PATTERN
from app.web.choices import SelectChoice


def choices_from(labels: Mapping[str, Any]) -> list[SelectChoice]:
    """The choices of a select, from values and their labels."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def add_error(field: Field, *messages: str) -> None:
    """Add messages to a field's errors once it is validated (WTForms keeps them in a list)."""
    cast(list[str], field.errors).extend(messages)


def clean(value: Any) -> Any:
    """Browsers send CRLF line ends, and outer spaces are never meant."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def required() -> DataRequired:
    """A validator for a field that must be filled in."""
    return DataRequired(message=_l("This field is required."))


def slug() -> Regexp:
    """A validator for an identifier that is also part of an address."""
    return Regexp(
        SLUG_PATTERN,
        message=_l("Use lower-case letters, digits and single hyphens, like cnc-xn-ecriture."),
    )


class SourceField(SelectField):
    """The id of one of the sources listed in the same form (`configure` sets the choices)."""

    def __init__(self, label: Any = None, validators: Any = None, required: bool = True, **kw: Any):
        super().__init__(label, validators, validate_choice=False, **kw)
        self.required = required
        self.flags.required = required
        self.known: list[str] = []

    def pre_validate(self, form: BaseForm) -> None:
        if not self.data:
            if self.required:
                raise ValidationError(_l("Choose the source of this fact."))
            return
        if self.data not in self.known:
            raise ValidationError(
                _l("Unknown source %(id)s: add it to the sources first.", id=self.data)
            )


class TextPair(Form):
    """A text in French and English; both are required (a missing one is never published)."""

    required = True
    fr = StringField(_l("French"), filters=[clean], render_kw={"lang": "fr"})
    en = StringField(_l("English"), filters=[clean], render_kw={"lang": "en"})

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.required or self.fr.data or self.en.data:
            for field, message in (
                (self.fr, _l("Missing French translation.")),
                (self.en, _l("Missing English translation.")),
            ):
                if not field.data:
                    add_error(field, message)
                    valid = False
        return valid


class LongTextPair(TextPair):
    """A text of one or several paragraphs, in French and English."""

    fr = TextAreaField(_l("French"), filters=[clean], render_kw={"lang": "fr", "rows": 4})
    en = TextAreaField(_l("English"), filters=[clean], render_kw={"lang": "en", "rows": 4})


class OptionalTextPair(TextPair):
    """An optional text: empty in both languages, or given in both."""

    required = False


class OptionalLongTextPair(LongTextPair):
    """An optional text of paragraphs: empty in both languages, or given in both."""

    required = False

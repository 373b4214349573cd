"""What the editor's forms share: input cleaning, the `Asked` marker, source and text fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, SelectField, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import Length

from app.web.core.choices import SelectChoice


def choices_from(labels: Mapping[str, Any]) -> list[SelectChoice]:
    """The choices of a select, from values and their labels."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def clean(value: Any) -> Any:
    """Browsers send CRLF line ends, and outer spaces are never meant."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class Asked:
    """Marks a field the scheme model requires: its label says so and browsers ask for it. It
    checks nothing: the model refuses the field empty, at the field, in the reader's language."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: BaseForm, field: Field) -> None:
        return None


class SourceField(SelectField):
    """The id of one of the sources listed in the same form (`configure` sets the choices).
    Checked by the domain: a fact without a source, or with one not listed, is refused there."""

    def __init__(self, label: Any = None, validators: Any = None, required: bool = True, **kw: Any):
        super().__init__(label, validators, validate_choice=False, **kw)
        self.required = required
        self.flags.required = required


class SchemeLinkField(StringField):
    """The identifier of another scheme (a parent, a successor), typed: the catalogue checks it
    names a scheme, not this one, and the refusal lands on the field. The editor offers the
    identifiers as a list when the catalogue is small enough (see editor.LISTED_LINKS)."""

    def __init__(self, label: Any = None, **kw: Any) -> None:
        render_kw = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        super().__init__(
            label, filters=[clean], validators=[Length(max=100)], render_kw=render_kw, **kw
        )


class TextPair(Form):
    """A text in French and English; both are required (the scheme model refuses a missing one:
    it is never published)."""

    required = True
    fr = StringField(_l("French"), filters=[clean], render_kw={"lang": "fr"})
    en = StringField(_l("English"), filters=[clean], render_kw={"lang": "en"})


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

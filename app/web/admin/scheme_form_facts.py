"""The editor's forms for sourced facts: sources, lifecycle, audience, amounts, calendar, notes."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, FieldList, Form, FormField, SelectField, StringField
from wtforms.form import BaseForm
from wtforms.validators import Length, Optional, Regexp, ValidationError

from app.facets import AUDIENCE_FACETS
from app.schemes import PARTIAL_DATE_PATTERN
from app.web.admin.scheme_form_fields import (
    LongTextPair,
    OptionalLongTextPair,
    OptionalTextPair,
    SourceField,
    add_error,
    choices_from,
    clean,
    required,
    slug,
)
from app.web.admin.scheme_form_values import parse_date, parse_number
from app.web.labels import FIXED_PER_LABELS, LIFECYCLE_LABELS, SOURCE_KIND_LABELS
from app.web.questionnaire_forms import CheckboxesField


def _partial_date() -> Regexp:
    return Regexp(
        PARTIAL_DATE_PATTERN,
        message=_l("Write a year, a month or a day: 2022, 2022-07 or 2022-07-01."),
    )


def _iso_date(_form: BaseForm, field: Field) -> None:
    if field.data and not parse_date(field.data):
        raise ValidationError(_l("Enter a date as YYYY-MM-DD, for example 2026-03-31."))


def _whole_euros(_form: BaseForm, field: Field) -> None:
    number = parse_number(field.data) if field.data else 0
    if number is None or not float(number).is_integer() or number < 0:
        raise ValidationError(_l("Enter a whole number of euros, 0 or more."))


def _percentage(_form: BaseForm, field: Field) -> None:
    number = parse_number(field.data) if field.data else 1
    if number is None or not 0 < number <= 100:
        raise ValidationError(_l("Enter a percentage above 0 and at most 100."))


class SourceForm(Form):
    """One page a fact comes from."""

    id = StringField(_l("Identifier"), filters=[clean], validators=[required(), slug()])
    url = StringField(
        _l("Web address"),
        filters=[clean],
        validators=[
            required(),
            Regexp(r"^https?://\S+$", message=_l("Enter an address starting with https://.")),
        ],
        render_kw={"type": "url"},
    )
    title = StringField(_l("Title"), filters=[clean], validators=[required(), Length(max=500)])
    kind = SelectField(_l("Kind"), choices=choices_from(SOURCE_KIND_LABELS))
    page_date = StringField(
        _l("Date shown on the page"),
        filters=[clean],
        validators=[Optional(), _partial_date()],
        description=_l("2022, 2022-07 or 2022-07-01, as precise as the page; empty if none."),
    )
    checked = StringField(
        _l("Checked on"),
        filters=[clean],
        validators=[required(), _iso_date],
        render_kw={"type": "date"},
    )


class LifecycleForm(Form):
    """Whether the scheme runs; retiring it is setting it closed or replaced."""

    status = SelectField(_l("Status"), choices=choices_from(LIFECYCLE_LABELS))
    since = StringField(
        _l("Since"),
        filters=[clean],
        validators=[Optional(), _partial_date()],
        description=_l("When this status began: 2022, 2022-07 or 2022-07-01."),
    )
    replaced_by = SelectField(
        _l("Successor"),
        description=_l("Required for a replaced scheme; allowed for a closed one."),
    )
    note = FormField(OptionalLongTextPair, _l("Note on the status"))
    source = SourceField(_l("Source"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.status.data == "replaced" and not self.replaced_by.data:
            add_error(self.replaced_by, _l("A replaced scheme names its successor."))
            valid = False
        if self.replaced_by.data and self.status.data not in ("replaced", "closed"):
            add_error(self.replaced_by, _l("Only a closed or replaced scheme has a successor."))
            valid = False
        return valid


class AudienceForm(Form):
    """Who may apply, in the vocabulary's values."""

    # One list of checkboxes per audience facet, set as fields below: made here, so that they
    # come first among the fields (WTForms orders fields by creation).
    audience_lists: ClassVar[dict[str, Any]] = {
        facet.field: CheckboxesField(_l(facet.plural)) for facet in AUDIENCE_FACETS
    }
    note = FormField(OptionalLongTextPair, _l("Note on who may apply"))
    source = SourceField(_l("Source"))


for _name, _field in AudienceForm.audience_lists.items():
    setattr(AudienceForm, _name, _field)


def _positive_euros(_form: BaseForm, field: Field) -> None:
    number = parse_number(field.data or "")
    if number is None or not float(number).is_integer() or number < 1:
        raise ValidationError(_l("Enter a whole number of euros, 1 or more."))


class FixedSumForm(Form):
    """A sum paid as such: a flat grant, a prize, a daily or monthly allowance."""

    eur = StringField(
        _l("Sum (euros)"),
        filters=[clean],
        validators=[_positive_euros],
        render_kw={"inputmode": "numeric"},
    )
    per = SelectField(_l("Paid"), choices=choices_from(FIXED_PER_LABELS), default="project")
    label = FormField(OptionalTextPair, _l("What it pays for"))


class AmountsForm(Form):
    """What the scheme pays; all empty when no official page says."""

    min_eur = StringField(
        _l("Minimum (euros)"),
        filters=[clean],
        validators=[_whole_euros],
        render_kw={"inputmode": "numeric"},
    )
    max_eur = StringField(
        _l("Maximum (euros)"),
        filters=[clean],
        validators=[_whole_euros],
        render_kw={"inputmode": "numeric"},
    )
    max_rate_percent = StringField(
        _l("Largest share of eligible costs (%)"),
        filters=[clean],
        validators=[_percentage],
        render_kw={"inputmode": "decimal"},
    )
    fixed = FieldList(FormField(FixedSumForm), label=_l("Fixed sums"))
    note = FormField(OptionalLongTextPair, _l("Note on the amounts"))
    source = SourceField(_l("Source"), required=False)

    def is_empty(self) -> bool:
        """True when nothing is said about amounts."""
        texts = (self.min_eur, self.max_eur, self.max_rate_percent, self.source)
        note = self.note.form
        return not self.fixed.entries and not any(f.data for f in (*texts, note.fr, note.en))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.is_empty() and not self.source.data:
            add_error(self.source, _l("Choose the source of the amounts."))
            valid = False
        low, high = parse_number(self.min_eur.data or ""), parse_number(self.max_eur.data or "")
        if low is not None and high is not None and low > high:
            add_error(self.max_eur, _l("The maximum is below the minimum."))
            valid = False
        return valid


class SessionForm(Form):
    """One application window."""

    label = FormField(OptionalTextPair, _l("Label"))
    opens = StringField(
        _l("Opens on"), filters=[clean], validators=[_iso_date], render_kw={"type": "date"}
    )
    closes = StringField(
        _l("Deadline"),
        filters=[clean],
        validators=[required(), _iso_date],
        render_kw={"type": "date"},
    )
    expected = BooleanField(_l("Expected date, foreseen from a stated rhythm, not confirmed yet"))
    source = SourceField(_l("Source"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        opens, closes = parse_date(self.opens.data or ""), parse_date(self.closes.data or "")
        if opens and closes and opens > closes:
            add_error(self.opens, _l("The session opens after its deadline."))
            valid = False
        return valid


class CalendarForm(Form):
    """Sessions with dates, or applications all year round."""

    rolling = BooleanField(_l("Applications accepted all year round"))
    sessions = FieldList(FormField(SessionForm), label=_l("Sessions"))
    note = FormField(OptionalLongTextPair, _l("Note on the calendar"))
    source = SourceField(
        _l("Source"),
        required=False,
        description=_l("Required with applications all year round or with a note."),
    )

    def is_empty(self) -> bool:
        """True when nothing is said about dates."""
        note = self.note.form
        return not (self.rolling.data or self.sessions.entries or note.fr.data or note.en.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.rolling.data and self.sessions.entries:
            add_error(self.rolling, _l("A scheme open all year round has no sessions."))
            valid = False
        note = self.note.form
        if (self.rolling.data or note.fr.data or note.en.data) and not self.source.data:
            add_error(self.source, _l("Choose the source of the calendar."))
            valid = False
        return valid


class ApplyForm(Form):
    """Where and how to apply; all empty when no official page says."""

    url = StringField(
        _l("Application page or platform"),
        filters=[clean],
        validators=[Optional(), Regexp(r"^https?://\S+$", message=_l("Enter a web address."))],
        render_kw={"type": "url"},
    )
    how = FormField(OptionalLongTextPair, _l("How to apply"))
    documents = FormField(OptionalLongTextPair, _l("Documents asked for"))
    source = SourceField(_l("Source"), required=False)

    def is_empty(self) -> bool:
        """True when nothing is said about applying."""
        how, documents = self.how.form, self.documents.form
        fields = (self.url, self.source, how.fr, how.en, documents.fr, documents.en)
        return not any(f.data for f in fields)


class NoteForm(Form):
    """A sourced remark that fits no other field."""

    text = FormField(LongTextPair, _l("Text"))
    source = SourceField(_l("Source"))

"""The editor's forms for sourced facts: sources, lifecycle, audience, amounts, calendar, notes."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import Length

from app.facets import AUDIENCE_FACETS
from app.web.admin.scheme_form.fields import (
    Asked,
    LongTextPair,
    OptionalLongTextPair,
    OptionalTextPair,
    SchemeLinkField,
    SourceField,
    choices_from,
    clean,
)
from app.web.core.labels import FIXED_PER_LABELS, LIFECYCLE_LABELS, SOURCE_KIND_LABELS
from app.web.core.questionnaire_forms import CheckboxesField

# These forms only read what is typed: every rule of a scheme (required facts, formats, bounds,
# rules across fields) is the scheme model's and the catalogue's, reported at the field.


class SourceForm(Form):
    """One page a fact comes from."""

    id = StringField(_l("Identifier"), filters=[clean], validators=[Asked()])
    url = StringField(
        _l("Web address"), filters=[clean], validators=[Asked()], render_kw={"type": "url"}
    )
    title = StringField(_l("Title"), filters=[clean], validators=[Asked(), Length(max=500)])
    kind = SelectField(_l("Kind"), choices=choices_from(SOURCE_KIND_LABELS))
    page_date = StringField(
        _l("Date shown on the page"),
        filters=[clean],
        description=_l("2022, 2022-07 or 2022-07-01, as precise as the page; empty if none."),
    )
    checked = StringField(
        _l("Checked on"), filters=[clean], validators=[Asked()], render_kw={"type": "date"}
    )


class LifecycleForm(Form):
    """Whether the scheme runs; retiring it is setting it closed or replaced."""

    status = SelectField(_l("Status"), choices=choices_from(LIFECYCLE_LABELS))
    since = StringField(
        _l("Since"),
        filters=[clean],
        description=_l("When this status began: 2022, 2022-07 or 2022-07-01."),
    )
    replaced_by = SchemeLinkField(
        _l("Successor"),
        description=_l(
            "The identifier of the scheme that follows it, as in the address of its page. "
            "Required for a replaced scheme; allowed for a closed one."
        ),
    )
    note = FormField(OptionalLongTextPair, _l("Note on the status"))
    source = SourceField(_l("Source"))


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


class FixedSumForm(Form):
    """A sum paid as such: a flat grant, a prize, a daily or monthly allowance."""

    eur = StringField(
        _l("Sum (euros)"),
        filters=[clean],
        render_kw={"inputmode": "numeric"},
    )
    per = SelectField(_l("Paid"), choices=choices_from(FIXED_PER_LABELS), default="project")
    label = FormField(OptionalTextPair, _l("What it pays for"))


class AmountsForm(Form):
    """What the scheme pays; all empty when no official page says."""

    min_eur = StringField(
        _l("Minimum (euros)"),
        filters=[clean],
        render_kw={"inputmode": "numeric"},
    )
    max_eur = StringField(
        _l("Maximum (euros)"),
        filters=[clean],
        render_kw={"inputmode": "numeric"},
    )
    max_rate_percent = StringField(
        _l("Largest share of eligible costs (%)"),
        filters=[clean],
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


class SessionForm(Form):
    """One application window."""

    label = FormField(OptionalTextPair, _l("Label"))
    opens = StringField(_l("Opens on"), filters=[clean], render_kw={"type": "date"})
    closes = StringField(
        _l("Deadline"), filters=[clean], validators=[Asked()], render_kw={"type": "date"}
    )
    expected = BooleanField(_l("Expected date, foreseen from a stated rhythm, not confirmed yet"))
    source = SourceField(_l("Source"))


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


class ApplyForm(Form):
    """Where and how to apply; all empty when no official page says."""

    url = StringField(
        _l("Application page or platform"), filters=[clean], render_kw={"type": "url"}
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

"""The scheme editor's form as a whole: every part of a scheme and its choices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.form import BaseForm
from wtforms.validators import Length

from app.facets import AUDIENCE_FACETS
from app.vocabulary import Vocabulary
from app.web.admin.scheme_form.facts import (
    AmountsForm,
    ApplyForm,
    AudienceForm,
    CalendarForm,
    LifecycleForm,
    NoteForm,
    SourceForm,
)
from app.web.admin.scheme_form.fields import (
    Asked,
    LongTextPair,
    SchemeLinkField,
    SourceField,
    TextPair,
    choices_from,
    clean,
)
from app.web.admin.scheme_form.rules import CriterionForm, ExampleForm
from app.web.admin.scheme_form.values import ANSWERS_HELP
from app.web.core.choices import SelectChoice
from app.web.core.labels import KIND_LABELS


class SchemeForm(FlaskForm):
    """Every fact of a scheme, in both languages, with its sources, rules and examples."""

    base_revision = HiddenField()
    id = StringField(
        _l("Identifier"),
        filters=[clean],
        validators=[Asked(), Length(max=100)],
        description=_l("Also the address of the public page; it cannot change later."),
    )
    name = FormField(TextPair, _l("Name"))
    summary = FormField(LongTextPair, _l("Summary"))
    description = FormField(LongTextPair, _l("Description"))
    funder = SelectField(_l("Funder"), validators=[Asked()])
    operator = SelectField(_l("Operator, when not the funder"))
    kind = SelectField(_l("Kind of support"), choices=choices_from(KIND_LABELS))
    parent = SchemeLinkField(
        _l("Strand of the larger scheme"),
        description=_l(
            "The identifier of the larger scheme, as in the address of its page; empty if none."
        ),
    )
    lifecycle = FormField(LifecycleForm, _l("Lifecycle"))
    audience = FormField(AudienceForm, _l("Who may apply"))
    amounts = FormField(AmountsForm, _l("Amounts"))
    calendar = FormField(CalendarForm, _l("Calendar"))
    apply = FormField(ApplyForm, _l("How to apply"))
    notes = FieldList(FormField(NoteForm), label=_l("Notes"))
    sources = FieldList(FormField(SourceForm), label=_l("Sources"), min_entries=1)
    criteria = FieldList(FormField(CriterionForm), label=_l("Eligibility criteria"))
    examples = FieldList(FormField(ExampleForm), label=_l("Examples"))
    comment = TextAreaField(
        _l("What changed, and why"), filters=[clean], validators=[Length(max=2000)]
    )
    trial_title = StringField(_l("Title, if you add it as an example"), filters=[clean])
    trial_answers = TextAreaField(
        _l("A profile to try"),
        filters=[clean],
        description=ANSWERS_HELP,
        render_kw={"rows": 5, "spellcheck": "false"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Errors about a whole group (a fieldset), by its id, and errors with no field at all.
        self.group_errors: dict[str, list[str]] = {}
        self.other_errors: list[str] = []

    def source_ids(self) -> list[str]:
        """The source ids typed in the sources list."""
        return [entry.form.id.data for entry in self.sources if entry.form.id.data]


def leaves(container: BaseForm | FormField[Any] | FieldList[Any]) -> Iterable[Field]:
    """Every input field of a form, depth first, in document order."""
    fields: Iterable[Field]
    if isinstance(container, FieldList):
        fields = container.entries
    elif isinstance(container, FormField):
        fields = container.form
    else:
        fields = container
    for field in fields:
        if isinstance(field, FormField | FieldList):
            yield from leaves(field)
        else:
            yield field


def configure(form: SchemeForm, vocabulary: Vocabulary, lang: str) -> None:
    """Fill the choices that depend on the vocabulary and the typed sources. Links to other
    schemes are typed identifiers (a list of 10,000 choices would weigh megabytes), checked
    against the catalogue when the scheme is checked."""
    organisations = [
        SelectChoice(org.id, f"{org.acronym} – {org.name.get(lang)}")
        for org in vocabulary.organisations.values()
    ]
    form.funder.choices = [SelectChoice("", _("Choose…")), *organisations]
    form.operator.choices = [SelectChoice("", _("None")), *organisations]
    audience = form.audience.form
    for facet in AUDIENCE_FACETS:
        values = vocabulary.variable(facet.variable).values
        field = audience[facet.field]
        if not isinstance(field, SelectMultipleField):
            raise TypeError(f"audience.{facet.field} is not a multiple choice")
        field.choices = [SelectChoice(c.id, c.label.get(lang)) for c in values]
    variables = [
        SelectChoice(v.id, f"{v.label.get(lang)} ({v.id})") for v in vocabulary.variables.values()
    ]
    known = form.source_ids()
    for field in leaves(form):
        if isinstance(field, SourceField):
            extra = [field.data] if field.data and field.data not in known else []
            ids = [SelectChoice(source_id) for source_id in (*known, *extra)]
            field.choices = [SelectChoice("", _("Choose…")), *ids]
    for criterion in form.criteria:
        for row in criterion.form.conditions:
            row.form.variable.choices = [SelectChoice("", _("Choose…")), *variables]


# Moved to the modules of their concept; tests/test_admin_editor.py still imports them from here.

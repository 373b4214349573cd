"""The filter and search form of the scheme list, read from the query string (page and API)."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, SearchField, SelectField, SelectMultipleField
from wtforms.validators import Length, NumberRange, Optional

from app.facets import AUDIENCE_BY_PARAMETER, AUDIENCE_FACETS, LIST_FACETS, Filters
from app.schemes import KINDS, LIFECYCLE_STATUSES
from app.web.core.choices import SelectChoice
from app.web.core.labels import KIND_LABELS, LIFECYCLE_LABELS
from app.web.core.number_fields import BoundedIntegerField
from app.web.core.reference import vocabulary

# Query parameter -> vocabulary variable whose values it takes.
VOCABULARY_FACETS = {facet.parameter: facet.variable for facet in AUDIENCE_FACETS}
FACETS = LIST_FACETS
SORTS = ("relevance", "deadline", "name", "amount")
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000  # far beyond the catalogue's last page; keeps every offset small
# Longer input is refused (search itself reads the first 200 characters). Even in 4-byte
# characters, percent-encoded (12 bytes each), it fits the request-target limit of edge.py.
MAX_QUERY_INPUT = 300


class YesNoField(BooleanField):
    """A yes/no query parameter: true/false (or 1/0, yes/no, y/n, on, empty); any other value is
    refused (400), as the API's boolean type says, instead of counting as yes."""

    TRUE = ("true", "1", "yes", "y", "on")  # "y": the value WTForms gives checkboxes
    FALSE = ("false", "0", "no", "n", "off", "")

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, false_values=self.FALSE, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and str(valuelist[0]).lower() not in self.TRUE + self.FALSE:
            self.data = False
            raise ValueError(str(_l("Use true or false.")))
        if valuelist:
            valuelist = [str(valuelist[0]).lower()]
        super().process_formdata(valuelist)


class FilterForm(FlaskForm):
    """Search words, filters, sort and page of the scheme list (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=MAX_QUERY_INPUT)])
    funder = SelectMultipleField(_l("Funder"), validators=[Optional()])
    # One multiple choice per audience facet, set as fields below: made here, so that they keep
    # their place among the fields (WTForms orders fields by creation).
    _audience: ClassVar[dict[str, Any]] = {
        name: SelectMultipleField(_l(AUDIENCE_BY_PARAMETER[name].label), validators=[Optional()])
        for name in LIST_FACETS
        if name in AUDIENCE_BY_PARAMETER
    }
    kind = SelectMultipleField(_l("Kind of support"), validators=[Optional()])
    lifecycle = SelectMultipleField(_l("Status"), validators=[Optional()])
    open_now = YesNoField(_l("Open now"))
    include_closed = YesNoField(_l("Include closed and replaced schemes"))
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("relevance", _l("Relevance")),
            SelectChoice("deadline", _l("Next deadline")),
            SelectChoice("name", _l("Name")),
            SelectChoice("amount", _l("Maximum amount")),
        ],
        validators=[Optional()],
    )
    page = BoundedIntegerField(
        _l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)]
    )
    per_page = BoundedIntegerField(
        _l("Results per page"),
        default=PER_PAGE,
        validators=[Optional(), NumberRange(min=1, max=MAX_PER_PAGE)],
    )

    def __init__(self, formdata: MultiDict[str, Any], lang: str) -> None:
        # An empty facet value means no filter. Dropping it matters too because Optional() reads
        # only the first value: ?role=&role=<anything> would otherwise skip the choice check.
        cleaned = MultiDict([(k, v) for k, v in formdata.items(multi=True) if v or k not in FACETS])
        self._closed_given = "include_closed" in cleaned
        super().__init__(formdata=cleaned)
        vocab = vocabulary()
        organisations = sorted(vocab.organisations.values(), key=lambda o: o.acronym.lower())
        self.funder.choices = [SelectChoice(org.id, org.acronym) for org in organisations]
        for field_name, variable_id in VOCABULARY_FACETS.items():
            variable = vocab.variable(variable_id)
            getattr(self, field_name).choices = [
                SelectChoice(c.id, c.label.get(lang)) for c in variable.values
            ]
        self.kind.choices = [SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS]
        self.lifecycle.choices = [
            SelectChoice(status, LIFECYCLE_LABELS[status]) for status in LIFECYCLE_STATUSES
        ]

    @property
    def text(self) -> str:
        """The search words, trimmed."""
        return (self.q.data or "").strip()

    @property
    def chosen_sort(self) -> str:
        """The sort asked for; relevance only means something with search words."""
        default = "relevance" if self.text else "deadline"
        chosen = self.sort.data or default
        return "deadline" if chosen == "relevance" and not self.text else chosen

    def closed_shown(self) -> bool:
        """Closed and replaced schemes are listed: as asked; otherwise for a search (after the
        current ones, so that a name read in an old document still leads somewhere), and not
        when browsing."""
        if self._closed_given:
            return bool(self.include_closed.data)
        return bool(self.text)

    def filters(self) -> Filters:
        """The validated filters as the repository and the search take them."""
        return Filters(values=self.facet_values(), include_inactive=self.closed_shown())

    def facet_values(self) -> dict[str, tuple[str, ...]]:
        """The chosen values of each facet, by facet name."""
        return {name: tuple(getattr(self, name).data or ()) for name in FACETS}

    def facet_fields(self, exclude: tuple[str, ...] = ()) -> list[Field]:
        """The fields of the facets, but those excluded, in the list's order (filter panels)."""
        return [self[name] for name in FACETS if name not in exclude]

    def error_list(self) -> list[dict[str, str]]:
        """Errors as the API reports them: one entry per field and message."""
        return [
            {"field": name, "message": str(message)}
            for name, messages in self.errors.items()
            for message in messages
        ]


for _name, _field in FilterForm._audience.items():
    setattr(FilterForm, _name, _field)

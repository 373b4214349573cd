"""The scheme list shared by page and API: filter form, sorting, pagination, facet counts."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from app.deadlines import NextDeadline, next_deadline
from app.i18n import Localized
from app.repository import SchemeFilters
from app.schemes import KINDS, LIFECYCLE_STATUSES, Scheme
from app.vocabulary import Vocabulary
from app.web.labels import KIND_LABELS, LIFECYCLE_LABELS

# Query parameter -> vocabulary variable whose values it takes.
VOCABULARY_FACETS = {"sector": "sectors", "applicant_type": "applicant_type", "role": "roles"}
FACETS = ("funder", "sector", "applicant_type", "kind", "lifecycle")
PER_PAGE = 20
MAX_PER_PAGE = 100


def vocabulary() -> Vocabulary:
    """The profile vocabulary and organisations loaded at start-up."""
    vocab: Vocabulary = current_app.extensions["aides.vocabulary"]
    return vocab


class FilterForm(FlaskForm):
    """Filters of the scheme list, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    funder = SelectMultipleField(_l("Funder"), validators=[Optional()])
    sector = SelectMultipleField(_l("Sector"), validators=[Optional()])
    applicant_type = SelectMultipleField(_l("Applicant"), validators=[Optional()])
    role = SelectMultipleField(_l("Role"), validators=[Optional()])
    kind = SelectMultipleField(_l("Kind of support"), validators=[Optional()])
    lifecycle = SelectMultipleField(_l("Status"), validators=[Optional()])
    include_closed = BooleanField(_l("Include closed and replaced schemes"))
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice("deadline", _l("Next deadline")), SelectChoice("name", _l("Name"))],
        default="deadline",
        validators=[Optional()],
    )
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1)])
    per_page = IntegerField(
        _l("Results per page"),
        default=PER_PAGE,
        validators=[Optional(), NumberRange(min=1, max=MAX_PER_PAGE)],
    )

    def __init__(self, formdata: MultiDict[str, Any], lang: str) -> None:
        super().__init__(formdata=formdata)
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

    def filters(self) -> SchemeFilters:
        """The validated filters as the repository takes them."""
        return SchemeFilters(
            funders=tuple(self.funder.data or ()),
            kinds=tuple(self.kind.data or ()),
            lifecycles=tuple(self.lifecycle.data or ()),
            sectors=tuple(self.sector.data or ()),
            applicant_types=tuple(self.applicant_type.data or ()),
            roles=tuple(self.role.data or ()),
            include_inactive=bool(self.include_closed.data),
        )

    def error_list(self) -> list[dict[str, str]]:
        """Errors as the API reports them: one entry per field and message."""
        return [
            {"field": name, "message": str(message)}
            for name, messages in self.errors.items()
            for message in messages
        ]

    def active_filter_count(self) -> int:
        """How many filter values the reader has chosen (shown on the collapsed filter panel)."""
        return sum(len(getattr(self, name).data or ()) for name in (*FACETS, "role"))


@dataclass(frozen=True)
class ListedScheme:
    """A scheme in a list, with its next deadline on the day of the request."""

    scheme: Scheme
    deadline: NextDeadline


@dataclass(frozen=True)
class Page:
    """One page of a sorted list."""

    items: list[ListedScheme]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))


def _name_key(scheme: Scheme, lang: str) -> str:
    return scheme.name.get(lang).casefold()


def sort_and_page(
    schemes: list[Scheme], *, today: date, lang: str, sort: str, page: int, per_page: int
) -> Page:
    """Sort by next deadline (dated sessions first, then all-year, then none) or by name."""
    listed = [ListedScheme(s, next_deadline(s, today)) for s in schemes]
    rank = {"session": 0, "rolling": 1, "none": 2}
    if sort == "name":
        listed.sort(key=lambda item: _name_key(item.scheme, lang))
    else:
        listed.sort(
            key=lambda item: (
                rank[item.deadline.kind],
                item.deadline.closes or date.max,
                _name_key(item.scheme, lang),
            )
        )
    start = (page - 1) * per_page
    return Page(listed[start : start + per_page], len(listed), page, per_page)


def facet_counts(schemes: list[Scheme]) -> dict[str, dict[str, int]]:
    """For each facet, how many of these schemes carry each value."""
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    for scheme in schemes:
        counts["funder"][scheme.funder] += 1
        counts["kind"][scheme.kind] += 1
        counts["lifecycle"][scheme.lifecycle.status] += 1
        counts["sector"].update(set(scheme.audience.sectors))
        counts["applicant_type"].update(set(scheme.audience.applicant_types))
    return {facet: dict(sorted(counter.items())) for facet, counter in counts.items()}


def localized(text: Localized | None, lang: str) -> str | None:
    """A bilingual text in one language, or None."""
    return text.get(lang) if text else None

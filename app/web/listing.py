"""The scheme list shared by page and API: search or filter, then sort, page and count facets."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

from app.deadlines import NextDeadline, is_open_now, next_deadline, today_in_paris
from app.i18n import Localized
from app.repository import list_schemes
from app.schemes import Scheme
from app.search import SearchFilters
from app.web.catalogue_cache import current_catalogue
from app.web.database import db_session
from app.web.listing_form import FACETS, FilterForm
from app.web.search_service import search


@dataclass(frozen=True)
class ListedScheme:
    """A scheme in a list, with its next deadline on the day of the request."""

    scheme: Scheme
    deadline: NextDeadline
    score: float | None = None


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


@dataclass
class Listing:
    """What a list request found: a page, facet counts, and what search has to say."""

    page: Page
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    fuzzy: bool = False
    truncated: bool = False
    common_words_only: bool = False
    corrected: bool = False  # the results are those of the suggestion

    def searched_text(self, typed: str) -> str:
        """The words the results answer: the suggestion when the typed words found nothing."""
        return self.suggestion if self.corrected and self.suggestion else typed


def _name_key(scheme: Scheme, lang: str) -> str:
    return scheme.name.get(lang).casefold()


def sort_and_page(
    items: list[ListedScheme], *, lang: str, sort: str, page: int, per_page: int
) -> Page:
    """Sort by relevance (as given), next deadline, name, or maximum amount; then cut a page."""
    rank = {"session": 0, "rolling": 1, "none": 2}
    if sort == "name":
        items = sorted(items, key=lambda item: _name_key(item.scheme, lang))
    elif sort == "amount":
        items = sorted(items, key=lambda item: -_max_amount(item.scheme))
    elif sort == "deadline":
        items = sorted(
            items,
            key=lambda item: (
                rank[item.deadline.kind],
                item.deadline.closes or date.max,
                _name_key(item.scheme, lang),
            ),
        )
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)


def _max_amount(scheme: Scheme) -> int:
    return scheme.amounts.max_eur or 0 if scheme.amounts else 0


def facet_counts(schemes: list[Scheme]) -> dict[str, dict[str, int]]:
    """For each facet, how many of these schemes carry each value."""
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    for scheme in schemes:
        counts["funder"][scheme.funder] += 1
        counts["kind"][scheme.kind] += 1
        counts["lifecycle"][scheme.lifecycle.status] += 1
        counts["sector"].update(set(scheme.audience.sectors))
        counts["applicant_type"].update(set(scheme.audience.applicant_types))
        counts["role"].update(set(scheme.audience.roles))
    return {facet: dict(sorted(counter.items())) for facet, counter in counts.items()}


def run_listing(form: FilterForm, lang: str) -> Listing:
    """Search (words) or filter (none) the catalogue, then sort and cut the asked page."""
    today = today_in_paris()
    suggestion, fuzzy, truncated, common_only, corrected = None, False, False, False, False
    scores: dict[str, float] = {}
    facets: dict[str, dict[str, int]] | None = None
    if form.text:
        catalogue = current_catalogue()
        by_id = {scheme.id: scheme for scheme in catalogue.schemes}
        filters = form.filters()
        found = search(
            form.text,
            SearchFilters(values=form.facet_values(), include_inactive=filters.include_inactive),
        )
        schemes = [by_id[i] for i in found.ids if i in by_id]
        scores = found.scores
        suggestion, fuzzy, common_only = found.suggestion, found.fuzzy, found.common_words_only
        corrected = found.mode == "corrected"
        truncated = bool(found.query and found.query.truncated)
        facets = {
            name: dict(sorted((k, v) for k, v in found.facets.get(name, {}).items() if k))
            for name in FACETS
        }
    else:
        schemes = list_schemes(db_session(), form.filters())
    if facets is None:
        facets = facet_counts(schemes)
    facets["open_now"] = {"true": sum(is_open_now(s, today) for s in schemes)}
    if form.open_now.data:
        schemes = [s for s in schemes if is_open_now(s, today)]
    items = [ListedScheme(s, next_deadline(s, today), scores.get(s.id)) for s in schemes]
    page = sort_and_page(
        items,
        lang=lang,
        sort=form.chosen_sort,
        page=form.page.data or 1,
        per_page=form.per_page.data or 20,
    )
    return Listing(page, facets, suggestion, fuzzy, truncated, common_only, corrected)


def localized(text: Localized | None, lang: str) -> str | None:
    """A bilingual text in one language, or None."""
    return text.get(lang) if text else None

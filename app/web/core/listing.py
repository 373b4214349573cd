"""The scheme list shared by page and API: search or filter, then sort, page and count facets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np

from app.deadlines import NextDeadline, next_deadline, today_in_paris
from app.facets import disjunctive_counts
from app.i18n import Localized
from app.schemes import ACTIVE_STATUSES, Scheme
from app.search import SearchFilters
from app.web.core.catalogue_cache import Catalogue, current_catalogue, name_order
from app.web.core.listing_form import FACETS, FilterForm
from app.web.core.search_service import search, serving_build


@dataclass(frozen=True, slots=True)  # thousands of them are kept per catalogue
class ListedScheme:
    """A scheme in a list, with its next deadline on the day of the request."""

    scheme: Scheme
    deadline: NextDeadline
    score: float | None = None


@dataclass(frozen=True)
class ResultPage:
    """One page of a sorted list."""

    items: list[ListedScheme]
    total: int
    page: int
    per_page: int

    def split_inactive(self) -> tuple[list[ListedScheme], list[ListedScheme]]:
        """The page's items, and apart the closed and replaced ones that end it (a search lists
        them after the current ones; one whose name was typed stays on top, badged)."""
        cut = len(self.items)
        while cut and self.items[cut - 1].scheme.lifecycle.status not in ACTIVE_STATUSES:
            cut -= 1
        return self.items[:cut], self.items[cut:]

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))


@dataclass
class Listing:
    """What a list request found: a page, facet counts, and what search has to say."""

    page: ResultPage
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    fuzzy: bool = False
    truncated: bool = False
    common_words_only: bool = False
    corrected: bool = False  # the results are those of the suggestion
    inactive_count: int = 0  # closed and replaced schemes listed (after the current ones)
    # Each found scheme's relevance, by id: given to the page's items only (the items kept
    # are those every list shares, see listed_schemes).
    scores: Mapping[str, float] = field(default_factory=dict)

    def searched_text(self, typed: str) -> str:
        """The words the results answer: the suggestion when the typed words found nothing."""
        return self.suggestion if self.corrected and self.suggestion else typed


def listed_schemes(catalogue: Catalogue, today: date) -> dict[str, ListedScheme]:
    """Every scheme as a list shows it that day (by id, without a score): kept per scheme and
    day like deadlines, so that the lists of every selection share them."""
    return catalogue.each(("listed", today), lambda s: ListedScheme(s, next_deadline(s, today)))


_KIND_RANKS = {"session": 0, "rolling": 1, "none": 2}  # NextDeadline.kind, in deadline order


def deadline_ranks(catalogue: Catalogue, today: date, lang: str) -> dict[str, int]:
    """Each scheme's rank in that day's deadline order: open sessions by closing date, then
    rolling calls, then the others, names breaking ties (the same deadline and name, the same
    rank). Worked out once per day and language, then patched by each publish's refresh."""

    def key(scheme: Scheme) -> tuple[int, date, str]:
        deadline = next_deadline(scheme, today)
        return _KIND_RANKS[deadline.kind], deadline.closes or date.max, name_order(scheme, lang)

    return catalogue.ranks(("deadline order", today, lang), key)


def cut_page(items: list[ListedScheme], page: int, per_page: int) -> ResultPage:
    """One page of sorted items."""
    start = (page - 1) * per_page
    return ResultPage(items[start : start + per_page], len(items), page, per_page)


@dataclass(frozen=True)
class SortRanks:
    """Each scheme of the catalogue's rank by name (Catalogue.name_ranks) and by deadline
    (deadline_ranks) that day, in that language: what lists sort by instead of comparing names
    and dates item by item. Each is looked up only when a sort needs it."""

    catalogue: Catalogue
    today: date
    lang: str

    @cached_property
    def names(self) -> Mapping[str, int]:
        """Each scheme's rank by name."""
        return self.catalogue.name_ranks(self.lang)

    @cached_property
    def deadlines(self) -> Mapping[str, int]:
        """Each scheme's rank in the day's deadline order."""
        return deadline_ranks(self.catalogue, self.today, self.lang)

    @cached_property
    def amounts(self) -> Mapping[str, int]:
        """Each scheme's largest amount in euros, negated (the largest first), 0 without any."""
        return self.catalogue.each("negated largest amount", lambda s: -_max_amount(s))

    @cached_property
    def active(self) -> Mapping[str, bool]:
        """Whether each scheme is current rather than closed or replaced (Scheme.is_active)."""
        return self.catalogue.active_flags()


def sort_ids(ids: list[str], ranks: SortRanks, sort: str, inactive_last: bool = False) -> list[str]:
    """Scheme ids by relevance (as given), next deadline, name, or maximum amount; with
    inactive_last, closed and replaced schemes after the current ones in each order. Thousands
    of ids at 10,000 schemes: each key is looked up in C (a dict's __getitem__), not a lambda."""
    if sort == "name":
        ids = sorted(ids, key=ranks.names.__getitem__)
    elif sort == "amount":
        ids = sorted(ids, key=ranks.amounts.__getitem__)
    elif sort == "deadline":
        ids = sorted(ids, key=ranks.deadlines.__getitem__)
    if inactive_last:
        # Active (True) first; a reversed sort keeps equal keys in the order given.
        ids = sorted(ids, key=ranks.active.__getitem__, reverse=True)
    return ids


def _max_amount(scheme: Scheme) -> int:
    return (scheme.amounts.largest_eur() or 0) if scheme.amounts else 0


def _browse(
    form: FilterForm, catalogue: Catalogue, lang: str, today: date
) -> tuple[list[ListedScheme], dict[str, dict[str, int]]]:
    """The catalogue filtered without words, sorted, with disjunctive facet counts: each facet
    counted over the schemes that pass the other facets. Worked out once per selection, order,
    day and catalogue version (a publish starts afresh): not per request."""
    selected = form.filters().selected()  # closed schemes left out unless asked
    chosen = tuple(sorted((k, tuple(v)) for k, v in selected.items() if v))
    key = ("browse", chosen, bool(form.open_now.data), form.chosen_sort, lang, today)

    def compute() -> tuple[list[ListedScheme], dict[str, dict[str, int]]]:
        sets, size = catalogue.facet_sets, len(catalogue.schemes)
        everything = np.arange(size)
        kept, facets = disjunctive_counts(everything, sets.passing(selected, size), sets, FACETS)
        ids = [catalogue.schemes[position].id for position in np.flatnonzero(kept).tolist()]
        return _ordered(catalogue, ids, form, lang, today, facets)

    return catalogue.answer(key, compute, lambda answer: len(answer[0]))


def _ordered(
    catalogue: Catalogue,
    ids: list[str],
    form: FilterForm,
    lang: str,
    today: date,
    facets: dict[str, dict[str, int]],
) -> tuple[list[ListedScheme], dict[str, dict[str, int]]]:
    """The schemes found (by id, open today only if asked) as lists show them that day, in the
    asked order; and the facets with the count of those open today. Thousands of ids at
    10,000 schemes: looked up in C (map, filter, set intersection), not item by item."""
    open_ids = catalogue.open_ids(today)
    facets = {**facets, "open_now": {"true": len(open_ids.intersection(ids))}}
    if form.open_now.data:
        ids = list(filter(open_ids.__contains__, ids))
    # Relevance already ranks current schemes first (but an exact name above all).
    inactive_last = bool(form.text) and form.chosen_sort != "relevance"
    ids = sort_ids(ids, SortRanks(catalogue, today, lang), form.chosen_sort, inactive_last)
    return list(map(listed_schemes(catalogue, today).__getitem__, ids)), facets


def _searched(form: FilterForm, catalogue: Catalogue, lang: str, today: date) -> Listing:
    """The schemes the words find with the chosen facets, sorted, with their facet counts and
    what search has to say (all items: the caller cuts the page). Worked out once per words,
    selection, order, day and catalogue version: the next page of a search is a lookup."""
    filters = form.filters()
    values = form.facet_values()
    chosen = tuple(sorted((k, tuple(v)) for k, v in values.items() if v))
    open_now, sort = bool(form.open_now.data), form.chosen_sort
    # Right after a publish, this process may search the build before while another one
    # writes the new build: such an answer is kept under that build's name, not as the
    # catalogue's (it would stay stale until the next publish).
    build = serving_build()
    key = (form.text, chosen, filters.include_inactive, open_now, sort, lang, today, build)

    def compute() -> Listing:
        found = search(
            form.text, SearchFilters(values=values, include_inactive=filters.include_inactive)
        )
        ids = list(filter(catalogue.by_id.__contains__, found.ids))
        facets = {
            name: dict(sorted((k, v) for k, v in found.facets.get(name, {}).items() if k))
            for name in FACETS
        }
        items, facets = _ordered(catalogue, ids, form, lang, today, facets)
        return Listing(
            ResultPage(items, len(items), 1, max(1, len(items))),
            facets,
            found.suggestion,
            found.fuzzy,
            bool(found.query and found.query.truncated),
            found.common_words_only,
            found.mode == "corrected",
            found.inactive_count,
            found.scores,
        )

    return catalogue.answer(("search", key), compute, lambda answer: len(answer.page.items))


def run_listing(form: FilterForm, lang: str) -> Listing:
    """Search (words) or filter (none) the catalogue, then sort and cut the asked page."""
    today = today_in_paris()
    catalogue = current_catalogue()
    if form.text:
        found = _searched(form, catalogue, lang, today)
        items = found.page.items
    else:
        items, facets = _browse(form, catalogue, lang, today)
        found = Listing(ResultPage(items, len(items), 1, max(1, len(items))), facets)
    page = cut_page(items, form.page.data or 1, form.per_page.data or 20)
    if found.scores:
        scored = [
            ListedScheme(i.scheme, i.deadline, found.scores.get(i.scheme.id)) for i in page.items
        ]
        page = replace(page, items=scored)
    inactive = found.inactive_count
    if form.open_now.data:
        inactive = sum(i.scheme.lifecycle.status not in ACTIVE_STATUSES for i in items)
    return replace(found, page=page, inactive_count=inactive)


def localized(text: Localized | None, lang: str) -> str | None:
    """A bilingual text in one language, or None."""
    return text.get(lang) if text else None

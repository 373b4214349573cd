"""Public pages: home, the scheme list with its filters, and one scheme's page."""

from __future__ import annotations

from operator import attrgetter

from flask import Blueprint, abort, render_template, request

from app.deadlines import today_in_paris
from app.repository import (
    get_scheme,
    get_schemes,
)
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.database import db_session
from app.web.core.listing import (
    ListedScheme,
    SortRanks,
    listed_schemes,
    run_listing,
    sort_ids,
)
from app.web.core.listing_form import FilterForm
from app.web.core.locale import current_language
from app.web.core.reference import vocabulary
from app.web.core.scheme_page import scheme_page
from app.web.core.search_service import search_index

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home() -> str:
    """What the service is, and its ways in (worked out once a day per catalogue version)."""
    catalogue, today, lang = current_catalogue(), today_in_paris(), current_language()

    active = catalogue.active

    def upcoming() -> list[ListedScheme]:
        # Ids sorted, then the first five as lists show them: in C at 10,000 schemes (every
        # worker works this out again after each publish).
        ranks = SortRanks(catalogue, today, lang)
        first = sort_ids(list(map(attrgetter("id"), active)), ranks, "deadline")[:5]
        listed = listed_schemes(catalogue, today)
        return [listed[i] for i in first if listed[i].deadline.kind == "session"]

    funders = catalogue.memo(
        "active funders", lambda: sorted(set(map(attrgetter("funder"), active)))
    )
    return render_template(
        "public/home.html",
        upcoming=catalogue.memo(("home upcoming", today, lang), upcoming),
        active_count=len(catalogue.current),
        funders=[vocabulary().organisations[f] for f in funders],
    )


@blueprint.get("/aides/")
def scheme_list() -> tuple[str, int] | str:
    """Search and filter the schemes; closed and replaced ones only when asked."""
    lang = current_language()
    form = FilterForm(request.args, lang)
    if not form.validate():
        return render_template("public/list.html", form=form, listing=None, linked={}), 400
    listing = run_listing(form, lang)
    items = listing.page.items
    successors = [i.scheme.lifecycle.replaced_by for i in items if i.scheme.lifecycle.replaced_by]
    highlights: dict[str, str] = {}
    if form.text:
        # The corrected words when the typed ones found nothing; one index lookup per page.
        index, searched = search_index(), listing.searched_text(form.text)
        for item in items:
            description = item.scheme.description.get(lang)
            highlights[item.scheme.id] = index.highlight(searched, description, lang)
    return render_template(
        "public/list.html",
        form=form,
        listing=listing,
        page=listing.page,
        highlights=highlights,
        linked=get_schemes(db_session(), successors),
    )


@blueprint.get("/aides/<scheme_id>")
def scheme_detail(scheme_id: str) -> str:
    """One scheme: facts, who may apply, amounts, sessions, lifecycle and sources."""
    session = db_session()
    scheme = get_scheme(session, scheme_id)
    if scheme is None:
        abort(404)
    return render_template("public/scheme.html", **scheme_page(session, scheme))

"""The deadline calendar: coming confirmed and expected deadlines month by month, filterable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.deadlines import today_in_paris
from app.schemes import Scheme, SchemeSession
from app.web.core.listing_form import FilterForm
from app.web.core.locale import SPELLED_ENDPOINTS, current_language
from app.web.pages.feeds import listed_schemes

blueprint = Blueprint("calendar", __name__)
# The page's address in each language (contract §7): /fr/calendrier/, /en/calendar/; the other
# spelling redirects to it.
ENDPOINTS = SPELLED_ENDPOINTS["calendar.calendar"]


def calendar_url(lang: str | None = None, **query: object) -> str:
    """The calendar page in a language (the page's by default), with filters."""
    lang = lang or current_language()
    values: dict[str, Any] = {"lang": lang, **query}  # url_for's values are Any
    return url_for(ENDPOINTS.get(lang, ENDPOINTS["fr"]), **values)


@blueprint.app_context_processor
def _calendar_link() -> dict[str, object]:
    return {"calendar_url": calendar_url}


@dataclass(frozen=True)
class Entry:
    """One coming deadline of one scheme."""

    scheme: Scheme
    session: SchemeSession


def coming_deadlines(schemes: list[Scheme], today: date) -> list[tuple[date, list[Entry]]]:
    """Deadlines not yet passed of current schemes, by month (first day), then by date."""
    entries = sorted(
        (
            Entry(scheme, session)
            for scheme in schemes
            if scheme.is_active()
            for session in scheme.sessions_sorted()
            if session.closes >= today
        ),
        key=lambda e: (e.session.closes, e.scheme.id),
    )
    return [
        (month, list(group))
        for month, group in groupby(entries, key=lambda e: e.session.closes.replace(day=1))
    ]


@blueprint.get("/calendrier/", endpoint="calendrier")
@blueprint.get("/calendar/", endpoint="calendar")
def deadline_calendar() -> Response | str | tuple[str, int]:
    """Every coming deadline, month by month, for the filters of the query string."""
    lang = current_language()
    if request.endpoint != ENDPOINTS[lang]:
        target = calendar_url(lang)
        query = request.query_string.decode("ascii", "replace")
        return redirect(f"{target}?{query}" if query else target, 301)
    form = FilterForm(request.args, lang)
    if not form.validate():
        return render_template("public/calendar.html", form=form, months=[]), 400
    schemes = listed_schemes()
    return render_template(
        "public/calendar.html",
        form=form,
        months=coming_deadlines(schemes, today_in_paris()),
        query=request.query_string.decode("ascii", "replace"),
    )

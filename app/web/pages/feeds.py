"""Subscriptions: ICS calendars of deadlines (a search, a scheme) and an Atom feed of changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event

from app.alerts import REMINDER_DAYS
from app.deadlines import today_in_paris
from app.repository import get_scheme, updated_times
from app.schemes import Scheme
from app.web.core.database import db_session
from app.web.core.listing import run_listing
from app.web.core.listing_form import MAX_PER_PAGE, FilterForm
from app.web.core.locale import current_language
from app.web.core.public_url import external_path, external_url

blueprint = Blueprint("feeds", __name__)
FEED_SIZE = 50


def listed_schemes() -> list[Scheme]:
    """Every scheme of the list described by the query string (all pages), or a 400."""
    lang = current_language()
    args = request.args.copy()
    args.pop("page", None)
    args["per_page"] = str(MAX_PER_PAGE)
    form = FilterForm(args, lang)
    if not form.validate():
        abort(400)
    schemes: list[Scheme] = []
    page = 1
    while True:
        form.page.data = page
        listing = run_listing(form, lang)
        schemes += [item.scheme for item in listing.page.items]
        if page >= listing.page.pages:
            return schemes
        page += 1


def _calendar(schemes: list[Scheme], title: str) -> Response:
    lang = current_language()
    calendar = Calendar()
    calendar.add("prodid", "-//Aides culture numerique//deadlines//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    today = today_in_paris()
    stamp = datetime.now(UTC)
    for scheme in schemes:
        if not scheme.is_active():
            continue
        page = external_url("public.scheme_detail", scheme_id=scheme.id)
        for session in scheme.sessions_sorted():
            if session.closes < today:
                continue
            event = Event()
            event.add("uid", f"{scheme.id}-{session.closes.isoformat()}@aides-culture-numerique")
            event.add("dtstamp", stamp)
            event.add("dtstart", session.closes)  # an all-day event on the deadline
            name = scheme.name.get(lang)
            if session.expected:
                # Foreseen from the funder's usual rhythm: calendars show it as tentative.
                event.add("status", "TENTATIVE")
                event.add("summary", _("Expected deadline (not confirmed): %(name)s", name=name))
            else:
                event.add("summary", _("Deadline: %(name)s", name=name))
            label = session.label.get(lang) if session.label else ""
            event.add("description", f"{label}\n{page}".strip())
            event.add("url", page)
            for days in REMINDER_DAYS:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("trigger", timedelta(days=-days))
                alarm.add("description", _("In %(days)d days: %(name)s", days=days, name=name))
                event.add_component(alarm)
            calendar.add_component(event)
    return Response(calendar.to_ical(), mimetype="text/calendar")


@blueprint.get("/aides/calendar.ics")
def search_calendar() -> Response:
    """The upcoming deadlines of every scheme in this search or filtered list."""
    return _calendar(listed_schemes(), _("Deadlines – Digital culture funding"))


@blueprint.get("/aides/<scheme_id>/calendar.ics")
def scheme_calendar(scheme_id: str) -> Response:
    """The upcoming deadlines of one scheme."""
    scheme = get_scheme(db_session(), scheme_id)
    if scheme is None:
        abort(404)
    return _calendar([scheme], scheme.name.get(current_language()))


@blueprint.get("/aides/feed.atom")
def search_feed() -> Response:
    """The schemes of this list, most recently added or changed first."""
    lang = current_language()
    schemes = listed_schemes()
    changed = updated_times(db_session(), [s.id for s in schemes])
    newest = sorted(
        schemes, key=lambda s: changed.get(s.id, datetime.min.replace(tzinfo=UTC)), reverse=True
    )
    feed = FeedGenerator()
    # The query string is copied as text, never passed to url_for: keys such as _external,
    # _method or lang would change how the address is built.
    query = urlencode(list(request.args.items(multi=True)))
    suffix = f"?{query}" if query else ""
    itself = external_path(request.script_root + request.path) + suffix
    feed.id(itself)
    feed.title(_("New and changed schemes – Digital culture funding"))
    feed.link(href=itself, rel="self")
    feed.link(href=external_url("public.scheme_list") + suffix, rel="alternate")
    feed.language(lang)
    feed.updated(max(changed.values(), default=datetime.now(UTC)))
    for scheme in reversed(newest[:FEED_SIZE]):  # feedgen puts the last added entry first
        page = external_url("public.scheme_detail", scheme_id=scheme.id)
        entry = feed.add_entry()
        entry.id(page)
        entry.title(scheme.name.get(lang))
        entry.link(href=page)
        entry.summary(scheme.summary.get(lang))
        entry.updated(changed.get(scheme.id, datetime.now(UTC)))
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")

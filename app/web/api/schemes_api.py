"""JSON API, version 1 (contract.md §4): the scheme list with filters, and one scheme."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _

from app.deadlines import NextDeadline, next_deadline, today_in_paris
from app.evidence import is_stale, newest_evidence
from app.facets import LIST_FACETS, audience_values
from app.i18n import LANGUAGES
from app.repository import get_scheme, get_schemes
from app.schemes import Amounts, Scheme
from app.web.api.response_models import Amounts as AmountsModel
from app.web.api.response_models import (
    Apply,
    Audience,
    Calendar,
    CalendarSession,
    Contact,
    Criterion,
    Deadline,
    Facets,
    FixedSum,
    Lifecycle,
    Link,
    Note,
    Organisation,
    SchemeDetail,
    SchemeList,
    SchemeSummary,
    Source,
    Suggestion,
    Suggestions,
)
from app.web.core.database import db_session
from app.web.core.errors import json_error
from app.web.core.formatting import amounts_line, fixed_sum
from app.web.core.listing import ListedScheme, localized, run_listing
from app.web.core.listing_form import FilterForm
from app.web.core.public_url import external_url
from app.web.core.reference import vocabulary
from app.web.core.search_service import suggest as suggest_completions

blueprint = Blueprint("api", __name__)

LIST_PARAMETERS = frozenset(
    {
        "q",
        "open_now",
        "lang",
        "page",
        "per_page",
        "sort",
        "include_closed",
        *LIST_FACETS,
    }
)


SUGGEST_PARAMETERS = frozenset({"q", "lang"})
MAX_SUGGEST_INPUT = 200  # what one types in a search box; longer is refused


def language() -> tuple[str | None, list[dict[str, str | None]]]:
    """The ?lang= of an API request (French by default), or an error naming `lang`."""
    lang = request.args.get("lang", "fr")
    if lang not in LANGUAGES:
        return None, [{"field": "lang", "message": _("Use one of: %(values)s.", values="fr, en")}]
    g.lang = lang
    return lang, []


def deadline_model(deadline: NextDeadline) -> Deadline | None:
    if deadline.kind == "none":
        return None
    if deadline.kind == "rolling":
        return Deadline(rolling=True, closes=None, expected=False)
    return Deadline(
        rolling=False,
        closes=deadline.closes,
        expected=bool(deadline.session and deadline.session.expected),
    )


def _scheme_fields(item: ListedScheme, lang: str) -> dict[str, Any]:
    """The values the summary and the detail share (all but the funder and the lifecycle)."""
    scheme = item.scheme
    return {
        "id": scheme.id,
        "name": scheme.name.get(lang),
        "kind": scheme.kind,
        "replaced_by": scheme.lifecycle.replaced_by,
        "url": external_url("public.scheme_detail", lang=lang, scheme_id=scheme.id),
        "summary": scheme.summary.get(lang),
        "score": round(item.score, 4) if item.score is not None else None,
        "next_deadline": deadline_model(item.deadline),
        "amount_text": amounts_line(scheme.amounts),
    }


def _summary(item: ListedScheme, lang: str) -> SchemeSummary:
    scheme = item.scheme
    return SchemeSummary(
        **_scheme_fields(item, lang), funder=scheme.funder, lifecycle=scheme.lifecycle.status
    )


@blueprint.get("/schemes")
def scheme_list() -> Response:
    """Search (q) and filter the catalogue; facet counts describe the whole result."""
    lang, errors = language()
    errors += [
        {"field": name, "message": _("Unknown parameter.")}
        for name in sorted(set(request.args) - LIST_PARAMETERS)
    ]
    if errors or lang is None:
        return json_error(400, errors)
    with force_locale(lang):
        form = FilterForm(request.args, lang)
        if not form.validate():
            return json_error(400, form.error_list())
    listing = run_listing(form, lang)
    page = listing.page
    body = SchemeList(
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        items=[_summary(item, lang) for item in page.items],
        facets=Facets(listing.facets),
        suggestion=listing.suggestion,
        corrected=listing.corrected,
        fuzzy=listing.fuzzy,
        include_closed=form.closed_shown(),
        closed_total=listing.inactive_count,
    )
    return jsonify(body.json_data())


def _link(scheme_id: str | None, linked: dict[str, Scheme], lang: str) -> Link | None:
    if scheme_id is None:
        return None
    target = linked.get(scheme_id)
    return Link(
        id=scheme_id,
        name=target.name.get(lang) if target else None,
        url=external_url("api.scheme_detail", scheme_id=scheme_id, lang=lang),
    )


def _labelled(variable_id: str, values: tuple[str, ...], lang: str) -> list[dict[str, str]]:
    variable = vocabulary().variable(variable_id)
    return [{"id": v, "label": variable.value_label(v, lang)} for v in values]


def _organisation(org_id: str, lang: str) -> Organisation:
    org = vocabulary().organisations[org_id]
    contact = org.contact
    return Organisation(
        id=org.id,
        acronym=org.acronym,
        name=org.name.get(lang),
        url=str(org.url),
        contact=contact
        and Contact(
            url=contact.url and str(contact.url),
            email=contact.email,
            phone=contact.phone,
            source=str(contact.source),
            checked=contact.checked,
        ),
    )


def _amounts(amounts: Amounts | None, lang: str) -> AmountsModel | None:
    if amounts is None:
        return None
    return AmountsModel(
        min_eur=amounts.min_eur,
        max_eur=amounts.max_eur,
        max_rate_percent=amounts.max_rate_percent,
        fixed=[
            FixedSum(
                eur=item.eur, per=item.per, label=localized(item.label, lang), text=fixed_sum(item)
            )
            for item in amounts.fixed
        ],
        note=localized(amounts.note, lang),
        source=amounts.source,
    )


def _calendar(scheme: Scheme, lang: str) -> Calendar | None:
    calendar = scheme.calendar
    if calendar is None:
        return None
    return Calendar(
        rolling=calendar.rolling,
        sessions=[
            CalendarSession(
                label=localized(s.label, lang),
                opens=s.opens,
                closes=s.closes,
                expected=s.expected,
                source=s.source,
            )
            for s in scheme.sessions_sorted()
        ],
        note=localized(calendar.note, lang),
        source=calendar.source,
    )


def _detail(scheme: Scheme, lang: str, linked: dict[str, Scheme]) -> SchemeDetail:
    today = today_in_paris()
    return SchemeDetail(
        **_scheme_fields(ListedScheme(scheme, next_deadline(scheme, today)), lang),
        funder=_organisation(scheme.funder, lang),
        lifecycle=Lifecycle(
            status=scheme.lifecycle.status,
            since=scheme.lifecycle.since,
            replaced_by=_link(scheme.lifecycle.replaced_by, linked, lang),
            note=localized(scheme.lifecycle.note, lang),
            source=scheme.lifecycle.source,
        ),
        description=scheme.description.get(lang),
        operator=_organisation(scheme.operator, lang) if scheme.operator else None,
        parent=_link(scheme.parent, linked, lang),
        audience=Audience.model_validate(
            {
                **{
                    facet.field: _labelled(facet.variable, values, lang)
                    for facet, values in audience_values(scheme)
                },
                "note": localized(scheme.audience.note, lang),
                "source": scheme.audience.source,
            }
        ),
        amounts=_amounts(scheme.amounts, lang),
        calendar=_calendar(scheme, lang),
        apply=scheme.apply
        and Apply(
            url=scheme.apply.url,
            how=localized(scheme.apply.how, lang),
            documents=localized(scheme.apply.documents, lang),
            source=scheme.apply.source,
        ),
        newest_evidence=newest_evidence(scheme, today),
        may_be_out_of_date=is_stale(scheme, today),
        notes=[Note(text=n.text.get(lang), source=n.source) for n in scheme.notes],
        criteria=[
            Criterion(
                id=c.id,
                label=c.label.get(lang),
                variables=list(c.rule.variables()) if c.rule else [],
                verify_by=c.verify_by,
                source=c.source,
            )
            for c in scheme.criteria
        ],
        sources=[
            Source(
                id=s.id,
                url=s.url,
                title=s.title,
                kind=s.kind,
                page_date=s.page_date,
                checked=s.checked,
            )
            for s in scheme.sources
        ],
    )


def _detail_json(scheme: Scheme, lang: str, linked: dict[str, Scheme]) -> dict[str, Any]:
    return _detail(scheme, lang, linked).json_data()


@blueprint.get("/schemes/<scheme_id>")
def scheme_detail(scheme_id: str) -> Response:
    """One scheme with its facts, sessions and sources, in the asked language."""
    lang, errors = language()
    if errors or lang is None:
        return json_error(400, errors)
    session = db_session()
    scheme = get_scheme(session, scheme_id)
    if scheme is None:
        with force_locale(lang):
            return json_error(404, [{"field": "id", "message": _("No scheme has this id.")}])
    links = [i for i in (scheme.parent, scheme.lifecycle.replaced_by) if i]
    return jsonify(_detail_json(scheme, lang, get_schemes(session, links)))


@blueprint.get("/suggest")
def suggest() -> Response:
    """Completions of what is typed in the search box: scheme names, funders, vocabulary terms
    (both languages, typos forgiven), the asked language's labels first."""
    lang, errors = language()
    errors += [
        {"field": name, "message": _("Unknown parameter.")}
        for name in sorted(set(request.args) - SUGGEST_PARAMETERS)
    ]
    text = request.args.get("q", "")
    if len(text) > MAX_SUGGEST_INPUT:
        with force_locale(lang or "fr"):
            errors.append(
                {
                    "field": "q",
                    "message": _("At most %(count)d characters.", count=MAX_SUGGEST_INPUT),
                }
            )
    if errors or lang is None:
        return json_error(400, errors)
    items = []
    for entry in suggest_completions(text, lang):
        if entry.kind == "scheme":
            url = external_url("public.scheme_detail", lang=lang, scheme_id=entry.id)
        else:
            url = external_url("public.scheme_list", lang=lang, q=entry.label)
        items.append(
            Suggestion(label=entry.label, kind=entry.kind, id=entry.id, lang=entry.lang, url=url)
        )
    return jsonify(Suggestions(query=text, items=items).json_data())

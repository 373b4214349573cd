"""Being found and shared: absolute addresses, canonical and hreflang links, link-preview tags,
structured data (schema.org JSON-LD), /robots.txt, /sitemap.xml and /favicon.ico.

Absolute URLs come from PUBLIC_BASE_URL (Settings.public_base_url), never from the request's
Host header: a forged Host must not end up in canonical links, previews or the sitemap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import escape

from app.i18n import DEFAULT_LANG, LANGUAGES
from app.repository import updated_times
from app.schemes import Amounts, Scheme
from app.vocabulary import Organisation
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.choices import choices_of
from app.web.core.database import db_session
from app.web.core.labels import KIND_LABELS
from app.web.core.listing import ListedScheme
from app.web.core.listing_form import FACETS, FilterForm
from app.web.core.locale import current_language, switch_language_url
from app.web.core.public_url import external_path
from app.web.core.reference import vocabulary
from app.web.pages.calendar_page import calendar_url

blueprint = Blueprint("seo", __name__)

FILTER_PARAMS = (*FACETS, "open_now", "include_closed")
# Pages search engines may index, with the query parameters that change what they show (the
# canonical address keeps only those, in a fixed order). Every other page is "noindex": answer
# pages (their address holds someone's answers), forms, messages, admin.
INDEXABLE: dict[str, tuple[str, ...]] = {
    "public.home": (),
    "public.scheme_list": ("q", *FILTER_PARAMS, "page"),
    "public.scheme_detail": (),
    "calendar.calendrier": FILTER_PARAMS,
    "calendar.calendar": FILTER_PARAMS,
    "questionnaire.start": (),
}
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
PREVIEW_IMAGE = ("preview.png", 1200, 630)
# Kinds of support that are sums of money given, and the schema.org type that says so.
MONEY_TYPES = {
    "grant": "MonetaryGrant",
    "call_for_projects": "MonetaryGrant",
    "contest": "MonetaryGrant",
    "loan": "LoanOrCredit",
}


def _canonical_query(endpoint: str) -> str:
    """The query parameters that matter for this page, in a fixed order, without defaults."""
    pairs = [
        (name, value)
        for name in INDEXABLE[endpoint]
        for value in sorted(set(request.args.getlist(name)))
        if value and not (name == "page" and value == "1")
    ]
    return urlencode(pairs)


def is_indexable() -> bool:
    """Whether search engines may index this page (answers, forms and admin are not)."""
    return request.endpoint in INDEXABLE and request.method == "GET"


def page_url(lang: str) -> str:
    """This page's absolute address in a language; indexable pages get their canonical form."""
    address = switch_language_url(lang)
    if not is_indexable():
        return external_path(address)
    path = address.split("?", 1)[0]
    query = _canonical_query(str(request.endpoint))
    return external_path(f"{path}?{query}" if query else path)


def alternates() -> list[tuple[str, str]]:
    """(hreflang, absolute URL) for every language, then x-default (the home's language choice
    at /, elsewhere the French page)."""
    links = [(lang, page_url(lang)) for lang in LANGUAGES]
    default = external_path("/") if request.endpoint == "public.home" else page_url(DEFAULT_LANG)
    return [*links, ("x-default", default)]


def filters_in_words(form: FilterForm) -> str:
    """The chosen search words and filters of a list, as a reader would say them."""
    parts = [_("Search: %(query)s", query=form.text[:60])] if form.text else []
    for name in FACETS:
        field = form[name]
        chosen = field.data or []
        if chosen:
            labels = {choice.value: str(choice.label) for choice in choices_of(field)}
            values = ", ".join(labels.get(value, value) for value in chosen)
            parts.append(f"{field.label.text}: {values}")
    for flag in (form.open_now, form.include_closed):
        if flag.data:
            parts.append(str(flag.label.text))
    return "; ".join(parts)


def list_description(form: FilterForm, total: int) -> str:
    """The meta description of the scheme list: how many schemes, and its filters in words."""
    filters = filters_in_words(form)
    if not filters:
        return ngettext(
            "%(num)d public support scheme for digital culture in France, with its conditions, "
            "amounts, deadlines and official sources.",
            "%(num)d public support schemes for digital culture in France, with their "
            "conditions, amounts, deadlines and official sources.",
            total,
        )
    return ngettext(
        "%(filters)s – %(num)d digital culture support scheme, with its conditions, amounts, "
        "deadlines and official sources.",
        "%(filters)s – %(num)d digital culture support schemes, with their conditions, "
        "amounts, deadlines and official sources.",
        total,
        filters=filters,
    )


def _organisation(organisation: Organisation, lang: str) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": organisation.name.get(lang),
        "alternateName": organisation.acronym,
        "url": str(organisation.url),
    }


def scheme_jsonld(scheme: Scheme, lang: str) -> dict[str, Any]:
    """A scheme as schema.org data: a government service, and a grant (or loan) when it gives
    money, with its funder, amounts, eligible audience and application periods."""
    vocab = vocabulary()
    url = external_path(url_for("public.scheme_detail", scheme_id=scheme.id, lang=lang))
    money_type = MONEY_TYPES.get(scheme.kind)
    funder = _organisation(vocab.organisations[scheme.funder], lang)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": ["GovernmentService", money_type] if money_type else "GovernmentService",
        "@id": f"{url}#scheme",
        "url": url,
        "identifier": scheme.id,
        "name": scheme.name.get(lang),
        "description": scheme.summary.get(lang),
        "serviceType": str(KIND_LABELS[scheme.kind]),
        "provider": funder,
    }
    if money_type == "MonetaryGrant":
        data["funder"] = funder
    if scheme.operator:
        data["serviceOperator"] = _organisation(vocab.organisations[scheme.operator], lang)
    audience = [
        vocab.variable(variable).value_label(value, lang)
        for variable, values in (
            ("applicant_type", scheme.audience.applicant_types),
            ("roles", scheme.audience.roles),
        )
        for value in values
    ]
    if audience:
        data["audience"] = {"@type": "Audience", "audienceType": audience}
    if scheme.audience.sectors:
        data["category"] = [
            vocab.variable("sectors").value_label(value, lang) for value in scheme.audience.sectors
        ]
    amounts = scheme.amounts
    if money_type and amounts and (amounts.min_eur is not None or amounts.max_eur is not None):
        amount: dict[str, Any] = {"@type": "MonetaryAmount", "currency": "EUR"}
        if amounts.min_eur is not None:
            amount["minValue"] = amounts.min_eur
        if amounts.max_eur is not None:
            amount["maxValue"] = amounts.max_eur
        data["amount"] = amount
    elif money_type and amounts and (lump_sum := _lump_sum(amounts)) is not None:
        # A single lump sum is the grant's value; per-day or per-trip sums have no unit in a
        # MonetaryAmount, so they are left to the page's text.
        data["amount"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": lump_sum}
    # Application sessions: the periods when the service takes applications.
    periods = []
    for session in scheme.sessions_sorted():
        period: dict[str, Any] = {"@type": "OpeningHoursSpecification"}
        if session.opens:
            period["validFrom"] = session.opens.isoformat()
        period["validThrough"] = session.closes.isoformat()
        periods.append(period)
    if periods:
        data["hoursAvailable"] = periods
    if scheme.apply:
        data["potentialAction"] = {"@type": "ApplyAction", "target": scheme.apply.url}
    return data


def item_list_jsonld(items: Iterable[ListedScheme], total: int, name: str) -> dict[str, Any]:
    """A page of the scheme list as a schema.org ItemList of links to the scheme pages."""
    lang = current_language()
    elements = [
        {
            "@type": "ListItem",
            "position": position,
            "url": external_path(url_for("public.scheme_detail", scheme_id=item.scheme.id)),
            "name": item.scheme.name.get(lang),
        }
        for position, item in enumerate(items, start=1)
    ]
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": name,
        "numberOfItems": total,
        "itemListElement": elements,
    }


def _lastmod(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # SQLite hands back naive datetimes; the application writes UTC.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _sitemap_entries(
    paths: dict[str, str], lastmod: str | None, default: str | None = None
) -> list[str]:
    """One <url> per language, each listing every language and x-default as alternates."""
    links = [
        f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(external_path(path))}"/>'
        for lang, path in paths.items()
    ]
    x_default = external_path(default or paths[DEFAULT_LANG])
    links.append(f'<xhtml:link rel="alternate" hreflang="x-default" href="{escape(x_default)}"/>')
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return [
        f"<url><loc>{escape(external_path(path))}</loc>{''.join(links)}{modified}</url>"
        for path in paths.values()
    ]


@blueprint.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page in both languages: home, list, calendar, questionnaire, each scheme
    (closed and replaced ones included: their pages stay, with the successor linked)."""
    session = db_session()
    catalogue = current_catalogue()
    schemes = catalogue.schemes
    changed = updated_times(session, [s.id for s in schemes])
    catalogue_changed = _lastmod(catalogue.rules_date)

    def each_language(endpoint: str, **values: str) -> dict[str, str]:
        query: dict[str, Any] = values  # url_for's values are Any
        return {lang: url_for(endpoint, lang=lang, **query) for lang in LANGUAGES}

    entries = _sitemap_entries(each_language("public.home"), catalogue_changed, default="/")
    entries += _sitemap_entries(each_language("public.scheme_list"), catalogue_changed)
    entries += _sitemap_entries({lang: calendar_url(lang) for lang in LANGUAGES}, catalogue_changed)
    entries += _sitemap_entries(each_language("questionnaire.start"), None)
    for scheme in schemes:
        entries += _sitemap_entries(
            each_language("public.scheme_detail", scheme_id=scheme.id),
            _lastmod(changed.get(scheme.id)),
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(entries) + "\n</urlset>\n"
    )
    return Response(body, mimetype="application/xml")


@blueprint.get("/robots.txt")
def robots() -> Response:
    """Crawl everything public; not the admin nor the JSON API. Answer pages stay crawlable so
    that their "noindex" is seen."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: /{lang}/admin/" for lang in LANGUAGES]
    lines += ["Disallow: /api/", "Allow: /", "", f"Sitemap: {external_path('/sitemap.xml')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says: answer with the icon."""
    return send_from_directory(
        str(current_app.static_folder),
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 24 * 3600,
    )


def init_app(app: Flask) -> None:
    """Register the routes and what the page head needs."""
    app.register_blueprint(blueprint)

    @app.context_processor
    def _seo() -> dict[str, Any]:
        if request.blueprint and request.blueprint.startswith("admin"):
            return {"seo": None}
        lang = current_language()
        image, width, height = PREVIEW_IMAGE
        return {
            "seo": {
                "indexable": is_indexable(),
                "canonical": page_url(lang) if is_indexable() else None,
                "alternates": alternates(),
                "url": page_url(lang),
                "locale": OG_LOCALES[lang],
                "other_locales": [OG_LOCALES[code] for code in LANGUAGES if code != lang],
                "image": external_path(url_for("static", filename=image)),
                "image_width": width,
                "image_height": height,
            },
            "absolute_url": external_path,
            "filters_in_words": filters_in_words,
            "list_description": list_description,
            "scheme_jsonld": scheme_jsonld,
            "item_list_jsonld": item_list_jsonld,
        }


def _lump_sum(amounts: Amounts) -> int | None:
    """The one sum paid per project, when the scheme pays exactly one fixed sum."""
    if len(amounts.fixed) == 1 and amounts.fixed[0].per == "project":
        return amounts.fixed[0].eur
    return None

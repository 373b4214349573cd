"""What every template can use: the language, labels of fixed values, and lookups."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.i18n import LANGUAGE_NAMES, LANGUAGES, Localized
from app.web.core.labels import (
    IN_LANGUAGE,
    KIND_LABELS,
    LIFECYCLE_LABELS,
    REVISION_STATE_LABELS,
    ROLE_LABELS,
    SOURCE_KIND_LABELS,
    VERIFY_LABELS,
    VERIFY_NOTES,
)
from app.web.core.locale import current_language, switch_language_url
from app.web.core.paging import page_window
from app.web.core.public_url import external_url
from app.web.core.reason_text import problem_text, say
from app.web.core.reference import vocabulary


def localize(text: Localized | None) -> str:
    """A bilingual text in the page's language."""
    return text.get(current_language()) if text else ""


def value_label(variable_id: str, value: str) -> str:
    """The label of a vocabulary value (a sector, a role…) in the page's language."""
    return vocabulary().variable(variable_id).value_label(value, current_language())


def url_with(_endpoint: str | None = None, **changes: Any) -> str:
    """The current URL (or another endpoint's) with query parameters replaced (None removes)."""
    args = request.args.copy()
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    url = url_for(_endpoint or str(request.endpoint), **(request.view_args or {}))
    query = urlencode(list(args.items(multi=True)))
    return f"{url}?{query}" if query else url


def suggest_attributes() -> Markup:
    """Data attributes that let static/suggest.js offer completions in a search box (the box
    works the same without it): the suggest API of the page's language and its messages."""
    lang = current_language()
    attributes = {
        "data-suggest-url": url_for("api.suggest", lang=lang),
        "data-suggest-found": _(
            "%(count)s suggestions. Use the up and down arrow keys to choose, Enter to search.",
            count="{count}",
        ),
        "data-suggest-label": _("Suggestions"),
        "data-kind-scheme": _("scheme"),
        "data-kind-funder": _("funder"),
        "data-kind-term": _("topic"),
    }
    # Markup.format escapes the values.
    return Markup(" ").join(Markup('{}="{}"').format(n, v) for n, v in attributes.items())


def init_app(app: Flask) -> None:
    """Register the template filters and globals."""
    app.add_template_filter(localize, "loc")
    app.add_template_filter(problem_text, "problem_text")
    app.add_template_filter(say, "say")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        lang = current_language()
        return {
            "lang": lang,
            "other_languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != lang],
            "switch_language_url": switch_language_url,
            "url_with": url_with,
            "page_window": page_window,
            "suggest_attributes": suggest_attributes,
            "value_label": value_label,
            "external_url": external_url,
            "organisations": vocabulary().organisations,
            "kind_labels": KIND_LABELS,
            "lifecycle_labels": LIFECYCLE_LABELS,
            "source_kind_labels": SOURCE_KIND_LABELS,
            "verify_labels": VERIFY_LABELS,
            "verify_notes": VERIFY_NOTES,
            # Set by the admin views' access check; None on public pages.
            "current_admin": g.get("user"),
            "role_labels": ROLE_LABELS,
            "revision_state_labels": REVISION_STATE_LABELS,
            "in_language": IN_LANGUAGE,
        }

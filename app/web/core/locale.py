"""Languages in URLs: /fr/… and /en/…; a bare / picks one from a cookie, then Accept-Language."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, g, redirect, request, url_for

from app.i18n import DEFAULT_LANG, LANGUAGES, is_language

COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_language() -> str:
    """The language of this request: the URL's, else the API's ?lang=, else French."""
    lang = g.get("lang")
    if lang:
        return str(lang)
    from_path = request.path.strip("/").split("/", 1)[0] if request else ""
    return from_path if is_language(from_path) else DEFAULT_LANG


def preferred_language() -> str:
    """For a bare URL: the remembered choice, then the browser's preference, then French."""
    remembered = request.cookies.get(COOKIE_NAME)
    if is_language(remembered):
        return str(remembered)
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANG) or DEFAULT_LANG


# Pages whose address is spelt in each language: the endpoint to use for each language.
SPELLED_ENDPOINTS: dict[str, dict[str, str]] = {
    "calendar.calendrier": {"fr": "calendar.calendrier", "en": "calendar.calendar"},
    "calendar.calendar": {"fr": "calendar.calendrier", "en": "calendar.calendar"},
    "landscape.panorama": {"fr": "landscape.panorama", "en": "landscape.landscape"},
    "landscape.landscape": {"fr": "landscape.panorama", "en": "landscape.landscape"},
    "opendata.donnees_ouvertes": {"fr": "opendata.donnees_ouvertes", "en": "opendata.open_data"},
    "opendata.open_data": {"fr": "opendata.donnees_ouvertes", "en": "opendata.open_data"},
}


def spelled_url(endpoint: str, lang: str | None = None, **values: Any) -> str:
    """The address of a page spelt in each language, in lang (the page's by default)."""
    lang = lang or current_language()
    return url_for(SPELLED_ENDPOINTS[endpoint].get(lang, endpoint), lang=lang, **values)


def respelled() -> Response | None:
    """A redirect (301) to the page's own spelling when the address is another language's
    (/en/panorama/ -> /en/landscape/), with the same query string; None when it is right."""
    endpoint, lang = str(request.endpoint), current_language()
    if SPELLED_ENDPOINTS[endpoint].get(lang, endpoint) == endpoint:
        return None
    query = request.query_string.decode("ascii", "replace")
    target = spelled_url(endpoint, lang)
    return redirect(f"{target}?{query}" if query else target, 301)  # type: ignore[return-value]


def switch_language_url(lang: str) -> str:
    """The current page in another language, with the same query string."""
    endpoint = request.endpoint
    if endpoint in SPELLED_ENDPOINTS:
        endpoint = SPELLED_ENDPOINTS[endpoint].get(lang, endpoint)
    if endpoint and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        url = url_for(endpoint, **{**(request.view_args or {}), "lang": lang})
        query = request.query_string.decode("utf-8", "replace")
        return f"{url}?{query}" if query else url
    return url_for("public.home", lang=lang)


def init_app(app: Flask) -> None:
    """Pull the language out of URLs, remember it in a cookie, and serve the bare /."""

    @app.url_value_preprocessor
    def _pull_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and "lang" in values:
            lang = values.pop("lang")
            if not is_language(lang):
                abort(404)
            g.lang = lang

    @app.url_defaults
    def _push_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.after_request
    def _remember_language(response: Response) -> Response:
        lang = g.get("lang")
        # The JSON API is stateless: its ?lang= is no visitor's choice to remember.
        if request.path.startswith("/api/"):
            return response
        if lang and request.cookies.get(COOKIE_NAME) != lang and response.status_code < 400:
            response.set_cookie(
                COOKIE_NAME,
                lang,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure,
            )
        return response

    @app.get("/")
    def root() -> Response:
        response = redirect(url_for("public.home", lang=preferred_language()))
        response.headers["Vary"] = "Cookie, Accept-Language"
        return response  # type: ignore[return-value]

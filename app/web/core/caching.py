"""HTTP caching: public pages and the GET API carry a validator and a lifetime, and answer 304
without being rendered again; personal pages (questionnaire, alerts, forms, admin) are never
stored.

The validator is computed before rendering from what a public page depends on: the code's
build, the catalogue's fingerprint, today's date in Paris (deadlines move) and the URL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

from app.deadlines import today_in_paris
from app.repository import fingerprint_text
from app.web.core.catalogue_cache import current_catalogue

# Seconds a shared cache (a reverse proxy, a CDN) or a browser may reuse a public answer
# without asking again; after that it revalidates with If-None-Match.
PUBLIC_MAX_AGE = 300
CACHEABLE_BLUEPRINTS = frozenset(
    # compare, landscape and open data depend on nothing else than the validator's parts.
    {"public", "calendar", "feeds", "api", "openapi", "compare", "landscape", "opendata"}
    | {"opendata_api", "seo"}
)
# Public answers of blueprints otherwise personal: the questions every visitor is asked.
PUBLIC_ENDPOINTS = frozenset({"eligibility_api.questions"})
# Forms and the pages that answer them are personal, or carry a token tied to a session.
PERSONAL_ENDPOINTS = frozenset({"suggestions.suggest"})


def build_id(root: Path) -> str:
    """A digest of the templates, translations and static files: a deployment changes it."""
    digest = hashlib.sha256()
    for folder in ("web/templates", "web/static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _cacheable() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and (request.blueprint in CACHEABLE_BLUEPRINTS or request.endpoint in PUBLIC_ENDPOINTS)
        and request.endpoint not in PERSONAL_ENDPOINTS
    )


def _etag(build: str) -> str:
    parts = (
        build,
        fingerprint_text(current_catalogue().version),
        today_in_paris().isoformat(),
        request.full_path,
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def init_app(app: Flask, build: str) -> None:
    """Validators, lifetimes, and 304s for the cacheable requests; no-store for the others."""

    @app.before_request
    def _not_modified() -> Response | None:
        if not _cacheable() or not request.if_none_match:
            return None
        etag = _etag(build)
        if not request.if_none_match.contains(etag):
            return None
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        return response

    @app.after_request
    def _cache_headers(response: Response) -> Response:
        if request.endpoint == "static" or response.status_code == 304:
            return response
        if not _cacheable():
            response.headers["Cache-Control"] = "no-store"
            return response
        if response.status_code != 200:
            return response
        response.set_etag(_etag(build))
        # A first visit sets the language cookie: such an answer is for this browser only.
        shared = "Set-Cookie" not in response.headers
        scope = "public" if shared else "private"
        response.headers["Cache-Control"] = f"{scope}, max-age={PUBLIC_MAX_AGE}"
        return response

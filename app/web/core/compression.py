"""Gzip for text responses: a results page is ~100 KB of HTML and ~15 KB gzipped, which is what
keeps it fast on a phone's connection (Lighthouse's "enable text compression").

A response that carries a CSRF token is never compressed: compressing a secret next to text the
visitor controls (a search, answers in the address) lets an attacker read the secret from the
response sizes (BREACH). A proxy in front may compress too; then it sees Content-Encoding and
leaves the response alone.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, current_app, g, request

MIN_SIZE = 1024  # below one packet, gzip saves nothing worth its time
# Pages, feeds and the sitemap. The JSON API is left as it was: its responses are small pages of
# results, and its contract tests (schemathesis over WSGI) read raw bodies.
COMPRESSIBLE = ("text/", "application/xml", "application/atom+xml", "image/svg+xml")


def init_app(app: Flask) -> None:
    """Compress eligible responses for clients that accept gzip."""

    @app.after_request
    def _gzip(response: Response) -> Response:
        if (
            response.direct_passthrough  # files sent from disk: left as they are
            or response.is_streamed
            or response.status_code in (204, 206, 304)
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(COMPRESSIBLE)
        ):
            return response
        response.vary.add("Accept-Encoding")
        if not request.accept_encodings["gzip"]:
            return response
        data = response.get_data()
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if len(data) < MIN_SIZE or (token and token.encode() in data):
            return response
        response.set_data(gzip.compress(data, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
        return response

"""Checks every request goes through before any view: the Host header among the configured
server names, a request target and headers within the documented limits (414, 431), a body
within MAX_CONTENT_LENGTH however it is sent (413, chunked too), no NUL byte in the path, query
or form (PostgreSQL refuses them in text), and JSON bodies of bounded depth. Each refusal is a
4xx made by the app (JSON under /api/, with the security headers), never a 500 deeper in, and
never the HTTP server's bare HTML page: gunicorn's own limits are set above these."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

from app.config import Settings

# Deeper JSON than this is refused: the API's bodies are three levels deep at most.
MAX_JSON_DEPTH = 32
# Bytes of the request target (path and query string, as sent): longer is a 414. gunicorn's
# --limit-request-line (docs/production.md) is above it, so the app answers first.
MAX_REQUEST_TARGET = 4094
# Bytes of any one header value, and of all headers: more is a 431 (gunicorn's limit is above).
MAX_HEADER_VALUE = 4094
MAX_HEADERS_TOTAL = 16_384
MAX_BODY = 1024 * 1024
_TOO_LARGE = "aides.body_too_large"


class BoundedBody:
    """WSGI middleware: a body sent without Content-Length (chunked) is read up to MAX_BODY; a
    longer one is dropped and flagged, and the app answers 413 (Werkzeug would silently cut it
    to the limit, and the truncated body then fails as a 400)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # With Transfer-Encoding, any Content-Length is ignored (RFC 9112 §6.3), as Werkzeug does.
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                environ[_TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input_terminated"] = False
        return self.app(environ, start_response)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (as invalid JSON, a 400) bodies nested deeper than MAX_JSON_DEPTH,
    including those too deep for the parser itself (RecursionError, a 500 otherwise)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deeply")
        return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    if limit < 0:
        return True
    if isinstance(value, dict):
        return any(_depth_exceeds(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return any(_depth_exceeds(v, limit - 1) for v in value)
    return False


def trusted_hosts(settings: Settings) -> list[str]:
    """The configured server names, plus the host of the public address."""
    names = list(settings.server_names)
    public = urlsplit(settings.public_base_url).hostname
    if public and public not in names:
        names.append(public)
    return names


def _has_nul(pairs: Any) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def _target_length() -> int:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return len(raw.encode("latin-1", "replace"))
    return len(request.full_path.encode("utf-8"))


def _check_request() -> None:
    if request.routing_exception is not None:
        return  # an untrusted Host or an unknown path: that error comes first
    if request.environ.get(_TOO_LARGE):
        abort(413)
    if _target_length() > MAX_REQUEST_TARGET:
        abort(414)
    values = [len(value) for _name, value in request.headers.items()]
    if max(values, default=0) > MAX_HEADER_VALUE or sum(values) > MAX_HEADERS_TOTAL:
        abort(431)
    if "\x00" in request.path:
        abort(404)
    if _has_nul(request.args.items(multi=True)):
        abort(400)
    form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
    if request.mimetype in form_types and _has_nul(request.form.items(multi=True)):
        abort(400)


def init_app(app: Flask, settings: Settings) -> None:
    """Host check (Werkzeug's trusted hosts: a 400 otherwise), sizes, NUL bytes, JSON depth."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(settings)
    app.json = BoundedJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.wsgi_app = BoundedBody(app.wsgi_app, MAX_BODY)  # type: ignore[method-assign]
    app.before_request(_check_request)

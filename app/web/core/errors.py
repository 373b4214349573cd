"""Error pages in the reader's language, and JSON errors under /api/."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.i18n import is_language
from app.web.core.database import discard_session
from app.web.core.locale import current_language
from app.web.core.outage import DatabasePausedError, note_failure

log = logging.getLogger(__name__)

STATUS_MESSAGES: dict[int, LazyString] = {
    400: _l("The request is not valid."),
    404: _l("This page does not exist, or no longer exists."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    414: _l("The address is too long."),
    431: _l("The request headers are too large."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}
DATABASE_UNAVAILABLE: LazyString = _l(
    "The service is temporarily unavailable: its database cannot be reached. "
    "Please try again in a few minutes."
)

# Seconds a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 60


def wants_json() -> bool:
    """API requests get JSON errors; pages get HTML."""
    return request.path.startswith("/api/")


def json_error(status: int, errors: Sequence[Mapping[str, str | None]]) -> Response:
    """The API's error body: {"errors": [{"field": …, "message": …}]}."""
    response = jsonify({"errors": errors})
    response.status_code = status
    return response


def database_unreachable(error: BaseException) -> bool:
    """Whether error says the database cannot be reached (down, refusing, link lost, pool
    exhausted), as opposed to a fault in a query, which stays a 500."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(error, DatabasePausedError):  # it failed to answer moments ago
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    original = error.original_exception if isinstance(error, InternalServerError) else None
    if isinstance(original, Exception) and database_unreachable(original):
        # A database failure outside a view (an after-request hook) lands here as a 500.
        return _unavailable(original)
    if (isinstance(error, SecurityError) or request_ctx.url_adapter is None) and not wants_json():
        # An untrusted Host: no URL can be built for this request, so no page template.
        return Response(str(STATUS_MESSAGES[400]), status=400, mimetype="text/plain")
    if wants_json():
        message = str(STATUS_MESSAGES.get(status, error.name))
        response = json_error(status, [{"field": None, "message": message}])
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    message = STATUS_MESSAGES.get(status, error.name)
    return render_template("errors/error.html", status=status, message=message), status


def _unavailable(error: Exception) -> Response:
    # One line, no traceback: an outage is an operations event, not a bug to debug.
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    log.warning(
        "Database unreachable on %s %s: %s: %s",
        request.method,
        request.path.replace("\n", " "),
        type(error).__name__,
        reason[0] if reason else "",
    )
    note_failure(error)
    # Whatever the session held is void; the next request starts on a fresh one.
    discard_session()
    if wants_json():
        asked = request.args.get("lang")
        with force_locale(asked if is_language(asked) else current_language()):
            message = str(DATABASE_UNAVAILABLE)
        response = json_error(503, [{"field": None, "message": message}])
    else:
        page = render_template("errors/error.html", status=503, message=DATABASE_UNAVAILABLE)
        response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_error(error: Exception) -> Response | tuple[str, int]:
    if database_unreachable(error):
        return _unavailable(error)
    return _unexpected_error(error)


def _unexpected_error(error: Exception) -> Response | tuple[str, int]:
    # Logged with its traceback for us; the reader sees a generic page, never the trace.
    log.exception("Unexpected error on %s", request.path.replace("\n", " "))
    discard_session()
    if wants_json():
        return json_error(500, [{"field": None, "message": str(STATUS_MESSAGES[500])}])
    return render_template("errors/error.html", status=500, message=STATUS_MESSAGES[500]), 500


def init_app(app: Flask) -> None:
    """Route every error to a page or a JSON body; an unreachable database is a 503."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeoutError, _database_error)
    app.register_error_handler(DatabasePausedError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)

"""Error pages in the reader's language, and JSON errors under /api/."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

STATUS_MESSAGES: dict[int, LazyString] = {
    400: _l("The request is not valid."),
    404: _l("This page does not exist, or no longer exists."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


def wants_json() -> bool:
    """API requests get JSON errors; pages get HTML."""
    return request.path.startswith("/api/")


def json_error(status: int, errors: list[dict[str, str | None]]) -> Response:
    """The API's error body: {"errors": [{"field": …, "message": …}]}."""
    response = jsonify({"errors": errors})
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    if wants_json():
        message = str(STATUS_MESSAGES.get(status, error.name))
        response = json_error(status, [{"field": None, "message": message}])
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    message = STATUS_MESSAGES.get(status, error.name)
    return render_template("errors/error.html", status=status, message=message), status


def _unexpected_error(error: Exception) -> Response | tuple[str, int]:
    # Logged with its traceback for us; the reader sees a generic page, never the trace.
    log.exception("Unexpected error on %s", request.path.replace("\n", " "))
    if wants_json():
        return json_error(500, [{"field": None, "message": str(STATUS_MESSAGES[500])}])
    return render_template("errors/error.html", status=500, message=STATUS_MESSAGES[500]), 500


def init_app(app: Flask) -> None:
    """Route every error to a page or a JSON body."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

"""Absolute addresses of the site, built from the configured public address (PUBLIC_BASE_URL),
never from the request's Host header, which any client can forge to poison links."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_base() -> str:
    """The site's public address, without a trailing slash."""
    base: str = current_app.extensions["aides.settings"].public_base_url
    return base.rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute address on the public site."""
    return public_base() + url_for(endpoint, **values)


def external_path(path: str) -> str:
    """An absolute address on the public site for a path of this site (starting with /)."""
    return public_base() + path

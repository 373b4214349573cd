"""Rate limits (login), shared across workers through Redis when REDIS_URL is set."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask, redis_url: str | None) -> None:
    """In-memory limits are per process: several workers need Redis to share the counts."""
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

"""Rate limits (login, forms), shared across workers through Redis when REDIS_URL is set."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Redis answers in a millisecond on the same network: a second means it is down or hung.
REDIS_TIMEOUT_SECONDS = 1.0


def init_app(app: Flask, redis_url: str | None) -> None:
    """In-memory limits are per process: several workers need Redis to share the counts.

    A Redis that is down or hung must not stop sign-in or the forms: its calls are bounded by a
    timeout, and while it fails each worker counts in memory (limits still apply, per process)
    until Redis answers again.
    """
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    if redis_url:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        }
        app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
        app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # The limiter is one per process (the views name it when imported), and it keeps whether
    # its storage failed. A new app (tests make many) starts from its own storage, live: left
    # failed by an earlier app's Redis, it would count in memory, then move to the new storage
    # when next checked, halfway through a count.
    limiter._storage_dead = False
    limiter.init_app(app)

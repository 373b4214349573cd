"""The Flask application: configuration, extensions and blueprints, registered by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_wtf import CSRFProtect
from sqlalchemy.orm import sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Settings, load_settings
from app.db import make_engine, make_session_factory
from app.vocabulary import load_vocabulary
from app.web.admin import auth as admin_auth
from app.web.admin import editor as admin_editor
from app.web.admin import preview as admin_preview
from app.web.admin import recovery as admin_recovery
from app.web.admin import suggestions as admin_suggestions
from app.web.admin import views as admin_views
from app.web.api import eligibility_api, openapi, opendata, schemes_api
from app.web.core import (
    caching,
    compression,
    context,
    database,
    edge,
    errors,
    formatting,
    locale,
    outage,
    rate_limits,
    security,
    translations,
)
from app.web.pages import (
    alerts,
    calendar_page,
    compare,
    feeds,
    landscape,
    public,
    questionnaire,
    results_mail,
    seo,
    suggestions,
)

csrf = CSRFProtect()


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Any] | None = None
) -> Flask:
    """Build the web application; tests hand in their own settings and session factory."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(settings.schemes_dir.parent / "translations"),
        JSON_SORT_KEYS=False,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    edge.init_app(app, settings)  # first: its Host and NUL checks run before any other hook
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["aides.settings"] = settings
    app.extensions["aides.vocabulary"] = load_vocabulary(settings.schemes_dir)
    if session_factory is None:
        session_factory = make_session_factory(
            make_engine(
                settings.database_url,
                timeout=settings.database_timeout,
                pool_size=settings.database_pool_size,
            )
        )
    database.init_app(app, session_factory)
    outage.init_app(app)
    # First, so that its after_request runs last and sees every cookie the others set.
    caching.init_app(app, caching.build_id(Path(__file__).resolve().parent.parent))
    Babel(app, locale_selector=locale.current_language)
    translations.init_app(app)  # replaces Flask-Babel's template callables: after it
    locale.init_app(app)
    formatting.init_app(app)
    context.init_app(app)
    security.init_app(app, settings.secure_cookies)
    csrf.init_app(app)
    rate_limits.init_app(app, settings.redis_url)
    errors.init_app(app)
    app.register_blueprint(public.blueprint, url_prefix="/<lang>")
    app.register_blueprint(feeds.blueprint, url_prefix="/<lang>")
    app.register_blueprint(compare.blueprint, url_prefix="/<lang>")
    app.register_blueprint(calendar_page.blueprint, url_prefix="/<lang>")
    app.register_blueprint(alerts.blueprint, url_prefix="/<lang>")
    # One-click unsubscription (RFC 8058) comes from mail clients: the signed token is the proof.
    csrf.exempt(alerts.unsubscribe)
    app.register_blueprint(questionnaire.blueprint, url_prefix="/<lang>/questionnaire")
    app.register_blueprint(results_mail.blueprint, url_prefix="/<lang>/questionnaire")
    app.register_blueprint(schemes_api.blueprint, url_prefix="/api/v1")
    app.register_blueprint(eligibility_api.blueprint, url_prefix="/api/v1")
    app.register_blueprint(openapi.blueprint, url_prefix="/api/v1")
    app.register_blueprint(opendata.api_blueprint, url_prefix="/api/v1")
    app.register_blueprint(opendata.page_blueprint, url_prefix="/<lang>")
    app.register_blueprint(landscape.blueprint, url_prefix="/<lang>")
    # The JSON API takes no cookies and changes nothing: CSRF protects the forms only.
    csrf.exempt(schemes_api.blueprint)
    csrf.exempt(eligibility_api.blueprint)
    csrf.exempt(openapi.blueprint)
    csrf.exempt(opendata.api_blueprint)
    app.register_blueprint(admin_auth.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(admin_views.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(admin_editor.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(admin_suggestions.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(admin_recovery.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(admin_preview.blueprint, url_prefix="/<lang>/admin")
    app.register_blueprint(suggestions.blueprint, url_prefix="/<lang>")
    seo.init_app(app)
    compression.init_app(app)
    if settings.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app

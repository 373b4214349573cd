"""The search index as the web app uses it: one per process, brought up to date on demand."""

from __future__ import annotations

import logging

from flask import current_app

from app.config import Settings
from app.repository import catalogue_version, fingerprint_text
from app.search import IndexUnavailableError, SearchFilters, SearchIndex, SearchResults
from app.search_suggest import SuggestEntry
from app.search_text import Synonyms
from app.vocabulary import SYNONYMS_FILE
from app.web.core.catalogue_cache import current_catalogue, forget_catalogue
from app.web.core.database import db_session
from app.web.core.reference import vocabulary

log = logging.getLogger(__name__)


def search(text: str, filters: SearchFilters) -> SearchResults:
    """Search; an index found broken mid-way is rebuilt and the search tried once more."""
    try:
        return search_index().search(text, filters)
    except IndexUnavailableError:
        log.warning("Search index unavailable; rebuilding it", exc_info=True)
        return search_index().search(text, filters)


def serving_build() -> str:
    """The index build searches read now: the catalogue's, or the one before while another
    process writes the catalogue's (what an answer kept with the catalogue must name)."""
    return search_index().published()


def suggest(text: str, lang: str) -> list[SuggestEntry]:
    """Completions; an index found broken is rebuilt and the lookup tried once more."""
    try:
        return search_index().suggest(text, lang)
    except IndexUnavailableError:
        log.warning("Search index unavailable; rebuilding it", exc_info=True)
        return search_index().suggest(text, lang)


def search_index() -> SearchIndex:
    """The index of this app, rebuilt first if missing, corrupt, outdated or of an old schema."""
    index: SearchIndex | None = current_app.extensions.get("aides.search")
    if index is None:
        settings: Settings = current_app.extensions["aides.settings"]
        synonyms = Synonyms.load(settings.schemes_dir / SYNONYMS_FILE)
        index = SearchIndex(settings.search_index_dir, synonyms)
        current_app.extensions["aides.search"] = index
    catalogue = current_catalogue()
    index.ensure(
        fingerprint_text(catalogue.version),
        lambda: catalogue.schemes,
        vocabulary(),
        hashes=catalogue.hashes,
        latest=lambda: fingerprint_text(catalogue_version(db_session())),
    )
    return index


def refresh_after_publish() -> None:
    """After a publish: the cached catalogue and the search index follow at once."""
    forget_catalogue()
    search_index()

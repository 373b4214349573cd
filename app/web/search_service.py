"""The search index as the web app uses it: one per process, brought up to date on demand."""

from __future__ import annotations

from flask import current_app

from app.config import Settings
from app.repository import fingerprint_text
from app.search import SearchIndex
from app.search_text import Synonyms
from app.vocabulary import SYNONYMS_FILE
from app.web.catalogue_cache import current_catalogue
from app.web.reference import vocabulary


def search_index() -> SearchIndex:
    """The index of this app, rebuilt first if missing, corrupt, outdated or of an old schema."""
    index: SearchIndex | None = current_app.extensions.get("aides.search")
    if index is None:
        settings: Settings = current_app.extensions["aides.settings"]
        synonyms = Synonyms.load(settings.schemes_dir / SYNONYMS_FILE)
        index = SearchIndex(settings.search_index_dir, synonyms)
        current_app.extensions["aides.search"] = index
    catalogue = current_catalogue()
    index.ensure(fingerprint_text(catalogue.version), lambda: catalogue.schemes, vocabulary())
    return index

"""The whole catalogue with its rules compiled, kept per process until the database changes."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g

from app.eligibility.engine import CompiledScheme, compile_catalogue
from app.repository import SchemeFilters, catalogue_version, list_schemes_hashed
from app.schemes import Scheme
from app.web.database import db_session

_lock = threading.Lock()


@dataclass(frozen=True)
class Catalogue:
    """Every scheme (id order) and the compiled rules of those that have criteria."""

    version: tuple[int, int, datetime | None]
    schemes: list[Scheme]
    compiled: list[CompiledScheme]
    hashes: dict[str, str] = field(default_factory=dict)  # content hashes by id (search reads)

    @property
    def rules_date(self) -> datetime | None:
        """When the catalogue last changed."""
        return self.version[2]


def current_catalogue() -> Catalogue:
    """The cached catalogue, rebuilt when its fingerprint in the database has changed.

    The fingerprint is read once per request: search, highlights and verdicts share it.
    """
    if "catalogue" in g:
        return g.catalogue  # type: ignore[no-any-return]
    session = db_session()
    version = catalogue_version(session)
    cached: Catalogue | None = current_app.extensions.get("aides.catalogue")
    if cached is not None and cached.version == version:
        g.catalogue = cached
        return cached
    with _lock:
        schemes, hashes = list_schemes_hashed(session, SchemeFilters(include_inactive=True))
        compiled = compile_catalogue(s for s in schemes if s.criteria)
        catalogue = Catalogue(version, schemes, compiled, hashes)
        current_app.extensions["aides.catalogue"] = catalogue
        # The catalogue lives until the next change: keep the cyclic collector from rescanning
        # its many objects on every full collection (bench/eligibility.py shows the p95 cost).
        gc.collect()
        gc.freeze()
    g.catalogue = catalogue
    return catalogue


def forget_catalogue() -> None:
    """After a publish in this request: the next use reads the database again."""
    g.pop("catalogue", None)
    current_app.extensions.pop("aides.catalogue", None)

"""The whole catalogue with its rules compiled, kept per process until the database changes."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

from flask import current_app, g

from app.deadlines import NextDeadline, is_open_now, next_deadline
from app.eligibility.engine import CompiledScheme, compile_catalogue
from app.repository import SchemeFilters, catalogue_version, list_schemes_hashed
from app.schemes import Scheme, current_schemes
from app.web.database import db_session

_lock = threading.Lock()
# Derived values kept per catalogue (sorted lists and facet counts per selection, deadlines per
# day…): enough for the selections a busy day asks for, bounded so that odd URLs cannot grow it
# without limit (a sorted list of 10,000 schemes holds about 1 MB).
MEMO_SIZE = 128
T = TypeVar("T")


@dataclass(frozen=True)
class Catalogue:
    """Every scheme (id order) and the compiled rules of those that have criteria."""

    version: tuple[int, int, datetime | None]
    schemes: list[Scheme]
    compiled: list[CompiledScheme]
    hashes: dict[str, str] = field(default_factory=dict)  # id -> content hash of its document
    _memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def rules_date(self) -> datetime | None:
        """When the catalogue last changed."""
        return self.version[2]

    @cached_property
    def by_id(self) -> dict[str, Scheme]:
        """Every scheme by id."""
        return {scheme.id: scheme for scheme in self.schemes}

    @cached_property
    def current(self) -> list[Scheme]:
        """The current schemes (app.schemes.current_schemes): the count every page shows."""
        return current_schemes(self.schemes)

    @cached_property
    def parent_ids(self) -> frozenset[str]:
        """Ids of the schemes that have strands."""
        return frozenset(s.parent for s in self.schemes if s.parent)

    def deadlines(self, today: date) -> dict[str, NextDeadline]:
        """Every scheme's next deadline on that day."""
        return self.memo(
            ("deadlines", today), lambda: {s.id: next_deadline(s, today) for s in self.schemes}
        )

    def open_ids(self, today: date) -> frozenset[str]:
        """The ids of the schemes open on that day."""
        return self.memo(
            ("open now", today),
            lambda: frozenset(s.id for s in self.schemes if is_open_now(s, today)),
        )

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute(), kept with this catalogue under key: it goes when the catalogue changes.
        Values are shared between requests and threads: never change one in place."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # rare: a crawler walking every combination
        self._memo[key] = value
        return value


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

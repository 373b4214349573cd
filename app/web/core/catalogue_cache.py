"""The whole catalogue with its rules compiled, kept per process, refreshed per changed scheme."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from itertools import compress
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import current_app, g
from sqlalchemy.orm import Session

from app.deadlines import NextDeadline, is_open_now, next_deadline
from app.eligibility.batch import RuleTable
from app.eligibility.engine import (
    CompiledCatalogue,
    CompiledScheme,
    compile_scheme,
    shared_in_use,
)
from app.facets import FacetSets, facet_columns, list_facet_values, patched_columns
from app.long_lived import set_apart
from app.ranking import DenseRanks
from app.repository import (
    SchemeFilters,
    catalogue_version,
    list_schemes_hashed,
    published_documents,
    published_hashes,
)
from app.schemes import Scheme, current_schemes
from app.web.core.database import db_session
from app.web.core.reference import vocabulary

log = logging.getLogger(__name__)
_lock = threading.Lock()
# The thread working out the values of the latest rule table (tests wait for it).
VALUES_THREAD = "aides.eligibility_values"
# Values derived from the whole catalogue (deadlines and orders per day and language…): a few
# per day; the bound only matters to a process that sees no publish for weeks.
MEMO_SIZE = 128
# Answers to selections (a list's filters and order, a search's words) kept per catalogue, the
# least recently asked dropped first once they hold this many schemes in all: visitors can ask
# for any number of selections. A sorted list of 10,000 schemes holds 80 kB of references (its
# items are shared, see app.web.core.listing.listed_schemes).
MAX_ANSWER_ITEMS = 1_000_000
T = TypeVar("T")
Version = tuple[int, int, datetime | None]  # app.repository.catalogue_version


@dataclass(frozen=True)
class _PerScheme:
    """A value worked out scheme by scheme (by id): a refresh recomputes only the changed ones."""

    compute: Callable[[Scheme], Any]
    values: dict[str, Any]


@dataclass(frozen=True)
class _Ranked:
    """Ranks by a per-scheme value (the _PerScheme kept under `of`): a refresh patches them."""

    of: Hashable
    ranks: DenseRanks


class _Answers:
    """Values by key, the least recently used dropped first past a total size; thread-safe."""

    def __init__(self, max_size: int = MAX_ANSWER_ITEMS) -> None:
        self._lock = threading.Lock()
        self._kept: LRUCache[Hashable, tuple[Any, int]] = LRUCache(
            max_size, getsizeof=lambda kept: kept[1]
        )

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable, compute: Callable[[], T], size: Callable[[T], int]) -> T:
        """The value kept under key, or compute() kept with its size."""
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            return kept[0]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: other selections are not held up meanwhile
        with self._lock, contextlib.suppress(ValueError):  # larger than the whole: not kept
            self._kept[key] = (value, max(1, size(value)))
        return value


@dataclass(frozen=True)
class Catalogue:
    """Every scheme (id order) and the compiled rules of those that have criteria."""

    version: Version
    schemes: list[Scheme]
    compiled: CompiledCatalogue
    hashes: dict[str, str] = field(default_factory=dict)  # id -> content hash of its document
    # Compiled rules by their structure (compile_scheme's `shared`): a scheme compiled again in
    # a refresh shares the rules of the others, as in a full load.
    rules: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    _memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    _answers: _Answers = field(default_factory=_Answers, compare=False, repr=False)

    @property
    def rules_date(self) -> datetime | None:
        """When the catalogue last changed."""
        return self.version[2]

    @cached_property
    def by_id(self) -> dict[str, Scheme]:
        """Every scheme by id."""
        return {scheme.id: scheme for scheme in self.schemes}

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each scheme's position in `schemes`, by id."""
        return {scheme.id: position for position, scheme in enumerate(self.schemes)}

    @cached_property
    def facet_columns(self) -> dict[str, list[tuple[str, ...]]]:
        """Each list facet's values by scheme position (in `schemes`). Each scheme's values are
        kept per scheme, so a refresh reads only the changed ones."""
        values = self.each("list facets", list_facet_values)
        return facet_columns([values[s.id] for s in self.schemes])

    @cached_property
    def facet_sets(self) -> FacetSets:
        """The list facets of the schemes by position: what browsing counts."""
        return FacetSets.of_columns(self.facet_columns)

    def carry_facets(self, old: Catalogue, moved: Collection[int] | None = None) -> None:
        """Make the facet sets from those `old` had made, if any: only the changed schemes
        move (otherwise every worker counts every set anew after each publish). `moved`: the
        only positions whose scheme changed, the schemes being those of `old` otherwise."""
        if "facet_sets" not in old.__dict__:
            return
        if moved is not None:  # where cached_property keeps its value
            values = self.each("list facets", list_facet_values)
            rows = {p: values[self.schemes[p].id] for p in moved}
            self.__dict__["facet_columns"] = patched_columns(old.facet_columns, rows)
        self.__dict__["facet_sets"] = old.facet_sets.updated(old.facet_columns, self.facet_columns)

    @cached_property
    def active(self) -> list[Scheme]:
        """The schemes neither closed nor replaced (Scheme.is_active), in id order."""
        return list(compress(self.schemes, self.active_flags().values()))

    @cached_property
    def current(self) -> list[Scheme]:
        """The current schemes (app.schemes.current_schemes): the count every page shows."""
        return current_schemes(self.schemes, self.active_flags().values())

    def active_flags(self) -> dict[str, bool]:
        """Each scheme's is_active() by id, in `schemes` order (each() keeps that order): kept
        per scheme, so that a refresh asks the changed schemes only."""
        return self.each("active", Scheme.is_active)

    def name_ranks(self, lang: str) -> dict[str, int]:
        """Each scheme's rank in the order of names in that language (name_order; the same
        name, the same rank): lists sort by it instead of comparing names."""
        return self.ranks(("name order", lang), lambda s: name_order(s, lang))

    def ranks(self, key: Hashable, compute: Callable[[Scheme], Any]) -> dict[str, int]:
        """Each scheme's rank in the order of compute(scheme) (the same value, the same rank),
        kept under key like each(): a refresh after a publish re-places only the changed
        schemes. compute must depend on the scheme and the key only."""
        values = self.each(key, compute)
        ranked = self.memo(("ranks", key), lambda: _Ranked(key, DenseRanks(values)))
        return ranked.ranks.ranks

    def deadlines(self, today: date) -> dict[str, NextDeadline]:
        """Every scheme's next deadline on that day."""
        return self.each(("deadlines", today), lambda s: next_deadline(s, today))

    def open_ids(self, today: date) -> frozenset[str]:
        """The ids of the schemes open on that day."""
        is_open = self.each(("open now", today), lambda s: is_open_now(s, today))
        return self.memo(
            ("open ids", today), lambda: frozenset(i for i, yes in is_open.items() if yes)
        )

    def each(self, key: Hashable, compute: Callable[[Scheme], T]) -> dict[str, T]:
        """compute(scheme) for every scheme, by id, kept under key like memo(); a refresh
        after a publish carries the values over and computes only those of changed schemes.
        compute must depend on the scheme and the key only."""
        per_scheme = self.memo(
            key, lambda: _PerScheme(compute, {s.id: compute(s) for s in self.schemes})
        )
        return per_scheme.values

    def answer(self, key: Hashable, compute: Callable[[], T], size: Callable[[T], int]) -> T:
        """compute() for one selection (a list's filters and order, a search's words), kept
        with this catalogue under key like memo(); but as visitors choose the keys, the least
        recently asked answers go first once they hold MAX_ANSWER_ITEMS schemes in all
        (`size`: how many a value holds)."""
        return self._answers.get(key, compute, size)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute(), kept with this catalogue under key: it goes when the catalogue changes.
        For values of the whole catalogue (a few keys per day); answers to selections go to
        answer(). Values are shared between requests and threads: never change one in place."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # rare: a process that sees no publish for weeks
        self._memo[key] = value
        return value


def name_order(scheme: Scheme, lang: str) -> str:
    """What lists order names by in that language (casefolded: "Aide" with "aide")."""
    return scheme.name.get(lang).casefold()


def _compiled(
    schemes: list[Scheme],
    rules: dict[Hashable, Any],
    kept: dict[str, CompiledScheme],
    before: CompiledCatalogue | None = None,
) -> CompiledCatalogue:
    """The schemes with criteria compiled in id order (as compile_catalogue orders them): those
    in `kept` as they are, the others compiled with the shared `rules` (which gains theirs).
    `before`: the compiled catalogue replaced, whose rule table is kept if the rules are."""
    with_criteria = sorted((s for s in schemes if s.criteria), key=lambda s: s.id)
    return CompiledCatalogue(
        (kept.get(s.id) or compile_scheme(s, rules) for s in with_criteria), before
    )


def load_catalogue(session: Session, version: Version | None = None) -> Catalogue:
    """The whole catalogue read from the database and compiled (`version`: read just before)."""
    version = version or catalogue_version(session)
    schemes, hashes = list_schemes_hashed(session, SchemeFilters(include_inactive=True))
    rules: dict[Hashable, Any] = {}
    return Catalogue(version, schemes, _compiled(schemes, rules, {}), hashes, rules)


def refresh_catalogue(
    session: Session, old: Catalogue, version: Version | None = None
) -> Catalogue:
    """The catalogue now in the database, made from `old`: only the schemes whose content hash
    changed (published, rolled back, added) are read, validated and compiled; removed ones
    (unpublished) are dropped. Per-scheme values (each()) follow, and ranks by them (ranks())
    when the schemes are the same; other memos start afresh.
    Every worker does this after each publish: at 10,000 schemes, what it can copy in C (lists,
    dicts, pairs of hashes) it copies and patches, rather than go scheme by scheme."""
    version = version or catalogue_version(session)
    listed = published_hashes(session)
    before = old.hashes.get  # compared id by id: 4x faster than a set of (id, hash) pairs
    changed = sorted(
        scheme_id for scheme_id, digest in listed.items() if before(scheme_id) != digest
    )
    read = published_documents(session, changed)
    renewed = {scheme_id: scheme for scheme_id, (scheme, _digest) in read.items()}
    moved: list[int] | None = None
    if listed.keys() == old.hashes.keys() and len(read) == len(changed):
        # The same schemes, some published again or rolled back: the usual publish.
        schemes, hashes = list(old.schemes), dict(old.hashes)
        moved = [old.positions[scheme_id] for scheme_id in read]
        for position, (scheme, digest) in zip(moved, read.values(), strict=True):
            schemes[position], hashes[scheme.id] = scheme, digest
    else:
        schemes, hashes = _listed(listed, old, read)
    rules = dict(old.rules)
    compiled = _recompiled(old.compiled, schemes, renewed, rules, same_schemes=moved is not None)
    if compiled.table is not old.compiled.table or len(rules) != len(old.rules):
        # Forget the rules no scheme uses any more, as a full load would not have them (with
        # the same rules at every position and none added, those in use are those of before).
        rules = shared_in_use(rules, compiled)
    memo: dict[Hashable, Any] = {}
    for key, value in list(old._memo.items()):
        if isinstance(value, _PerScheme):
            memo[key] = _PerScheme(value.compute, _carried(value, schemes, hashes, renewed))
    for key, value in list(old._memo.items()):
        if isinstance(value, _Ranked) and moved is not None and value.of in memo:
            memo[key] = _Ranked(value.of, value.ranks.patched(memo[value.of].values, renewed))
    catalogue = Catalogue(version, schemes, compiled, hashes, rules, memo)
    if moved is not None:  # the same ids at the same positions
        catalogue.__dict__["positions"] = old.positions
        catalogue.__dict__["by_id"] = old.by_id | renewed
    catalogue.carry_facets(old, moved)
    return catalogue


def _listed(
    listed: dict[str, str], old: Catalogue, read: dict[str, tuple[Scheme, str]]
) -> tuple[list[Scheme], dict[str, str]]:
    """The schemes listed (id order) and their hashes: those `read`, the others from `old`."""
    schemes: list[Scheme] = []
    hashes: dict[str, str] = {}
    for scheme_id, digest in listed.items():
        if scheme_id in read:
            scheme, hashes[scheme_id] = read[scheme_id]
        elif scheme_id in old.hashes:
            scheme, hashes[scheme_id] = old.by_id[scheme_id], digest
        else:
            continue  # unpublished between the two queries: the next version reads it
        schemes.append(scheme)
    return schemes, hashes


def _recompiled(
    old: CompiledCatalogue,
    schemes: list[Scheme],
    renewed: dict[str, Scheme],
    rules: dict[Hashable, Any],
    same_schemes: bool,
) -> CompiledCatalogue:
    """The compiled catalogue of `schemes`, made from `old`: only the `renewed` ones compiled
    again. With `same_schemes` (the ids of before, in place) and criteria still on the same
    schemes, `old`'s positions are patched; otherwise the list is made again."""
    positions = old.positions
    if same_schemes and all((s.id in positions) == bool(s.criteria) for s in renewed.values()):
        compiled, moved = list(old), []
        for scheme in renewed.values():
            if scheme.criteria:
                moved.append(positions[scheme.id])
                compiled[moved[-1]] = compile_scheme(scheme, rules)
        return CompiledCatalogue(compiled, old, moved)
    kept = {c.scheme.id: c for c in old if c.scheme.id not in renewed}
    return _compiled(schemes, rules, kept, old)


def _carried(
    per_scheme: _PerScheme,
    schemes: list[Scheme],
    hashes: dict[str, str],
    renewed: dict[str, Scheme],
) -> dict[str, Any]:
    """A per-scheme value for each of `schemes` (whose hashes are `hashes`), in their order:
    those of before, but for the `renewed` schemes (read again, by id) and new ones, computed."""
    if per_scheme.values.keys() == hashes.keys():  # the same schemes: copied in C, then patched
        values = dict(per_scheme.values)
        for scheme_id, scheme in renewed.items():
            values[scheme_id] = per_scheme.compute(scheme)
        return values
    return {
        s.id: per_scheme.values[s.id]
        if s.id in per_scheme.values and s.id not in renewed
        else per_scheme.compute(s)
        for s in schemes
    }


def current_catalogue() -> Catalogue:
    """The cached catalogue, refreshed when its fingerprint in the database has changed (only
    the changed schemes are read again).

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
        cached = current_app.extensions.get("aides.catalogue")
        if cached is not None and cached.version == version:
            g.catalogue = cached  # another thread refreshed it meanwhile
            return cached  # type: ignore[no-any-return]
        if cached is None:
            catalogue = load_catalogue(session, version)
        else:
            catalogue = refresh_catalogue(session, cached, version)
        # It lives until the next publish (its unchanged schemes longer): keep the cyclic
        # collector from rescanning it (bench/eligibility.py shows the p95 cost); a full
        # collection is paid once, at start, not per publish in every worker.
        set_apart(collect_all=cached is None)
        if cached is None or catalogue.compiled.table is not cached.compiled.table:
            _work_out_values(catalogue.compiled.table)
        current_app.extensions["aides.catalogue"] = catalogue
    g.catalogue = catalogue
    return catalogue


def _work_out_values(table: RuleTable) -> None:
    """What each answer value rules out in a new rule table, worked out in the background
    (50-57 ms at 10,000 schemes) rather than by the first profiles giving each value."""
    together, vocab = table.together, vocabulary()

    def work_out() -> None:
        try:
            together.work_out(vocab)
            set_apart()  # kept with the rule table (app.long_lived)
        except Exception:  # a value it could not work out is worked out on first use
            log.exception("Working out the eligibility rules' values failed")

    thread = threading.Thread(target=work_out, name="eligibility-values", daemon=True)
    current_app.extensions[VALUES_THREAD] = thread
    thread.start()


def forget_catalogue() -> None:
    """After a publish in this request: the next use reads the database again (only what
    changed, as the cached catalogue is kept to be refreshed)."""
    g.pop("catalogue", None)

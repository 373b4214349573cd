"""The questionnaire's verdicts grouped, counted and sorted by catalogue position: with 10,000
schemes, a page builds only the verdicts it shows (building one costs more than deciding it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from app.eligibility.engine import SchemeVerdict, Verdicts
from app.scheme_rules import VerdictStatus
from app.web.core.catalogue_cache import Catalogue

STATUSES: tuple[VerdictStatus, ...] = ("eligible", "unknown", "ineligible")


class VerdictsAt(Sequence[SchemeVerdict]):
    """The verdicts of the schemes at these positions, in this order, each built when read."""

    def __init__(self, verdicts: Verdicts, positions: Sequence[int]) -> None:
        """positions: in the compiled catalogue the verdicts were evaluated over."""
        self.verdicts = verdicts
        self.positions = positions

    def __len__(self) -> int:
        """How many verdicts."""
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> SchemeVerdict: ...

    @overload
    def __getitem__(self, index: slice) -> list[SchemeVerdict]: ...

    def __getitem__(self, index: int | slice) -> SchemeVerdict | list[SchemeVerdict]:
        """The verdict at this index, or a list of them (a page)."""
        if isinstance(index, slice):
            return [self.verdicts.at(p) for p in self.positions[index]]
        return self.verdicts.at(self.positions[index])


def name_ranks(catalogue: Catalogue, lang: str) -> list[int]:
    """Each compiled scheme's rank by name in that language (by position; the same name in
    catalogue order; ranks need not follow each other): worked out once per language and
    catalogue version from the catalogue's name ranks, each request sorts the verdicts by it."""

    def ranks() -> list[int]:
        names, count = catalogue.name_ranks(lang), len(catalogue.compiled)
        return [names[c.scheme.id] * count + p for p, c in enumerate(catalogue.compiled)]

    return catalogue.memo(("verdict name ranks", lang), ranks)


def grouped(
    verdicts: Verdicts, catalogue: Catalogue, lang: str
) -> dict[tuple[VerdictStatus, bool], list[int]]:
    """The positions by (verdict, scheme is active), each group in the order of the names."""
    rank = name_ranks(catalogue, lang).__getitem__
    active = catalogue.compiled.active
    groups = {}
    for status in STATUSES:
        positions = verdicts.positions(status)
        groups[status, True] = sorted(active.intersection(positions), key=rank)
        groups[status, False] = sorted(set(positions).difference(active), key=rank)
    return groups


def current_ruled_out(verdicts: Verdicts, catalogue: Catalogue) -> tuple[int, int]:
    """How many current schemes (the count every page shows) these verdicts rule out, of how
    many: schemes without rules are never ruled out."""
    current = catalogue.memo("current positions", lambda: _current_positions(catalogue))
    return len(current.intersection(verdicts.positions("ineligible"))), len(catalogue.current)


def _current_positions(catalogue: Catalogue) -> frozenset[int]:
    current = {scheme.id for scheme in catalogue.current}
    return frozenset(p for p, c in enumerate(catalogue.compiled) if c.scheme.id in current)


def position_of(catalogue: Catalogue, scheme_id: str) -> int | None:
    """The position of a scheme in the compiled catalogue; None when it has no rules encoded."""
    return catalogue.compiled.positions.get(scheme_id)

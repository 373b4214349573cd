"""Pages of a long list, each in the URL (`?<param>=N`), so every page works without JavaScript."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort, request

T = TypeVar("T")
# Page numbers shown around the current one (the first and last are always shown).
WINDOW = 2


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of items, and where it sits in the whole list."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int
    param: str  # the query parameter that carries this list's page number

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first item in the list (from 1; 0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        """The position of the page's last item in the list."""
        return min(self.total, self.page * self.per_page)


def page_window(current: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last, and a few around the current one; None
    stands for the numbers left out. Thousands of schemes make hundreds of pages."""
    shown = {1, pages, *range(current - WINDOW, current + WINDOW + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= pages)
    result: list[int | None] = []
    for number in numbers:
        if result and number - (result[-1] or 0) > 1:
            result.append(None)
        result.append(number)
    return result


def requested_page(param: str) -> int:
    """The page number asked for in param (1 when absent); 400 when it is not a number ≥ 1."""
    raw = request.args.get(param)
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        abort(400)
    return int(raw)


def paged(items: Sequence[T], param: str, per_page: int) -> Paged[T]:
    """The page of items the request asks for in param; past the end, the last page (a link
    kept from a larger catalogue still lands somewhere)."""
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(requested_page(param), pages)
    start = (page - 1) * per_page
    return Paged(items[start : start + per_page], len(items), page, per_page, param)

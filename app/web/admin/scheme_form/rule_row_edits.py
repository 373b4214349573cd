"""The editor's buttons on a criterion's rule rows: add, remove, move, indent and outdent a row
with the rows nested in it, server-side, so that the page works without JavaScript."""

from __future__ import annotations

import copy
from typing import Any

from app.web.admin.scheme_form.rule_rows import Row, depths, is_group

VERBS = ("add", "add-group", "remove", "up", "down", "indent", "outdent")


class RowEditError(ValueError):
    """The button does not apply to this row (a stale or hand-made form)."""


def _end(levels: list[int], start: int) -> int:
    """Where the block of a row (the row and the rows nested in it) ends, exclusive."""
    end = start + 1
    while end < len(levels) and levels[end] > levels[start]:
        end += 1
    return end


def _previous_sibling(levels: list[int], position: int) -> int | None:
    for index in range(position - 1, -1, -1):
        if levels[index] <= levels[position]:
            return index if levels[index] == levels[position] else None
    return None


def _shift(block: list[dict[str, Any]], by: int) -> list[dict[str, Any]]:
    return [{**row, "depth": str(int(row["depth"]) + by)} for row in block]


def _condition(depth: int) -> dict[str, Any]:
    return {"kind": "condition", "depth": str(depth)}


def _group(depth: int) -> list[dict[str, Any]]:
    return [{"kind": "group", "group": "all", "depth": str(depth)}, _condition(depth + 1)]


def edit_rows(rows: list[dict[str, Any]], verb: str, position: int | None) -> int:
    """Apply a button to the rows in place; the position where the row acted on now is.

    position: the row (for "add" and "add-group", the group to add into; None for the top)."""
    levels = depths(rows)
    for row, level in zip(rows, levels, strict=True):
        row["depth"] = str(level)
    if position is not None and not 0 <= position < len(rows):
        raise RowEditError(verb)
    if verb in ("add", "add-group"):
        new = [_condition(0)] if verb == "add" else _group(0)
        where = len(rows)
        if position is not None:
            if not is_group(rows[position]):
                raise RowEditError(verb)
            where = _end(levels, position)
            new = _shift(new, levels[position] + 1)
        rows[where:where] = new
        return where
    if position is None:
        raise RowEditError(verb)
    end = _end(levels, position)
    block = rows[position:end]
    if verb == "remove":
        del rows[position:end]
        return min(position, len(rows) - 1)
    if verb == "up":
        before = _previous_sibling(levels, position)
        if before is None:
            raise RowEditError(verb)
        rows[before:end] = block + rows[before:position]
        return before
    if verb == "down":
        if end >= len(rows) or levels[end] != levels[position]:
            raise RowEditError(verb)
        after = _end(levels, end)
        rows[position:after] = rows[end:after] + block
        return position + after - end
    if verb == "indent":
        before = _previous_sibling(levels, position)
        if before is None or not is_group(rows[before]):
            raise RowEditError(verb)
        # Between the group and this row are only the group's own rows: it becomes the last.
        rows[position:end] = _shift(block, 1)
        return position
    if verb == "outdent":
        if levels[position] == 0:
            raise RowEditError(verb)
        parent = next(i for i in range(position - 1, -1, -1) if levels[i] < levels[position])
        parent_end = _end(levels, parent)
        # The row leaves its group and follows it, so the rows after it stay in the group.
        rows[position:parent_end] = rows[end:parent_end] + _shift(block, -1)
        return parent_end - len(block)
    raise RowEditError(verb)


def landing(rows: list[Row], verb: str, position: int | None) -> int | None:
    """Where the row a button acts on will be (to return the focus there), or None when the
    button does not apply to that row (the page does not offer it)."""
    try:
        return edit_rows(copy.deepcopy([dict(row) for row in rows]), verb, position)
    except RowEditError:
        return None

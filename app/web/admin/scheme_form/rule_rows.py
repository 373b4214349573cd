"""A criterion's rule as flat rows with a depth (groups and conditions), to and from the tree."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.scheme_rules import Rule

# Group kinds: "none of" is `not` of one row, or `not` of `any` of several.
GROUPS = ("all", "any", "none")
Path = tuple[str | int, ...]
Row = Mapping[str, Any]


@dataclass
class Node:
    """A row and the rows nested in it (a group's)."""

    index: int
    children: list[Node] = field(default_factory=list)


def is_group(row: Row) -> bool:
    """Whether a row is a group ("all of", "any of", "none of") rather than a condition."""
    return row.get("kind") == "group"


def group_kind(row: Row) -> str:
    """A group row's kind, "all" when unset or unknown."""
    kind = row.get("group")
    return kind if kind in GROUPS else "all"


def _depth(row: Row) -> int:
    try:
        return int(row.get("depth") or 0)
    except (TypeError, ValueError):
        return 0


def depths(rows: Sequence[Row]) -> list[int]:
    """Each row's depth, clamped so that a row is at most one level under the group above it
    (a hand-made or stale form cannot make an orphan)."""
    result: list[int] = []
    allowed = 0
    for row in rows:
        depth = max(0, min(_depth(row), allowed))
        result.append(depth)
        allowed = depth + 1 if is_group(row) else depth
    return result


def outline(rows: Sequence[Row]) -> list[Node]:
    """The rows as a tree: the top-level nodes, each with its nested rows."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    for index, depth in enumerate(depths(rows)):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        node = Node(index)
        (stack[-1][1].children if stack else roots).append(node)
        if is_group(rows[index]):
            stack.append((depth, node))
    return roots


def _combine(kind: str, parts: list[Any]) -> dict[str, Any]:
    if kind == "none":
        return {"not": parts[0]} if len(parts) == 1 else {"not": {"any": parts}}
    return {kind: parts}


def _child_paths(kind: str, path: Path, count: int) -> list[Path]:
    if kind == "none":
        return [(*path, "not")] if count == 1 else [(*path, "not", "any", i) for i in range(count)]
    return [(*path, kind, i) for i in range(count)]


def _unwrapped(combinator: str, count: int) -> bool:
    # One row under "all" or "any" is the rule itself, as scheme files write it.
    return combinator != "none" and count == 1


def rule_document(combinator: str, rows: Sequence[Row], leaf: Callable[[int], Any]) -> Any:
    """The rule (as a document) the rows describe under the criterion's combinator, or None
    without rows; leaf(i) gives condition row i's document."""

    def document(node: Node) -> Any:
        row = rows[node.index]
        if is_group(row):
            return _combine(group_kind(row), [document(child) for child in node.children])
        return leaf(node.index)

    parts = [document(node) for node in outline(rows)]
    if not parts:
        return None
    return parts[0] if _unwrapped(combinator, len(parts)) else _combine(combinator, parts)


def rule_paths(combinator: str, rows: Sequence[Row]) -> list[Path]:
    """Each row's place in the rule document: ("all", 1, "any", 0) for rule.all[1].any[0]."""
    paths: list[Path] = [() for _row in rows]

    def place(nodes: list[Node], own: list[Path]) -> None:
        for node, path in zip(nodes, own, strict=True):
            paths[node.index] = path
            kind = group_kind(rows[node.index])
            place(node.children, _child_paths(kind, path, len(node.children)))

    roots = outline(rows)
    if _unwrapped(combinator, len(roots)):
        place(roots, [()])
    else:
        place(roots, _child_paths(combinator, (), len(roots)))
    return paths


def row_at(
    combinator: str, rows: Sequence[Row], path: Sequence[str | int]
) -> tuple[int, list[str | int]] | None:
    """The row a path inside the rule names (the deepest whose place starts it), if any, and
    the rest of the path (a condition's "value")."""
    best: int | None = None
    paths = rule_paths(combinator, rows)
    for index, own in enumerate(paths):
        if tuple(path[: len(own)]) == own and (best is None or len(own) > len(paths[best])):
            best = index
    return None if best is None else (best, list(path[len(paths[best]) :]))


def _split(rule: Rule) -> tuple[str | None, tuple[Rule, ...]]:
    if rule.all:
        return "all", rule.all
    if rule.any:
        return "any", rule.any
    if rule.not_ is not None:
        inner = rule.not_
        return ("none", inner.any) if inner.any and len(inner.any) > 1 else ("none", (inner,))
    return None, ()


def _flat(
    rules: Sequence[Rule], depth: int, value_text: Callable[[Any], str]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for rule in rules:
        kind, children = _split(rule)
        if kind is None:
            rows.append(
                {
                    "kind": "condition",
                    "depth": str(depth),
                    "variable": rule.variable,
                    "operator": rule.operator,
                    "value": value_text(rule.value),
                }
            )
        else:
            rows.append({"kind": "group", "depth": str(depth), "group": kind})
            rows += _flat(children, depth + 1, value_text)
    return rows


def rows_from_rule(
    rule: Rule | None, value_text: Callable[[Any], str]
) -> tuple[str, list[dict[str, Any]]]:
    """The combinator and rows of a rule: the inverse of rule_document."""
    if rule is None:
        return "all", []
    kind, children = _split(rule)
    if kind is not None and not _unwrapped(kind, len(children)):
        return kind, _flat(children, 0, value_text)
    return "all", _flat([rule], 0, value_text)

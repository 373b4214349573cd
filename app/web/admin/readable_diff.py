"""A revision's changes as people read them: the field's name in the editor's own words, in the
reader's language ("Criterion 2 (music-activity-share) › Condition 1 › Value: 80 → 30"), with
the criterion's wording before and after."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pydantic
from cachetools import LRUCache
from flask import current_app

from app.editing import Change, diff_documents
from app.repository import content_hash
from app.schemes import Scheme
from app.web.admin.editor import error_summary, form_from
from app.web.admin.scheme_form.data import form_data_from_scheme
from app.web.admin.scheme_form.errors import attach_error
from app.web.admin.scheme_form.form import SchemeForm
from app.web.core.locale import current_language


@dataclass(frozen=True)
class ReadableChange:
    """One change: where, in words; the values before and after; the criterion's wording."""

    where: str
    path: str
    before: Any
    after: Any
    wording: tuple[str | None, str | None] | None = None


def _form(document: dict[str, Any] | None) -> SchemeForm | None:
    if not document:
        return None
    try:
        scheme = Scheme.model_validate(document)
    except pydantic.ValidationError:
        return None
    return form_from(form_data_from_scheme(scheme), scheme.id)


def _places(form: SchemeForm | None, paths: list[str]) -> dict[str, str]:
    """Each path's place in the editor, found as the error summary finds a field's name."""
    if form is None:
        return {}
    for position, path in enumerate(paths):
        attach_error(form, path, f"\x00{position}")
    places: dict[str, str] = {}
    for item in error_summary(form):
        marker = item.message.rsplit("\x00", 1)
        if len(marker) == 2 and marker[1].isdigit():
            where = item.where
            if marker[0].rstrip(": "):  # a part of the path the form has no field for
                where = f"{where} › {marker[0].rstrip(': ')}"
            places.setdefault(paths[int(marker[1])], where)
    return places


def _criterion_wording(document: dict[str, Any] | None, path: str) -> str | None:
    if not document or not path.startswith("criteria["):
        return None
    index = int(path[len("criteria[") : path.index("]")])
    criteria = document.get("criteria", [])
    if index >= len(criteria):
        return None
    label: dict[str, str] = criteria[index].get("label", {})
    return label.get(current_language()) or label.get("fr")


# Pairs of documents whose readable changes a process keeps. Naming a change's place builds the
# editor's form of both documents (about 35 ms a pair), and the revisions page shows every pair
# of a scheme's history: worked out each time, a history of 20 revisions cost 0.7 s a view.
KEPT_PAIRS = 1024
_EXTENSION = "aides.readable_changes"
_lock = threading.Lock()


def readable_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[ReadableChange]:
    """The changes from one revision's document to the next, named as the editor names them:
    worked out once per pair of documents and language (a revision's document never changes)."""
    key = (content_hash(before) if before else None, content_hash(after), current_language())
    with _lock:
        kept: LRUCache[Any, tuple[ReadableChange, ...]] = current_app.extensions.setdefault(
            _EXTENSION, LRUCache(KEPT_PAIRS)
        )
        found = kept.get(key)
    if found is None:
        found = tuple(_readable_changes(before, after))
        with _lock:
            kept[key] = found
    return list(found)


def _readable_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[ReadableChange]:
    changes: list[Change] = diff_documents(before, after)
    paths = [change.field for change in changes]
    places = _places(_form(before), paths) | _places(_form(after), paths)
    readable = []
    for change in changes:
        wording = None
        if change.field.startswith("criteria[") and ".label." not in change.field:
            wording = (
                _criterion_wording(before, change.field),
                _criterion_wording(after, change.field),
            )
        readable.append(
            ReadableChange(
                places.get(change.field, change.field),
                change.field,
                change.before,
                change.after,
                wording,
            )
        )
    return readable

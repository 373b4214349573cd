"""A revision's changes as people read them: the field's name in the editor's own words, in the
reader's language ("Criterion 2 (music-activity-share) › Condition 1 › Value: 80 → 30"), with
the criterion's wording before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic

from app.editing import Change, diff_documents
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


def readable_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[ReadableChange]:
    """The changes from one revision's document to the next, named as the editor names them."""
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

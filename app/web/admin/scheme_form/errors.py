"""Where the problems of a scheme belong in the editor's form: scheme paths to fields, messages."""

from __future__ import annotations

import re
from typing import Any

import pydantic
from wtforms import FieldList, FormField
from wtforms.form import BaseForm

from app.catalogue import field_path
from app.reasons import model_location, model_reason
from app.web.admin.scheme_form.form import SchemeForm
from app.web.admin.scheme_form.rule_rows import is_group, row_at
from app.web.core.reason_text import say


class SchemeFormError(ValueError):
    """The form's content is not a valid scheme; `errors` are (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors

    @classmethod
    def from_model(cls, error: pydantic.ValidationError) -> SchemeFormError:
        """The errors of a document the Scheme model refuses, by field path."""
        return cls(
            [
                (model_path(model_location(detail)), say(model_reason(detail)))
                for detail in error.errors()
            ]
        )

    def apply(self, form: SchemeForm) -> None:
        """Attach each error to its field in the form."""
        for path, message in self.errors:
            attach_error(form, path, message)


# One way to write a pydantic location as a field path, shared with the scheme files.
model_path = field_path


_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _tokens(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _TOKEN.findall(path)]


def _form_tokens(form: SchemeForm, tokens: list[str | int]) -> tuple[list[str | int], str]:
    """Translate a scheme path to a form path where they differ: rules and answers."""
    if len(tokens) > 2 and tokens[0] == "criteria" and tokens[2] == "rule":
        head, rest = tokens[:2], tokens[3:]
        index = tokens[1]
        entries = form.criteria.entries
        if not isinstance(index, int) or index >= len(entries):
            return head, model_path(["rule", *rest])
        criterion = entries[index].form
        rows = [entry.form.data for entry in criterion.conditions]
        found = row_at(criterion.combinator.data or "all", rows, rest)
        if found is None:
            return [*head, "conditions"], ""
        row, field = found
        # A group's problems (an empty group) are the row's own; a condition's, its field's.
        return [*head, "conditions", row, *([] if is_group(rows[row]) else field)], ""
    if len(tokens) > 3 and tokens[0] == "examples" and tokens[2] == "answers":
        return tokens[:3], str(tokens[3])
    return tokens, ""


def _child(node: Any, token: str | int) -> Any:
    if isinstance(node, FieldList):
        if isinstance(token, int) and 0 <= token < len(node.entries):
            return node.entries[token]
        return None
    fields = node.form if isinstance(node, FormField) else node
    if isinstance(fields, BaseForm) and isinstance(token, str):
        return fields._fields.get(token)
    return None


def attach_error(form: SchemeForm, path: str, message: str) -> None:
    """Put a message on the field a scheme path names (`criteria[2].rule.all[1].value`,
    `name.en`, `calendar.sessions[0].closes`), on its group, or else with the form."""
    tokens, context = _form_tokens(form, _tokens(path))
    node: Any = form
    while tokens:
        child = _child(node, tokens[0])
        if child is None:
            break
        node = child
        tokens.pop(0)
        if not isinstance(node, FormField | FieldList):
            break
    where = ".".join(
        part for part in (context, model_path(t for t in tokens if isinstance(t, str))) if part
    )
    text = f"{where}: {message}" if where else message
    if node is form:
        form.other_errors.append(f"{path}: {message}" if path else message)
    elif isinstance(node, FormField | FieldList):
        form.group_errors.setdefault(node.id, []).append(text)
    else:
        node.errors = [*node.errors, text]

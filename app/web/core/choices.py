"""WTForms' SelectChoice and the choices of a select field, in one place for the type checker."""

from __future__ import annotations

from typing import Any

from wtforms import Field

# The types-wtforms stubs describe WTForms 3.2; SelectChoice came with 3.3 (the version pinned).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

__all__ = ["SelectChoice", "choices_of"]


def choices_of(field: Field) -> list[Any]:
    """The SelectChoice options a select field was given (every form here gives SelectChoice)."""
    return list(getattr(field, "choices", None) or ())

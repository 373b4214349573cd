"""Schemes kept in memory share their equal parts: one object per distinct text, source, label…

A catalogue read from the database holds each scheme's document parsed anew: the same source,
organisation, label or vocabulary value is then a separate object in every scheme, and each
pydantic model carries its own set of field names. Passing the freshly validated schemes through
one `Sharing` keeps one object per distinct value (about a third of the memory at 10,000
schemes, bench/eligibility.py). Models are frozen, so a shared part cannot be changed through one
scheme; the parts are swapped in place only in models nobody else holds yet.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any, TypeVar, cast

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Sharing:
    """A table of the distinct values seen; keep it while more schemes may join the same ones."""

    def __init__(self) -> None:
        """An empty table."""
        # Keys say what a value is made of: the identity of parts already shared, the text of
        # strings, type and value of other scalars (True, 1 and 1.0 are equal but not the same).
        self._values: dict[Hashable, Any] = {}
        self._field_sets: dict[frozenset[str], set[str]] = {}

    def model(self, model: M) -> M:
        """model with its parts shared, or the equal model already seen; model must be fresh
        (held by nobody else): its parts are replaced in place."""
        return self._share(model)  # type: ignore[no-any-return]

    def models(self, models: Iterable[M]) -> list[M]:
        """Each model through `model`."""
        return [self._share(model) for model in models]

    def _share(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self._values.setdefault(value, value)
        if kind is tuple:
            items = tuple(map(self._share, value))
            return self._values.setdefault((tuple, *map(self._part, items)), items)
        if isinstance(value, BaseModel):
            return self._share_model(value)
        if isinstance(value, date):
            return self._values.setdefault((kind, value), value)
        return value  # numbers, booleans and None are small; dicts (example answers) stay apart

    def _share_model(self, model: BaseModel) -> BaseModel:
        fields = model.__dict__
        key: list[Hashable] = [type(model)]
        for name, item in fields.items():
            fields[name] = part = self._share(item)  # same keys: the dict keeps its size
            key += (name, self._part(part))
        names = model.__pydantic_fields_set__
        # pydantic copies this set before changing it (model_copy); frozen models never change it.
        shared_names = self._field_sets.setdefault(frozenset(names), names)
        object.__setattr__(model, "__pydantic_fields_set__", shared_names)
        if model.__pydantic_extra__ or model.__pydantic_private__:
            return model  # not in this project's models; not worth a key
        canonical: BaseModel = self._values.setdefault(tuple(key), model)
        return canonical

    @staticmethod
    def _part(value: Any) -> Hashable:
        """What identifies a value already shared, in a key."""
        kind = type(value)
        if kind is str:
            return cast(str, value)
        if kind is tuple or isinstance(value, BaseModel | date | dict | list):
            return id(value)  # shared (kept alive by the table), or apart (dicts, lists)
        return (kind, value)


def shared_models(models: Iterable[M]) -> list[M]:
    """Freshly validated models sharing their equal parts (one table for these only)."""
    return Sharing().models(models)

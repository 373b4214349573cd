"""The profile vocabulary (aid_schemes/questions.yaml) and the organisations registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from app.i18n import Localized

VariableType = Literal["choice", "set", "number", "integer", "boolean"]
QUESTIONS_FILE = "questions.yaml"
ORGANISATIONS_FILE = "organisations.yaml"
SYNONYMS_FILE = "synonyms.yaml"
PLACES_FILE = "places.yaml"  # place names -> zones and regions, for search
REFERENCE_FILES = frozenset({QUESTIONS_FILE, ORGANISATIONS_FILE, SYNONYMS_FILE, PLACES_FILE})
_SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


_Model = TypeVar("_Model", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One allowed value of a choice or set variable."""

    id: str = Field(pattern=_SLUG)
    label: Localized


class Variable(_Strict):
    """One answer a profile may hold: its type, allowed values and wording."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: VariableType
    label: Localized
    help: Localized
    values: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: Localized | None = None

    @model_validator(mode="after")
    def _values_match_type(self) -> Variable:
        has_values = self.type in ("choice", "set")
        if has_values and not self.values:
            raise ValueError(f"a {self.type} variable needs values")
        if not has_values and self.values:
            raise ValueError(f"a {self.type} variable takes no values")
        ids = [choice.id for choice in self.values]
        if len(ids) != len(set(ids)):
            raise ValueError("values have duplicate ids")
        return self

    def value_ids(self) -> tuple[str, ...]:
        """The allowed value ids, in display order."""
        return tuple(choice.id for choice in self.values)

    def value_label(self, value_id: str, lang: str) -> str:
        """The label of one value, or the raw id when it is unknown."""
        for choice in self.values:
            if choice.id == value_id:
                return choice.label.get(lang)
        return value_id


class Contact(_Strict):
    """How to reach a funder, as its official pages publish it."""

    url: HttpUrl | None = None  # its contact page
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ().-]{6,25}$")
    source: HttpUrl  # the official page that publishes these details
    checked: date  # the date they were read there


class Organisation(_Strict):
    """A funder or operator of schemes."""

    id: str = Field(pattern=_SLUG)
    acronym: str
    name: Localized
    url: HttpUrl
    contact: Contact | None = None


class Vocabulary:
    """The variables in their stable order, and the organisations, looked up by id."""

    def __init__(self, variables: list[Variable], organisations: list[Organisation]) -> None:
        self.variables = {variable.id: variable for variable in variables}
        self.organisations = {org.id: org for org in organisations}

    def variable(self, variable_id: str) -> Variable:
        """The variable with this id (KeyError when unknown)."""
        return self.variables[variable_id]


class ReferenceDataError(Exception):
    """The vocabulary or organisations file is malformed."""


def _read_list(path: Path, key: str) -> list[object]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ReferenceDataError(f"{path.name}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ReferenceDataError(f"{path.name}: {key}: a list is required")
    items: list[object] = data[key]
    return items


def _validated(path: Path, key: str, model: type[_Model]) -> list[_Model]:
    result: list[_Model] = []
    problems: list[str] = []
    for position, item in enumerate(_read_list(path, key)):
        try:
            result.append(model.model_validate(item))
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in (key, position, *detail["loc"]))
                problems.append(f"{path.name}: {where}: {detail['msg']}")
    ids = [getattr(item, "id") for item in result]  # noqa: B009 - every model here has an id
    problems += [
        f"{path.name}: {key}: duplicate id {i!r}" for i in sorted(set(ids)) if ids.count(i) > 1
    ]
    if problems:
        raise ReferenceDataError("\n".join(problems))
    return result


def load_vocabulary(directory: Path) -> Vocabulary:
    """Read and validate questions.yaml and organisations.yaml from directory."""
    return Vocabulary(
        _validated(directory / QUESTIONS_FILE, "variables", Variable),
        _validated(directory / ORGANISATIONS_FILE, "organisations", Organisation),
    )

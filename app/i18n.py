"""Languages of the service and the bilingual text type used by scheme content (Flask-free)."""

from __future__ import annotations

from typing import Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"
LANGUAGE_NAMES: dict[Lang, str] = {"fr": "Français", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it now."""
    return message


def is_language(value: str | None) -> TypeGuard[Lang]:
    """True when value is one of the service's language codes."""
    return value in LANGUAGES


class Localized(BaseModel):
    """A text that exists in French and English; both are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in lang, French when lang is not a service language."""
        return self.en if lang == "en" else self.fr

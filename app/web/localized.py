"""Pages whose path is translated (/fr/panorama/, /en/landscape/): a rule per language.

Each rule carries its language as a default, so url_for(endpoint, lang=…) builds the path of that
language, the language switcher works as for any page, and /en/panorama/ is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint

from app.i18n import LANGUAGES


def add_localized_rule(
    blueprint: Blueprint, paths: Mapping[str, str], view: Callable[..., Any]
) -> None:
    """Serve view at /<lang><path> for each language's own path (every language needs one)."""
    if set(paths) != set(LANGUAGES):
        raise ValueError(f"{view.__name__}: a path is needed for each of {LANGUAGES}")
    for lang, path in paths.items():
        blueprint.add_url_rule(
            f"/{lang}{path}", endpoint=view.__name__, view_func=view, defaults={"lang": lang}
        )

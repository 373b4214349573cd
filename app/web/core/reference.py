"""The reference data loaded at start-up (vocabulary and organisations), for the web layer."""

from __future__ import annotations

from flask import current_app

from app.vocabulary import Vocabulary


def vocabulary() -> Vocabulary:
    """The profile vocabulary and organisations loaded at start-up."""
    vocab: Vocabulary = current_app.extensions["aides.vocabulary"]
    return vocab

"""Reasons (app/reasons.py) worded in the reader's language, for pages, flashes and the API."""

from __future__ import annotations

from flask_babel import gettext

from app.catalogue import Problem
from app.reasons import Reason


def say(why: Reason | None, fallback: str = "") -> str:
    """The reason in the current request's language; the fallback when there is none."""
    return why.words(gettext) if why is not None else fallback


def problem_text(problem: Problem) -> str:
    """A scheme's problem in the reader's language (its English message when it has no code)."""
    return say(problem.reason, problem.message)

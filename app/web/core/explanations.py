"""A criterion's verdict in plain words, with the answers it read: for the results page and API."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal

from app.eligibility.answers import Answers
from app.eligibility.engine import CriterionResult
from app.vocabulary import Variable
from app.web.core.locale import current_language
from app.web.core.reference import vocabulary
from app.web.core.translations import gettext as _


def answer_text(variable: Variable, answers: Answers) -> str:
    """An answer in words, in the page's language."""
    lang = current_language()
    if variable.id in answers.unknown:
        return str(_("I don't know"))
    value = answers.values.get(variable.id)
    if isinstance(value, frozenset):
        return ", ".join(variable.value_label(v, lang) for v in sorted(value)) or str(_("None"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, float):
        # Babel cannot round numbers beyond decimal precision (1e308): scientific notation then.
        number = format_decimal(value) if abs(value) < 1e15 else f"{value:.3g}"
        return f"{number} {variable.unit.get(lang)}" if variable.unit else str(number)
    return variable.value_label(str(value), lang)


def answered(result: CriterionResult, answers: Answers) -> list[dict[str, Any]]:
    """The answers the criterion read: variable, question, raw value and value in words."""
    lang = current_language()
    items = []
    for name in result.variables:
        if not answers.is_asked(name):
            continue
        variable = vocabulary().variable(name)
        value = answers.values.get(name)
        items.append(
            {
                "variable": name,
                "question": variable.label.get(lang),
                "value": sorted(value) if isinstance(value, frozenset) else value,
                "text": answer_text(variable, answers),
            }
        )
    return items


def _requirement(result: CriterionResult) -> str:
    # Labels are full sentences; the explanation goes on after them.
    return result.criterion.label.get(current_language()).rstrip(" .")


def explanation(result: CriterionResult, answers: Answers) -> str:
    """What the criterion means for this profile: what is wrong, what to check and by whom, or
    that it is met, with the answer it came from."""
    requirement = _requirement(result)
    given = "; ".join(item["text"] for item in answered(result, answers))
    if result.status == "failed":
        return (
            _(
                "Required: %(requirement)s. You answered: %(answer)s.",
                requirement=requirement,
                answer=given,
            )
            if given
            else _("Required: %(requirement)s.", requirement=requirement)
        )
    if result.status == "met":
        return _("Met: %(requirement)s.", requirement=requirement)
    if result.criterion.verify_by == "applicant" and not result.open_variables:
        return _("For you to check: %(requirement)s.", requirement=requirement)
    if result.criterion.verify_by == "funder" and not result.open_variables:
        return _(
            "The funder checks this when it reviews the application: %(requirement)s.",
            requirement=requirement,
        )
    if any(name in answers.unknown for name in result.open_variables):
        return _("Depends on an answer you did not know: %(requirement)s.", requirement=requirement)
    return _("Depends on a question not answered yet: %(requirement)s.", requirement=requirement)

"""Two to four schemes side by side; the URL (?ids=a&ids=b) reproduces the comparison."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from app.deadlines import next_deadline, today_in_paris
from app.repository import get_schemes
from app.schemes import is_scheme_id
from app.web.core.database import db_session

blueprint = Blueprint("compare", __name__)

MIN_SCHEMES = 2
MAX_SCHEMES = 4


def _refusal(status: int, message: str, ids: list[str]) -> tuple[str, int]:
    return render_template("public/compare.html", error=message, ids=ids, schemes=[]), status


@blueprint.get("/aides/comparer")
def compare() -> tuple[str, int] | str:
    """The chosen schemes in columns: funder, audience, amounts, deadline, conditions, status."""
    # The same id twice is one choice; the order chosen is the order of the columns.
    ids = list(dict.fromkeys(i.strip() for i in request.args.getlist("ids") if i.strip()))
    if len(ids) < MIN_SCHEMES:
        return _refusal(
            400,
            ngettext(
                "Choose at least %(min)d schemes to compare; you chose %(num)d.",
                "Choose at least %(min)d schemes to compare; you chose %(num)d.",
                len(ids),
                min=MIN_SCHEMES,
            ),
            ids,
        )
    if len(ids) > MAX_SCHEMES:
        return _refusal(
            400,
            _(
                "Choose at most %(max)d schemes to compare; you chose %(num)d.",
                max=MAX_SCHEMES,
                num=len(ids),
            ),
            ids,
        )
    session = db_session()
    found = get_schemes(session, [i for i in ids if is_scheme_id(i)])
    unknown = [i for i in ids if i not in found]
    if unknown:
        return _refusal(
            404,
            ngettext(
                "No scheme has the id %(ids)s.",
                "No scheme has these ids: %(ids)s.",
                len(unknown),
                ids=", ".join(f"“{i[:100]}”" for i in unknown),
            ),
            ids,
        )
    schemes = [found[i] for i in ids]
    successors = [s.lifecycle.replaced_by for s in schemes if s.lifecycle.replaced_by]
    today = today_in_paris()
    return render_template(
        "public/compare.html",
        error=None,
        ids=ids,
        schemes=schemes,
        deadlines={s.id: next_deadline(s, today) for s in schemes},
        linked=get_schemes(session, successors),
    )

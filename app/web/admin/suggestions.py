"""The public's suggestions in the admin: read, take into a draft, or decline with a note."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import suggestions
from app.models import Suggestion
from app.web.admin.access import require_role, signed_in_user
from app.web.admin.forms import EmptyForm
from app.web.core.database import db_session

blueprint = Blueprint("admin_suggestions", __name__)
RECENT = 20


@blueprint.get("/suggestions")
@require_role("editor", "admin")
def suggestion_list() -> str:
    """Suggestions waiting, oldest first, then the latest handled ones."""
    session = db_session()
    handled = session.scalars(
        select(Suggestion)
        .where(Suggestion.state != "new")
        .order_by(Suggestion.handled_at.desc())
        .limit(RECENT)
    ).all()
    return render_template(
        "admin/suggestions.html",
        waiting=suggestions.waiting(session),
        handled=handled,
        form=EmptyForm(),
    )


def _suggestion(number: int) -> Suggestion:
    # Ids beyond a 32-bit integer are not ours, and PostgreSQL would refuse them.
    found = db_session().get(Suggestion, number) if 0 < number < 2**31 else None
    if found is None or found.state != "new":
        abort(404)
    return found


@blueprint.post("/suggestions/<int:number>/<decision>")
@require_role("editor", "admin")
def decide(number: int, decision: str) -> Response:
    """Accept (then edit the scheme) or decline; either way the sender's address is erased."""
    if decision not in ("accepted", "declined"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    suggestion = _suggestion(number)
    user = signed_in_user()
    if user is None:  # require_role has let only signed-in users through
        abort(403)
    note = (request.form.get("note") or "").strip()[:2000]
    suggestions.decide(
        db_session(),
        suggestion,
        "accepted" if decision == "accepted" else "declined",
        by=user.email,
        note=note,
        now=datetime.now(UTC),
    )
    if decision == "accepted":
        flash(_("Suggestion accepted: make the change in this draft, then save it."))
        return redirect(url_for("admin_editor.edit_scheme", scheme_id=suggestion.scheme_id))
    flash(_("Suggestion declined."))
    return redirect(url_for("admin_suggestions.suggestion_list"))

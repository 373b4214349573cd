"""The draft beside the published page, each as the public would read it, in the reader's
language (the language switch shows the other one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from app.editing import DRAFT_STATES, latest_revision
from app.models import SchemeRecord
from app.schemes import Scheme
from app.web.admin.access import require_role
from app.web.core.database import db_session
from app.web.core.scheme_page import scheme_page

blueprint = Blueprint("admin_preview", __name__)


@dataclass(frozen=True)
class Column:
    """One side of the comparison: its title, the prefix of its ids and its page's context."""

    title: str
    id_prefix: str
    page: dict[str, Any]


@blueprint.get("/schemes/<scheme_id>/compare")
@require_role("editor", "admin")
def compare(scheme_id: str) -> str:
    """The latest draft and the published version side by side, as public pages."""
    db = db_session()
    latest = latest_revision(db, scheme_id)
    record = db.get(SchemeRecord, scheme_id)
    if latest is None or record is None:
        abort(404)
    columns = []
    if latest.state in DRAFT_STATES:
        draft = Scheme.model_validate(latest.document)
        title = _("Draft: revision no. %(number)d", number=latest.number)
        columns.append(Column(title, "draft-", scheme_page(db, draft)))
    if record.published:
        published = Scheme.model_validate(record.document)
        title = _("Published: revision no. %(number)d", number=record.revision)
        columns.append(Column(title, "published-", scheme_page(db, published)))
    return render_template(
        "admin/compare.html",
        scheme_id=scheme_id,
        name=Scheme.model_validate(latest.document).name,
        columns=columns,
        has_draft=latest.state in DRAFT_STATES,
        published=record.published,
    )

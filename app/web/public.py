"""Public pages: home, the scheme list with its filters, and one scheme's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.deadlines import next_deadline, today_in_paris
from app.repository import (
    SchemeFilters,
    get_scheme,
    get_schemes,
    list_schemes,
    predecessor_ids,
    strand_ids,
)
from app.web.database import db_session
from app.web.listing import FilterForm, sort_and_page, vocabulary
from app.web.locale import current_language

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home() -> str:
    """What the service is, and its ways in."""
    schemes = list_schemes(db_session(), SchemeFilters())
    page = sort_and_page(
        schemes,
        today=today_in_paris(),
        lang=current_language(),
        sort="deadline",
        page=1,
        per_page=5,
    )
    funders = sorted({s.funder for s in schemes})
    return render_template(
        "public/home.html",
        upcoming=[item for item in page.items if item.deadline.kind == "session"],
        active_count=len(schemes),
        funders=[vocabulary().organisations[f] for f in funders],
    )


@blueprint.get("/aides/")
def scheme_list() -> tuple[str, int] | str:
    """Every scheme, filtered; closed and replaced ones only when asked."""
    lang = current_language()
    form = FilterForm(request.args, lang)
    if not form.validate():
        return render_template("public/list.html", form=form, page=None, linked={}), 400
    schemes = list_schemes(db_session(), form.filters())
    page = sort_and_page(
        schemes,
        today=today_in_paris(),
        lang=lang,
        sort=form.sort.data or "deadline",
        page=form.page.data or 1,
        per_page=form.per_page.data or 20,
    )
    successors = [
        i.scheme.lifecycle.replaced_by for i in page.items if i.scheme.lifecycle.replaced_by
    ]
    return render_template(
        "public/list.html", form=form, page=page, linked=get_schemes(db_session(), successors)
    )


@blueprint.get("/aides/<scheme_id>")
def scheme_detail(scheme_id: str) -> str:
    """One scheme: facts, who may apply, amounts, sessions, lifecycle and sources."""
    session = db_session()
    scheme = get_scheme(session, scheme_id)
    if scheme is None:
        abort(404)
    strands = strand_ids(session, scheme.id)
    predecessors = predecessor_ids(session, scheme.id)
    link_ids = [*strands, *predecessors]
    link_ids += [i for i in (scheme.parent, scheme.lifecycle.replaced_by) if i]
    vocab = vocabulary()
    return render_template(
        "public/scheme.html",
        scheme=scheme,
        linked=get_schemes(session, link_ids),
        strands=strands,
        predecessors=predecessors,
        deadline=next_deadline(scheme, today_in_paris()),
        today=today_in_paris(),
        funder=vocab.organisations[scheme.funder],
        operator=vocab.organisations.get(scheme.operator) if scheme.operator else None,
    )

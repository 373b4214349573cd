"""What a scheme's public page shows besides the scheme: links, deadline, freshness, funder. One
place, for the public page and the admin's previews of a draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.deadlines import next_deadline, today_in_paris
from app.evidence import is_stale, newest_evidence
from app.repository import get_schemes, predecessor_ids, strand_ids
from app.schemes import Scheme
from app.web.core.reference import vocabulary


def scheme_page(session: Session, scheme: Scheme) -> dict[str, Any]:
    """The template context of public/_scheme_body.html for this scheme."""
    strands = strand_ids(session, scheme.id)
    predecessors = predecessor_ids(session, scheme.id)
    link_ids = [*strands, *predecessors]
    link_ids += [i for i in (scheme.parent, scheme.lifecycle.replaced_by) if i]
    vocab = vocabulary()
    today = today_in_paris()
    return {
        "scheme": scheme,
        "linked": get_schemes(session, link_ids),
        "strands": strands,
        "predecessors": predecessors,
        "deadline": next_deadline(scheme, today),
        "today": today,
        "stale": is_stale(scheme, today),
        "newest_evidence": newest_evidence(scheme, today),
        "funder": vocab.organisations[scheme.funder],
        "operator": vocab.organisations.get(scheme.operator) if scheme.operator else None,
    }

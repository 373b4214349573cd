"""Editing schemes: drafts with revisions, publishing once the examples pass, rollback, diffs.

Each operation validates, writes, records its revision and an audit event, then commits, in one
unit of work (`app.db.unit_of_work`), like every write service. Two people editing the same
scheme: the second save is refused with the other's changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.catalogue import Problem, check_catalogue
from app.db import unit_of_work
from app.models import SchemeRecord, SchemeRevision
from app.reasons import Reason, reason
from app.repository import apply_scheme, content_hash
from app.schemes import Scheme, is_scheme_id
from app.vocabulary import Vocabulary

# Where the saves read the time of a revision from. Injected, not patched: a test publishes
# from a machine whose clock is behind by passing its own.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The time of a save: now, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions of a scheme."""

    field: str
    before: Any
    after: Any


class EditError(Exception):
    """A refused edit: its reason (the message in English), and `problems` field by field."""

    def __init__(self, why: Reason, problems: list[Problem] | None = None) -> None:
        super().__init__(why.words())
        self.reason = why
        self.problems = problems or []


class ConflictError(EditError):
    """Someone saved the scheme since this edit began; nothing was written."""

    def __init__(self, theirs: SchemeRevision, changes: list[Change]) -> None:
        super().__init__(reason("saved_meanwhile", number=theirs.number, author=theirs.author))
        self.theirs = theirs
        self.changes = changes


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and any(isinstance(item, dict | list) for item in value):
        flat = {}
        for position, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}[{position}]"))
        return flat
    return {prefix: value}


# A revision not yet public: being edited, or waiting for an administrator's review.
DRAFT_STATES = frozenset({"draft", "review"})


def diff_documents(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """The fields that changed, as readable paths (name.fr, criteria[2].rule.value…)."""
    old, new = _flatten(before or {}), _flatten(after)
    keys = sorted(set(old) | set(new))
    return [Change(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]


def revisions(session: Session, scheme_id: str) -> list[SchemeRevision]:
    """Every revision of a scheme, newest first."""
    query = (
        select(SchemeRevision)
        .where(SchemeRevision.scheme_id == scheme_id)
        .order_by(SchemeRevision.number.desc())
    )
    return list(session.scalars(query))


def latest_revision(session: Session, scheme_id: str) -> SchemeRevision | None:
    """The newest revision, draft or published."""
    if not is_scheme_id(scheme_id):
        return None
    query = (
        select(SchemeRevision)
        .where(SchemeRevision.scheme_id == scheme_id)
        .order_by(SchemeRevision.number.desc())
        .limit(1)
    )
    return session.scalar(query)


def revision(session: Session, scheme_id: str, number: int) -> SchemeRevision | None:
    """One revision by number."""
    query = select(SchemeRevision).where(
        SchemeRevision.scheme_id == scheme_id, SchemeRevision.number == number
    )
    return session.scalar(query)


def scheme_names(
    session: Session, ids: Collection[str] | None = None
) -> list[tuple[str, dict[str, str]]]:
    """Schemes' ids and names (their documents' bilingual names), published or not, by id:
    every scheme's, or those of `ids`. The name alone is read from each document (at 10,000
    schemes, whole documents take seconds)."""
    query = select(SchemeRecord.id, SchemeRecord.document["name"]).order_by(SchemeRecord.id)
    if ids is not None:
        query = query.where(SchemeRecord.id.in_(list(ids)))
    return [(scheme_id, name) for scheme_id, name in session.execute(query)]


def _problems(
    session: Session, scheme: Scheme, vocabulary: Vocabulary, run_examples: bool
) -> list[Problem]:
    other_ids = [i for i in session.scalars(select(SchemeRecord.id)) if i != scheme.id]
    return check_catalogue(
        {Path(f"{scheme.id}.yaml"): scheme}, vocabulary, other_ids, run_examples=run_examples
    )


def draft_problems(session: Session, scheme: Scheme, vocabulary: Vocabulary) -> list[Problem]:
    """What keeps a scheme from being saved as a draft: the catalogue's checks, by field, with
    links to the schemes in the database (examples are run at publishing, not here)."""
    return _problems(session, scheme, vocabulary, run_examples=False)


def _next_number(session: Session, scheme_id: str) -> int:
    query = select(func.max(SchemeRevision.number)).where(SchemeRevision.scheme_id == scheme_id)
    return (session.scalar(query) or 0) + 1


def _add_revision(
    session: Session,
    scheme: Scheme,
    number: int,
    state: str,
    author: str,
    comment: str,
    at: datetime,
) -> SchemeRevision:
    document = scheme.document()
    row = SchemeRevision(
        scheme_id=scheme.id,
        number=number,
        document=document,
        content_hash=content_hash(document),
        author=author,
        comment=comment,
        state=state,
        created_at=at,
    )
    session.add(row)
    return row


@contextmanager
def _saving(session: Session, scheme_id: str, base: int) -> Iterator[None]:
    """The unit of work of a save made from revision `base`; a revision number someone else
    took between our check and our write is a conflict showing their changes."""
    try:
        with unit_of_work(session):
            yield
    except IntegrityError:
        theirs = latest_revision(session, scheme_id)
        if theirs is None:
            raise
        raise ConflictError(theirs, _changes_since(session, scheme_id, base, theirs)) from None


def _changes_since(
    session: Session, scheme_id: str, base: int, theirs: SchemeRevision
) -> list[Change]:
    start = revision(session, scheme_id, base) if base else None
    return diff_documents(start.document if start else None, theirs.document)


def save_draft(
    session: Session,
    scheme: Scheme,
    *,
    base: int,
    author: str,
    comment: str,
    vocabulary: Vocabulary,
    clock: Clock = utc_now,
) -> SchemeRevision:
    """Save a new draft revision made from revision `base` (0 for a new scheme).

    Refused, with nothing written, when the scheme is invalid or someone saved since `base`.
    """
    problems = draft_problems(session, scheme, vocabulary)
    if problems:
        raise EditError(reason("scheme_not_valid"), problems)
    if base == 0 and session.get(SchemeRecord, scheme.id) is not None:
        taken = reason("scheme_exists", id=scheme.id)
        raise EditError(taken, [Problem(f"{scheme.id}.yaml", "id", taken.words(), taken)])
    latest = latest_revision(session, scheme.id)
    if latest is None and base != 0:
        raise EditError(reason("no_such_scheme"))
    if latest is not None and latest.number != base:
        raise ConflictError(latest, _changes_since(session, scheme.id, base, latest))
    now = clock()
    with _saving(session, scheme.id, base):
        if session.get(SchemeRecord, scheme.id) is None:
            # A new scheme: its record exists from the first draft, hidden until published.
            record = SchemeRecord(id=scheme.id, revision=0, created_at=now, published=False)
            apply_scheme(record, scheme, scheme.document(), now)
            session.add(record)
        row = _add_revision(session, scheme, base + 1, "draft", author, comment, now)
        audit.record(session, "scheme.draft", actor=author, target=scheme.id, revision=base + 1)
    return row


def publish(
    session: Session,
    scheme_id: str,
    *,
    author: str,
    comment: str,
    vocabulary: Vocabulary,
    after_commit: Callable[[], None] | None = None,
    clock: Clock = utc_now,
) -> SchemeRevision:
    """Publish the latest draft: refused while an example fails or the scheme is invalid."""
    draft = latest_revision(session, scheme_id)
    if draft is None or draft.state not in DRAFT_STATES:
        raise EditError(reason("no_draft_to_publish"))
    scheme = Scheme.model_validate(draft.document)
    return _make_public(
        session, scheme, draft.number, author, comment, vocabulary, after_commit, clock
    )


def publish_problems(session: Session, scheme_id: str, vocabulary: Vocabulary) -> list[Problem]:
    """Why publishing the latest draft would be refused now (failing examples, wording that
    disagrees with its rule…); empty when it would go through."""
    draft = latest_revision(session, scheme_id)
    if draft is None or draft.state not in DRAFT_STATES:
        return []
    scheme = Scheme.model_validate(draft.document)
    return _problems(session, scheme, vocabulary, run_examples=True)


def submit_for_review(session: Session, scheme_id: str, *, author: str, comment: str) -> None:
    """An editor hands the latest draft to the administrators."""
    draft = latest_revision(session, scheme_id)
    if draft is None or draft.state != "draft":
        raise EditError(reason("no_draft_to_submit"))
    with unit_of_work(session):
        draft.state = "review"
        audit.record(
            session,
            "scheme.review",
            actor=author,
            target=scheme_id,
            revision=draft.number,
            note=comment,
        )


def send_back(session: Session, scheme_id: str, *, author: str, comment: str) -> None:
    """An administrator returns a draft under review to the editors, saying why."""
    draft = latest_revision(session, scheme_id)
    if draft is None or draft.state != "review":
        raise EditError(reason("no_draft_under_review"))
    with unit_of_work(session):
        draft.state = "draft"
        draft.review_note = comment or None
        audit.record(
            session,
            "scheme.sent_back",
            actor=author,
            target=scheme_id,
            revision=draft.number,
            note=comment,
        )


def rollback(
    session: Session,
    scheme_id: str,
    number: int,
    *,
    author: str,
    comment: str,
    vocabulary: Vocabulary,
    after_commit: Callable[[], None] | None = None,
    clock: Clock = utc_now,
) -> SchemeRevision:
    """Publish an earlier revision's content again, as a new revision (history is kept)."""
    old = revision(session, scheme_id, number)
    latest = latest_revision(session, scheme_id)
    if old is None or latest is None:
        raise EditError(reason("no_such_revision"))
    scheme = Scheme.model_validate(old.document)
    note = comment or f"Rollback to revision {number}"
    return _make_public(
        session, scheme, latest.number, author, note, vocabulary, after_commit, clock
    )


def _make_public(
    session: Session,
    scheme: Scheme,
    base: int,
    author: str,
    comment: str,
    vocabulary: Vocabulary,
    after_commit: Callable[[], None] | None,
    clock: Clock,
) -> SchemeRevision:
    problems = _problems(session, scheme, vocabulary, run_examples=True)
    if problems:
        raise EditError(reason("publishing_refused"), problems)
    record = session.get(SchemeRecord, scheme.id)
    if record is None:
        raise EditError(reason("no_such_scheme"))
    number, now = base + 1, clock()
    with _saving(session, scheme.id, base):
        apply_scheme(record, scheme, scheme.document(), now)
        record.revision = number
        record.published = True
        row = _add_revision(session, scheme, number, "published", author, comment, now)
        audit.record(session, "scheme.publish", actor=author, target=scheme.id, revision=number)
    if after_commit is not None:
        after_commit()  # the search index and caches follow at once
    return row

"""The database seen as a catalogue of Schemes: import with revisions, filter, fetch, export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.facets import AUDIENCE_FACETS, Filters
from app.models import SchemeRecord, SchemeRevision, SchemeTag
from app.schemes import Scheme, is_scheme_id
from app.sharing import shared_models

T = TypeVar("T")
# The one filter type of lists (the old name, kept for its importers).
SchemeFilters = Filters
# Set-valued facets stored as tags: facet name -> Audience attribute.
TAG_FACETS = {facet.parameter: facet.field for facet in AUDIENCE_FACETS}
# Single-valued facets stored as columns.
_COLUMN_FACETS = {
    "funder": SchemeRecord.funder,
    "kind": SchemeRecord.kind,
    "lifecycle": SchemeRecord.lifecycle,
}


@dataclass
class ImportReport:
    """What an import did, scheme by scheme."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def content_hash(document: dict[str, object]) -> str:
    """A stable fingerprint of a scheme document, to detect real changes."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _tags(scheme: Scheme) -> list[SchemeTag]:
    return [
        SchemeTag(facet=facet, value=value)
        for facet, attribute in TAG_FACETS.items()
        for value in dict.fromkeys(getattr(scheme.audience, attribute))
    ]


def apply_scheme(
    record: SchemeRecord, scheme: Scheme, document: dict[str, object], now: datetime
) -> None:
    record.funder = scheme.funder
    record.kind = scheme.kind
    record.lifecycle = scheme.lifecycle.status
    record.parent_id = scheme.parent
    record.replaced_by_id = scheme.lifecycle.replaced_by
    record.document = document
    record.content_hash = content_hash(document)
    record.updated_at = now
    record.tags = _tags(scheme)


def import_schemes(
    session: Session, schemes: Iterable[Scheme], *, author: str, comment: str
) -> ImportReport:
    """Create or update schemes, recording a revision for each real change; does not commit."""
    report = ImportReport()
    now = datetime.now(UTC)
    for scheme in schemes:
        document = scheme.document()
        digest = content_hash(document)
        record = session.get(SchemeRecord, scheme.id)
        if record is not None and record.content_hash == digest:
            report.unchanged.append(scheme.id)
            continue
        if record is None:
            record = SchemeRecord(id=scheme.id, revision=0, created_at=now)
            session.add(record)
            report.created.append(scheme.id)
        else:
            report.updated.append(scheme.id)
        apply_scheme(record, scheme, document, now)
        record.revision += 1
        session.add(
            SchemeRevision(
                scheme_id=scheme.id,
                number=record.revision,
                document=document,
                content_hash=digest,
                author=author,
                comment=comment,
                created_at=now,
            )
        )
    session.flush()
    return report


def _filtered(filters: Filters) -> Select[SchemeRecord]:
    query = select(SchemeRecord).where(SchemeRecord.published.is_(True))
    if filters.only_ids is not None:
        query = query.where(SchemeRecord.id.in_(sorted(filters.only_ids)))
    for facet, values in filters.selected().items():
        column = _COLUMN_FACETS.get(facet)
        if column is not None:
            query = query.where(column.in_(values))
        elif facet in TAG_FACETS:
            tagged = select(SchemeTag.scheme_id).where(
                SchemeTag.facet == facet, SchemeTag.value.in_(values)
            )
            query = query.where(SchemeRecord.id.in_(tagged))
        else:
            raise ValueError(f"unknown facet {facet!r}")
    return query


def list_schemes(session: Session, filters: Filters) -> list[Scheme]:
    """Schemes matching filters, in id order."""
    return list_schemes_hashed(session, filters)[0]


def list_schemes_hashed(session: Session, filters: Filters) -> tuple[list[Scheme], dict[str, str]]:
    """Schemes matching filters, in id order, and their content hashes by id, read in the same
    query so that each hash is that of the document beside it (the search index compares them).
    The schemes share their equal parts (app/sharing.py): the catalogue cache keeps them."""
    records = session.scalars(_filtered(filters).order_by(SchemeRecord.id)).all()
    schemes = shared_models(Scheme.model_validate(record.document) for record in records)
    return schemes, {record.id: record.content_hash for record in records}


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """values a thousand at a time: a long list of parameters is refused by SQLite past 32,766."""
    for start in range(0, len(values), 1000):
        yield values[start : start + 1000]


def published_hashes(session: Session) -> dict[str, str]:
    """The content hash of every published scheme by id, in id order: what a cached catalogue
    compares to find the schemes it must read again, without reading any document."""
    query = (
        select(SchemeRecord.id, SchemeRecord.content_hash)
        .where(SchemeRecord.published.is_(True))
        .order_by(SchemeRecord.id)
    )
    # Through the connection: the ORM's row handling cost every worker ~6 ms per publish at
    # 10,000 schemes, for two plain columns.
    return dict(session.connection().execute(query).all())


def published_documents(
    session: Session, scheme_ids: Sequence[str]
) -> dict[str, tuple[Scheme, str]]:
    """These published schemes with their content hashes, by id, read in the same query (a
    scheme published again meanwhile comes with the hash of the document read)."""
    query = select(SchemeRecord.id, SchemeRecord.document, SchemeRecord.content_hash).where(
        SchemeRecord.published.is_(True)
    )
    found: dict[str, tuple[Scheme, str]] = {}
    for chunk in _chunks(scheme_ids):
        for scheme_id, document, digest in session.execute(query.where(SchemeRecord.id.in_(chunk))):
            found[scheme_id] = (Scheme.model_validate(document), digest)
    return found


@dataclass(frozen=True, slots=True)
class RecordState:
    """What a list of every scheme record needs without reading its document."""

    id: str
    published: bool
    content_hash: str
    latest_number: int | None
    latest_state: str | None
    latest_author: str | None
    latest_at: datetime | None


@dataclass(frozen=True, slots=True)
class RevisionMark:
    """A revision without its document: what the admin lists show of it."""

    id: int
    scheme_id: str
    number: int
    state: str
    author: str
    created_at: datetime


def revision_marks(
    session: Session, after_id: int, also_ids: Sequence[int] = ()
) -> list[RevisionMark]:
    """The revisions added after revision `after_id` (ids only grow), and those `also_ids`
    read again (a draft's state changes in place), by id."""
    columns = select(
        SchemeRevision.id,
        SchemeRevision.scheme_id,
        SchemeRevision.number,
        SchemeRevision.state,
        SchemeRevision.author,
        SchemeRevision.created_at,
    )
    found = {
        row[0]: RevisionMark(*row)
        for row in session.execute(columns.where(SchemeRevision.id > after_id))
    }
    for chunk in _chunks(also_ids):
        for row in session.execute(columns.where(SchemeRevision.id.in_(chunk))):
            found[row[0]] = RevisionMark(*row)
    return [found[key] for key in sorted(found)]


def revision_totals(session: Session) -> tuple[int, int]:
    """The highest revision id and how many revisions there are (0, 0 for none)."""
    query = select(func.coalesce(func.max(SchemeRevision.id), 0), func.count())
    last_id, count = session.execute(query.select_from(SchemeRevision)).one()
    return int(last_id), int(count)


def records_with_latest(
    session: Session, last_id: int
) -> tuple[dict[str, tuple[bool, str]], dict[str, RevisionMark]]:
    """(published, content hash) of every record, and each record's latest revision among
    those with ids up to `last_id`, by scheme id: one query that reads no document."""
    revisions = select(SchemeRevision).where(SchemeRevision.id <= last_id).subquery()
    numbers = (
        select(revisions.c.scheme_id, func.max(revisions.c.number).label("number"))
        .group_by(revisions.c.scheme_id)
        .subquery()
    )
    latest = (
        select(revisions)
        .join(
            numbers,
            (revisions.c.scheme_id == numbers.c.scheme_id)
            & (revisions.c.number == numbers.c.number),
        )
        .subquery()
    )
    query = select(
        SchemeRecord.id,
        SchemeRecord.published,
        SchemeRecord.content_hash,
        latest.c.id,
        latest.c.number,
        latest.c.state,
        latest.c.author,
        latest.c.created_at,
    ).outerjoin(latest, latest.c.scheme_id == SchemeRecord.id)
    flags: dict[str, tuple[bool, str]] = {}
    marks: dict[str, RevisionMark] = {}
    for scheme_id, published, digest, mark_id, *mark in session.execute(query):
        flags[scheme_id] = (published, digest)
        if mark_id is not None:
            marks[scheme_id] = RevisionMark(mark_id, scheme_id, *mark)
    return flags, marks


def revisions_up_to(session: Session, last_id: int) -> int:
    """How many revisions have an id up to `last_id`: a revision committed late, with an id
    below one already read (concurrent transactions), makes it grow."""
    query = select(func.count()).select_from(SchemeRevision).where(SchemeRevision.id <= last_id)
    return session.scalar(query) or 0


def record_flags(session: Session, scheme_ids: Sequence[str]) -> dict[str, tuple[bool, str]]:
    """(published, content hash) of these records, by id."""
    query = select(SchemeRecord.id, SchemeRecord.published, SchemeRecord.content_hash)
    found: dict[str, tuple[bool, str]] = {}
    for chunk in _chunks(scheme_ids):
        for row in session.execute(query.where(SchemeRecord.id.in_(chunk))):
            found[row[0]] = (row[1], row[2])
    return found


def documents(session: Session, scheme_ids: Sequence[str]) -> dict[str, Scheme]:
    """The current documents of these records, published or not, by id."""
    records = session.execute(
        select(SchemeRecord.id, SchemeRecord.document).where(SchemeRecord.id.in_(scheme_ids))
    )
    return {record_id: Scheme.model_validate(document) for record_id, document in records}


def get_scheme(session: Session, scheme_id: str) -> Scheme | None:
    """One published scheme by id, or None."""
    if not is_scheme_id(scheme_id):
        return None  # not an id: never sent to the database (a NUL byte breaks PostgreSQL)
    record = session.get(SchemeRecord, scheme_id)
    return Scheme.model_validate(record.document) if record and record.published else None


def get_schemes(session: Session, scheme_ids: Sequence[str]) -> dict[str, Scheme]:
    """Several schemes by id (for linked parents, successors, strands)."""
    records = session.scalars(
        select(SchemeRecord).where(
            SchemeRecord.id.in_(scheme_ids), SchemeRecord.published.is_(True)
        )
    )
    return {record.id: Scheme.model_validate(record.document) for record in records}


def strand_ids(session: Session, parent_id: str) -> list[str]:
    """Ids of the strands of a fund."""
    return list(
        session.scalars(
            select(SchemeRecord.id)
            .where(SchemeRecord.parent_id == parent_id, SchemeRecord.published.is_(True))
            .order_by(SchemeRecord.id)
        )
    )


def predecessor_ids(session: Session, scheme_id: str) -> list[str]:
    """Ids of the schemes that this one replaced."""
    return list(
        session.scalars(
            select(SchemeRecord.id)
            .where(SchemeRecord.replaced_by_id == scheme_id, SchemeRecord.published.is_(True))
            .order_by(SchemeRecord.id)
        )
    )


def all_ids(session: Session) -> list[str]:
    """Every scheme id in the database."""
    return list(session.scalars(select(SchemeRecord.id).order_by(SchemeRecord.id)))


def scheme_count(session: Session) -> int:
    """How many schemes the database holds."""
    return session.scalar(select(func.count()).select_from(SchemeRecord)) or 0


def catalogue_version(session: Session) -> tuple[int, int, datetime | None]:
    """What changes whenever a scheme is published, added or removed: (count, sum of revision
    numbers, last change). Revision numbers only grow, so the sum moves with every publish,
    whatever the publishing machine's clock says."""
    query = select(
        func.count(),
        func.coalesce(func.sum(SchemeRecord.revision), 0),
        func.max(SchemeRecord.updated_at),
    ).where(SchemeRecord.published.is_(True))
    count, revisions, updated = session.execute(query).one()
    return int(count), int(revisions), updated


def fingerprint_text(version: tuple[int, int, datetime | None]) -> str:
    """The catalogue version as the search index records it (the clock is not part of it)."""
    count, revisions, _updated = version
    return f"{count}:{revisions}"


def updated_times(session: Session, scheme_ids: Sequence[str]) -> dict[str, datetime]:
    """When each of these schemes last changed."""
    query = select(SchemeRecord.id, SchemeRecord.updated_at).where(SchemeRecord.id.in_(scheme_ids))
    return {row[0]: row[1] for row in session.execute(query)}

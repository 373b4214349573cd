"""The published catalogue as a zip of scheme files, with the export's audit record."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy.orm import Session

from app import audit
from app.catalogue import dump_scheme
from app.db import unit_of_work
from app.repository import SchemeFilters, list_schemes


def export_archive(session: Session, *, actor: str, address: str | None) -> bytes:
    """Every scheme, inactive ones too, as `aides schemes export` writes them, under
    aid_schemes/ in a zip; who took a copy is recorded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for scheme in list_schemes(session, SchemeFilters(include_inactive=True)):
            archive.writestr(f"aid_schemes/{scheme.id}.yaml", dump_scheme(scheme))
    with unit_of_work(session):
        audit.record(session, "catalogue.export", actor=actor, address=address)
    return buffer.getvalue()

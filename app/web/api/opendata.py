"""Open data: the catalogue in the national dispositif-aide schema (CSV and JSON), and its page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, render_template
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app import opendata
from app.deadlines import today_in_paris
from app.repository import updated_times
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.database import db_session
from app.web.core.locale import respelled, spelled_url
from app.web.core.reference import vocabulary

api_blueprint = Blueprint("opendata_api", __name__)
page_blueprint = Blueprint("opendata", __name__)

CSV_FILENAME = "aides-culture-numerique-dispositif-aide.csv"
# How each column of the schema is filled; the page lists them, a test checks none is missing.
FIELD_NOTES: dict[str, LazyString] = {
    "id": _l(
        "A UUID derived from the scheme's id (UUID version 5): the same scheme keeps the same "
        "UUID from one export to the next."
    ),
    "titre": _l("The scheme's name."),
    "promesse": _l("Left empty: our files have no such short promise."),
    "description": _l(
        "The description, then the amounts and the status (open, recurring, closed, replaced "
        "and by what), cut at 5,000 characters as the schema requires."
    ),
    "eligibilite": _l(
        "The scheme's eligibility conditions, one per line; without conditions, who may apply."
    ),
    "types_aides": _l(
        "The kind of support (financing, grant, loan, residency, call for projects…), "
        "separated by |."
    ),
    "porteurs": _l(
        "The funder (role “financeur”) and, when another body runs the scheme, the operator "
        "(role “instructeur”), as a JSON list. No SIREN number is given."
    ),
    "programmes_parents": _l("The larger fund this strand belongs to, when there is one."),
    "url_source": _l("The funder's official page about the scheme."),
    "cibles": _l(
        "Who may apply: professionnels (companies), particuliers (individuals), associations, "
        "secteur public. All four when no official page says, and the conditions say so."
    ),
    "eligibilite_geographique": _l(
        "The regions that the scheme's conditions require (COG region codes, such as REG-44 for "
        "Grand Est), else France (PAYS-99100)."
    ),
    "eligibilite_geographique_exclusions": _l("Left empty: no exclusion is recorded."),
    "date_ouverture": _l("Opening of the current or next session, when the funder gives it."),
    "date_cloture": _l(
        "Closing of the current or next session (for an ended scheme, of its last session), at "
        "the end of the day, Paris time."
    ),
    "date_mise_a_jour": _l("When the scheme was last published here (UTC)."),
}


def _rows() -> list[dict[str, str]]:
    """Every published scheme as a row: from the cached catalogue, once a day per version."""
    catalogue, today = current_catalogue(), today_in_paris()

    def rows() -> list[dict[str, str]]:
        updated = updated_times(db_session(), [s.id for s in catalogue.schemes])
        return opendata.catalogue_rows(
            catalogue.schemes, vocabulary(), updated=updated, today=today
        )

    return catalogue.memo(("open data rows", today), rows)


@api_blueprint.get("/opendata.csv")
def opendata_csv() -> Response:
    """The public catalogue as the schema's CSV (UTF-8, a header line)."""
    response = Response(opendata.to_csv(_rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="{CSV_FILENAME}"'
    return response


@api_blueprint.get("/opendata.json")
def opendata_json() -> Response:
    """The same rows in JSON, with the schema, its version, the licence and the date."""
    return jsonify(opendata.to_json_document(_rows(), datetime.now(UTC)))


@page_blueprint.app_context_processor
def _opendata_link() -> dict[str, object]:
    return {"opendata_url": lambda: spelled_url("opendata.open_data")}


@page_blueprint.get("/donnees-ouvertes/", endpoint="donnees_ouvertes")
@page_blueprint.get("/open-data/", endpoint="open_data")
def opendata_page() -> Response | str:
    """What the export holds, under which licence, and how often it changes."""
    redirect_to = respelled()
    if redirect_to is not None:
        return redirect_to
    schema = opendata.read_schema()
    fields = [(field, FIELD_NOTES[field["name"]]) for field in schema["fields"]]
    return render_template(
        "public/opendata.html",
        fields=fields,
        schema_version=opendata.SCHEMA_VERSION,
        schema_url=opendata.SCHEMA_URL,
        licence=opendata.LICENCE,
    )

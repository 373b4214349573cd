"""Public pages through HTTP requests, in French and English."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from flask.testing import FlaskClient

from app import deadlines
from app.deadlines import next_deadline, today_in_paris
from app.schemes import Scheme
from app.vocabulary import Vocabulary

LANGS = ["fr", "en"]


def page(client: FlaskClient, url: str, status: int = 200, **kwargs: object) -> str:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def by_id(catalogue: list[Scheme], scheme_id: str) -> Scheme:
    return next(s for s in catalogue if s.id == scheme_id)


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({}, None, "/fr/"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, None, "/en/"),
        ({"Accept-Language": "de-DE,fr;q=0.5"}, None, "/fr/"),
        ({"Accept-Language": "fr-FR"}, "en", "/en/"),
        ({"Accept-Language": "en"}, "fr", "/fr/"),
    ],
)
def test_root_picks_language_from_cookie_then_accept_language(
    client: FlaskClient, headers: dict[str, str], cookie: str | None, expected: str
) -> None:
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)


def test_visiting_a_language_remembers_it(client: FlaskClient) -> None:
    client.get("/en/")
    assert client.get("/").headers["Location"].endswith("/en/")


@pytest.mark.parametrize(
    ("lang", "title", "switch"),
    [
        ("fr", "Les aides publiques à la culture numérique", 'href="/en/"'),
        ("en", "Public funding for digital culture", 'href="/fr/"'),
    ],
)
def test_home_explains_the_service_and_offers_ways_in(
    client: FlaskClient, lang: str, title: str, switch: str
) -> None:
    html = page(client, f"/{lang}/")
    assert f'<html lang="{lang}">' in html
    assert title in html
    assert f'href="/{lang}/aides/"' in html
    assert switch in html


@pytest.mark.parametrize("lang", LANGS)
def test_home_shows_the_next_deadlines_and_the_funders_of_current_schemes(
    client: FlaskClient,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # By definition: of the active schemes in deadline order (sessions by closing date, then
    # rolling calls, then the others; names breaking ties), the first five, if sessions. On
    # a day with sessions to come whatever the date the test runs: the eve of the catalogue's
    # middle closing date.
    active = [s for s in catalogue if s.is_active()]
    closing = sorted(session.closes for s in active for session in s.sessions_sorted())
    assert closing, "the catalogue has sessions"
    today = closing[len(closing) // 2] - timedelta(days=1)
    noon = datetime.combine(today, time(12), tzinfo=deadlines.PARIS)
    monkeypatch.setattr(deadlines, "now_in_paris", lambda: noon)
    assert today_in_paris() == today
    kinds = {"session": 0, "rolling": 1, "none": 2}

    def order(scheme: Scheme) -> tuple[int, date, str]:
        deadline = next_deadline(scheme, today)
        return kinds[deadline.kind], deadline.closes or date.max, scheme.name.get(lang).casefold()

    first = sorted(active, key=order)[:5]
    expected = [s.id for s in first if next_deadline(s, today).kind == "session"]
    assert expected, "the catalogue has sessions to come"
    html = page(client, f"/{lang}/")
    section = html[html.index('id="next-deadlines"') :]
    shown = re.findall(rf'href="/{lang}/aides/([a-z0-9-]+)"', section)
    assert list(dict.fromkeys(shown)) == expected
    funders = sorted({s.funder for s in active})
    links = re.findall(rf'href="/{lang}/aides/\?funder=([a-z0-9-]+)"', html)
    assert links == funders
    assert all(vocabulary.organisations[f].acronym in html for f in funders)


def test_unknown_language_is_a_404(client: FlaskClient) -> None:
    page(client, "/de/", status=404)


@pytest.mark.parametrize("lang", LANGS)
def test_list_hides_closed_and_replaced_unless_asked(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    html = page(client, f"/{lang}/aides/?per_page=100")
    active = [s for s in catalogue if s.is_active()]
    inactive = [s for s in catalogue if not s.is_active()]
    assert inactive, "the catalogue has closed or replaced schemes"
    for scheme in active:
        assert f'/{lang}/aides/{scheme.id}"' in html
    for scheme in inactive:
        assert f'/{lang}/aides/{scheme.id}"' not in html
    html = page(client, f"/{lang}/aides/?per_page=100&include_closed=y")
    for scheme in catalogue:
        assert f'/{lang}/aides/{scheme.id}"' in html


def test_list_filters_by_funder_sector_applicant_kind_and_lifecycle(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    html = page(client, "/en/aides/?funder=cnl&sector=books&applicant_type=individual&per_page=100")
    expected = {
        s.id
        for s in catalogue
        if s.is_active()
        and s.funder == "cnl"
        and "books" in s.audience.sectors
        and "individual" in s.audience.applicant_types
    }
    assert expected
    shown = set(re.findall(r'href="/en/aides/([a-z0-9-]+)"', html))
    assert shown == expected
    html = page(client, "/fr/aides/?lifecycle=replaced&kind=grant&per_page=100")
    shown = set(re.findall(r'href="/fr/aides/([a-z0-9-]+)"', html)) - {
        s.lifecycle.replaced_by for s in catalogue if s.lifecycle.replaced_by
    }
    assert shown == {
        s.id for s in catalogue if s.lifecycle.status == "replaced" and s.kind == "grant"
    }


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_filter_is_a_400_naming_the_filter(client: FlaskClient, lang: str) -> None:
    html = page(client, f"/{lang}/aides/?sector=astrology&page=0", status=400)
    assert 'href="#filter-sector"' in html
    assert 'href="#filter-page"' in html


def test_list_pages_through_results(client: FlaskClient) -> None:
    html = page(client, "/fr/aides/?per_page=5&include_closed=y")
    assert "Page suivante" in html
    second = page(client, "/fr/aides/?per_page=5&include_closed=y&page=2")
    first_ids = set(re.findall(r'<h3 class="card-title"><a href="/fr/aides/([a-z0-9-]+)"', html))
    second_ids = set(re.findall(r'<h3 class="card-title"><a href="/fr/aides/([a-z0-9-]+)"', second))
    assert len(first_ids) == 5
    assert first_ids.isdisjoint(second_ids)


@pytest.mark.parametrize("lang", LANGS)
def test_every_scheme_page_shows_its_facts_and_sources(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    for scheme in catalogue:
        html = page(client, f"/{lang}/aides/{scheme.id}")
        assert f'<html lang="{lang}">' in html
        assert f"<h1>{escape(scheme.name.get(lang))}</h1>" in html
        for source in scheme.sources:
            assert f'href="{escape(source.url)}"' in html
        other = "en" if lang == "fr" else "fr"
        assert f'href="/{other}/aides/{scheme.id}"' in html


def escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def test_replaced_scheme_points_to_its_successor(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    scheme = by_id(catalogue, "cnc-xn-ecriture")
    successor = by_id(catalogue, scheme.lifecycle.replaced_by or "")
    html = page(client, "/en/aides/cnc-xn-ecriture")
    assert "This scheme has been replaced." in html
    assert f'href="/en/aides/{successor.id}"' in html
    html = page(client, f"/fr/aides/{successor.id}")
    assert 'href="/fr/aides/cnc-xn-ecriture"' in html  # "Aides qu'elle remplace"


def test_amounts_are_formatted_per_locale(client: FlaskClient, catalogue: list[Scheme]) -> None:
    scheme = next(
        s for s in catalogue if s.amounts and s.amounts.max_eur and s.amounts.max_eur >= 1000
    )
    amount = scheme.amounts.max_eur  # type: ignore[union-attr]
    french = page(client, f"/fr/aides/{scheme.id}")
    english = page(client, f"/en/aides/{scheme.id}")
    assert f"{amount:,}".replace(",", "\u202f") + "\xa0€" in french
    assert f"€{amount:,}" in english


@pytest.mark.parametrize(("lang", "title"), [("fr", "Page introuvable"), ("en", "Page not found")])
def test_404_page_in_both_languages(client: FlaskClient, lang: str, title: str) -> None:
    html = page(client, f"/{lang}/aides/no-such-scheme", status=404)
    assert f'<html lang="{lang}">' in html
    assert title in html


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", "est mal passé"), ("en", "Something went wrong")]
)
def test_500_page_in_both_languages_hides_the_error(
    client: FlaskClient, app, lang: str, title: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import app.web.pages.public as public

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(public, "get_scheme", explode)
    html = page(client, f"/{lang}/aides/cnc-xn-ecriture", status=500)
    assert title in html
    assert "secret detail" not in html
    assert "Traceback" not in html


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/fr/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    # Scripts only as same-origin files (progressive enhancement), never inline.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.get_data(as_text=True), re.S)
    assert all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)


@pytest.mark.parametrize("lang", LANGS)
def test_scheme_page_lists_each_condition_with_its_source(
    client: FlaskClient, catalogue: list[Scheme], lang: str
) -> None:
    scheme = by_id(catalogue, "cnl-bourse-residence")
    html = page(client, f"/{lang}/aides/{scheme.id}")
    conditions = html.split('id="conditions"')[1].split("</section>")[0]
    for criterion in scheme.criteria:
        assert escape(criterion.label.get(lang)) in conditions
    assert f'href="#source-{scheme.criteria[0].source}"' in conditions


@pytest.mark.parametrize(
    "url", ["/fr/aides/a%00b", "/fr/aides/?role=&role=a%00b", "/en/aides/?lifecycle=&q=x%00"]
)
def test_text_no_database_accepts_is_not_a_5xx(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code in (200, 400, 404)

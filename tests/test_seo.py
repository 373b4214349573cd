"""Being found and shared, through HTTP requests: descriptions, canonical and hreflang links,
link previews, favicon, robots.txt and the sitemap, in French and English."""

from __future__ import annotations

import dataclasses
import gzip
import re
import xml.etree.ElementTree as ET  # nosec B405: parses our own sitemap in a test
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.repository import SchemeFilters, list_schemes, updated_times
from app.web import create_app

BASE = "https://aides.example.org"
LANGS = ["fr", "en"]
# Every indexable public page, as (French path, English path).
PUBLIC_PAGES = [
    ("/fr/", "/en/"),
    ("/fr/aides/", "/en/aides/"),
    ("/fr/aides/?funder=cnl&sector=books", "/en/aides/?funder=cnl&sector=books"),
    ("/fr/aides/cnc-creation-immersive", "/en/aides/cnc-creation-immersive"),
    ("/fr/aides/cnc-xn-ecriture", "/en/aides/cnc-xn-ecriture"),  # replaced: keeps its page
    ("/fr/calendrier/", "/en/calendar/"),
    ("/fr/questionnaire/", "/en/questionnaire/"),
]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> Flask:
    public = dataclasses.replace(settings, public_base_url=BASE + "/")
    app = create_app(public, session_factory)
    app.config["TESTING"] = True
    return app


class Head(HTMLParser):
    """The <meta> and <link> tags of a page, and its JSON-LD blocks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("name" in values or "property" in values):
            key = values.get("name") or values["property"]
            self.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link":
            self.links.append(values)
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]

    def link(self, rel: str) -> list[dict[str, str]]:
        return [link for link in self.links if link.get("rel") == rel]


def head(client: FlaskClient, url: str, status: int = 200, **kwargs: object) -> Head:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, (url, response.status_code)
    return Head(response.get_data(as_text=True))


@pytest.mark.parametrize("pages", PUBLIC_PAGES)
@pytest.mark.parametrize("index", [0, 1])
def test_public_pages_have_description_canonical_hreflang_and_preview(
    client: FlaskClient, pages: tuple[str, str], index: int
) -> None:
    url = pages[index]
    # Absolute links come from PUBLIC_BASE_URL (a forged Host is refused: test_hostile_input).
    page = head(client, url)
    description = page.one("description")
    assert len(description) > 50
    assert "noindex" not in page.meta.get("robots", [""])[0]
    assert [link["href"] for link in page.link("canonical")] == [BASE + url]
    alternates = {link["hreflang"]: link["href"] for link in page.link("alternate")}
    assert alternates["fr"] == BASE + pages[0]
    assert alternates["en"] == BASE + pages[1]
    expected_default = BASE + "/" if pages[0] == "/fr/" else BASE + pages[0]
    assert alternates["x-default"] == expected_default
    assert page.one("og:url") == BASE + url
    assert page.one("og:title")
    assert page.one("og:title") in page.title
    assert page.one("og:description") == description == page.one("twitter:description")
    assert page.one("og:image") == BASE + "/static/preview.png"
    assert page.one("og:locale") == {"fr": "fr_FR", "en": "en_GB"}[url[1:3]]
    assert page.one("twitter:card") == "summary_large_image"
    assert page.one("twitter:image") == BASE + "/static/preview.png"
    assert page.one("og:image:alt")
    assert page.one("twitter:image:alt")
    icons = {link["href"] for link in page.link("icon") + page.link("apple-touch-icon")}
    assert icons == {"/favicon.ico", "/static/icon-192.png", "/static/apple-touch-icon.png"}


def test_descriptions_are_in_the_page_language(client: FlaskClient) -> None:
    french = head(client, "/fr/").one("description")
    english = head(client, "/en/").one("description")
    assert "financements publics" in french
    assert "public funding" in english
    scheme = head(client, "/en/aides/cnc-creation-immersive").one("description")
    assert "immersive" in scheme
    assert "œuvres" not in scheme


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/en/aides/?funder=cnl&sector=books", ["Funder: CNL", "Sector: Books", "schemes"]),
        ("/fr/aides/?funder=cnl&sector=books", ["Financeur: CNL", "Secteur: Livre", "aides"]),
        ("/en/aides/?q=immersive&open_now=y", ["Search: immersive", "Open now"]),
        ("/en/calendar/?funder=cnc", ["deadlines", "Funder: CNC"]),
    ],
)
def test_a_filtered_list_describes_its_filters_in_words(
    client: FlaskClient, url: str, words: list[str]
) -> None:
    description = head(client, url).one("description")
    for word in words:
        assert word in description, (word, description)


def test_canonical_keeps_only_what_changes_the_list(client: FlaskClient) -> None:
    page = head(client, "/fr/aides/?sort=name&sector=books&funder=cnl&page=1&per_page=50")
    canonical = BASE + "/fr/aides/?funder=cnl&sector=books"
    assert [link["href"] for link in page.link("canonical")] == [canonical]
    alternates = {link["hreflang"]: link["href"] for link in page.link("alternate")}
    assert alternates["fr"] == canonical


@pytest.mark.parametrize("lang", LANGS)
def test_results_are_noindex_and_their_preview_counts_without_the_answers(
    client: FlaskClient, lang: str
) -> None:
    url = f"/{lang}/questionnaire/results?applicant_type=company&annual_turnover_eur=987654"
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Head(html)
    assert page.one("robots") == "noindex"
    assert page.link("canonical") == []
    fitting = re.search(r"(\d+) (current schemes? fits?|aides? en cours correspond)", html)
    assert fitting, "the page states how many schemes fit"
    title = page.one("og:title")
    assert title.startswith(fitting.group(1) + " "), title
    assert page.one("twitter:title") == title
    preview = page.one("og:description") + title
    assert "987" not in preview
    assert not re.search(r"compan|entreprise|soci", preview, re.IGNORECASE)
    assert page.one("og:url") == BASE + url


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/fr/questionnaire/question?applicant_type=company", 200),
        ("/en/questionnaire/recap?applicant_type=company", 200),
        ("/fr/aides/no-such-scheme", 404),
        ("/en/aides/?funder=nobody", 400),
        ("/fr/admin/login", 200),
    ],
)
def test_answers_errors_and_admin_are_noindex(client: FlaskClient, url: str, status: int) -> None:
    page = head(client, url, status)
    assert page.one("robots") == "noindex"
    assert page.link("canonical") == []
    assert page.one("description")


def test_favicon_and_images_are_served(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    icon.close()
    for name in ("preview.png", "icon-192.png", "apple-touch-icon.png"):
        image = client.get(f"/static/{name}")
        assert image.status_code == 200
        assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
        image.close()
    response = client.get("/static/preview.png")
    preview = response.data
    response.close()
    assert int.from_bytes(preview[16:20], "big") == 1200  # width, as og:image:width says
    assert int.from_bytes(preview[20:24], "big") == 630


def test_robots_txt_keeps_crawlers_out_of_admin_and_api_and_names_the_sitemap(
    client: FlaskClient,
) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /fr/admin/", "Disallow: /en/admin/", "Disallow: /api/"} <= set(lines)
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    # Results pages stay crawlable, so that their noindex can be read.
    assert not [line for line in lines if "questionnaire" in line]


def test_sitemap_lists_every_public_page_in_both_languages(
    client: FlaskClient, db: Session
) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # noqa: S314  # nosec B314: our own response
    entries = {}
    for url in root.findall(f"{SITEMAP}url"):
        loc = url.findtext(f"{SITEMAP}loc")
        links = {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
        entries[loc] = (links, url.findtext(f"{SITEMAP}lastmod"))
    assert all(loc.startswith(BASE + "/") for loc in entries)
    for fr, en in PUBLIC_PAGES:
        if "?" in fr:
            continue
        assert BASE + fr in entries
        assert BASE + en in entries
        assert entries[BASE + fr][0] == entries[BASE + en][0]
        assert entries[BASE + fr][0]["en"] == BASE + en
    schemes = list_schemes(db, SchemeFilters(include_inactive=True))
    changed = updated_times(db, [s.id for s in schemes])
    assert any(s.lifecycle.status in ("closed", "replaced") for s in schemes)
    for scheme in schemes:
        for lang in LANGS:
            links, lastmod = entries[f"{BASE}/{lang}/aides/{scheme.id}"]
            assert links == {
                "fr": f"{BASE}/fr/aides/{scheme.id}",
                "en": f"{BASE}/en/aides/{scheme.id}",
                "x-default": f"{BASE}/fr/aides/{scheme.id}",
            }
            assert lastmod
            when = changed[scheme.id]
            when = when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite: naive UTC
            assert datetime.fromisoformat(lastmod) == when.replace(microsecond=0)
    assert len(entries) == 2 * (len(schemes) + 4)
    assert not [loc for loc in entries if "/admin" in loc or "/api/" in loc]


def test_large_pages_are_gzipped_unless_they_carry_a_csrf_token(client: FlaskClient) -> None:
    url = "/en/questionnaire/results?applicant_type=company&sectors=immersive"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) * 4 < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data
    # A form's CSRF token next to reflected text is not compressed (BREACH).
    form_page = client.get(
        "/en/aides/cnc-creation-immersive/suggestion", headers={"Accept-Encoding": "gzip"}
    )
    assert b'name="csrf_token"' in form_page.data
    assert "Content-Encoding" not in form_page.headers
    icon = client.get("/favicon.ico", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in icon.headers
    icon.close()

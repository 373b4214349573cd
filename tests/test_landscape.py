"""The landscape page: every bar's number is the total of the list it links to, both languages;
the SVG is accessible and CSP-safe; the figures are right on a small made-up catalogue."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import date

import pytest
from flask.testing import FlaskClient

from app.landscape import accepted_stages, amount_range, build_landscape, month_starts
from app.schemes import Scheme
from app.vocabulary import Vocabulary

PATHS = {"fr": "/fr/panorama/", "en": "/en/landscape/"}
# Charts whose bars are exactly a filter of the list (the others link to the nearest list).
EXACT = ("funders", "sectors", "kinds", "statuses")
SVG = re.compile(r'<svg\b[^>]*aria-labelledby="(\w+)-svg-title[^>]*>(.*?)</svg>', re.S)
BAR = re.compile(r"<a ([^>]*)>(.*?)</a>", re.S)


def _bars(page: str) -> dict[str, list[tuple[str, int]]]:
    """(link, number) of every bar, by chart id, read from the page's SVG."""
    charts: dict[str, list[tuple[str, int]]] = {}
    for chart_id, body in SVG.findall(page):
        bars = []
        for attributes, inner in BAR.findall(body):
            href = re.search(r'xlink:href="([^"]+)"', attributes)
            value = re.search(r'<desc class="value">([^<]+)</desc>', inner)
            assert href, attributes
            assert value, inner
            bars.append((html.unescape(href.group(1)), int(float(value.group(1)))))
        charts[chart_id] = bars
    return charts


def _list_total(client: FlaskClient, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(r'id="results-title">(\d+)', response.get_data(as_text=True))
    assert found, url
    return int(found.group(1))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_bar_equals_the_list_it_links_to(client: FlaskClient, lang: str) -> None:
    response = client.get(PATHS[lang])
    assert response.status_code == 200
    charts = _bars(response.get_data(as_text=True))
    assert set(EXACT) <= set(charts)
    checked = 0
    for chart_id in EXACT:
        totals: dict[str, int] = defaultdict(int)
        for href, value in charts[chart_id]:
            assert href.startswith(f"/{lang}/aides/?")
            totals[href] += value  # a stacked bar's parts share their link
        assert totals, chart_id
        for href, value in totals.items():
            assert _list_total(client, href) == value, (chart_id, href)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_table_link_equals_the_list_it_links_to(client: FlaskClient, lang: str) -> None:
    page = client.get(PATHS[lang]).get_data(as_text=True)
    checked = 0
    for chart_id in EXACT:
        section = page.split(f'aria-labelledby="{chart_id}">', 1)[1].split("</section>", 1)[0]
        table = section.split('<table class="figures">', 1)[1].split("</table>", 1)[0]
        for href, number in re.findall(r'<td class="number"><a href="([^"]+)">(\d+)<', table):
            assert _list_total(client, html.unescape(href)) == int(number), (chart_id, href)
            checked += 1
    assert checked >= 15


def test_deadline_bars_equal_the_calendar_months(client: FlaskClient) -> None:
    charts = _bars(client.get("/en/landscape/").get_data(as_text=True))
    for href, value in charts["deadlines"]:
        path, month = href.split("#")
        assert path == "/en/calendar/"
        page = client.get(path).get_data(as_text=True)
        section = page.split(f'aria-labelledby="{month}">', 1)[1].split("</section>", 1)[0]
        assert section.count("<li>") == value, month
    page = client.get("/en/landscape/").get_data(as_text=True)
    # Each month with deadlines: its bar (xlink:href) and its table cell (href) link to it.
    assert page.count('href="/en/calendar/#month-') == 2 * len(charts["deadlines"])


def test_the_status_bars_cover_the_whole_catalogue(
    client: FlaskClient, catalogue: list[Scheme]
) -> None:
    charts = _bars(client.get("/en/landscape/").get_data(as_text=True))
    assert sum(value for _href, value in charts["statuses"]) == len(catalogue)
    current = sum(s.is_active() for s in catalogue)
    assert sum(value for _href, value in charts["funders"]) == current
    assert sum(value for _href, value in charts["kinds"]) == current


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_charts_are_accessible_and_csp_safe(client: FlaskClient, lang: str) -> None:
    response = client.get(PATHS[lang])
    page = response.get_data(as_text=True)
    assert "script-src" not in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in page
    assert "style=" not in page
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == 7
    for opening in svgs:
        assert 'role="img"' in opening
        chart_id = re.search(r'aria-labelledby="(\w+)-svg-title \1-svg-desc"', opening)
        assert chart_id, opening
        assert f'<title id="{chart_id.group(1)}-svg-title">' in page
        assert f'<desc id="{chart_id.group(1)}-svg-desc">' in page
    # Each chart has its table of figures, and the lineage of replaced schemes is listed.
    assert page.count('<table class="figures">') == 8
    assert "/aides/cnc-xn-ecriture" in page
    assert "/aides/cnc-dicream-production" in page


def test_language_paths_and_switch(client: FlaskClient) -> None:
    assert client.get("/en/panorama/").headers["Location"] == "/en/landscape/"
    assert client.get("/fr/landscape/").status_code == 301
    assert client.get("/fr/landscape/").headers["Location"] == "/fr/panorama/"
    page = client.get("/fr/panorama/").get_data(as_text=True)
    assert re.search(r'hreflang="en" href="https?://[^/"]+/en/landscape/"', page)
    assert "<h1>Le paysage en un coup d'œil</h1>" in page
    english = client.get("/en/landscape/").get_data(as_text=True)
    assert "<h1>The landscape at a glance</h1>" in english
    assert "Current schemes by funder" in english


def test_figures_on_a_made_up_catalogue(catalogue: list[Scheme], vocabulary: Vocabulary) -> None:
    by_id = {s.id: s for s in catalogue}
    stages = list(vocabulary.variable("project_stage").value_ids())
    # The XN writing strand accepts the writing stage only; a scheme without stage rule: None.
    assert accepted_stages(by_id["cnc-xn-ecriture"], stages) == ["writing"]
    bourse = by_id["cnl-bourse-auteurs"]
    assert amount_range(bourse) == "10k_50k"
    today = date(2026, 1, 1)
    session = bourse.model_copy(
        update={"lifecycle": bourse.lifecycle.model_copy(update={"status": "open"})}
    )
    land = build_landscape([by_id["cnc-xn-ecriture"], session], stages, today)
    assert land.by_status["replaced"] == [by_id["cnc-xn-ecriture"]]
    assert land.by_funder == {"cnl": [session]}
    assert [s.after_id for s in land.successions] == ["cnc-creation-immersive-ecriture"]
    assert list(land.deadlines_by_month) == month_starts(today)
    assert month_starts(date(2026, 12, 5))[:2] == [(2026, 12), (2027, 1)]
    closing = [d.session.closes for month in land.deadlines_by_month.values() for d in month]
    assert all(today <= c <= date(2026, 12, 31) for c in closing)
    assert closing == sorted(closing)


def test_landscape_and_open_data_are_cached_and_revalidated(client: FlaskClient) -> None:
    for path in (
        "/en/landscape/",
        "/api/v1/opendata.csv",
        "/fr/aides/comparer?ids=cnc-xn&ids=cnc-talent",
    ):
        first = client.get(path)
        assert first.headers["Cache-Control"].endswith("max-age=300"), path
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path

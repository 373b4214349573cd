"""Long lists at scale, through the pages a user opens: the questionnaire's result groups, the
scheme list and the admin dashboard show one page at a time (links in the URL, no JavaScript),
in French and English."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from admin_support import make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR
from app.repository import import_schemes
from app.schemes import ACTIVE_STATUSES, Scheme
from app.synthetic import synthetic_catalogue
from app.vocabulary import Vocabulary
from app.web.core.paging import page_window

RESULTS = "/{lang}/questionnaire/results?applicant_type=company&roles=producer"
CARD = {
    "eligible": '<article class="card result result-eligible">',
    "unknown": '<article class="card result result-unknown">',
    "ineligible": '<li class="result-ineligible">',
}
PAGER_LABEL = {
    ("fr", "unknown"): "Pages des aides à vérifier",
    ("en", "unknown"): "Pages of the schemes to verify",
    ("fr", "ineligible"): "Pages des aides qui ne vous correspondent pas",
    ("en", "ineligible"): "Pages of the schemes that do not fit",
}
RANGE = {"fr": "Aides {} à {} sur {}.", "en": "Schemes {} to {} of {}."}


@pytest.fixture
def large(db: Session, vocabulary: Vocabulary) -> list[Scheme]:
    """600 synthetic schemes (with rules) beside the real catalogue, in the test's transaction."""
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    schemes = synthetic_catalogue(real, 600, vocabulary, rules=True)
    import_schemes(db, schemes, author="test", comment="synthetic")
    db.commit()
    return schemes


def _section(html: str, group: str) -> str:
    start = html.index(f'id="group-{group}"')
    end = html.index("</section>", start)
    return html[start:end]


def _names(section: str) -> list[str]:
    return re.findall(r'href="/(?:fr|en)/aides/([a-z0-9-]+)"', section)


def _total(html: str, group: str) -> int:
    heading = re.search(rf'id="group-{group}"[^>]*>.*?\((\d+)\)</h2>', html, re.S)
    assert heading
    return int(heading.group(1))


def _next_link(section: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', section)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("group", "size"), [("unknown", 20), ("ineligible", 50)])
def test_a_results_group_shows_one_page_and_its_pages_cover_it_once(
    client: FlaskClient,
    catalogue: list[Scheme],
    large: list[Scheme],
    lang: str,
    group: str,
    size: int,
) -> None:
    url = RESULTS.format(lang=lang)
    html = client.get(url).get_data(as_text=True)
    total = _total(html, group)
    assert total > 2 * size  # several pages
    section = _section(html, group)
    assert section.count(CARD[group]) == size  # one page of cards, not hundreds
    assert f'aria-label="{PAGER_LABEL[lang, group]}"' in section
    assert RANGE[lang].format(1, size, total) in section
    seen: list[str] = []
    page_url: str | None = url
    pages = 0
    while page_url is not None:
        response = client.get(page_url)
        assert response.status_code == 200
        page_html = response.get_data(as_text=True)
        section = _section(page_html, group)
        seen += [
            scheme_id for item in section.split(CARD[group])[1:] for scheme_id in _names(item)[:1]
        ]
        next_url = _next_link(section)
        if next_url:
            query = parse_qs(urlsplit(next_url).query)
            # The answers stay in the URL; the page moves in this group only.
            assert query["applicant_type"] == ["company"]
            assert query["roles"] == ["producer"]
            assert query[f"page_{group}"] == [str(pages + 2)]
            assert urlsplit(next_url).fragment == f"group-{group}"
            page_url = next_url
        else:
            page_url = None
        pages += 1
    assert pages == -(-total // size)
    assert len(seen) == total
    assert len(set(seen)) == total  # every scheme once
    names = {s.id: s.name.get(lang).casefold() for s in [*catalogue, *large]}
    assert seen == sorted(seen, key=names.__getitem__)  # by name, from page to page


@pytest.mark.usefixtures("large")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_group_totals_match_the_api_verdicts(client: FlaskClient, lang: str) -> None:
    html = client.get(RESULTS.format(lang=lang)).get_data(as_text=True)
    answers = {"applicant_type": "company", "roles": ["producer"]}
    results = client.post("/api/v1/eligibility", json={"answers": answers, "lang": lang}).json
    assert results
    current = [r for r in results["results"] if r["lifecycle"]["status"] in ACTIVE_STATUSES]
    for group in ("eligible", "unknown", "ineligible"):
        assert _total(html, group) == sum(r["status"] == group for r in current)


@pytest.mark.usefixtures("large")
def test_the_not_eligible_list_opens_when_paged_and_a_page_past_the_end_shows_the_last(
    client: FlaskClient,
) -> None:
    base = RESULTS.format(lang="fr")
    first = _section(client.get(base).get_data(as_text=True), "ineligible")
    assert '<details class="criteria ineligible-list">' in first  # folded on arrival
    second = _section(client.get(base + "&page_ineligible=2").get_data(as_text=True), "ineligible")
    assert '<details class="criteria ineligible-list" open>' in second
    html = client.get(base + "&page_ineligible=999").get_data(as_text=True)
    total = _total(html, "ineligible")
    last = -(-total // 50)
    assert f'<span aria-current="page">Page {last}</span>' in _section(html, "ineligible")


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_page_that_is_not_a_number_is_refused(client: FlaskClient, value: str) -> None:
    response = client.get(RESULTS.format(lang="en") + f"&page_unknown={value}")
    assert response.status_code == 400


def test_page_links_are_a_window_around_the_current_page() -> None:
    assert page_window(1, 1) == [1]
    assert page_window(1, 4) == [1, 2, 3, 4]
    assert page_window(1, 400) == [1, 2, 3, None, 400]
    assert page_window(200, 400) == [1, None, 198, 199, 200, 201, 202, None, 400]
    assert page_window(400, 400) == [1, None, 398, 399, 400]


@pytest.mark.usefixtures("large")
def test_the_scheme_list_links_a_window_of_pages(client: FlaskClient) -> None:
    html = client.get("/en/aides/?page=10").get_data(as_text=True)
    pager = html[html.index('aria-label="Pages of results"') :]
    pager = pager[: pager.index("</nav>")]
    numbers = [int(n) for n in re.findall(r">Page (\d+)<", pager)]
    assert numbers[:2] == [1, 8]
    assert 10 in numbers
    assert len(numbers) == 7  # 1, 8-12, last: not every page
    assert numbers[-1] > 25
    assert "…" in pager


@pytest.mark.usefixtures("large")
@pytest.mark.parametrize(
    ("lang", "label"), [("fr", "Pages des aides"), ("en", "Pages of the schemes")]
)
def test_the_dashboard_shows_fifty_schemes_a_page(
    client: FlaskClient, db: Session, lang: str, label: str
) -> None:
    sign_in(client, make_user(db, "editor-paging@example.org", "editor"))
    html = client.get(f"/{lang}/admin/").get_data(as_text=True)
    rows = re.findall(r'<tr>\s*<th scope="row">', html)
    assert len(rows) == 50
    assert f'aria-label="{label}"' in html
    total = int(re.search(r"(\d+) (?:schemes shown|aides affichées)", html).group(1))  # type: ignore[union-attr]
    assert total > 600
    last = -(-total // 50)
    page = client.get(f"/{lang}/admin/?page={last}").get_data(as_text=True)
    assert len(re.findall(r'<tr>\s*<th scope="row">', page)) == total - 50 * (last - 1)
    found = client.get(f"/{lang}/admin/?q=synthetic-599").get_data(as_text=True)
    assert "(synthetic-599)" in found

"""Honest dates: evidence age, "may be out of date", expected sessions, how to apply, the audit
and the source check, through the domain, the pages, the API, the admin form and the CLI."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from admin_support import make_user, sign_in
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.catalogue import dump_scheme
from app.catalogue_audit import audit_catalogue, summary_lines
from app.cli import main
from app.deadlines import next_deadline, today_in_paris
from app.eligibility.wording import numbers_in
from app.evidence import end_of_partial_date, is_stale, months_before, newest_evidence
from app.repository import import_schemes
from app.schemes import Scheme
from app.source_check import HostPacer, check_urls
from app.vocabulary import Vocabulary
from app.web.admin.dashboard import DASHBOARD_PAGE_SIZE
from app.web.admin.scheme_form.data import form_data_from_scheme
from app.web.admin.scheme_form.document import scheme_from_form
from app.web.admin.scheme_form.form import SchemeForm, configure

TODAY = date(2026, 12, 5)


def scheme_with(base: Scheme, **changes: Any) -> Scheme:
    """base with some top-level keys of its document replaced, validated again."""
    return Scheme.model_validate({**base.document(), **changes})


def source(source_id: str, kind: str = "official", page_date: str | None = None) -> dict[str, Any]:
    data = {
        "id": source_id,
        "url": f"https://example.org/{source_id}",
        "title": source_id,
        "kind": kind,
        "checked": "2026-12-05",
    }
    return data | ({"page_date": page_date} if page_date else {})


@pytest.fixture
def base(catalogue: list[Scheme]) -> Scheme:
    return next(s for s in catalogue if s.id == "cnm-transition-numerique")


def dated(base: Scheme, *sources: dict[str, Any], status: str = "recurring") -> Scheme:
    return scheme_with(
        base,
        sources=list(sources),
        lifecycle={"status": status, "source": sources[0]["id"]},
        audience={"applicant_types": ["company"], "source": sources[0]["id"]},
        calendar=None,
        amounts=None,
        notes=[],
        criteria=[],
        examples=[],
    )


def test_a_partial_date_counts_as_the_last_day_it_can_mean() -> None:
    assert end_of_partial_date("2024") == date(2024, 12, 31)
    assert end_of_partial_date("2024-02") == date(2024, 2, 29)
    assert end_of_partial_date("2025-06-12") == date(2025, 6, 12)
    assert months_before(date(2026, 8, 31), 18) == date(2025, 2, 28)


def test_only_official_or_legal_dates_and_confirmed_sessions_are_evidence(base: Scheme) -> None:
    scheme = dated(
        base,
        source("page", page_date="2023-05"),
        source("listing", kind="aggregator", page_date="2026-11"),
    )
    assert newest_evidence(scheme, TODAY) == date(2023, 5, 31)
    assert is_stale(scheme, TODAY)
    expected = scheme_with(
        scheme,
        calendar={
            "sessions": [{"closes": "2027-03-01", "expected": True, "source": "page"}],
        },
    )
    assert newest_evidence(expected, TODAY) == date(2023, 5, 31)  # a guess is no evidence
    confirmed = scheme_with(
        scheme, calendar={"sessions": [{"closes": "2027-03-01", "source": "page"}]}
    )
    assert newest_evidence(confirmed, TODAY) == TODAY  # announced by today at the latest
    assert not is_stale(confirmed, TODAY)


def test_eighteen_months_is_the_limit_and_history_is_never_stale(base: Scheme) -> None:
    fresh = dated(base, source("page", page_date="2025-06-05"))
    old = dated(base, source("page", page_date="2025-06-04"))
    undated = dated(base, source("page"))
    closed = dated(base, source("page", page_date="2019"), status="closed")
    assert not is_stale(fresh, TODAY)
    assert is_stale(old, TODAY)
    assert is_stale(undated, TODAY)
    assert not is_stale(closed, TODAY)


def test_an_expected_session_is_the_next_deadline_marked_as_expected(base: Scheme) -> None:
    today = today_in_paris()
    later = today + timedelta(days=40)
    scheme = scheme_with(
        base,
        calendar={
            "sessions": [
                {"closes": later.isoformat(), "expected": True, "source": base.sources[0].id}
            ]
        },
    )
    deadline = next_deadline(scheme, today)
    assert deadline.session is not None
    assert deadline.session.expected
    assert "expected: true" in dump_scheme(scheme)


@pytest.fixture
def published(db: Session, base: Scheme) -> Scheme:
    """cnm-transition-numerique published with an expected session, how to apply, old evidence."""
    later = today_in_paris() + timedelta(days=40)
    first = base.sources[0].id
    scheme = scheme_with(
        base,
        calendar={
            "sessions": [
                {
                    "label": {"fr": "Commission d'automne", "en": "Autumn committee"},
                    "closes": later.isoformat(),
                    "expected": True,
                    "source": first,
                }
            ],
        },
        apply={
            "url": "https://example.org/depot",
            "how": {"fr": "Sur la plateforme en ligne.", "en": "On the online platform."},
            "documents": {"fr": "Un budget prévisionnel.", "en": "A provisional budget."},
            "source": first,
        },
    )
    import_schemes(db, [scheme], author="tests", comment="expected session")
    db.commit()
    return scheme


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            [
                "attendue, pas encore confirmée",
                "Date limite attendue",
                "Ces informations ne sont peut-être plus à jour.",
                "Comment déposer une demande",
                "Un budget prévisionnel.",
                "Consultée le 27 novembre 2026.",
            ],
        ),
        (
            "en",
            [
                "expected, not confirmed yet",
                "Expected deadline:",
                "This information may be out of date.",
                "How to apply",
                "A provisional budget.",
                "Read on November 27, 2026.",
            ],
        ),
    ],
)
def test_the_scheme_page_marks_expected_dates_staleness_and_how_to_apply(
    client: FlaskClient, published: Scheme, lang: str, words: list[str]
) -> None:
    html = client.get(f"/{lang}/aides/{published.id}").get_data(as_text=True)
    for text in words:
        assert text.replace("'", "&#39;") in html, text
    assert 'href="https://example.org/depot"' in html


def test_the_api_says_expected_stale_and_how_to_apply(
    client: FlaskClient, published: Scheme
) -> None:
    data = client.get(f"/api/v1/schemes/{published.id}?lang=en").get_json()
    assert data["next_deadline"]["expected"] is True
    assert data["calendar"]["sessions"][0]["expected"] is True
    assert data["may_be_out_of_date"] is True
    assert data["apply"]["how"] == "On the online platform."
    listed = client.get("/api/v1/schemes?q=transition+numerique&lang=en").get_json()
    item = next(i for i in listed["items"] if i["id"] == published.id)
    assert item["next_deadline"]["expected"] is True


def test_the_ics_calendar_marks_an_expected_deadline_tentative(
    client: FlaskClient, published: Scheme
) -> None:
    ics = client.get(f"/en/aides/{published.id}/calendar.ics").get_data(as_text=True)
    assert "STATUS:TENTATIVE" in ics
    assert "Expected deadline (not confirmed)" in ics


def test_expected_sessions_and_how_to_apply_survive_the_admin_form(
    app: Flask, published: Scheme, vocabulary: Vocabulary
) -> None:
    with app.test_request_context("/en/admin/"):
        form = SchemeForm(formdata=None, data=form_data_from_scheme(published))
        configure(form, vocabulary, "en")
        assert scheme_from_form(form, vocabulary).document() == published.document()


def test_the_admin_dashboard_lists_stale_schemes_first(
    client: FlaskClient, db: Session, catalogue: list[Scheme]
) -> None:
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    rows: list[str] = []
    pages = -(-len(catalogue) // DASHBOARD_PAGE_SIZE)
    for number in range(1, pages + 1):  # the dashboard shows its rows a page at a time
        html = client.get(f"/en/admin/?page={number}").get_data(as_text=True)
        rows += html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    flags = ["may be out of date" in row for row in rows]
    assert any(flags)
    assert flags == sorted(flags, reverse=True)  # every stale row comes before the others
    assert len(rows) == len(catalogue)


def test_the_audit_flags_and_counts(catalogue: list[Scheme]) -> None:
    rows = audit_catalogue(catalogue, TODAY)
    assert len(rows) == len(catalogue)
    dates = [r.newest_evidence or date.min for r in rows]
    assert dates == sorted(dates)
    stale = [r for r in rows if "stale" in r.flags]
    assert all(is_stale(r.scheme, TODAY) for r in stale)
    lines = summary_lines(rows)
    assert lines[0].startswith(f"schemes: {len(catalogue)} (")
    assert any(line.startswith("schemes showing an amount: ") for line in lines)


def test_the_audit_command_prints_rows_and_summary() -> None:
    result = CliRunner().invoke(main, ["schemes", "audit"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "cnc-fajv: " in result.output
    assert "open or recurring with a dated or expected session between 2025-06 and 2027-12" in (
        result.output
    )
    flagged = CliRunner().invoke(main, ["schemes", "audit", "--flagged", "--json"])
    data = yaml.safe_load(flagged.output)
    assert all(row["flags"] for row in data["schemes"])


class _Pages(BaseHTTPRequestHandler):
    """A small site: a page, a moved page, a redirect, a missing page and a slow one."""

    def do_GET(self) -> None:
        routes = {
            "/moved": (301, "/ok"),
            "/temporary": (302, "/ok"),
            "/loop": (302, "/loop"),
        }
        if self.path in routes:
            status, target = routes[self.path]
            self.send_response(status)
            self.send_header("Location", target)
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>page</p>")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sources_are_classified_by_what_the_server_answers(site: str) -> None:
    urls = [f"{site}{path}" for path in ("/ok", "/moved", "/temporary", "/gone", "/loop", "/slow")]
    checks = check_urls(urls, timeout=0.5, per_host_interval=0, workers=3)
    verdicts = {url.removeprefix(site): check.verdict for url, check in checks.items()}
    assert verdicts == {
        "/ok": "ok",
        "/moved": "moved",
        "/temporary": "redirected",
        "/gone": "dead",
        "/loop": "dead",
        "/slow": "unreachable",
    }
    assert checks[f"{site}/moved"].final_url == f"{site}/ok"
    assert checks[f"{site}/moved"].redirects == (301,)


def test_requests_to_one_host_are_paced() -> None:
    clock = iter([0.0, 0.0, 0.0])
    pacer = HostPacer(0.2, clock=lambda: next(clock))
    started = time.monotonic()
    for _ in range(3):
        pacer.wait("example.org")
    assert pacer.next_slot["example.org"] == pytest.approx(0.6)
    assert time.monotonic() - started >= 0.35  # the 2nd and 3rd waited their turn


def test_the_sources_check_command_reports_dead_and_moved_pages(
    site: str, tmp_path: Path, catalogue: list[Scheme]
) -> None:
    base = next(s for s in catalogue if s.id == "cnc-fajv")
    document = base.document()
    sources = document["sources"]
    sources[0]["url"] = f"{site}/ok"
    for extra in sources[1:]:
        extra["url"] = f"{site}/moved"
    sources[-1]["url"] = f"{site}/gone"
    (tmp_path / "cnc-fajv.yaml").write_text(
        dump_scheme(Scheme.model_validate(document)), encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        ["sources", "check", str(tmp_path), "--interval", "0", "--timeout", "2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert f"cnc-fajv: {sources[-1]['id']}: dead 404 {site}/gone" in result.output
    assert "addresses checked: dead 1" in result.output


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Au moins 80 % de l'activité", {80}),
        ("at least €1m (€600,000 before 2021)", {1_000_000, 600_000, 2021}),
        ("au moins 10 000 € et 1,5 M€", {10_000, 1_500_000}),
        ("50 k€ or 2.5 or 3 millions", {50_000, 2.5, 3_000_000}),
        ("at least one year", set()),
    ],
)
def test_numbers_are_read_in_either_languages_writing(text: str, numbers: set[float]) -> None:
    assert numbers_in(text) == {Decimal(str(n)) for n in numbers}


def test_a_wording_that_no_longer_matches_its_rule_is_refused(
    tmp_path: Path, catalogue: list[Scheme]
) -> None:
    base = next(s for s in catalogue if s.id == "cnm-transition-numerique")
    document = base.document()
    position, share = next(
        (i, c) for i, c in enumerate(document["criteria"]) if c["id"] == "music-activity-share"
    )
    share["rule"]["value"] = 30  # the label still says 80 %
    document["examples"] = [e for e in document["examples"] if e["expect"] != "ineligible"]
    path = tmp_path / "cnm-transition-numerique.yaml"
    path.write_text(dump_scheme(Scheme.model_validate(document)), encoding="utf-8")
    result = CliRunner().invoke(main, ["schemes", "validate", str(path)])
    assert result.exit_code == 1
    for lang in ("fr", "en"):
        problem = f"criteria[{position}].label.{lang}: the wording says 80 but the rule checks 30"
        assert problem in result.output

"""The admin dashboard keeps its rows between views (app/web/admin/dashboard.py): every change
made since, by this worker or another, shows on the next view."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import date

import pytest
from admin_support import make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.editing import latest_revision, publish, save_draft, send_back, submit_for_review
from app.models import SchemeRevision
from app.schemes import Scheme
from app.vocabulary import Vocabulary
from app.web import create_app
from app.web.admin import dashboard, views

EDITED = "cnm-transition-numerique"


def row(client: FlaskClient, scheme_id: str, lang: str = "en") -> str:
    """The dashboard row of a scheme (searched by its id), as the page shows it."""
    html = client.get(f"/{lang}/admin/?q={scheme_id}").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.S)
    found = [r for r in rows if f"({scheme_id})" in r]
    assert len(found) == 1, html
    return re.sub(r"\s+", " ", found[0])


def renamed(catalogue: list[Scheme], scheme_id: str, name: str) -> Scheme:
    document = next(s for s in catalogue if s.id == scheme_id).document()
    document["name"]["en"] = name
    return Scheme.model_validate(document)


def draft(db: Session, scheme: Scheme, vocabulary: Vocabulary) -> None:
    latest = latest_revision(db, scheme.id)
    base = latest.number if latest else 0
    save_draft(db, scheme, base=base, author="editor", comment="", vocabulary=vocabulary)


def test_each_step_of_a_draft_shows_on_the_next_view(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    assert "Published" in row(client, EDITED)  # the rows are now kept by the app
    draft(db, renamed(catalogue, EDITED, "Renamed while cached"), vocabulary)
    shown = row(client, EDITED)
    assert "Draft waiting" in shown
    assert "Renamed while cached" not in shown  # the published name, until it is published
    submit_for_review(db, EDITED, author="editor", comment="")
    assert "Waiting for review" in row(client, EDITED)
    assert "En attente de relecture" in row(client, EDITED, "fr")
    send_back(db, EDITED, author="admin", comment="not yet")
    assert "Draft waiting" in row(client, EDITED)
    publish(db, EDITED, author="admin", comment="", vocabulary=vocabulary)
    shown = row(client, EDITED)
    assert "Published" in shown
    assert "Renamed while cached" in shown


def test_a_new_scheme_and_its_counts_show_on_the_next_view(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    before = client.get("/en/admin/").get_data(as_text=True)
    total = int(re.search(r"(\d+) schemes, of which", before).group(1))  # type: ignore[union-attr]
    document = next(s for s in catalogue if s.id == EDITED).document()
    document["id"] = "cnm-transition-numerique-copie"
    draft(db, Scheme.model_validate(document), vocabulary)
    after = client.get("/en/admin/").get_data(as_text=True)
    assert f"{total + 1} schemes, of which" in after
    assert "Never published" in row(client, "cnm-transition-numerique-copie")


def test_a_revision_committed_late_below_one_already_read_is_seen(
    client: FlaskClient, db: Session, catalogue: list[Scheme]
) -> None:
    """Two transactions: the one that took the lower revision id commits last. The app must
    not skip it for having read a higher id already."""
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    assert "Published" in row(client, EDITED)
    top = db.scalar(select(func.max(SchemeRevision.id)))
    assert top is not None
    first, second = EDITED, "cnc-fajv"
    for scheme_id, revision_id in ((first, top + 5), (second, top + 2)):
        latest = latest_revision(db, scheme_id)
        assert latest is not None
        db.add(
            SchemeRevision(
                id=revision_id,
                scheme_id=scheme_id,
                number=latest.number + 1,
                document=latest.document,
                content_hash=latest.content_hash,
                author="elsewhere",
                comment="",
                state="draft",
                created_at=latest.created_at,
            )
        )
        db.commit()
        # The first is read (and its id) before the second, with a lower id, commits.
        assert "Draft waiting" in row(client, scheme_id)
    assert "Draft waiting" in row(client, first)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_new_day_works_the_evidence_out_again(
    client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    stale = r"(\d+) (?:may be out of date|n’est peut-être|ne sont peut-être)"
    html = client.get(f"/{lang}/admin/").get_data(as_text=True)
    today = re.search(stale, html)
    monkeypatch.setattr("app.web.admin.views.today_in_paris", lambda: date(2040, 1, 1))
    later = re.search(stale, client.get(f"/{lang}/admin/").get_data(as_text=True))
    assert later is not None
    assert int(later.group(1)) > (int(today.group(1)) if today else 0)


def test_a_view_that_failed_half_way_leaves_the_next_one_right(
    client: FlaskClient,
    db: Session,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database failing while the rows are brought up to date (a timeout) must not leave
    them half updated: the next view shows every change."""
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    assert "Published" in row(client, EDITED)
    draft(db, renamed(catalogue, EDITED, "Renamed while failing"), vocabulary)

    def failing(*_args: object) -> None:
        raise TimeoutError("the database did not answer")

    with monkeypatch.context() as patched:  # the rows' documents cannot be read this time
        patched.setattr(dashboard, "record_flags", failing)
        client.application.config["PROPAGATE_EXCEPTIONS"] = False
        assert client.get("/en/admin/").status_code == 500
    assert "Draft waiting" in row(client, EDITED)


def test_a_worker_set_to_warm_up_reads_the_rows_before_the_first_view(
    settings: Settings,
    session_factory: sessionmaker[Session],
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DASHBOARD_WARM_UP: the rows are read in the background as the application starts, so the
    # first view only brings them up to date (it never reads every record); off by default.
    reads: list[str] = []
    read_all = dashboard.records_with_latest
    monkeypatch.setattr(
        dashboard,
        "records_with_latest",
        lambda *args: reads.append(threading.current_thread().name) or read_all(*args),
    )
    admin = make_user(db, "admin@example.org", "admin")
    app = create_app(replace(settings, dashboard_warm_up=True), session_factory)
    app.config["TESTING"] = True
    for thread in threading.enumerate():
        if thread.name == "dashboard-warm-up":
            thread.join(timeout=30)
    assert reads == ["dashboard-warm-up"]
    client = app.test_client()
    sign_in(client, admin)
    assert "Published" in row(client, EDITED)
    assert reads == ["dashboard-warm-up"]  # the first view read only what changed since

    cold = create_app(settings, session_factory)
    cold.config["TESTING"] = True
    cold_client = cold.test_client()
    sign_in(cold_client, admin)
    assert "Published" in row(cold_client, EDITED)
    assert reads == ["dashboard-warm-up", threading.current_thread().name]


def test_the_orders_and_counts_carried_over_a_change_are_those_worked_out_afresh(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    # Each change puts its rows into the sort orders already worked out (by bisection) and
    # counts them in and out; the result must be what sorting and counting every row gives.
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    orders = [(sort, lang) for sort in dashboard.DASHBOARD_SORTS for lang in ("en", "fr")]
    for sort, lang in orders:  # every order worked out once, so each is carried over
        assert client.get(f"/{lang}/admin/?sort={sort}").status_code == 200
    cache: dashboard.DashboardCache = client.application.extensions[views.DASHBOARD_CACHE]
    before = [r.state.id for r in cache._view.sorted("name", "en")]
    draft(db, renamed(catalogue, EDITED, "Aaa first by name once published"), vocabulary)
    submit_for_review(db, EDITED, author="editor", comment="")
    draft(db, renamed(catalogue, "cnc-fajv", "Zzz last by name"), vocabulary)
    publish(db, "cnc-fajv", author="admin", comment="", vocabulary=vocabulary)
    assert client.get("/en/admin/").status_code == 200
    carried = cache._view
    fresh = dashboard.DashboardRows.of(carried.rows)
    assert carried.tally == fresh.tally
    assert carried.tally.in_review == 1
    for sort, lang in orders:
        assert [r.state.id for r in carried._orders[sort, lang]] == [
            r.state.id for r in fresh.sorted(sort, lang)
        ], (sort, lang)
    by_name = [r.state.id for r in carried.sorted("name", "en")]
    # Published under its new name: moved to its new place.
    assert by_name.index("cnc-fajv") > before.index("cnc-fajv")
    # A new record: the rows are counted and sorted again, with it.
    document = next(s for s in catalogue if s.id == EDITED).document()
    document["id"] = "cnm-transition-numerique-copie"
    draft(db, Scheme.model_validate(document), vocabulary)
    assert client.get("/en/admin/").status_code == 200
    assert cache._view.tally == dashboard.DashboardRows.of(cache._view.rows).tally
    assert len(cache._view.rows) == len(carried.rows) + 1

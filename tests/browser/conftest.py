"""A live server on the test database, and a Chromium driven by Playwright with axe-core.

Chromium comes from Debian (/usr/bin/chromium); without it these tests are skipped, unless
REQUIRE_BROWSER is set (as CI does), where its absence is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker
from werkzeug.serving import make_server

from app.catalogue import parse_scheme, read_directory
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT, Settings
from app.db import make_session_factory
from app.repository import import_schemes
from app.vocabulary import load_vocabulary
from app.web import create_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The scheme the admin tests edit, frozen as they know it (its rows and threshold).
EDITED_SCHEME = "cnl-bourse-auteurs"
FROZEN = PROJECT_ROOT / "tests" / "fixtures" / "editor-scheme.yaml"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing_tools() -> list[str]:
    return [str(path) for path in (Path(CHROMIUM), AXE) if not path.exists()]


@pytest.fixture(scope="session")
def live_server(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    server = make_server("127.0.0.1", 0, None, threaded=True)  # the port first, for the address
    base = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(
        database_url=database_url,
        search_index_dir=tmp / "index",
        secret_key="browser-tests",
        schemes_dir=PROJECT_ROOT / "aid_schemes",
        redis_url=None,
        instance_dir=tmp,
        public_base_url=base,  # links the pages build point back to this server
    )
    server.app = create_app(settings, make_session_factory(engine))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    missing = _missing_tools()
    if missing and os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"browser tests required but missing: {missing}")
    if missing:
        pytest.skip(f"missing {missing}: apt-get install chromium; make test installs axe-core")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The strict CSP forbids injected scripts; bypass it for axe only, as the axe docs advise.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_violations() -> Callable[[Page], list[dict[str, Any]]]:
    """Run axe-core on a loaded page; returns the violations."""
    return _axe_violations


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core with the WCAG 2.0/2.1 A and AA rules on the loaded page."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.fixture
def frozen_scheme(engine: Engine) -> Iterator[sessionmaker[Any]]:
    """The edited scheme as tests/fixtures/editor-scheme.yaml says, whatever the catalogue says;
    afterwards its new revisions, the accounts, the audit log and its suggestions are removed and
    the catalogue's version is put back for the other tests. Yields a session factory."""
    factory = sessionmaker(bind=engine)
    frozen, problems = parse_scheme(f"{EDITED_SCHEME}.yaml", FROZEN.read_text(encoding="utf-8"))
    assert frozen is not None, problems
    with factory.begin() as db:
        import_schemes(db, [frozen], author="tests", comment="the browser test's scheme")
    with factory.begin() as db:
        before = db.execute(
            text("SELECT revision FROM schemes WHERE id = :id"), {"id": EDITED_SCHEME}
        ).scalar_one()
    yield factory
    with factory.begin() as db:
        db.execute(
            text("DELETE FROM scheme_revisions WHERE scheme_id = :id AND number > :n"),
            {"id": EDITED_SCHEME, "n": before},
        )
        db.execute(text("DELETE FROM suggestions WHERE scheme_id = :id"), {"id": EDITED_SCHEME})
        db.execute(text("DELETE FROM audit_events"))
        db.execute(text("DELETE FROM users"))
    with factory.begin() as db:
        vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
        original = [
            s for s in read_directory(DEFAULT_SCHEMES_DIR, vocabulary) if s.id == EDITED_SCHEME
        ]
        import_schemes(db, original, author="tests", comment="restore")

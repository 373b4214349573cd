"""Lighthouse (npm, pinned) in Debian's Chromium on the main public pages, in both languages:
accessibility, best practices and SEO all 100 (results pages are noindex by design, so there
every SEO audit but is-crawlable passes); performance in Lighthouse's "good" band (90 or more)
with no layout shift. Also: the JSON-LD blocks raise no CSP error.

The performance score is made only of timings (first paint, blocking time...) taken on a shared
2-core machine while other tests run: a busy minute costs a point or two (a 100 ms blocking time
scored 99 in CI), so it is not asserted to the point; speed is measured by the scripts in bench/.
One Lighthouse run per page, with only those four categories (about 15 s each here), more (up to
three) while performance is under 100. Run with -s to see the scores.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404: runs the pinned Lighthouse from node_modules
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage
from sqlalchemy import Engine
from werkzeug.serving import make_server

from app.config import PROJECT_ROOT, Settings
from app.db import make_session_factory
from app.web import create_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LIGHTHOUSE = PROJECT_ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "/{lang}/",
    "list": "/{lang}/aides/",
    "scheme": "/{lang}/aides/cnc-creation-immersive",
    "calendar": {"fr": "/fr/calendrier/", "en": "/en/calendar/"},
    "results": "/{lang}/questionnaire/results?applicant_type=company&sectors=immersive",
}
SCORES: dict[str, dict[str, float]] = {}
GOOD_PERFORMANCE = 0.9  # Lighthouse's "good" band starts at 90
PERFORMANCE_RUNS = 3


@pytest.fixture(scope="module")
def lighthouse() -> Path:
    missing = [str(p) for p in (Path(CHROMIUM), LIGHTHOUSE) if not p.exists()]
    if missing and os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"browser tests required but missing: {missing}")
    if missing:
        pytest.skip(f"missing {missing}: apt-get install chromium; npm ci installs Lighthouse")
    return LIGHTHOUSE


@pytest.fixture(scope="module")
def site(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[str]:
    """A live server whose PUBLIC_BASE_URL is its own address, as in production: Lighthouse
    fails a canonical link that points to another host."""
    holder: dict[str, Callable[..., Any]] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    tmp = tmp_path_factory.mktemp("lighthouse")
    settings = Settings(
        database_url=database_url,
        search_index_dir=tmp / "index",
        secret_key="lighthouse-tests",
        schemes_dir=PROJECT_ROOT / "aid_schemes",
        redis_url=None,
        instance_dir=tmp,
        public_base_url=base,
    )
    holder["app"] = create_app(settings, make_session_factory(engine))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join()
    if SCORES:
        print("\nLighthouse scores (performance, accessibility, best practices, SEO):")
        for name, scores in SCORES.items():
            print(f"  {name:14} " + " ".join(f"{scores[c] * 100:5.0f}" for c in CATEGORIES))


def run_lighthouse(lighthouse: Path, url: str) -> dict[str, Any]:
    """One Lighthouse run (mobile, simulated throttling) with the four categories."""
    command = [
        "node",
        str(lighthouse),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic",
    ]
    done = subprocess.run(  # nosec B603: fixed command, our own URL
        command,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout)
    assert not report.get("runtimeError"), report["runtimeError"]
    return report


def _performance(report: dict[str, Any]) -> float:
    return float(report["categories"]["performance"]["score"])


def failing_audits(report: dict[str, Any], category: str) -> list[str]:
    """The scored audits of a category that did not pass, with what Lighthouse says."""
    failed = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            failed.append(f"{audit['id']} ({audit['score']}): {audit.get('displayValue', '')}")
    return failed


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_lighthouse_scores(lighthouse: Path, site: str, name: str, lang: str) -> None:
    path = PAGES[name]
    url = site + (path[lang] if isinstance(path, dict) else path.format(lang=lang))
    report = run_lighthouse(lighthouse, url)
    for _ in range(PERFORMANCE_RUNS - 1):
        if _performance(report) == 1:
            break
        # Timings seen on a shared machine: the best of a few runs (the other categories do
        # not vary from run to run).
        report = max(report, run_lighthouse(lighthouse, url), key=_performance)
    scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
    SCORES[f"{name} ({lang})"] = scores
    print(f"\n{url}: {scores}")
    assert scores["performance"] >= GOOD_PERFORMANCE, (
        "performance",
        failing_audits(report, "performance"),
    )
    # Layout shift does not depend on the machine's speed: none at all.
    assert report["audits"]["cumulative-layout-shift"]["score"] == 1
    for category in ("accessibility", "best-practices"):
        assert scores[category] == 1, (category, failing_audits(report, category))
    seo_failures = failing_audits(report, "seo")
    if name == "results":
        # noindex by design (answers in the address): only is-crawlable may fail, and must.
        assert [f for f in seo_failures if not f.startswith("is-crawlable")] == []
        assert report["audits"]["is-crawlable"]["score"] == 0
    else:
        assert seo_failures == []
        assert scores["seo"] == 1


@pytest.mark.parametrize("path", ["/fr/aides/cnc-creation-immersive", "/en/aides/"])
def test_structured_data_raises_no_csp_error(browser: Browser, site: str, path: str) -> None:
    # The real CSP this time (the axe fixture bypasses it).
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if _bad(m) else None)
    page.on("pageerror", lambda error: messages.append(str(error)))
    response = page.goto(site + path)
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    blocks = page.evaluate(
        """() => [...document.querySelectorAll('script[type="application/ld+json"]')]
                 .map(s => JSON.parse(s.textContent)['@type'])"""
    )
    assert blocks in ([["GovernmentService", "MonetaryGrant"]], ["ItemList"])
    page.wait_for_load_state("networkidle")
    assert messages == []
    context.close()


def _bad(message: ConsoleMessage) -> bool:
    return message.type in ("error", "warning") or "Content Security Policy" in message.text

"""Load test: gunicorn serving wsgi:app on PostgreSQL on this machine, driven by locust.

It builds a fresh PostgreSQL schema (migrations, the catalogue, the search index, an
administrator with a TOTP secret), starts gunicorn on a free loopback port, then runs locust
headless in this process: visitors (home, lists with filters, searches with typos, scheme pages,
questionnaire steps and results, the JSON API) and one administrator who signs in through the
real forms and, every few seconds, saves a draft with a small change and publishes it. It prints
requests, requests per second, p50/p95/p99 and errors per endpoint, checks the goal, gives the
p95 of the visitors' requests made during or just after a publish against the others', checks that
every save the administrator saw succeed is a revision in the database and that every worker
serves the last published change, then stops gunicorn and drops the schema. The visitors' API
eligibility calls ask for one page of 20 verdicts (`per_page`), as a real client at national
scale would: every verdict at once is 32 MB at 10,000 schemes.

With --schemes N the database holds N schemes: the real ones plus synthetic ones (`aides schemes
synthesize --force`, into the benchmark's own schema), and visitors open pages of any of them; the
administrator also reads the dashboard. With --proxy, nginx (Debian's package: `apt-get install
nginx`; bench only) runs in front on loopback with the cache of docs/production.md §9 and the
visitors go through it; the saves are still checked against gunicorn itself.

Run: .venv/bin/python bench/load.py [--users 50] [--spawn-rate 10] [--run-time 60]
     [--workers 5] [--threads 2] [--worker-class gthread] [--wait 1 3] [--no-publish]
     [--schemes 10000] [--proxy] [--phases direct:1-3 direct:0-0 proxy:1-3 proxy:0-0]
Loopback only; the run is bounded by --run-time. `--wait 0 0` measures saturation.
"""

from __future__ import annotations

# isort: off
# locust patches the standard library for gevent when it is imported: before anything else.
import locust
from locust import FastHttpUser, between, task
# isort: on

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import socket
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import gevent
import psutil
import pyotp
import redis
from locust.env import Environment
from sqlalchemy import make_url, select, text

from app import accounts
from app.catalogue import scheme_files
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT
from app.db import make_engine, make_session_factory
from app.models import SchemeRecord, SchemeRevision
from app.schemes import KINDS
from app.synthetic import PREFIX
from app.vocabulary import Variable, load_vocabulary

# The harness the tests use: gunicorn started and stopped, forms read as a browser submits them.
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from harness import (
    Gunicorn,
    ServerError,
    csrf_token_in,
    free_port,
    launch_gunicorn,
    read_form,
    stop_process_group,
    wait_until_answering,
)

BIN = Path(sys.executable).parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"  # owned by this benchmark (flushed)
ADMIN_EMAIL = "load-admin@example.org"
ADMIN_PASSWORD = "load-test-correct-horse-battery-77"  # noqa: S105 (a throwaway schema)
GOAL_P95_MS = 200
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Schemes the administrator edits in turn (published ones, with passing examples).
EDITED_SCHEMES = ("cnl-bourse-auteurs", "cnm-transition-numerique", "cnc-numerisation-patrimoine")

VOCABULARY = load_vocabulary(DEFAULT_SCHEMES_DIR)
SCHEME_IDS = [path.stem for path in scheme_files(DEFAULT_SCHEMES_DIR)]
REAL_SCHEME_COUNT = len(SCHEME_IDS)
NGINX = Path("/usr/sbin/nginx")
QUERIES = {
    "fr": [
        "jeux vidéo",
        "musique",
        "numérisation patrimoine",
        "réalité virtuelle",
        "bourse auteur",
        "édition numérique",
        "spectacle vivant",
        "création immersive",
        "numérisaton",  # typos: the corrected and fuzzy paths
        "musiqe enregistree",
        "imersive",
        "litérature jeunesse",
    ],
    "en": [
        "video games",
        "virtual reality",
        "grant for authors",
        "publishing",
        "music",
        "heritage digitisation",
        "immersve",
        "publishng grant",
    ],
}


# -- a realistic profile ------------------------------------------------------------------------


def value_for(variable: Variable, rng: random.Random) -> Any:
    """A valid answer to variable, as JSON holds it."""
    if variable.type == "choice":
        return rng.choice(variable.values).id
    if variable.type == "set":
        return [c.id for c in rng.sample(variable.values, k=min(2, len(variable.values)))]
    if variable.type == "boolean":
        return rng.random() < 0.5
    low = int(variable.min or 0)
    if low >= 1000:  # a year
        return rng.randint(max(low, 2005), 2025)
    if variable.max is not None:
        return rng.randint(low, int(variable.max))
    if variable.id.endswith("_eur"):
        return rng.choice([low, 12_000, 150_000])
    return rng.randint(low, max(low, 40))  # years of activity, employees, titles…


def query_value(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


# -- the simulated people -----------------------------------------------------------------------


@dataclass(frozen=True)
class Save:
    """A save the administrator saw succeed: the revision it must have made."""

    scheme_id: str
    number: int
    state: str  # draft or published
    marker: str  # the comment, and the word added to the English name
    at: float = field(default_factory=time.monotonic)  # when the administrator saw it succeed


@dataclass
class Record:
    saves: list[Save] = field(default_factory=list)
    sign_in_failures: int = 0


RECORD = Record()


class Visitor(FastHttpUser):
    """Someone reading the site or calling the API."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.rng = random.Random()

    @property
    def lang(self) -> str:
        return self.rng.choice(("fr", "fr", "en"))

    @task(4)
    def home(self) -> None:
        self.client.get(f"/{self.lang}/", name="home")

    @task(3)
    def list_with_filters(self) -> None:
        rng = self.rng
        params: list[tuple[str, str]] = []
        facet = rng.choice(("sector", "applicant_type", "role", "kind", "funder", "open_now"))
        if facet == "kind":
            params.append(("kind", rng.choice(KINDS)))
        elif facet == "funder":
            params.append(("funder", rng.choice(sorted(VOCABULARY.organisations))))
        elif facet == "open_now":
            params.append(("open_now", "y"))
        else:
            variable = {"sector": "sectors", "role": "roles"}.get(facet, facet)
            params.append((facet, rng.choice(VOCABULARY.variable(variable).values).id))
        params.append(("sort", rng.choice(("relevance", "deadline", "name", "amount"))))
        self.client.get(f"/{self.lang}/aides/?{urlencode(params)}", name="list (filters)")

    @task(4)
    def search_page(self) -> None:
        lang = self.lang
        query = urlencode({"q": self.rng.choice(QUERIES[lang])})
        self.client.get(f"/{lang}/aides/?{query}", name="search page")

    @task(4)
    def scheme_page(self) -> None:
        self.client.get(f"/{self.lang}/aides/{self.rng.choice(SCHEME_IDS)}", name="scheme page")

    @task(3)
    def questionnaire(self) -> None:
        """A few questions answered through the real forms, then the results."""
        lang, query = self.lang, ""
        base = f"/{lang}/questionnaire"
        for _step in range(self.rng.randint(2, 6)):
            page = self.client.get(f"{base}/question?{query}", name="questionnaire: question")
            match = re.search(r'name="asked" value="([a-z_]+)"', page.text or "")
            if match is None:
                break  # every question answered
            variable = VOCABULARY.variable(match.group(1))
            params = [("asked", variable.id)]
            if self.rng.random() < 0.1:
                params.append(("dont_know", variable.id))
            else:
                value = value_for(variable, self.rng)
                params += [(variable.id, v) for v in query_value(value)]
            url = f"{base}/question?{'&'.join(p for p in (query, urlencode(params)) if p)}"
            with self.client.get(
                url, name="questionnaire: answer", allow_redirects=False, catch_response=True
            ) as answer:
                if answer.status_code != 302:
                    answer.failure(f"answer refused: {answer.status_code}")
                    return
                answer.success()
            query = urlsplit(answer.headers["Location"]).query
        self.client.get(f"{base}/results?{query}", name="questionnaire: results")

    @task(2)
    def api_list(self) -> None:
        lang = self.lang
        if self.rng.random() < 0.5:
            params = {"lang": lang, "q": self.rng.choice(QUERIES[lang])}
            self.client.get(f"/api/v1/schemes?{urlencode(params)}", name="api: search")
        else:
            params = {"lang": lang, "sort": "deadline", "per_page": "50"}
            self.client.get(f"/api/v1/schemes?{urlencode(params)}", name="api: list")

    @task(2)
    def api_detail(self) -> None:
        scheme_id = self.rng.choice(SCHEME_IDS)
        self.client.get(f"/api/v1/schemes/{scheme_id}?lang={self.lang}", name="api: scheme")

    @task(1)
    def api_questions(self) -> None:
        self.client.get(f"/api/v1/questions?lang={self.lang}", name="api: questions")

    @task(2)
    def api_eligibility(self) -> None:
        chosen = self.rng.sample(list(VOCABULARY.variables.values()), k=self.rng.randint(2, 8))
        answers = {v.id: value_for(v, self.rng) for v in chosen}
        self.client.post(
            "/api/v1/eligibility",
            json={"answers": answers, "lang": self.lang, "per_page": 20},
            name="api: eligibility",
        )


class Administrator(FastHttpUser):
    """One administrator: signs in once (password, TOTP), then saves and publishes changes."""

    fixed_count = 1
    wait_time = between(5, 10)
    publish = True
    totp_secret = ""

    def on_start(self) -> None:
        self.turn = 0
        self.signed_in = False
        login = self.client.get("/en/admin/login", name="admin: sign in")
        data = {"csrf_token": csrf_token_in(login.text or ""), "email": ADMIN_EMAIL}
        data["password"] = ADMIN_PASSWORD
        with self.client.post(
            "/en/admin/login",
            data=urlencode(data),
            headers=FORM,
            name="admin: sign in",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in refused: {answer.status_code}")
                RECORD.sign_in_failures += 1
                return
        page = self.client.get("/en/admin/second-factor", name="admin: second factor")
        code = pyotp.TOTP(self.totp_secret).now()
        with self.client.post(
            "/en/admin/second-factor",
            headers=FORM,
            name="admin: second factor",
            data=urlencode({"csrf_token": csrf_token_in(page.text or ""), "code": code}),
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"second factor refused: {answer.status_code}")
                RECORD.sign_in_failures += 1
                return
        self.signed_in = True

    @task
    def save_and_publish(self) -> None:
        if not self.signed_in:
            return
        scheme_id = EDITED_SCHEMES[self.turn % len(EDITED_SCHEMES)]
        self.turn += 1
        # The dashboard as an editor reads it: the first page, a later one, a search.
        self.client.get("/en/admin/", name="admin: dashboard")
        pages = max(1, len(SCHEME_IDS) // 50)
        self.client.get(f"/en/admin/?page={random.randint(1, pages)}", name="admin: dashboard")
        self.client.get(f"/en/admin/?q={scheme_id.split('-')[0]}", name="admin: dashboard")
        marker = "lq" + "".join(random.choices(string.ascii_lowercase, k=8))
        edit = f"/en/admin/schemes/{scheme_id}/edit"
        page = self.client.get(edit, name="admin: edit form")
        fields = read_form(page.text or "", "scheme-form")
        values = dict(fields)
        base = int(values["base_revision"])
        # A small change: a new word at the end of the English name, and the comment.
        name_en = re.sub(r"( lq[a-z]{8})?$", f" {marker}", values["name-en"], count=1)
        changed = {"name-en": name_en, "comment": marker}
        sent = [(k, changed.get(k, v)) for k, v in fields if k != "action"]
        sent += [("comment", marker)] if "comment" not in values else []
        sent.append(("action", "save"))
        with self.client.post(
            edit,
            data=urlencode(sent),
            headers=FORM,
            name="admin: save draft",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"draft refused: {answer.status_code}")
                return
            answer.success()
        RECORD.saves.append(Save(scheme_id, base + 1, "draft", marker))
        if not self.publish:
            return
        history = self.client.get(
            f"/en/admin/schemes/{scheme_id}/revisions", name="admin: revisions"
        )
        data = {"csrf_token": csrf_token_in(history.text or ""), "comment": marker}
        with self.client.post(
            f"/en/admin/schemes/{scheme_id}/publish",
            data=urlencode(data),
            headers=FORM,
            name="admin: publish",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"publish refused: {answer.status_code}")
                return
            answer.success()
        # The flash message on the revisions page says whether the publish was refused.
        with self.client.get(
            f"/en/admin/schemes/{scheme_id}/revisions",
            name="admin: revisions",
            catch_response=True,
        ) as shown:
            if "Published." not in (shown.text or ""):
                shown.failure("publish refused (flash message)")
                return
        RECORD.saves.append(Save(scheme_id, base + 2, "published", marker))


# -- the server ---------------------------------------------------------------------------------


def run_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603 (our own venv scripts)
        [str(BIN / "aides"), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1500,  # 10,000 synthetic schemes and their index take minutes
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"aides {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def start_server(env: dict[str, str], options: argparse.Namespace, tmp: Path) -> Gunicorn:
    command = [
        f"--workers={options.workers}",
        f"--worker-class={options.worker_class}",
        f"--threads={options.threads}",
        "--timeout=60",
        "--graceful-timeout=30",
        "--keep-alive=5",
        "--no-control-socket",
    ]
    server = launch_gunicorn(command, env, tmp / "gunicorn-errors.log")
    try:
        # A worker's first request may build the catalogue: minutes at 10,000 schemes.
        wait_until_answering(server, seconds=600)
    except ServerError as error:
        stop_process_group(server.process)
        raise SystemExit(str(error)) from None
    return server


def server_processes(server: Gunicorn) -> list[psutil.Process]:
    """The gunicorn master and its workers (none once they have gone)."""
    with contextlib.suppress(psutil.Error):
        master = psutil.Process(server.process.pid)
        return [master, *master.children(recursive=True)]
    return []


NGINX_CONFIG = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-errors.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # docs/production.md section 9, on loopback (no TLS); the Host is passed as the client sent it.
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=aides:50m max_size=1g inactive=1h;
    server {{
        listen 127.0.0.1:{port};
        proxy_set_header Host $http_host;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache aides;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_revalidate on;
            proxy_cache_use_stale updating error timeout http_503;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
        location /fr/admin/ {{
            proxy_pass http://127.0.0.1:{upstream}; proxy_no_cache 1; proxy_cache_bypass 1;
        }}
        location /en/admin/ {{
            proxy_pass http://127.0.0.1:{upstream}; proxy_no_cache 1; proxy_cache_bypass 1;
        }}
        location /fr/questionnaire/ {{
            proxy_pass http://127.0.0.1:{upstream}; proxy_no_cache 1; proxy_cache_bypass 1;
        }}
        location /en/questionnaire/ {{
            proxy_pass http://127.0.0.1:{upstream}; proxy_no_cache 1; proxy_cache_bypass 1;
        }}
    }}
}}
"""


def start_nginx(upstream: int, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    """nginx with the cache of docs/production.md section 9 in front of gunicorn, on loopback."""
    if not NGINX.exists():
        raise SystemExit("--proxy needs nginx (bench only): apt-get install -y nginx")
    folder = tmp / "nginx"
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # nginx's workers run as nobody: they write the cache and temp files
    for name in ("cache", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(mode=0o777)
        (folder / name).chmod(0o777)
    for parent in (tmp, tmp.parent):
        parent.chmod(0o755)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(tmp=folder, port=port, upstream=upstream))
    process = subprocess.Popen(  # noqa: S603 (Debian's nginx, our own configuration)
        [str(NGINX), "-c", str(config), "-p", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "nginx-errors.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"nginx exited:\n{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return process, port
        time.sleep(0.1)
    stop_nginx(process)
    raise SystemExit("nginx did not start within 20 s")


def stop_nginx(process: subprocess.Popen[bytes]) -> None:
    stop_process_group(process, timeout=10)


CACHE_STATUSES: Counter[str] = Counter()


def _count_cache_status(response: Any = None, **_kwargs: Any) -> None:
    headers = getattr(response, "headers", None)  # None when the request timed out
    status = headers.get("X-Cache-Status") if headers else None
    if status:
        CACHE_STATUSES[status] += 1


locust.events.request.add_listener(_count_cache_status)


# Each request as (start, end, name), in seconds since the epoch: where the slow ones fall
# against the administrator's publishes (every worker refreshes its catalogue and index then).
TIMELINE: list[tuple[float, float, str]] = []
AFTER_PUBLISH_S = 1.0  # what counts as "just after a publish"


def _record_time(
    name: str = "", response_time: float = 0, start_time: float = 0, **_kwargs: Any
) -> None:
    TIMELINE.append((start_time, start_time + response_time / 1000, name))


locust.events.request.add_listener(_record_time)


def publish_windows() -> str:
    """The p95 of visitors' requests started during a publish or within AFTER_PUBLISH_S of its
    answer, against the others'."""
    publishes = [(start, end) for start, end, name in TIMELINE if name == "admin: publish"]
    near: list[float] = []
    far: list[float] = []
    for start, end, name in TIMELINE:
        if name.startswith("admin"):
            continue
        close = any(p_start <= start <= p_end + AFTER_PUBLISH_S for p_start, p_end in publishes)
        (near if close else far).append((end - start) * 1000)

    def p95(values: list[float]) -> str:
        return f"{sorted(values)[int(len(values) * 0.95)]:.0f} ms" if values else "-"

    share = len(near) / max(1, len(near) + len(far))
    return (
        f"visitors' requests started during a publish or within {AFTER_PUBLISH_S:g} s of its "
        f"answer: {len(near)} ({share:.0%}), p95 {p95(near)}; the others: {len(far)}, "
        f"p95 {p95(far)}"
    )


def cache_statuses() -> str:
    """How the proxy answered (X-Cache-Status), counted over the run."""
    return ", ".join(f"{k} {v}" for k, v in sorted(CACHE_STATUSES.items())) or "none seen"


def warm_up(base: str) -> None:
    """Every worker opens its catalogue and index before the clock starts (as after a deploy)."""
    for _ in range(40):
        for path in ("/api/v1/schemes?q=musique", "/fr/questionnaire/results"):
            # A worker's first request parses and compiles the catalogue: at 10,000 schemes on a
            # busy machine, minutes.
            with urlopen(base + path, timeout=600) as answer:  # noqa: S310 (loopback)
                answer.read()


def create_admin(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            user = accounts.create_user(
                session, ADMIN_EMAIL, ADMIN_PASSWORD, "admin", actor="load bench"
            )
            user.totp_secret = pyotp.random_base32()
            session.commit()
            return user.totp_secret
    finally:
        engine.dispose()


# -- the report ---------------------------------------------------------------------------------


def print_table(env: Environment, seconds: float) -> tuple[bool, int, float]:
    entries = sorted(env.stats.entries.values(), key=lambda e: (e.name.startswith("admin"), e.name))
    header = f"{'endpoint':28} {'method':6} {'requests':>8} {'rps':>7} {'p50':>6} {'p95':>6} "
    header += f"{'p99':>6} {'max':>6} {'errors':>6}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for entry in [*entries, env.stats.total]:
        if entry is env.stats.total:
            print("-" * len(header))
        p50, p95, p99 = (entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99))
        if entry is not env.stats.total and not entry.name.startswith("admin"):
            worst = max(worst, p95)
        print(
            f"{entry.name:28} {entry.method or '':6} {entry.num_requests:8d} "
            f"{entry.num_requests / seconds:7.1f} {p50:6.0f} {p95:6.0f} {p99:6.0f} "
            f"{entry.max_response_time or 0:6.0f} {entry.num_failures:6d}"
        )
    total = env.stats.total
    p95 = total.get_response_time_percentile(0.95)
    met = total.num_failures == 0 and p95 < GOAL_P95_MS
    print(f"\nmilliseconds; rps over the {seconds:.0f} s run")
    for error in env.stats.errors.values():
        print(f"error: {error.method} {error.name}: {error.error} ({error.occurrences}x)")
    print(
        f"goal (0 errors, p95 < {GOAL_P95_MS} ms): {'MET' if met else 'NOT MET'} "
        f"(errors {total.num_failures}, p95 {p95:.0f} ms; "
        f"slowest visitor endpoint p95 {worst:.0f} ms)"
    )
    return met, total.num_failures, p95


def found(base: str, save: Save) -> bool:
    url = f"{base}/api/v1/schemes?q={save.marker}&lang=en&include_closed=1"
    with urlopen(url, timeout=30) as answer:  # noqa: S310 (loopback)
        items = json.load(answer)["items"]
    return save.scheme_id in [item["id"] for item in items]


def served_everywhere(base: str, save: Save, settle: float = 15) -> bool:
    """The last published word is found by 20 searches in a row (every worker answers some).

    Until the worker that rebuilds the index has published the new build, the others keep
    serving the previous one: the stale answers seen before that are counted.
    """
    began = time.monotonic()
    in_a_row = stale = 0
    while in_a_row < 20 and time.monotonic() - began < settle:
        if found(base, save):
            in_a_row += 1
        else:
            in_a_row, stale = 0, stale + 1
    print(
        f"last published word, searched from {began - save.at:.2f} s after its publish answered: "
        f"{stale} stale answers, then {in_a_row} fresh in a row ({time.monotonic() - began:.2f} s)"
    )
    return in_a_row == 20


def verify_saves(database_url: str, base: str) -> bool:
    """Every save the administrator saw succeed is a revision; the last change is served."""
    saves = RECORD.saves
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.scalars(
                select(SchemeRevision).where(SchemeRevision.author == ADMIN_EMAIL)
            ).all()
            found = {(r.scheme_id, r.number, r.state, r.comment) for r in rows}
            missing = [s for s in saves if (s.scheme_id, s.number, s.state, s.marker) not in found]
            published = [s for s in saves if s.state == "published"]
            current = {
                r.id: r.revision
                for r in session.scalars(
                    select(SchemeRecord).where(SchemeRecord.id.in_(EDITED_SCHEMES))
                )
            }
    finally:
        engine.dispose()
    drafts = sum(s.state == "draft" for s in saves)
    print(
        f"\nadmin saves reported: {drafts} drafts, {len(published)} publishes; "
        f"in the database: {len(saves) - len(missing)} of {len(saves)}; "
        f"revisions by the administrator: {len(rows)}"
    )
    for save in missing:
        print(f"MISSING: {save}")
    reported = {(s.scheme_id, s.number, s.state, s.marker) for s in saves}
    for row in rows:
        if (row.scheme_id, row.number, row.state, row.comment) not in reported:
            print(f"unreported revision: {row.scheme_id} {row.number} {row.state} {row.comment}")
    if RECORD.sign_in_failures:
        print("the administrator could not sign in")
    ok = not missing and len(rows) == len(saves) and RECORD.sign_in_failures == 0
    last: dict[str, Save] = {s.scheme_id: s for s in published}
    for scheme_id, save in last.items():
        if current.get(scheme_id) != save.number:
            print(
                f"{scheme_id}: published revision {current.get(scheme_id)}, expected {save.number}"
            )
            ok = False
    if published:
        ok = served_everywhere(base, published[-1]) and ok
    print(f"saves check: {'OK' if ok else 'FAILED'}")
    return ok


# -- main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent visitors (+1 admin)")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", type=float, default=60, help="seconds")
    parser.add_argument(
        "--wait",
        type=float,
        nargs=2,
        default=(1, 3),
        metavar=("MIN", "MAX"),
        help="visitors' think time between requests, seconds",
    )
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--no-publish", action="store_true", help="drafts only, no publishing")
    parser.add_argument(
        "--schemes",
        type=int,
        default=REAL_SCHEME_COUNT,
        help=f"schemes in the database: the {REAL_SCHEME_COUNT} real ones plus synthetic ones",
    )
    parser.add_argument("--proxy", action="store_true", help="nginx's cache in front (§9)")
    parser.add_argument(
        "--phases",
        nargs="+",
        metavar="MODE",
        help="several runs on one set-up, each direct|proxy:MIN-MAX (think time), e.g. "
        "direct:1-3 direct:0-0 proxy:1-3 proxy:0-0; instead of --proxy and --wait",
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="'' for in-memory limits")
    options = parser.parse_args()
    if not 1 <= options.users <= 500 or not 1 <= options.run_time <= 1800:
        parser.error("--users must be 1..500 and --run-time 1..1800 seconds")
    if not REAL_SCHEME_COUNT <= options.schemes <= 20_000:
        parser.error(f"--schemes must be {REAL_SCHEME_COUNT}..20000")
    phases = [(options.proxy, tuple(options.wait))]
    if options.phases:
        phases = []
        for mode in options.phases:
            match = re.fullmatch(r"(direct|proxy):(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", mode)
            if match is None:
                parser.error(f"--phases: {mode!r} is not direct|proxy:MIN-MAX")
            phases.append((match[1] == "proxy", (float(match[2]), float(match[3]))))
    if len(phases) > 4:
        parser.error("--phases: at most 4 (each is a --run-time run)")
    options.phases = phases
    return options


def main() -> int:
    options = parse_args()
    if make_url(options.database_url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must name PostgreSQL")
    schema = f"load_{uuid.uuid4().hex[:12]}"
    admin = make_engine(options.database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = (
        make_url(options.database_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    server: Gunicorn | None = None
    proxy: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="aides-load-") as tmp_name:
            tmp = Path(tmp_name)
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "SEARCH_INDEX_DIR": str(tmp / "search-index"),
                "INSTANCE_DIR": str(tmp / "instance"),
                "SECRET_KEY": secrets.token_urlsafe(32),
                "REDIS_URL": options.redis_url,
                "DASHBOARD_WARM_UP": "1",  # as docs/production.md sets it
            }
            if options.redis_url:
                redis.Redis.from_url(options.redis_url).flushdb()
            started = time.monotonic()
            run_cli(env, "db", "upgrade")
            run_cli(env, "schemes", "load")
            synthetic = options.schemes - REAL_SCHEME_COUNT
            if synthetic:  # this benchmark's own schema: forced next to the real catalogue
                run_cli(env, "schemes", "synthesize", "--count", str(synthetic), "--force")
                SCHEME_IDS.extend(f"{PREFIX}{n}" for n in range(synthetic))
            else:
                run_cli(env, "search", "reindex")
            Administrator.totp_secret = create_admin(database_url)
            server = start_server(env, options, tmp)
            base = f"http://127.0.0.1:{server.port}"
            warm_up(base)
            print(
                f"gunicorn: {options.workers} workers x {options.threads} threads "
                f"({options.worker_class}) on {base}, PostgreSQL schema {schema}; "
                f"{len(SCHEME_IDS)} schemes; set up in {time.monotonic() - started:.1f} s"
            )
            Administrator.publish = not options.no_publish
            result = True
            for number, (cached, wait) in enumerate(options.phases):
                if number:  # the administrator signs in again: a TOTP code is accepted once
                    time.sleep(31 - time.time() % 30)
                front = base
                if cached:
                    proxy, proxy_port = start_nginx(server.port, tmp / f"phase-{number}")
                    front = f"http://127.0.0.1:{proxy_port}"
                print(
                    f"\n=== {'nginx cache in front on ' + front if cached else 'no cache in front'}"
                )
                Visitor.wait_time = between(*wait)
                CACHE_STATUSES.clear()
                TIMELINE.clear()
                result = run_locust(front, options, server, wait) and result
                if proxy:
                    print(f"nginx X-Cache-Status: {cache_statuses()}")
                    stop_nginx(proxy)
                    proxy = None
            ok = verify_saves(database_url, base)  # gunicorn itself: the cache may be older
            errors = server.error_log.read_text(encoding="utf-8", errors="replace")
            for line in errors.splitlines():
                if any(word in line for word in ("ERROR", "CRITICAL", "Traceback")):
                    print(f"gunicorn log: {line}")
            stop_process_group(server.process)
            server = None
            return 0 if ok and result else 1
    finally:
        if proxy is not None:
            stop_nginx(proxy)
        if server is not None:
            stop_process_group(server.process)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        if options.redis_url:
            redis.Redis.from_url(options.redis_url).flushdb()


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU seconds of these processes (one that has gone counts for nothing)."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def run_locust(
    base: str, options: argparse.Namespace, server: Gunicorn, wait: tuple[float, float]
) -> bool:
    # At the end, users finish the task they are in (a save is never cut between the server's
    # commit and the user's record of it); they stop at once when waiting.
    env = Environment(
        user_classes=[Visitor, Administrator], host=base, events=locust.events, stop_timeout=30
    )
    env.stats.reset_all()
    runner = env.create_local_runner()
    me = psutil.Process()
    cpu_before = me.cpu_times()
    workers = server_processes(server)
    server_before = cpu_seconds(workers)
    machine_before = psutil.cpu_times()
    started = time.monotonic()
    runner.start(options.users + 1, spawn_rate=options.spawn_rate)
    gevent.spawn_later(options.run_time, runner.quit)
    runner.greenlet.join()
    seconds = time.monotonic() - started
    server_cpu = cpu_seconds(workers) - server_before
    own = me.cpu_times()
    own_cpu = own.user + own.system - cpu_before.user - cpu_before.system
    machine_after = psutil.cpu_times()
    idle = sum(getattr(machine_after, n) - getattr(machine_before, n) for n in ("idle", "iowait"))
    busy = sum(machine_after) - sum(machine_before) - idle
    print(
        f"\n{options.users} visitors (think time {wait[0]:g}-{wait[1]:g} s) + 1 "
        f"administrator, {seconds:.0f} s; CPU in cores (of {os.cpu_count()}): machine "
        f"{busy / seconds:.2f}, gunicorn {server_cpu / seconds:.2f}, locust "
        f"{own_cpu / seconds:.2f}, other processes (PostgreSQL, anything else running) "
        f"{(busy - server_cpu - own_cpu) / seconds:.2f}\n"
    )
    met, _errors, _p95 = print_table(env, seconds)
    if Administrator.publish:
        print(publish_windows())
    return met


if __name__ == "__main__":
    sys.exit(main())

"""The production shape, for real: gunicorn workers on PostgreSQL, on two "machines".

Two gunicorn servers (2 workers each) share one PostgreSQL schema, each with its own
SEARCH_INDEX_DIR, as two machines behind a load balancer would. A publish made elsewhere (here,
from the test process, as an administrator on a third machine would) must reach every worker of
both machines within seconds: each notices the new catalogue fingerprint in the database and
updates its index with the schemes that changed. Login limits are shared by every worker
through Redis.

Skipped when gunicorn is not installed, or when PostgreSQL is unreachable (unless
REQUIRE_POSTGRES is set: then that is a failure). PostgreSQL is TEST_POSTGRES_URL, else
TEST_DATABASE_URL when it names PostgreSQL, else postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import secrets
import string
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from harness import (
    Gunicorn,
    ServerError,
    csrf_token_in,
    free_port,
    launch_gunicorn,
    stop_process_group,
    wait_until_answering,
)
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT
from app.db import make_engine, make_session_factory
from app.editing import Clock, latest_revision, publish, save_draft, utc_now
from app.schemes import Scheme
from app.vocabulary import load_vocabulary

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/14"  # test_admin.py flushes 15; this test owns 14
SCHEME_ID = "cnl-bourse-auteurs"
BIN = Path(sys.executable).parent
# The options of docs/production.md, minus the public address, on a free loopback port.
GUNICORN_OPTIONS = [
    "--workers=2",
    "--worker-class=gthread",
    "--threads=2",
    "--timeout=60",
    "--graceful-timeout=30",
    "--keep-alive=5",
    "--no-control-socket",  # two servers on one machine would share ~/.gunicorn/gunicorn.ctl
]
ACCESS_FORMAT = "%(p)s %({x-probe}i)s %(s)s %(m)s %(U)s"
SETTLE_SECONDS = 15  # a publish must reach every worker well within this


def postgres_url() -> str:
    for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return DEFAULT_POSTGRES_URL


def require_postgres(url: str) -> None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES) but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable at {make_url(url).render_as_string()}")
    finally:
        engine.dispose()


def run_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "aides"), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"aides {' '.join(args)}: {result.stdout}{result.stderr}"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def request(
    port: int, path: str, probe: str = "-", method: str = "GET", **options: Any
) -> Response:
    """One request on a new connection, tagged with X-Probe so the access log names its worker."""
    headers = {"X-Probe": probe, "Connection": "close", **options.pop("headers", {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers, **options)
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


@dataclass
class Machine:
    """One gunicorn server with its own search index folder and access log."""

    name: str
    port: int
    index_dir: Path
    access_log: Path
    error_log: Path
    server: Gunicorn | None = None

    def pids_by_probe(self) -> dict[str, int]:
        """Which worker answered each tagged request, from the access log."""
        found: dict[str, int] = {}
        if self.access_log.exists():
            for line in self.access_log.read_text(encoding="utf-8").splitlines():
                match = re.match(r"<?(\d+)>? (\S+) ", line)
                if match:
                    found[match.group(2)] = int(match.group(1))
        return found


def start(machine: Machine, env: dict[str, str]) -> None:
    machine_env = {**env, "SEARCH_INDEX_DIR": str(machine.index_dir)}
    logs = [f"--access-logfile={machine.access_log}", f"--access-logformat={ACCESS_FORMAT}"]
    machine.server = launch_gunicorn(
        [*GUNICORN_OPTIONS, *logs], machine_env, machine.error_log, machine.port
    )


def wait_until_up(machine: Machine, seconds: float = 30) -> None:
    assert machine.server is not None
    try:
        wait_until_answering(machine.server, "/api/v1/questions", seconds)
    except ServerError as error:
        pytest.fail(f"machine {machine.name}: {error}")


def stop(machine: Machine) -> None:
    if machine.server is not None:
        stop_process_group(machine.server.process)


@dataclass
class Deployment:
    database_url: str
    machines: list[Machine]
    with_redis: bool


def redis_reachable() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.flushdb()  # this database belongs to this test
    except redis.exceptions.ConnectionError:
        return False
    finally:
        client.close()
    return True


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if importlib.util.find_spec("gunicorn") is None or not (BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    base_url = postgres_url()
    require_postgres(base_url)
    tmp = tmp_path_factory.mktemp("deployment")
    with_redis = redis_reachable()
    schema = f"deploy_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = (
        make_url(base_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(tmp / "instance"),
        # Shared by every machine: sessions and CSRF tokens signed on one are valid on all.
        "SECRET_KEY": secrets.token_urlsafe(32),
        "REDIS_URL": REDIS_URL if with_redis else "",
        "SECURE_COOKIES": "1",
    }
    machines = [
        Machine(n, free_port(), tmp / f"index-{n}", tmp / f"access-{n}.log", tmp / f"error-{n}.log")
        for n in ("a", "b")
    ]
    try:
        run_cli(env, "db", "upgrade")
        run_cli(env, "schemes", "load")
        # Machine a indexes before it starts, as the deployment steps say; machine b builds its
        # index on its first search.
        run_cli({**env, "SEARCH_INDEX_DIR": str(machines[0].index_dir)}, "search", "reindex")
        for machine in machines:
            start(machine, env)
        for machine in machines:
            wait_until_up(machine)
        yield Deployment(database_url, machines, with_redis)
    finally:
        for machine in machines:
            stop(machine)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def unique_word() -> str:
    """A word found nowhere in the catalogue, not even within two typos."""
    return "zq" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def publish_new_name(
    database_url: str, word: str, scheme_id: str = SCHEME_ID, clock: Clock = utc_now
) -> str:
    """Save a draft renaming the scheme in English, then publish it, as the editor does, from
    a machine whose clock is `clock`."""
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            latest = latest_revision(session, scheme_id)
            assert latest is not None
            scheme = Scheme.model_validate(latest.document)
            name = scheme.name.model_copy(update={"en": f"{scheme.name.en} {word}"})
            renamed = scheme.model_copy(update={"name": name})
            author = "deployment test"
            save_draft(
                session,
                renamed,
                base=latest.number,
                author=author,
                comment=word,
                vocabulary=vocabulary,
                clock=clock,
            )
            publish(
                session,
                scheme_id,
                author=author,
                comment=word,
                vocabulary=vocabulary,
                clock=clock,
            )
    finally:
        engine.dispose()
    return name.en


@dataclass(frozen=True)
class Probe:
    machine: Machine
    tag: str
    found: bool  # the API search found the scheme by the word
    named: bool  # the scheme page shows the new name


def probe(machine: Machine, word: str, name: str, scheme_id: str = SCHEME_ID) -> Probe:
    tag = uuid.uuid4().hex
    listing = request(machine.port, f"/api/v1/schemes?q={word}&lang=en", probe=tag)
    assert listing.status == 200, listing.body[:500]
    found = f'"id":"{scheme_id}"' in listing.body.replace(" ", "")
    page = request(machine.port, f"/en/aides/{scheme_id}", probe=tag)
    assert page.status == 200
    return Probe(machine, tag, found, name in page.body)


def probe_round(
    machines: list[Machine], word: str, name: str, scheme_id: str = SCHEME_ID, count: int = 20
) -> list[Probe]:
    """count probes, split across the machines, four at a time so that every worker is busy."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(probe, machines[n % len(machines)], word, name, scheme_id)
            for n in range(count)
        ]
        return [future.result() for future in futures]


def workers_of(probes: list[Probe]) -> dict[str, set[int]]:
    """The worker pids that answered these probes, by machine."""
    seen: dict[str, set[int]] = {}
    logs = {m.name: m.pids_by_probe() for m in {p.machine.name: p.machine for p in probes}.values()}
    for item in probes:
        pid = logs[item.machine.name].get(item.tag)
        if pid is not None:
            seen.setdefault(item.machine.name, set()).add(pid)
    return seen


def test_a_publish_reaches_every_worker_of_every_machine(deployment: Deployment) -> None:
    machines = deployment.machines
    word = unique_word()
    before = probe_round(machines, word, word)
    assert not any(p.found or p.named for p in before), "the word exists before it is published"

    name = publish_new_name(deployment.database_url, word)
    published = time.monotonic()

    # Until every machine has noticed, some answers may be stale; afterwards none may be.
    stale_answers = 0
    while True:
        began = time.monotonic()
        current = probe_round(machines, word, name)
        if all(p.found and p.named for p in current):
            break
        stale_answers += sum(not (p.found and p.named) for p in current)
        assert time.monotonic() - published < SETTLE_SECONDS, (
            f"still stale {SETTLE_SECONDS} s after publishing: "
            f"{[(p.machine.name, p.found, p.named) for p in current]}"
        )
    settled = began - published  # the round that began then was fresh throughout
    print(f"all fresh from {settled:.2f} s after the publish; {stale_answers} stale answers before")

    # Then rounds of 20 in a row, all fresh, until every worker of both machines has answered.
    fresh: list[Probe] = list(current)
    for _ in range(10):
        if all(len(pids) >= 2 for pids in workers_of(fresh).values()):
            break
        current = probe_round(machines, word, name)
        stale = [(p.machine.name, p.found, p.named) for p in current if not (p.found and p.named)]
        assert not stale, f"a worker went stale again after {settled:.1f} s: {stale}"
        fresh += current
    workers = workers_of(fresh)
    assert set(workers) == {"a", "b"}
    assert all(len(pids) == 2 for pids in workers.values()), f"not every worker answered: {workers}"
    assert settled < SETTLE_SECONDS
    # Machine b built its own index (it had none), and each machine has a current build, which
    # each made by updating only the scheme published, not by rebuilding the whole index.
    for machine in machines:
        meta = json.loads((machine.index_dir / "current" / "meta.json").read_text("utf-8"))
        assert meta["made"] == {"by": "update", "written": 1, "removed": 0}, machine.name


def test_proxied_https_is_recognised(deployment: Deployment) -> None:
    """Behind the TLS proxy (loopback is trusted by default), HSTS and https URLs follow."""
    port = deployment.machines[0].port
    plain = request(port, f"/api/v1/schemes/{SCHEME_ID}")
    assert "strict-transport-security" not in plain.headers
    proxied = request(port, f"/api/v1/schemes/{SCHEME_ID}", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["strict-transport-security"].startswith("max-age=")
    assert re.search(r'"url":\s*"https://', proxied.body)


def login_attempt(machine: Machine, email: str) -> tuple[int, str]:
    """A wrong password through the real form (session cookie and CSRF token first)."""
    tag = uuid.uuid4().hex
    form = request(machine.port, "/en/admin/login", probe=tag)
    cookie = form.headers["set-cookie"].split(";", 1)[0]
    assert cookie.startswith("__Host-session=")  # SECURE_COOKIES=1
    body = urlencode(
        {"csrf_token": csrf_token_in(form.body), "email": email, "password": "not-the-right-one-42"}
    )
    answer = request(
        machine.port,
        "/en/admin/login",
        probe=tag,
        method="POST",
        body=body,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    return answer.status, tag


def test_login_limits_are_shared_by_every_worker_through_redis(deployment: Deployment) -> None:
    if not deployment.with_redis:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        machines = deployment.machines
        attempts = [login_attempt(machines[n % 2], email) for n in range(8)]
        statuses = [status for status, _tag in attempts]
        # 5 refused passwords per minute per email, counted once for all workers of all
        # machines; counted per process, 4 attempts per machine would never reach 429.
        assert statuses[:5] == [401] * 5, statuses
        assert statuses[5:] == [429] * 3, statuses
        pids = {
            machine.name: {machine.pids_by_probe().get(tag) for _status, tag in attempts}
            for machine in machines
        }
        assert len(set().union(*pids.values()) - {None}) >= 2
    finally:
        client.flushdb()
        client.close()


def test_a_publish_from_a_machine_with_a_slow_clock_reaches_every_worker(
    deployment: Deployment,
) -> None:
    machines = deployment.machines
    warm = unique_word()
    name = publish_new_name(deployment.database_url, warm)
    deadline = time.monotonic() + SETTLE_SECONDS
    while not all(p.found and p.named for p in probe_round(machines, warm, name)):
        assert time.monotonic() < deadline

    def slow_clock() -> datetime:
        return datetime.now(UTC) - timedelta(minutes=5)

    # Another scheme, published from a machine whose clock is 5 minutes behind.
    word, other = unique_word(), "cnl-bourse-residence"
    name = publish_new_name(deployment.database_url, word, other, clock=slow_clock)
    deadline = time.monotonic() + 8
    while True:
        if all(p.found and p.named for p in probe_round(machines, word, name, other)):
            break
        assert time.monotonic() < deadline, "no worker noticed the publish"

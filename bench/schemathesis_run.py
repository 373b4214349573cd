"""Schemathesis against gunicorn on PostgreSQL, as deployed: every check, several seeds.

It builds a fresh PostgreSQL schema (migrations, the catalogue, the search index), starts
gunicorn with the options of docs/production.md (fewer workers) on a free loopback port, then
runs `schemathesis run --checks all` once per seed against /api/v1/openapi.json. For each seed
it prints the requests gunicorn served, how many were 5xx, and schemathesis's failures (from its
summary); then stops gunicorn and drops the schema.

Run: .venv/bin/python bench/schemathesis_run.py [--seeds 1 2 3] [--max-examples 100]
     [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
Loopback only.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import make_url, text

from app.config import PROJECT_ROOT
from app.db import make_engine

# The harness the tests use to start and stop gunicorn.
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from harness import Gunicorn, launch_gunicorn, stop_process_group, wait_until_answering

BIN = Path(sys.executable).parent
GUNICORN = [
    "--workers=2",
    "--worker-class=gthread",
    "--threads=4",
    "--limit-request-line=8190",
    "--limit-request-field_size=8190",
    "--timeout=60",
    "--no-control-socket",
]


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "aides"), *args], env=env, cwd=PROJECT_ROOT, check=True)  # noqa: S603


def served(log: Path) -> tuple[int, int]:
    """Requests in the access log, and how many were 5xx."""
    # One line per request, split on "\n" only: a fuzzed path may hold U+0085 or U+2028, which
    # str.splitlines() also takes for line ends (it crashed on a line with no status).
    text = log.read_text(encoding="utf-8")
    statuses = [line.split()[0] for line in text.split("\n") if line.strip()]
    return len(statuses), sum(1 for s in statuses if s.startswith("5"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    options = parser.parse_args()
    schema = f"st_{uuid.uuid4().hex[:12]}"
    admin = make_engine(options.database)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(options.database).update_query_dict({"options": f"-csearch_path={schema}"})
    tmp = Path(tempfile.mkdtemp(prefix="schemathesis-"))
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "INSTANCE_DIR": str(tmp / "instance"),
        "SEARCH_INDEX_DIR": str(tmp / "index"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "REDIS_URL": "",
    }
    server: Gunicorn | None = None
    try:
        cli(env, "db", "upgrade")
        cli(env, "schemes", "load")
        cli(env, "search", "reindex")
        access = tmp / "access.log"
        logging = [f"--access-logfile={access}", "--access-logformat=%(s)s %(m)s %(U)s"]
        server = launch_gunicorn([*GUNICORN, *logging], env, tmp / "gunicorn-errors.log")
        wait_until_answering(server, "/api/v1/openapi.json", seconds=30)
        base = f"http://127.0.0.1:{server.port}"
        print(f"gunicorn {' '.join(GUNICORN)} on PostgreSQL schema {schema}")
        print(f"{'seed':>6} {'requests':>9} {'5xx':>5}  schemathesis")
        for seed in options.seeds:
            access.write_text("", encoding="utf-8")
            flags = ["--checks", "all", "--seed", str(seed), "--no-color"]
            flags += ["--max-examples", str(options.max_examples)]
            run = subprocess.run(  # noqa: S603
                [str(BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json", *flags],
                env={**env, "SCHEMATHESIS_HOOKS": ""},
                capture_output=True,
                text=True,
                check=False,
            )
            time.sleep(1)  # the access log is written after each response
            requests, errors = served(access)
            summary = [
                line.strip()
                for line in run.stdout.splitlines()
                if re.search(r"\b(passed|failed|failures?|errors?|skipped)\b", line, re.I)
                and not line.startswith(" ")
            ]
            print(f"{seed:>6} {requests:>9} {errors:>5}  exit {run.returncode}: {summary[-3:]}")
            (tmp / f"schemathesis-{seed}.txt").write_text(run.stdout + run.stderr, "utf-8")
        print(f"full outputs in {tmp}")
    finally:
        if server is not None:
            stop_process_group(server.process, timeout=30)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()

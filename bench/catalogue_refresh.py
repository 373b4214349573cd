"""Benchmark: a worker's cached catalogue after one publish, full reload against refresh.

A database holds the synthetic catalogue (rules included, as `aides schemes synthesize` writes it);
each round publishes one edited scheme (`import_schemes`, a new revision), then a web process
brings its catalogue up to date both ways, in the same run, through `current_catalogue` as a
request does: the refresh (only the changed scheme read, validated and compiled; per-scheme
values carried over) and a full reload (every scheme read, validated and compiled). Each is
followed by what the first pages after it compute: today's deadlines and the ids open today.
The refreshed catalogue is checked to equal the reloaded one.
Run: .venv/bin/python bench/catalogue_refresh.py [--size 10000] [--rounds 5] [--keep FILE]
(--keep FILE: an SQLite database file kept between runs, filled by the first run only.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from typing import Any

from sqlalchemy.orm import Session

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.db import make_engine, make_session_factory
from app.deadlines import today_in_paris
from app.repository import import_schemes, scheme_count
from app.schemes import Scheme
from app.synthetic import synthetic_catalogue
from app.vocabulary import load_vocabulary
from app.web import create_app
from app.web.core.catalogue_cache import Catalogue, current_catalogue


def fill(database_url: str, size: int) -> None:
    """Migrate the database and load the synthetic catalogue when it is empty."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    aides = Path(sys.executable).parent / "aides"
    subprocess.run(  # noqa: S603  # nosec B603: fixed arguments
        [str(aides), "db", "upgrade"], env=environment, check=True, capture_output=True
    )
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            if scheme_count(session):
                return
            vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
            real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
            schemes = synthetic_catalogue(real, size, vocabulary, rules=True)
            import_schemes(session, schemes, author="bench", comment="Synthetic catalogue")
    finally:
        engine.dispose()


def edited(scheme: Scheme, mark: str) -> Scheme:
    """The scheme as an editor republishes it: a new word in its French name."""
    document = scheme.document()
    document["name"]["fr"] = f"{document['name']['fr'].split(' édition')[0]} édition{mark}"
    return Scheme.model_validate(document)


def timed_catalogue(app: Any, *, reload: bool) -> tuple[float, float, Catalogue]:
    """Seconds (wall clock, and CPU time of this process, which other work on the machine
    does not inflate) for a request of the Flask app to get the current catalogue and the
    first derived values."""
    with app.test_request_context("/fr/"):
        if reload:
            app.extensions.pop("aides.catalogue", None)
        start, cpu = time.perf_counter(), time.process_time()
        catalogue = current_catalogue()
        today = today_in_paris()
        catalogue.deadlines(today)
        catalogue.open_ids(today)
        return time.perf_counter() - start, time.process_time() - cpu, catalogue


def same(one: Catalogue, other: Catalogue) -> None:
    """The two catalogues hold the same schemes, hashes, compiled schemes and rules."""
    assert one.version == other.version
    assert one.schemes == other.schemes, "the schemes differ"
    assert one.hashes == other.hashes, "the content hashes differ"
    assert [c.scheme for c in one.compiled] == [c.scheme for c in other.compiled]
    # Compiled rules are functions (keys of the shared rules hold them): compared by count.
    assert len(one.compiled.table.order) == len(other.compiled.table.order), "the rules differ"
    assert len(one.rules) == len(other.rules), "the shared rules differ"
    today = today_in_paris()
    assert one.deadlines(today) == other.deadlines(today)
    assert one.open_ids(today) == other.open_ids(today)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="synthetic schemes")
    parser.add_argument("--rounds", type=int, default=5, help="publishes to time")
    parser.add_argument("--keep", type=Path, metavar="FILE", help="SQLite file kept between runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-refresh-") as tmp:
        database = args.keep.resolve() if args.keep else Path(tmp) / "bench.sqlite3"
        database_url = f"sqlite:///{database}"
        start = time.perf_counter()
        fill(database_url, args.size)
        print(f"database ready in {time.perf_counter() - start:.1f} s", flush=True)
        settings = Settings(
            database_url=database_url,
            search_index_dir=Path(tmp) / "index",
            secret_key="bench",  # noqa: S106
            schemes_dir=DEFAULT_SCHEMES_DIR,
            redis_url=None,
            instance_dir=Path(tmp),
        )
        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        app = create_app(settings, sessions)
        first, _cpu, catalogue = timed_catalogue(app, reload=True)
        print(
            f"{len(catalogue.schemes)} schemes ({len(catalogue.compiled)} with rules), "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
            f"first load {first * 1000:.0f} ms",
            flush=True,
        )
        refreshes: list[float] = []
        reloads: list[float] = []
        cpu: dict[str, list[float]] = {"refresh": [], "reload": []}
        for number in range(1, args.rounds + 1):
            position = number * 997 % len(catalogue.schemes)
            scheme = edited(catalogue.schemes[position], f"{number}-{time.time_ns()}")
            session: Session
            with sessions.begin() as session:
                import_schemes(session, [scheme], author="bench", comment="A publish")
            refresh, refresh_cpu, refreshed = timed_catalogue(app, reload=False)
            reload, reload_cpu, reloaded = timed_catalogue(app, reload=True)
            same(refreshed, reloaded)
            assert refreshed.by_id[scheme.id] == scheme, "the publish is not seen"
            refreshes.append(refresh)
            reloads.append(reload)
            cpu["refresh"].append(refresh_cpu)
            cpu["reload"].append(reload_cpu)
            catalogue = reloaded
        engine.dispose()

    def summary(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"After one publish ({args.rounds} rounds): catalogue, today's deadlines and open ids")
    print(f"  full reload: {summary(reloads)}; CPU time {summary(cpu['reload'])}")
    print(f"  refresh:     {summary(refreshes)}; CPU time {summary(cpu['refresh'])}")
    ratio = statistics.median(reloads) / statistics.median(refreshes)
    print(f"  refresh {ratio:.0f}× faster; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Benchmark: what one publish costs a web worker, its first pages after it against warm ones.

Two instances of the web app share a database holding only a synthetic catalogue (`aides schemes
synthesize`) and one search index directory, as two workers of a server do. Each round, the
first publishes one edited scheme (a new revision, then its catalogue and index follow, as the
admin's publish does); then the second, the measured worker, serves a round of the pages
visitors ask (home, two lists, a search page, a scheme page, the questionnaire, two API lists)
twice: the first round pays for the publish (catalogue refresh, the new index build read,
answers kept per catalogue or build recomputed), the second is warm. Times are wall clock and
the measured worker's CPU time (which other work on the machine inflates less).
Run: .venv/bin/python bench/after_publish.py --database-url URL --index-dir DIR
     [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue_refresh import edited  # bench/catalogue_refresh.py: the same edit
from sqlalchemy import select

from app.config import DEFAULT_SCHEMES_DIR, Settings
from app.db import make_engine, make_session_factory
from app.models import SchemeRecord
from app.repository import import_schemes
from app.synthetic import is_synthetic
from app.web import create_app
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.search_service import refresh_after_publish

PAGES = (
    "/fr/",
    "/fr/aides/",
    "/en/aides/?sector=music",
    "/fr/aides/?q=aide+production+musique",
    "/en/questionnaire/",
    "/api/v1/schemes?lang=fr",
    "/api/v1/schemes?q=festival&lang=en",
)


def served(client: Any, scheme_id: str) -> tuple[float, float]:
    """Seconds (wall clock, CPU time of this process) to serve the round of pages."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in (*PAGES, f"/fr/aides/{scheme_id}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a synthetic catalogue's database")
    parser.add_argument("--index-dir", type=Path, required=True, help="its search index")
    parser.add_argument("--rounds", type=int, default=5, help="publishes")
    parser.add_argument("--profile", action="store_true", help="profile the first rounds")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        ids = session.scalars(select(SchemeRecord.id)).all()
    if not ids or not all(is_synthetic(i) for i in ids):
        sys.exit(
            "refused: the database must hold synthetic schemes only (aides schemes synthesize)"
        )
    with tempfile.TemporaryDirectory(prefix="bench-after-publish-") as tmp:
        settings = Settings(
            database_url=args.database_url,
            search_index_dir=args.index_dir,
            secret_key="bench",  # noqa: S106
            schemes_dir=DEFAULT_SCHEMES_DIR,
            redis_url=None,
            instance_dir=Path(tmp),
        )
        publisher, worker = create_app(settings, sessions), create_app(settings, sessions)
        client = worker.test_client()
        scheme_id = ids[len(ids) // 2]
        served(client, scheme_id)
        warm, _ = served(client, scheme_id)
        print(
            f"{len(ids)} schemes, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
            f"a warm round of {len(PAGES) + 1} pages: {warm * 1000:.0f} ms",
            flush=True,
        )
        profiler = cProfile.Profile()
        rounds: dict[str, list[float]] = {"first": [], "first CPU": [], "warm": [], "publish": []}
        for number in range(1, args.rounds + 1):
            with publisher.test_request_context("/fr/"):
                scheme = current_catalogue().schemes[number * 997 % len(ids)]
                start = time.perf_counter()
                with sessions.begin() as session:
                    change = edited(scheme, f"{number}-{time.time_ns()}")
                    import_schemes(session, [change], author="bench", comment="A publish")
                refresh_after_publish()
                rounds["publish"].append(time.perf_counter() - start)
            if args.profile:
                profiler.enable()
            first, first_cpu = served(client, scheme_id)
            profiler.disable()
            rounds["first"].append(first)
            rounds["first CPU"].append(first_cpu)
            rounds["warm"].append(served(client, scheme_id)[0])
        engine.dispose()
    print(f"{args.rounds} publishes; load average {os.getloadavg()[0]:.1f}")
    for name, values in rounds.items():
        figures = ", ".join(f"{v * 1000:.0f}" for v in values)
        print(f"  {name:<10} median {statistics.median(values) * 1000:>6.0f} ms  ({figures})")
    if args.profile:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
            body = out.getvalue()
            print(body[body.index("   ncalls") :].rstrip())


if __name__ == "__main__":
    main()

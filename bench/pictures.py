"""Benchmark: the open-data export and the landscape page, against the scheme list as baseline.

Measures, on the database of `make setup` (DATABASE_URL), the median time of GET requests through
the WSGI app: /api/v1/opendata.csv, /api/v1/opendata.json, /fr/panorama/ (seven pygal charts),
and /fr/aides/ (the list, the baseline) in the same run; then the export's rows and the figures
alone for the catalogue copied 1x, 10x and 50x (synthetic ids), to see how they grow.
Run: .venv/bin/python bench/pictures.py [--requests 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import opendata
from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR
from app.landscape import build_landscape
from app.schemes import Scheme
from app.vocabulary import load_vocabulary
from app.web import create_app


def _median_ms(run: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    client = create_app().test_client()
    print(f"median of {args.requests} requests (ms)")
    for path in ("/fr/aides/", "/api/v1/opendata.csv", "/api/v1/opendata.json", "/fr/panorama/"):
        assert client.get(path).status_code == 200, path  # warm up, and check it works

        def get(path: str = path) -> object:
            return client.get(path)

        label = f"{path} (baseline)" if path == "/fr/aides/" else path
        print(f"  {label:32} {_median_ms(get, args.requests):8.1f}")
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    stages = list(vocabulary.variable("project_stage").value_ids())
    today = date(2026, 12, 5)
    print("without the web layer (ms): schemes, export rows + CSV, landscape figures")
    for copies in (1, 10, 50):
        schemes: list[Scheme] = [
            s.model_copy(update={"id": f"{s.id}-{n}"}) if n else s
            for n in range(copies)
            for s in real
        ]

        def export(schemes: list[Scheme] = schemes) -> object:
            rows = opendata.catalogue_rows(schemes, vocabulary, updated={}, today=today)
            return opendata.to_csv(rows)

        def figures(schemes: list[Scheme] = schemes) -> object:
            return build_landscape(schemes, stages, today)

        print(f"  {len(schemes):6d} {_median_ms(export, 5):10.1f} {_median_ms(figures, 5):10.1f}")


if __name__ == "__main__":
    main()

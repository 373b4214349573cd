"""Benchmark: a single publish's index update against a full rebuild, at 10,000 schemes.

The synthetic catalogue of bench/search.py is indexed once (the full rebuild, timed); then one
scheme is edited (a publish), one removed and one added, and each change is applied as a web
process applies it: SearchIndex.ensure with the new catalogue fingerprint and the content hashes
the database keeps with each scheme, which updates only the documents whose hash changed. The
first search after each update is timed too (a process reads the new build's ids, facets and
words once).
Run: .venv/bin/python bench/index_update.py [--size 10000] [--rounds 5] [--keep DIR]
(--keep DIR keeps the index in DIR between runs: a later run of the same size starts from it with
an update instead of the full rebuild, which is then not timed.)
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import synthetic_catalogue  # bench/search.py: the same synthetic schemes

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR
from app.repository import content_hash
from app.schemes import Scheme
from app.search import SearchFilters, SearchIndex
from app.search_text import Synonyms
from app.vocabulary import SYNONYMS_FILE, load_vocabulary


def edited(scheme: Scheme, round_number: int) -> Scheme:
    """The scheme as an editor republishes it: a new word in its French name."""
    document = scheme.document()
    document["name"]["fr"] = f"{document['name']['fr']} édition{round_number}"
    return Scheme.model_validate(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="synthetic schemes")
    parser.add_argument("--rounds", type=int, default=5, help="publishes to time")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="index folder kept between runs (the full rebuild is then done by the first run only)",
    )
    args = parser.parse_args()
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    schemes = synthetic_catalogue(real, args.size, vocabulary)
    gc.collect()
    gc.freeze()
    synonyms = Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE)
    # As the database keeps them: computed when each scheme is published, not when indexing.
    hashes = {scheme.id: content_hash(scheme.document()) for scheme in schemes}
    with tempfile.TemporaryDirectory(prefix="bench-index-update-") as tmp:
        index = SearchIndex(args.keep or Path(tmp), synonyms)
        kept = index.metadata() is not None
        start = time.perf_counter()
        # A kept index of an earlier run is brought back to the unedited catalogue (an update).
        index.ensure(f"v0-{time.time_ns()}", lambda: schemes, vocabulary, hashes=hashes)
        rebuild = time.perf_counter() - start
        if kept and (index.metadata() or {}).get("made", {}).get("by") != "update":
            kept = False  # another size or schema: it was rebuilt
        start = time.perf_counter()
        index.search("culture", SearchFilters())
        first_search_rebuild = time.perf_counter() - start
        print(
            f"{len(schemes)} schemes, {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}; "
            + (f"kept index brought up to date in {rebuild:.2f} s" if kept else "")
            + ("" if kept else f"full rebuild {rebuild:.2f} s"),
            flush=True,
        )
        print(f"  first search after it {first_search_rebuild * 1000:.0f} ms", flush=True)

        updates: list[float] = []
        update_cpu: list[float] = []  # this process's CPU time: what other work cannot inflate
        first_searches: list[float] = []
        search_cpu: list[float] = []
        for number in range(1, args.rounds + 1):
            position = number * 997 % len(schemes)
            schemes[position] = edited(schemes[position], number)
            hashes[schemes[position].id] = content_hash(schemes[position].document())
            start, cpu = time.perf_counter(), time.process_time()
            index.ensure(f"v{number}-{time.time_ns()}", lambda: schemes, vocabulary, hashes=hashes)
            updates.append(time.perf_counter() - start)
            update_cpu.append(time.process_time() - cpu)
            made = (index.metadata() or {}).get("made")
            assert made == {"by": "update", "written": 1, "removed": 0}, made
            start, cpu = time.perf_counter(), time.process_time()
            found = index.search(f"édition{number}", SearchFilters(include_inactive=True))
            first_searches.append(time.perf_counter() - start)
            search_cpu.append(time.process_time() - cpu)
            assert schemes[position].id in found.ids, "the published edit is not found"
        removed = schemes.pop()
        start = time.perf_counter()
        index.ensure(f"removed-{time.time_ns()}", lambda: schemes, vocabulary, hashes=hashes)
        removal = time.perf_counter() - start
        schemes.append(removed)
        start = time.perf_counter()
        index.ensure(f"added-{time.time_ns()}", lambda: schemes, vocabulary, hashes=hashes)
        addition = time.perf_counter() - start

    def summary(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"Single publish, update ({args.rounds} rounds): {summary(updates)}")
    print("  each round: " + ", ".join(f"{value * 1000:.0f}" for value in updates) + " ms")
    print(f"  CPU time of the process: {summary(update_cpu)}")
    print(f"  first search after an update: {summary(first_searches)}")
    print(f"    CPU time of the process: {summary(search_cpu)}")
    print(f"  load average {os.getloadavg()[0]:.1f} (other work on the machine slows both)")
    print(f"Removal of a scheme: {removal * 1000:.0f} ms; addition: {addition * 1000:.0f} ms")
    if not kept:
        print(f"Update / rebuild: {rebuild / statistics.median(updates):.0f}× faster")
    print(f"Goal under 1 s: {'met' if max(updates) < 1 else 'not met'} (wall clock, every round)")


if __name__ == "__main__":
    main()

"""Benchmark: the cost of crafted search queries against a normal one, and suggestion latency.

Issue 9 asks that no query cost more than a few normal ones whatever its words; issue 12 that
suggestions answer in under 20 ms (p95) on the real catalogue. This builds the real catalogue's
index, then times, in the same run: `musique` (the baseline), a few ordinary queries, and crafted
ones (20 random 9-letter words, 20 misspelt long words, quoted random phrases, one 200-letter
word, every synonym at once); then `suggest` on prefixes of names, funders and terms, some with
typos. `--code DIR` imports the application from another checkout (e.g. main, for "before"
figures; suggestions are skipped when that code has none).
Run: .venv/bin/python bench/search_cost.py [--repeat 15] [--code DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _timed(call: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def crafted_queries(rng: random.Random, index_words: list[str], synonyms: list[str]) -> dict:
    """The crafted queries, by kind: each kind a few variants (worst one reported)."""

    def random_word(size: int) -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(size))

    def misspelt(word: str) -> str:
        letters = list(word)
        for _ in range(2):
            letters[rng.randrange(1, len(letters))] = rng.choice(string.ascii_lowercase)
        return "".join(letters)

    long_words = [w for w in index_words if len(w) >= 9]
    return {
        "20 random 9-letter words": [" ".join(random_word(9) for _ in range(20)) for _ in range(5)],
        "20 misspelt long words": [
            " ".join(misspelt(rng.choice(long_words)) for _ in range(20)) for _ in range(5)
        ],
        "quoted random phrases": [
            " ".join(f'"{random_word(9)} {random_word(9)}"' for _ in range(9)) for _ in range(5)
        ],
        "one 200-letter word": [random_word(200) for _ in range(3)],
        "every synonym at once": [" ".join(synonyms)[:200]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))

    from app.catalogue import read_directory
    from app.config import DEFAULT_SCHEMES_DIR
    from app.search import SearchFilters, SearchIndex
    from app.search_text import Synonyms, words
    from app.vocabulary import SYNONYMS_FILE, load_vocabulary

    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    catalogue = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    synonym_words = sorted(
        {
            w
            for line in (DEFAULT_SCHEMES_DIR / SYNONYMS_FILE).read_text("utf-8").splitlines()
            for w in words(line)
        }
    )
    rng = random.Random(9)
    with tempfile.TemporaryDirectory() as directory:
        index = SearchIndex(Path(directory), Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
        index.rebuild(catalogue, vocabulary, "bench")
        filters = SearchFilters(include_inactive=True)
        index_words = sorted(
            {w for s in catalogue for lang in ("fr", "en") for w in words(s.description.get(lang))}
        )
        index.search("warm up", filters)
        print(f"code: {args.code}  catalogue: {len(catalogue)} schemes, repeat {args.repeat}")
        base = statistics.median(_timed(lambda: index.search("musique", filters), args.repeat))
        print(f"\n{'query':<28} {'median ms':>10} {'worst ms':>10} {'× musique':>10}")
        print(f"{'musique (baseline)':<28} {base:>10.2f} {'':>10} {1:>10.1f}")
        ordinary = ["réalité virtuelle", "bourse auteur", "jeu vidéo", "numérisation patrimoine"]
        times = [
            statistics.median(_timed(lambda t=t: index.search(t, filters), args.repeat))
            for t in ordinary
        ]
        print(
            f"{'ordinary (4 queries)':<28} {statistics.median(times):>10.2f} "
            f"{max(times):>10.2f} {max(times) / base:>10.1f}"
        )
        worst_ratio = 0.0
        crafted = crafted_queries(rng, index_words, synonym_words)
        for kind, texts in crafted.items():
            times = [
                statistics.median(_timed(lambda t=t: index.search(t, filters), args.repeat))
                for t in texts
            ]
            worst_ratio = max(worst_ratio, max(times) / base)
            print(
                f"{kind:<28} {statistics.median(times):>10.2f} {max(times):>10.2f} "
                f"{max(times) / base:>10.1f}"
            )
        print(f"\nworst crafted query: {worst_ratio:.1f} × musique")

        labels = [s.name.get(lang) for s in catalogue for lang in ("fr", "en")]
        labels += [
            c.label.get(lang)
            for v in vocabulary.variables.values()
            for c in v.values
            for lang in ("fr", "en")
        ]
        prefixes = []
        for label in rng.sample(labels, min(250, len(labels))):
            folded = words(label)
            if folded:
                cut = " ".join(folded[:2])[: rng.randint(2, 14)]
                prefixes.append(cut)
        prefixes += ["musiqe", "numerisaton", "residanse", "immersve", "editeurrs"] * 10
        if not hasattr(index, "suggest"):
            print("\nsuggest: not in this code")
            http(args, crafted, prefixes)
            return
        times = []
        for prefix in prefixes:
            for lang in ("fr", "en"):
                start = time.perf_counter()
                index.suggest(prefix, lang)
                times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p50 = times[len(times) // 2]
        p95 = times[int(len(times) * 0.95)]
        print(
            f"\nsuggest: {len(times)} lookups, p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
            f"max {times[-1]:.2f} ms (goal: p95 < 20 ms)"
        )
    http(args, crafted, prefixes)


def http(args: argparse.Namespace, crafted: dict, prefixes: list[str]) -> None:
    """The same through the application (Flask test client on a SQLite database loaded from
    the catalogue): what a client of the API waits for, rendering and all."""
    import subprocess  # nosec B404: runs this project's own command line

    from app.config import DEFAULT_SCHEMES_DIR, Settings
    from app.db import make_engine, make_session_factory
    from app.web import create_app

    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp)}
        env["SEARCH_INDEX_DIR"] = str(tmp / "index")
        code = f"import sys; sys.path.insert(0, {str(args.code.resolve())!r}); "
        code += "from app.cli import main; main()"
        for command in (["db", "upgrade"], ["schemes", "load"]):
            subprocess.run(  # noqa: S603  # nosec B603: fixed arguments
                [sys.executable, "-c", code, *command], env=env, check=True, capture_output=True
            )
        settings = Settings(url, tmp / "index", "bench", DEFAULT_SCHEMES_DIR, None, tmp)
        client = create_app(settings, make_session_factory(make_engine(url))).test_client()

        def get(path: str, **params: str) -> float:
            start = time.perf_counter()
            response = client.get(path, query_string=params)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (path, params, response.status_code)
            return elapsed

        get("/api/v1/schemes", q="warm up")
        base = statistics.median(get("/api/v1/schemes", q="musique") for _ in range(args.repeat))
        print(f"\nthrough the API (GET /api/v1/schemes): musique {base:.2f} ms")
        worst = 0.0
        for kind, texts in crafted.items():
            times = [
                statistics.median(get("/api/v1/schemes", q=t) for _ in range(args.repeat))
                for t in texts
            ]
            worst = max(worst, max(times) / base)
            print(f"  {kind:<28} worst {max(times):>8.2f} ms  {max(times) / base:>6.1f} × musique")
        print(f"worst crafted query through the API: {worst:.1f} × musique")
        rules = {rule.rule for rule in client.application.url_map.iter_rules()}
        if "/api/v1/suggest" not in rules:
            return
        times = sorted(
            get("/api/v1/suggest", q=p, lang=lang) for p in prefixes for lang in ("fr", "en")
        )
        print(
            f"GET /api/v1/suggest: {len(times)} requests, p50 {times[len(times) // 2]:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms (goal: p95 < 20 ms)"
        )


if __name__ == "__main__":
    main()

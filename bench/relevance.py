"""Relevance of search on tests/relevance.yaml: hit@1, hit@3 and MRR, by language and kind of query.

The same index without synonyms (nor places) is measured in the same run as the baseline, to
show what the FR/EN synonym groups and place names bring. Run: .venv/bin/python bench/relevance.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT
from app.search import SearchFilters, SearchIndex
from app.search_text import Synonyms
from app.vocabulary import SYNONYMS_FILE, load_vocabulary


def scores(
    index: SearchIndex, queries: list[dict[str, Any]]
) -> dict[str, tuple[float, float, float, int]]:
    """hit@1, hit@3, MRR and count, overall and per group (language, typos…)."""
    groups: dict[str, list[float]] = defaultdict(list)
    hits1: dict[str, list[bool]] = defaultdict(list)
    hits3: dict[str, list[bool]] = defaultdict(list)
    for query in queries:
        # As the site searches: closed and replaced schemes after current ones, unless hidden.
        found = index.search(
            query["query"], SearchFilters(include_inactive=query.get("include_closed", True))
        )
        expected = set(query["expect"])
        rank = next((position for position, i in enumerate(found.ids, 1) if i in expected), None)
        labels = ["all", f"lang={query['lang']}"]
        if query.get("include_closed"):
            labels.append("include_closed")
        for label in labels:
            groups[label].append(1 / rank if rank else 0.0)
            hits1[label].append(rank == 1)
            hits3[label].append(rank is not None and rank <= 3)
    return {
        label: (
            sum(hits1[label]) / len(values),
            sum(hits3[label]) / len(values),
            sum(values) / len(values),
            len(values),
        )
        for label, values in groups.items()
    }


def main() -> None:
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    catalogue = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    queries = yaml.safe_load(
        (PROJECT_ROOT / "tests" / "relevance.yaml").read_text(encoding="utf-8")
    )["queries"]
    print(f"{len(queries)} queries on {len(catalogue)} schemes")
    variants = {
        "baseline (no synonyms)": Synonyms([]),
        "tuned (synonyms)": Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE),
    }
    for name, synonyms in variants.items():
        with tempfile.TemporaryDirectory() as directory:
            index = SearchIndex(Path(directory), synonyms)
            index.rebuild(catalogue, vocabulary, "bench")
            print(f"\n{name}")
            print(f"  {'group':<16} {'n':>4} {'hit@1':>7} {'hit@3':>7} {'MRR':>7}")
            for label, (h1, h3, mrr, count) in sorted(scores(index, queries).items()):
                print(f"  {label:<16} {count:>4} {h1:>7.3f} {h3:>7.3f} {mrr:>7.3f}")


if __name__ == "__main__":
    main()

"""Benchmark: full-text search over 10,000 synthetic bilingual schemes, against SQLite FTS5.

The synthetic schemes are real schemes' documents with new texts made of the real catalogue's
words (French and English pools), random funders, sectors, applicant types and lifecycles. The
queries are those the UI issues: a single word, several words, a quoted phrase, a word with a
typo, and a single word with funder and sector facets, each distinct. SQLite FTS5 indexes the
same texts and answers the same queries in the same run, as the baseline; when a query finds
nothing, FTS5 retries the words corrected by the app's speller over FTS5's own vocabulary
(fts5vocab), as the app corrects a typo. The goal (issue 14): Whoosh within 2x of FTS5, p50 and
p95, for every kind.
Run: .venv/bin/python bench/search.py [--size 10000] [--queries 500] [--profile 5]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import os
import pstats
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR
from app.schemes import ACTIVE_STATUSES, Scheme
from app.search import SearchFilters, SearchIndex
from app.search_text import Synonyms, document_texts, fold, words
from app.search_typos import Speller
from app.synthetic import LANGS, synthetic_catalogue
from app.vocabulary import SYNONYMS_FILE, Vocabulary, load_vocabulary

KINDS = ("single word", "several words", "phrase", "typo", "with facets")
PARTS = ("name", "summary", "body")
# bm25 weights like the Whoosh field boosts (name 3, summary 2, body 1); 0 for other columns.
FTS_WEIGHTS = (0, 3, 2, 1, 3, 2, 1, 0, 0, 0)
_TOKEN = re.compile(r"[^\W\d_]+")
_MATCH_TOKEN = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
GOAL_RATIO = 2.0
WARM_UP = 10  # queries run before the timed ones


def corpus_words(schemes: list[Scheme], vocabulary: Vocabulary) -> dict[str, float]:
    """Average number of indexed words per scheme, by language (name, summary and body)."""
    totals = Counter[str]()
    for scheme in schemes:
        for lang in LANGS:
            totals[lang] += sum(
                len(words(t)) for t in document_texts(scheme, vocabulary, lang).values()
            )
    return {lang: totals[lang] / max(1, len(schemes)) for lang in LANGS}


# -- the queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What a user types, and the facet values they chose."""

    kind: str
    text: str
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)


class QueryMaker:
    """Queries from the synthetic descriptions: words a user could type, found in the corpus."""

    def __init__(self, schemes: list[Scheme], index: SearchIndex, rng: random.Random) -> None:
        self.schemes = schemes
        self.active = [s for s in schemes if s.is_active()]
        self.index = index
        self.rng = rng
        self._content: dict[str, bool] = {}

    def is_content(self, word: str) -> bool:
        """3 letters or more, and a stop word in neither language (the index's analyzers decide).

        The search leaves out a stop word of either language ("son", "des"): such a word would
        be searched by FTS5 alone.
        """
        if word not in self._content:
            self._content[word] = len(word) >= 3 and all(
                any(True for _ in self.index.schema[f"body_{lang}"].analyzer(word))
                for lang in LANGS
            )
        return self._content[word]

    def _tokens(self, scheme: Scheme, lang: str) -> list[str]:
        return [t.lower() for t in _TOKEN.findall(scheme.description.get(lang))]

    def _content_words(self, scheme: Scheme, lang: str, count: int) -> list[str]:
        candidates = [t for t in self._tokens(scheme, lang) if self.is_content(t)]
        chosen: list[str] = []
        while len(chosen) < count:
            word = self.rng.choice(candidates)
            if word not in chosen:
                chosen.append(word)
        return chosen

    def single(self) -> Query:
        scheme, lang = self.rng.choice(self.active), self.rng.choice(LANGS)
        return Query("single word", self._content_words(scheme, lang, 1)[0])

    def several(self) -> Query:
        scheme, lang = self.rng.choice(self.active), self.rng.choice(LANGS)
        return Query(
            "several words", " ".join(self._content_words(scheme, lang, self.rng.randint(2, 3)))
        )

    def phrase(self) -> Query:
        pairs: list[tuple[str, str]] = []
        while not pairs:  # a description with no two content words in a row: another one
            scheme, lang = self.rng.choice(self.active), self.rng.choice(LANGS)
            pairs = [
                (a, b)
                for a, b in itertools.pairwise(self._tokens(scheme, lang))
                if a != b and self.is_content(a) and self.is_content(b)
            ]
        first, second = self.rng.choice(pairs)
        return Query("phrase", f'"{first} {second}"')

    def typo(self) -> Query:
        long_words: list[str] = []
        while not long_words:
            scheme, lang = self.rng.choice(self.active), self.rng.choice(LANGS)
            long_words = [
                t for t in self._tokens(scheme, lang) if len(t) >= 6 and self.is_content(t)
            ]
        word = self.rng.choice(long_words)
        at = self.rng.randrange(1, len(word) - 1)  # the first letter is rarely the wrong one
        if self.rng.random() < 0.5 and word[at] != word[at + 1]:
            mistyped = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        else:
            mistyped = word[:at] + word[at + 1 :]
        return Query("typo", mistyped)

    def with_facets(self) -> Query:
        # Facet values a user can pick: those of a scheme the word is found in (counts > 0).
        scheme, lang = self.rng.choice(self.active), self.rng.choice(LANGS)
        word = self._content_words(scheme, lang, 1)[0]
        facets = {"funder": (scheme.funder,), "sector": (self.rng.choice(scheme.audience.sectors),)}
        return Query("with facets", word, facets)


def make_queries(
    schemes: list[Scheme], index: SearchIndex, count: int, seed: int = 13
) -> list[Query]:
    """count queries, as many of each kind, in a shuffled order (the same for both engines)."""
    rng = random.Random(seed)
    maker = QueryMaker(schemes, index, rng)
    makers: dict[str, Callable[[], Query]] = {
        "single word": maker.single,
        "several words": maker.several,
        "phrase": maker.phrase,
        "typo": maker.typo,
        "with facets": maker.with_facets,
    }
    # Distinct: the app keeps each answer for the next page of the same search, FTS5 does not;
    # a repeated query would measure that lookup, not a search.
    queries: list[Query] = []
    seen: set[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]] = set()
    while len(queries) < count:
        query = makers[KINDS[len(queries) % len(KINDS)]]()
        key = (query.kind, query.text, tuple(sorted(query.facets.items())))
        if key not in seen:
            seen.add(key)
            queries.append(query)
    rng.shuffle(queries)
    return queries


# -- the engines ------------------------------------------------------------------------------


def build_whoosh(
    schemes: list[Scheme], vocabulary: Vocabulary, directory: Path
) -> tuple[SearchIndex, float]:
    """The app's index over the schemes, and its build time in seconds."""
    index = SearchIndex(directory, Synonyms.load(DEFAULT_SCHEMES_DIR / SYNONYMS_FILE))
    start = time.perf_counter()
    index.rebuild(schemes, vocabulary, fingerprint="bench")
    return index, time.perf_counter() - start


def whoosh_search(index: SearchIndex, query: Query) -> tuple[int, str]:
    """As the web app calls it: closed schemes hidden, the chosen facet values as filters."""
    found = index.search(query.text, SearchFilters(values=query.facets, include_inactive=False))
    return len(found.ids), found.mode


@dataclass
class Fts:
    """The FTS5 baseline: its table, and a speller over its vocabulary (the app's own speller
    class), so that a typo is corrected as the app corrects it."""

    db: sqlite3.Connection
    speller: Speller


def build_fts(schemes: list[Scheme], vocabulary: Vocabulary, path: Path) -> tuple[Fts, float]:
    """An FTS5 table of the same texts (accents folded, no stemming) and a speller over its
    words (fts5vocab), and their build time."""
    start = time.perf_counter()
    db = sqlite3.connect(path)
    text_columns = ", ".join(f"{part}_{lang}" for lang in LANGS for part in PARTS)
    db.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, {text_columns}, "
        "funder UNINDEXED, sectors UNINDEXED, lifecycle UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    rows = []
    for scheme in schemes:
        texts = {lang: document_texts(scheme, vocabulary, lang) for lang in LANGS}
        rows.append(
            (
                scheme.id,
                *(texts[lang][part] for lang in LANGS for part in PARTS),
                scheme.funder,
                f" {' '.join(scheme.audience.sectors)} ",
                scheme.lifecycle.status,
            )
        )
    with db:
        db.executemany(f"INSERT INTO docs VALUES ({', '.join('?' * 10)})", rows)  # noqa: S608
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row')")
    speller = Speller(db.execute("SELECT term, doc FROM vocab WHERE term GLOB '[a-z]*'"))
    return Fts(db, speller), time.perf_counter() - start


def fts_match(text: str) -> str:
    """A MATCH expression with no syntax from the user: each word quoted, a phrase as one string."""

    def quoted(part: str) -> str:
        return '"' + " ".join(_MATCH_TOKEN.findall(part)).replace('"', '""') + '"'

    phrases = [quoted(p) for p in _PHRASE.findall(text) if _MATCH_TOKEN.search(p)]
    loose = [quoted(w) for w in _MATCH_TOKEN.findall(_PHRASE.sub(" ", text))]
    return " ".join(phrases + loose)


def fts_corrected(fts: Fts, text: str) -> str | None:
    """The words of text with those FTS5 does not know replaced by the speller's nearest
    (as the app does when the typed words find nothing), or None when none changes."""
    fixed = []
    for word in _MATCH_TOKEN.findall(text):
        folded = fold(word)
        close = [] if fts.speller.knows(folded) else fts.speller.close(folded, 1)
        fixed.append(close[0] if close else word)
    corrected = " ".join(fixed)
    return corrected if corrected != " ".join(_MATCH_TOKEN.findall(text)) else None


def fts_search(fts: Fts, query: Query) -> tuple[int, str]:
    """The top 10 ids by bm25, and the exact count, with the same filters as the app's; when
    nothing matches, the corrected spelling."""
    count = fts_run(fts.db, fts_match(query.text), query.facets)
    if count or _PHRASE.search(query.text):
        return count, "exact"
    corrected = fts_corrected(fts, query.text)
    if corrected is None:
        return count, "exact"
    return fts_run(fts.db, fts_match(corrected), query.facets), "corrected"


def fts_run(db: sqlite3.Connection, match: str, facets: dict[str, tuple[str, ...]]) -> int:
    """One FTS5 query: the top 10 by bm25, and the count."""
    where = ["docs MATCH ?", f"lifecycle IN ({', '.join('?' * len(ACTIVE_STATUSES))})"]
    params: list[str] = [match, *sorted(ACTIVE_STATUSES)]
    funders = facets.get("funder", ())
    if funders:
        where.append(f"funder IN ({', '.join('?' * len(funders))})")
        params += funders
    sectors = facets.get("sector", ())
    if sectors:
        where.append("(" + " OR ".join("instr(sectors, ?) > 0" for _ in sectors) + ")")
        params += [f" {s} " for s in sectors]
    condition = " AND ".join(where)
    weights = ", ".join(map(str, FTS_WEIGHTS))
    top = db.execute(
        f"SELECT id FROM docs WHERE {condition} ORDER BY bm25(docs, {weights}) LIMIT 10",  # noqa: S608
        params,
    ).fetchall()
    (count,) = db.execute(f"SELECT count(*) FROM docs WHERE {condition}", params).fetchone()  # noqa: S608
    assert len(top) == min(10, count)
    return int(count)


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Timings:
    """Durations (ms), result counts and search modes, by query kind."""

    durations: dict[str, list[float]] = field(default_factory=dict)
    matches: dict[str, list[int]] = field(default_factory=dict)
    modes: dict[str, Counter[str]] = field(default_factory=dict)
    slowest: list[tuple[float, Query]] = field(default_factory=list)

    def add(self, query: Query, duration: float, count: int, mode: str) -> None:
        """One query's duration (ms), number of matches and search mode."""
        self.durations.setdefault(query.kind, []).append(duration)
        self.matches.setdefault(query.kind, []).append(count)
        self.modes.setdefault(query.kind, Counter())[mode] += 1
        self.slowest.append((duration, query))

    def percentiles(self, kind: str | None = None) -> tuple[float, float]:
        """p50 and p95 in milliseconds, for one kind or all queries."""
        values = sorted(
            self.durations[kind] if kind else [d for ds in self.durations.values() for d in ds]
        )
        return statistics.median(values), values[max(0, int(len(values) * 0.95) - 1)]


def timed(
    engines: dict[str, Callable[[Query], tuple[int, str]]],
    queries: list[Query],
    warm_up: list[Query],
) -> dict[str, Timings]:
    """Each query once per engine, the engines in turn, so a busy machine slows both alike."""
    for query in warm_up:  # files opened, caches filled; not among the timed queries
        for search in engines.values():
            search(query)
    timings = {engine: Timings() for engine in engines}
    step = max(1, len(queries) // 5)
    for number, query in enumerate(queries, 1):
        for engine, search in engines.items():
            start = time.perf_counter()
            count, mode = search(query)
            timings[engine].add(query, (time.perf_counter() - start) * 1000, count, mode)
        if number % step == 0:
            print(f"  {number}/{len(queries)} queries", flush=True)
    for result in timings.values():
        result.slowest.sort(key=lambda pair: -pair[0])
    return timings


def profile(index: SearchIndex, queries: list[Query], lines: int = 18) -> None:
    """Where the time of the slowest Whoosh queries goes (cumulative, then own time)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        whoosh_search(index, query)
    profiler.disable()
    print(f"\nProfile of the {len(queries)} slowest Whoosh queries:")
    for query in queries:
        print(f"  [{query.kind}] {query.text!r} {query.facets or ''}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
        body = out.getvalue()
        print(body[body.index("   ncalls") :].rstrip())


# -- the report -------------------------------------------------------------------------------


def print_table(builds: dict[str, float], timings: dict[str, Timings]) -> None:
    header = f"{'engine':<7} {'build s':>8}"
    for kind in KINDS:
        header += f" | {kind:>15}"
    header += f" | {'overall':>15}"
    print(header)
    print(f"{'':<7} {'':>8}" + f" | {'p50 / p95 ms':>15}" * (len(KINDS) + 1))
    for engine, result in timings.items():
        row = f"{engine:<7} {builds[engine]:>8.1f}"
        for kind in (*KINDS, None):
            p50, p95 = result.percentiles(kind)
            row += f" | {p50:>7.2f} /{p95:>6.1f}"
        print(row)
    print("\nMean matches per query (Whoosh: every match; FTS5: count(*)), Whoosh search modes:")
    for kind in KINDS:
        means = "  ".join(
            f"{engine} {statistics.fmean(result.matches[kind]):>7.1f}"
            for engine, result in timings.items()
        )
        modes = ", ".join(f"{m} {n}" for m, n in timings["Whoosh"].modes[kind].most_common())
        print(f"  {kind:<14} {means}  | {modes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="synthetic schemes")
    parser.add_argument("--queries", type=int, default=500, help="queries, spread over the kinds")
    parser.add_argument("--profile", type=int, default=0, help="profile the N slowest queries")
    args = parser.parse_args()
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    start = time.perf_counter()
    schemes = synthetic_catalogue(real, args.size, vocabulary)
    average = corpus_words(schemes, vocabulary)
    print(
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; "
        f"{len(schemes)} synthetic schemes from {len(real)} real ones "
        f"(built in {time.perf_counter() - start:.1f} s), "
        f"{sum(s.is_active() for s in schemes)} active; indexed words per scheme: "
        f"fr {average['fr']:.0f}, en {average['en']:.0f}; {args.queries} queries; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    # The catalogue lives as long as the app: out of the cyclic collector's scans, as the app does.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        print("Building the Whoosh index…", flush=True)
        index, whoosh_build = build_whoosh(schemes, vocabulary, Path(tmp) / "whoosh")
        print(f"  done in {whoosh_build:.1f} s\nBuilding the FTS5 table…", flush=True)
        fts, fts_build = build_fts(schemes, vocabulary, Path(tmp) / "fts5.sqlite3")
        print(f"  done in {fts_build:.1f} s", flush=True)
        made = make_queries(schemes, index, args.queries + WARM_UP)
        queries, warm_up = made[WARM_UP:], made[:WARM_UP]
        print(f"Searching ({len(queries)} queries, each by Whoosh then FTS5)…", flush=True)
        engines: dict[str, Callable[[Query], tuple[int, str]]] = {
            "Whoosh": lambda query: whoosh_search(index, query),
            "FTS5": lambda query: fts_search(fts, query),
        }
        timings = timed(engines, queries, warm_up)
        print(f"  load average {os.getloadavg()[0]:.1f} (other work on the machine slows both)")
        print()
        print_table({"Whoosh": whoosh_build, "FTS5": fts_build}, timings)
        print(f"\nRatio Whoosh / FTS5 by kind, p50 and p95 (goal: each at most {GOAL_RATIO:g}):")
        met = True
        for kind in (*KINDS, None):
            (w50, w95), (f50, f95) = (timings[e].percentiles(kind) for e in ("Whoosh", "FTS5"))
            ratios = (w50 / f50, w95 / f95)
            met = met and max(ratios) <= GOAL_RATIO
            print(f"  {kind or 'overall':<14} {ratios[0]:>5.1f} / {ratios[1]:>5.1f}")
        print(f"goal met: {'yes' if met else 'no'}")
        print(
            "FTS5 baseline: tokenizer unicode61 remove_diacritics 2 (accents folded); FTS5 has no "
            "French stemmer and no synonyms; when nothing matches, the words\ncorrected by the "
            "same speller over FTS5's vocabulary (its build time included). It returns the top 10 "
            "by bm25 (3/2/1) and count(*), with\nno facet counts. Whoosh returns every match by "
            "relevance with six facets' counts, and falls back to a corrected spelling, then any "
            "word,\nthen close spellings when nothing matches."
        )
        if args.profile:
            profile(index, [query for _, query in timings["Whoosh"].slowest[: args.profile]])
        fts.db.close()


if __name__ == "__main__":
    main()

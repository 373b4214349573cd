"""The full-text index (the only module importing Whoosh): schema, analyzers, build, search.

The index is derived data, rebuilt from the database. Each build is written to a new folder and
published by atomically replacing the `current` link, so readers keep the old index while a new
one is written, and a failed build (a full disk) leaves the old one serving.
"""

from __future__ import annotations

import collections
import gc
import io
import itertools
import json
import logging
import math
import os
import pickle  # nosec B403
import shutil
import struct
import threading
import time
import warnings
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    entoken,
)
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.highlight import highlight as whoosh_highlight
from whoosh.lang import stopwords_for_language
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.scoring import BM25F, bm25
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from app import search_postings, search_terms
from app.facets import (
    LIST_FACETS,
    FacetSets,
    Filters,
    Mask,
    disjunctive_counts,
    facet_values,
    passes,
)
from app.long_lived import set_apart
from app.schemes import ACTIVE_STATUSES, Scheme
from app.search_changes import Changes, changes, vocabulary_hash
from app.search_scores import (
    EMPTY,
    Docs,
    Floats,
    Leaf,
    Part,
    all_of,
    any_of,
    as_dict,
    best_first,
    bm25_leaf,
    boosted,
    common_docs,
    matches,
)
from app.search_suggest import SuggestEntry, suggest_entries
from app.search_suggest import suggest as complete
from app.search_text import (
    MAX_QUERY_LENGTH,
    ParsedQuery,
    Synonyms,
    document_texts,
    fold,
    name_keys,
    parse_query,
    singular,
    words,
)
from app.search_typos import (
    MAX_EXPANSIONS,
    MAX_TYPO_WORDS,
    Speller,
    allowed_edits,
)
from app.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# Bump when the schema or the analyzers change: existing indexes are then rebuilt.
SCHEMA_VERSION = 3
LANGS = ("fr", "en")
TEXT_FIELDS = {"name": 3.0, "summary": 2.0, "body": 1.0}
# The fields a query's words are searched in, by language.
WORD_FIELDS = tuple(f"{part}_{lang}" for lang in LANGS for part in TEXT_FIELDS)
FACET_FIELDS = LIST_FACETS
# Elided articles and words the stock lists lack ("les" is missing from Whoosh's French list).
EXTRA_STOP_WORDS = {"fr": {"les", "l", "d", "qu", "s", "n", "c", "j", "m", "t"}, "en": {"s"}}
# Bounded work: a query is cut to this many words, and at most this many documents are scored,
# so no query costs more than a few ordinary ones whatever it holds (issue 9).
MAX_QUERY_WORDS = 10
MAX_CORRECTIONS = 3  # spelling variants tried when the typed words find nothing
MAX_QUERY_TERMS = 60  # an ordinary query has 20 to 60 (synonyms in 6 fields)
MAX_SCORED_DOCUMENTS = 5000
# Scored documents of the leaves (terms, phrases) searched, kept per build: a word's documents
# are scored once, not on every query that has it. Bounded: 16 bytes each (two arrays of 8-byte
# numbers, search_scores.Leaf), 40 MB; as dictionaries they cost 90, and 500,000 fitted.
MAX_CACHED_POSTINGS = 2_500_000
# Answers kept per build, by words and filters: paging through a search, or a popular query,
# costs a lookup. Bounded: an answer holds at most one id per document (10,000: ~100 KB).
MAX_CACHED_ANSWERS = 200
MAX_CACHED_IDFS = 100_000  # terms' idf kept per build (a float and its key: ~20 MB at most)
MAX_CACHED_HIGHLIGHTS = 4000  # marked passages kept (a few hundred bytes each)
MAX_DELETED_SHARE = 0.05  # an update merges the index when more are deleted but still counted
MERGE_FACTOR = 8  # segments of a size tier merged together by an update (see _merge_tiers)
# Whether a term of a field is in the index (None: do not check).
Known = Callable[[str, str], bool] | None
# Variables whose values say where an applicant may be: indexed as the scheme's places.
PLACE_VARIABLES = {"country_zone": "country_zone", "nationality_zone": "country_zone"}
PLACE_VARIABLES["region"] = "region"


# Folding runs once per token of every indexed text: cache it (a corpus has few distinct words).
_fold_word = lru_cache(maxsize=200_000)(fold)


class _FoldFilter(Filter):  # type: ignore[misc]
    """Accent and ligature folding, the same function the queries go through."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = _fold_word(token.text)
            yield token


@lru_cache(maxsize=50_000)
def _analyzed(lang: str, text: str) -> tuple[str, ...]:
    """The words a text field of that language indexes for text: what a query looks up (the
    three parts of a language share one analyzer; kept, a query analyzes each word once).

    The analyzer's steps (_analyzer) without its token objects and chained generators, which
    cost several times the work itself on a query's few words; the same results (tested)."""
    tokens, stops, shortest, stem = _analysis(lang)
    kept = []
    for token in tokens(text):
        word = _fold_word(token.lower())
        if len(word) >= shortest and word not in stops:
            kept.append(stem(word))
    return tuple(kept)


@cache
def _analysis(lang: str) -> tuple[Callable[[str], list[str]], frozenset[str], int, Any]:
    """The analyzer's own settings: its tokenizer's pattern, its stop words and shortest word
    kept, and its stemming function with its cache (which indexing fills too)."""
    tokenizer, _lower, _fold, stop, stem = _analyzer(lang).items
    return tokenizer.expression.findall, stop.stops, stop.min, stem._stem


def _pairs(words: Iterable[str]) -> list[str]:
    """Each two words in a row as one term ("jeu video"): a two-word phrase is then one term to
    look up, where matching positions walks both words' postings. The words are an analyzer's
    output, whose stop filter renumbers positions: words in a row here are exactly the words a
    phrase query finds adjacent."""
    return [f"{first} {second}" for first, second in itertools.pairwise(words)]


class _PairFilter(Filter):  # type: ignore[misc]
    """The pairs field's analysis (see _pairs), for text given to it unanalyzed."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        texts = [token.text for token in tokens]  # tokenizers reuse one token object
        yield from entoken(_pairs(texts))


class _SegmentTerms:
    """A segment's terms looked up in its term table and the postings read, by (field, token),
    filled as queries come: a later build sharing the segment reads no file again for them (its
    scores change with the index's statistics, but not a segment's postings). Postings hold
    the documents deleted since, which each build leaves out. Bounded like a build's leaves."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, bytes], search_terms.Term | None] = {}
        self.postings: dict[tuple[str, bytes], tuple[Docs, Floats]] = {}
        self.posting_count = 0

    def keep_found(self, key: tuple[str, bytes], term: search_terms.Term | None) -> None:
        """Keep a term looked up (None: not in the segment)."""
        if len(self.found) >= MAX_CACHED_IDFS:
            self.found.clear()
        self.found[key] = term

    def keep_postings(self, key: tuple[str, bytes], postings: tuple[Docs, Floats]) -> None:
        """Keep a term's postings (document numbers within the segment, weights)."""
        if self.posting_count + len(postings[0]) > MAX_CACHED_POSTINGS:
            self.postings.clear()
            self.posting_count = 0
        self.postings[key] = postings
        self.posting_count += len(postings[0])


@dataclass(frozen=True)
class _Segment:
    """What a build reads of one segment: ids and facet values by document number within it,
    the documents (with their weight) whose name each name key types, its words' document
    frequencies and the terms of its word fields with theirs. A segment never changes once
    written but for deletions, so a later build sharing it (an update) takes this as it is,
    with the terms and postings its queries read."""

    ids: list[str]
    facets: dict[str, list[tuple[str, ...]]]
    named: dict[tuple[str, ...], dict[int, int]]  # name key -> document within it -> weight
    frequencies: dict[str, int]
    terms: dict[str, dict[str, int]]  # each of WORD_FIELDS' terms -> document frequency
    read: _SegmentTerms = field(default_factory=_SegmentTerms, compare=False, repr=False)


@dataclass
class _Build:
    """What a published build needs for every query, read once: ids and facet values by
    document number, the documents of each facet value, the current ones, its segments (with
    the documents whose name each name key types) and where their documents start, the speller
    of its words, the words never corrected and the suggestion entries (decoded when first
    asked); and, filled as queries come, the document sets of the filters asked, whether terms
    are in the index, and the scored documents of the leaves searched (a build
    never changes, so neither do they)."""

    ids: list[str]
    facets: FacetSets  # facet values by document number, documents by facet value
    active: Mask  # documents of an active lifecycle
    speller: Speller
    # The build's lexicon file as read (see `lexicon` and `entries`): decoded when first needed.
    extra_json: bytes
    filters: dict[Any, Mask] = field(default_factory=dict)
    known: dict[tuple[str, str], bool] = field(default_factory=dict)
    leaves: dict[Any, Leaf] = field(default_factory=dict)
    leaf_postings: int = 0  # documents in `leaves`, at most MAX_CACHED_POSTINGS
    answers: dict[Any, SearchResults] = field(default_factory=dict)  # by words and filters
    # field -> document -> length (None: the document has no such field, -1: not read yet)
    lengths: dict[str, list[int | None]] = field(default_factory=dict)
    norms: dict[str, Floats] = field(default_factory=dict)  # see _length_norms
    segments: dict[str, _Segment] = field(default_factory=dict)  # by segment id
    # The facet values by document that `facets` was made of: the next build moves only changes.
    facet_columns: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    starts: list[tuple[int, _Segment]] = field(default_factory=list)  # segments, first docnum
    folder: str = ""  # where the build is, and its segments' postings files
    # By segment id, its postings file opened on first use (None: it has none, see _stored_blocks)
    postings: dict[str, search_postings.Postings | None] = field(default_factory=dict)
    # By segment id, its term table opened on first use (None: it has none, see _segment_term)
    tables: dict[str, search_terms.Terms | None] = field(default_factory=dict)
    idfs: dict[tuple[str, str], float] = field(default_factory=dict)  # see _idf

    @cached_property
    def _extra(self) -> dict[str, Any]:
        """The lexicon file decoded (~20 ms at 10,000 schemes, mostly the suggestion entries):
        every worker reads a new build after each publish, and most of its searches need
        neither the words never corrected nor the entries."""
        extra: dict[str, Any] = json.loads(self.extra_json)
        return extra

    @cached_property
    def lexicon(self) -> frozenset[str]:
        """The words never corrected (see _lexicon). Decoded alone where the file begins with
        them, as _finish writes it: the first query with a typo after each publish, in every
        worker, needs them (1 ms), not the entries, which are most of the file (15 ms)."""
        if "_extra" not in self.__dict__ and self.extra_json.startswith(LEXICON_HEAD):
            text = self.extra_json.decode("utf-8")
            found, _end = json.JSONDecoder().raw_decode(text, len(LEXICON_HEAD))
            if isinstance(found, list):
                return frozenset(found)
        return frozenset(self._extra["lexicon"])

    @cached_property
    def entries(self) -> list[SuggestEntry]:
        """The suggestion entries, made on the first completion asked."""
        # Entries are lists (label, lang, kind, id); builds written before were dicts.
        return [
            SuggestEntry(*entry) if isinstance(entry, list) else SuggestEntry(**entry)
            for entry in self._extra["entries"]
        ]

    def named(self, key: tuple[str, ...]) -> dict[int, int]:
        """The documents (with their weight) whose name the name key types, deleted ones left
        out: looked up segment by segment, whose name keys a later build shares."""
        named: dict[int, int] = {}
        for start, part in self.starts:
            for docnum, weight in part.named.get(key, {}).items():
                if self.ids[start + docnum]:  # "" once deleted
                    named[start + docnum] = weight
        return named


def _open_index(path: str) -> Any:
    """Open a build without memory-mapping it: a file damaged under a long-lived searcher must
    raise an error, not kill the process with SIGBUS."""
    return FileStorage(path, supports_mmap=False).open_index()


def _close_all(searchers: list[Searcher]) -> None:
    for searcher in searchers:
        if not searcher.is_closed:
            searcher.close()


def _read_segment(leaf: Any) -> _Segment:
    """One segment's ids, facet values, name keys (its live documents) and word frequencies."""
    size = leaf.doc_count_all()
    ids = [""] * size
    facets: dict[str, list[tuple[str, ...]]] = {name: [()] * size for name in FACET_FIELDS}
    named: dict[tuple[str, ...], dict[int, int]] = {}
    for docnum, stored in leaf.iter_docs():
        ids[docnum] = stored["id"]
        for name in FACET_FIELDS:
            facets[name][docnum] = tuple(v for v in stored.get(name, "").split(",") if v)
        for line in stored.get("names", "").split("\n"):
            if line:
                weight, *key = line.split()
                named.setdefault(tuple(key), {})[docnum] = int(weight)
    # Segment by segment: a multi-segment reader looks every term up in every segment, which
    # costs several times a sequential read of each.
    frequencies: dict[str, int] = {}
    for term, info in leaf.iter_field("plain"):
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        frequencies[word] = info.doc_frequency()
    # Read at once (30 ms for 10,000 schemes' 6 fields), they answer whether a query's term is
    # in the index and its document frequency (its idf): looked up one by one, through the term
    # tables, each costs tens of µs, for every new word of every query.
    terms = {
        name: {
            (t.decode("utf-8") if isinstance(t, bytes) else t): info.doc_frequency()
            for t, info in leaf.iter_field(name)
        }
        for name in WORD_FIELDS
    }
    return _Segment(ids, facets, named, frequencies, terms)


def _read_build(
    searcher: Searcher, path: str, query_words: frozenset[str], before: _Build | None
) -> _Build:
    """Ids, facet values and name keys of every document by document number, and the words:
    the index's, and those of the query vocabulary (synonyms, places), so that a typo in
    "crowdfunding" or "Senegal" is corrected to them. `before` is the build read before: the
    segments it shares with this one (all but the few an update wrote) are not read again, and
    its speller's deletions are kept (the speller then indexes only the new words)."""
    ids: list[str] = []
    facets: dict[str, list[tuple[str, ...]]] = {name: [] for name in FACET_FIELDS}
    segments: dict[str, _Segment] = {}
    starts: list[tuple[int, _Segment]] = []
    # Leaves come in document number order: each one's numbers follow the previous one's.
    for leaf, _offset in searcher.reader().leaf_readers():
        key = leaf.segment().segment_id()
        part = (before.segments.get(key) if before else None) or _read_segment(leaf)
        segments[key] = part
        start = len(ids)
        starts.append((start, part))
        ids += part.ids
        for name in FACET_FIELDS:
            facets[name] += part.facets[name]
        for docnum in leaf.segment().deleted_docs():  # deleted since the segment was read
            ids[start + docnum] = ""
            for name in FACET_FIELDS:
                facets[name][start + docnum] = ()
    frequencies: dict[str, int] = {}
    for part in sorted(segments.values(), key=lambda part: -len(part.frequencies)):
        if not frequencies:
            frequencies = dict(part.frequencies)  # the big segment: copied, not summed
            continue
        for word, count in part.frequencies.items():
            frequencies[word] = frequencies.get(word, 0) + count
    spelled = [*frequencies.items(), *((w, 1) for w in query_words - frequencies.keys())]
    speller = Speller(spelled, before.speller.deletions if before else None)
    extra = (Path(path) / LEXICON_FILE).read_bytes()  # read now: the build may go later
    if before is None:
        sets = FacetSets.of_columns(facets)
    else:  # only the documents an update wrote or deleted move
        sets = before.facets.updated(before.facet_columns, facets)
    active = sets.having("lifecycle", ACTIVE_STATUSES, len(ids))
    lengths = _carried_lengths(before, segments) if before else {}
    build = _Build(ids, sets, active, speller, extra, segments=segments)
    build.starts += starts
    build.folder = path
    build.lengths.update(lengths)
    build.facet_columns.update(facets)
    return build


def _carried_lengths(before: _Build, segments: dict[str, _Segment]) -> dict[str, list[int | None]]:
    """The field lengths `before` had read, moved to where their segments' documents are in
    the build of `segments` (a segment's lengths never change); -1 (not read yet) for the
    documents of new segments. Without them, every worker would read every document's length
    from the files again after each publish (~0.4 s at 10,000 schemes)."""
    starts: dict[str, int] = {}
    start = 0
    for key, part in before.segments.items():
        starts[key] = start
        start += len(part.ids)
    carried: dict[str, list[int | None]] = {}
    for name, old in before.lengths.items():
        lengths: list[int | None] = []
        for key, part in segments.items():
            size = len(part.ids)
            at = starts.get(key)
            lengths += [-1] * size if at is None else old[at : at + size]
        carried[name] = lengths
    return carried


# Written beside each build: the words never corrected and the suggestion entries; each
# scheme's content hash (what an update compares); the schema, catalogue and vocabulary.
LEXICON_FILE = "lexicon.json"
LEXICON_HEAD = b'{"lexicon": '  # how _finish's file begins (json.dumps keeps the keys' order)
DOCUMENTS_FILE = "documents.json"
META_FILE = "meta.json"


def _link_or_copy(source: str, target: str) -> None:
    """A hard link to a file written once; a copy where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _due_tiers(segments: list[Any]) -> list[Any]:
    """The segments to merge: grouped by size tier (1-9 documents, 10-99, 100-999…), those of
    each tier holding MERGE_FACTOR segments, so that a publish merges a few small segments at
    most and never rewrites the big one (Whoosh's default merges by total size and reads a large
    part of the index on a one-document commit)."""
    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    return [seg for tier in tiers.values() if len(tier) >= MERGE_FACTOR for seg in tier]


def _tier(segment: Any) -> int:
    """A segment's size tier: 1 for 1-9 documents, 2 for 10-99…"""
    return len(str(max(segment.doc_count_all(), 1)))


def _merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """The merge policy of updates (see _due_tiers). A segment left with no live document (its
    documents were written again by this commit, see _rewritten) is dropped without being read."""
    live = [segment for segment in segments if segment.doc_count() > 0]
    merged = _due_tiers(live)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)  # drops its deleted documents
        reader.close()
    return [segment for segment in live if segment not in merged]


def _rewritten(ix: Any, changed: Iterable[str]) -> list[str]:
    """The ids of the live documents of the smallest tier's segments when that tier is due to
    be merged, but those changed anyway: writing these few documents again costs a fraction of
    Whoosh's merge, which reads every term of every segment one by one (1.7 s of CPU for 8
    one-document segments at 10,000 schemes)."""
    segments = ix._segments()
    due = [segment for segment in _due_tiers(segments) if _tier(segment) == 1]
    ids: list[str] = []
    for segment in due:
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            ids += [stored["id"] for _docnum, stored in reader.iter_docs()]
        finally:
            reader.close()
    skip = set(changed)
    return [scheme_id for scheme_id in ids if scheme_id not in skip]


def _release_leaked_files() -> None:
    """Whoosh leaves a corrupt index's file open when it fails to read it: collect it now."""
    gc.collect()


def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(fold(w) for w in stopwords_for_language(lang)) | EXTRA_STOP_WORDS[lang]


@cache
def _analyzer(lang: str | None) -> Any:
    # Fold before stemming, so "éligibilité" and "eligibilite" stem alike.
    base = RegexTokenizer(r"[^\W_]+") | LowercaseFilter() | _FoldFilter()
    if lang is None:
        return base
    return base | StopFilter(stoplist=_stop_words(lang)) | StemFilter(lang=lang, cachesize=50000)


# The field of a text field's two-word terms (see _PairFilter) is named with this prefix.
PAIRS = "pairs_"


def build_schema() -> Schema:
    """One text field per language and part (boosted names over summaries over bodies)."""
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        # Unstemmed words of both languages: for typo tolerance and "did you mean".
        "plain": TEXT(analyzer=_analyzer(None), spelling=True),
        # 0 when no amount is confirmed: sorting by amount puts those last.
        "max_amount": NUMERIC(sortable=True, stored=True),
        # Where applicants may be (`country_zone:…`, `region:…`), read from the rules.
        "zone": KEYWORD(commas=True, scorable=True),
        # The folded ways to type the scheme's name exactly, one per line.
        "names": ID(stored=True),
    }
    for lang in LANGS:
        for part, boost in TEXT_FIELDS.items():
            name = f"{part}_{lang}"
            fields[name] = TEXT(analyzer=_analyzer(lang), field_boost=boost)
            # No positions: a pair is looked up whole.
            fields[PAIRS + name] = TEXT(
                analyzer=_analyzer(lang) | _PairFilter(), field_boost=boost, phrase=False
            )
    for name in FACET_FIELDS:
        fields[name] = KEYWORD(commas=True, scorable=False, stored=True)
    return Schema(**fields)


def _document(scheme: Scheme, vocabulary: Vocabulary) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": scheme.id}
    plain = []
    for lang in LANGS:
        for part, text in document_texts(scheme, vocabulary, lang).items():
            # Analyzed once for both fields (Whoosh takes a list of words as analyzed).
            analyzed = [token.text for token in _analyzer(lang)(text)]  # not kept: used once
            doc[f"{part}_{lang}"] = analyzed
            doc[PAIRS + f"{part}_{lang}"] = _pairs(analyzed)
            plain.append(text)
    doc["plain"] = "\n".join(plain)
    for name in FACET_FIELDS:
        doc[name] = ",".join(facet_values(scheme, name))
    amounts = scheme.amounts
    doc["max_amount"] = (amounts.largest_eur() or 0) if amounts else 0
    doc["zone"] = ",".join(sorted(_places(scheme)))
    doc["names"] = "\n".join(
        sorted(f"{weight} {' '.join(key)}" for key, weight in name_keys(scheme).items())
    )
    return doc


def _lexicon(vocabulary: Vocabulary) -> set[str]:
    """Words of the reference data never to correct: funders' acronyms and names, and the
    labels of the vocabulary's values, in both languages."""
    texts = []
    for org in vocabulary.organisations.values():
        texts += [org.acronym, *(org.name.get(lang) for lang in LANGS)]
    for variable in vocabulary.variables.values():
        texts += [c.label.get(lang) for c in variable.values for lang in LANGS]
    return {word for text in texts for word in words(text)}


def _places(scheme: Scheme) -> set[str]:
    """The zones and regions a scheme's rules name as allowed (`equals` / `in`, outside `not`)."""
    found: set[str] = set()
    pending = [c.rule for c in scheme.criteria if c.rule]
    while pending:
        rule = pending.pop()
        pending.extend(rule.all or rule.any or ())
        if rule.variable in PLACE_VARIABLES and rule.operator in ("equals", "in"):
            values = rule.value if isinstance(rule.value, tuple) else (rule.value,)
            found.update(f"{PLACE_VARIABLES[rule.variable]}:{v}" for v in values)
    return found


SearchFilters = Filters  # the one filter type of lists (the old name, kept for its importers)


@dataclass(frozen=True)
class SearchResults:
    """Matching scheme ids by relevance, facet counts, and a spelling suggestion (kept and
    shared per build: never change its lists or dicts)."""

    @property
    def fuzzy(self) -> bool:
        """The results only match close spellings of the words."""
        return self.mode == "fuzzy" and bool(self.ids)

    ids: list[str]
    scores: dict[str, float]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    # How the results were found: all words, the corrected spelling, any word, or close spellings.
    mode: str = "exact"
    query: ParsedQuery | None = None
    common_words_only: bool = False
    inactive_count: int = 0  # closed and replaced schemes among ids (listed after current ones)


def _bm25_postings(searcher: Searcher, build: _Build, name: str, text: str) -> Leaf:
    """A term's documents and their BM25F scores, as Whoosh's scorer computes them (bm25()),
    read block by block and scored at once (search_scores.bm25_leaf), with each document's
    length part of the formula worked out once per build (Whoosh reads the length from the
    file for every posting of every query)."""
    field_type = searcher.schema[name]
    token = field_type.to_bytes(text)
    weighting = searcher.weighting
    if not field_type.scorable:
        if (name, token) not in searcher.reader():
            return EMPTY
        return Leaf.of(dict(_scores(searcher.postings(name, token, weighting=weighting))))
    # A term in no segment has no blocks, and no documents (queries leave most out: `known`).
    idf = _idf(searcher, build, name, text)
    _, _, k1 = _bm25_parameters(searcher, name)
    norms = _length_norms(searcher, build, name)
    return bm25_leaf(_posting_blocks(searcher, build, name, token), idf, k1 + 1, norms)


def _length_norms(searcher: Searcher, build: _Build, name: str) -> Floats:
    """BM25's length part of each document of a field, K1 * ((1 - B) + B * fl / avgfl), by
    document number: read once per build (a document without the field has none, 0)."""
    norms = build.norms.get(name)
    if norms is None:
        average, b, k1 = _bm25_parameters(searcher, name)
        # The lengths a build before had read are carried over (_carried_lengths): after a
        # publish only the new segment's documents are read from the files.
        lengths = build.lengths.get(name) or [-1] * searcher.doc_count_all()
        _read_lengths(searcher, name, lengths)
        build.lengths[name] = lengths
        # In numpy (None, no field, is NaN): every worker works this out for each new build,
        # and item by item it cost ~3 ms per field at 10,000 schemes. The same operations in
        # the same order as BM25's own, so the same floats.
        read = np.array(lengths, dtype=np.float64)
        norms = np.where(np.isnan(read), 0.0, k1 * ((1 - b) + b * read / average))
        build.norms[name] = norms
    return norms


def _read_lengths(searcher: Searcher, name: str, lengths: list[int | None]) -> None:
    """Fill in a field's lengths not read yet (-1) as Whoosh's doc_field_length(docnum, name, 1)
    gives them: a segment's whole column in one read where it has any (see _segment_lengths),
    else document by document (two file reads each: 60,000 for 6 fields at 10,000 schemes)."""
    for leaf, offset in searcher.reader().leaf_readers():
        end = offset + leaf.doc_count_all()
        if -1 not in lengths[offset:end]:
            continue
        column = _segment_lengths(leaf, name)
        for docnum in range(offset, end):
            if lengths[docnum] == -1:
                lengths[docnum] = (
                    searcher.doc_field_length(docnum, name, 1)
                    if column is None
                    else column[docnum - offset]
                )


def _segment_lengths(leaf: Any, name: str) -> list[int | None] | None:
    """A Whoosh 3 segment's lengths of a field by document, read from its lengths column (a
    byte per document) at once and decoded as W3PerDocReader.doc_field_length decodes each:
    a byte of 0 (or a document past the column) is None, no column at all the default 1. None
    for another reader."""
    cached_reader = getattr(getattr(leaf, "_perdoc", None), "_cached_reader", None)
    if cached_reader is None:
        return None
    count = leaf.doc_count_all()
    column = cached_reader(_lenfield(name), LENGTHS_COLUMN)
    if column is None:
        return [1] * count
    if not all(hasattr(column, a) for a in ("_dbfile", "_basepos", "_count", "_fixedlen")):
        return None
    if column._fixedlen != 1:
        return None
    raw = column._dbfile.get(column._basepos, min(column._count, count))
    return [byte_to_length(b) if b else None for b in raw] + [None] * (count - len(raw))


def _bm25_parameters(searcher: Searcher, name: str) -> tuple[float, float, float]:
    """A field's average length, and the B and K1 of the searcher's BM25F for it."""
    weighting = searcher.weighting
    b = getattr(weighting, "_field_B", {}).get(name, weighting.B)
    return searcher.avg_field_length(name) or 1, b, weighting.K1


def _phrase_postings(
    searcher: Searcher, build: _Build, phrase: q.Phrase, pairs: list[Leaf]
) -> dict[int, float]:
    """A phrase's documents and scores as Whoosh's phrase search finds and scores them (its
    words' scores summed, times its boost), its words' positions read only in the documents
    having each two of its words in a row (`pairs`, the pairs field's documents): Whoosh's
    own walk reads every position of every document having all its words."""
    candidates = common_docs(pairs)
    if not candidates:
        return {}
    name = phrase.fieldname
    field_type = searcher.schema[name]
    tokens = [field_type.to_bytes(word) for word in phrase.words]
    if not all((name, token) in searcher.reader() for token in tokens):
        return {}
    matchers = [searcher.postings(name, token) for token in tokens]
    idfs = [searcher.idf(name, token) for token in tokens]
    average, b, k1 = _bm25_parameters(searcher, name)
    scores = {}
    for docnum in candidates:
        length = searcher.doc_field_length(docnum, name, 1)
        positions: list[frozenset[int]] = []
        score = 0.0
        for matcher, idf in zip(matchers, idfs, strict=True):
            matcher.skip_to(docnum)
            if not matcher.is_active() or matcher.id() != docnum:
                break
            positions.append(frozenset(matcher.value_as("positions")))
            score += bm25(idf, matcher.weight(), length, average, b, k1)
        else:
            first, *rest = positions
            if any(all(start + n in at for n, at in enumerate(rest, 1)) for start in first):
                scores[docnum] = score * phrase.boost
        if not all(matcher.is_active() for matcher in matchers):
            break
    return scores


def _posting_blocks(
    searcher: Searcher, build: _Build, name: str, token: bytes
) -> Iterator[tuple[Docs, Floats]]:
    """A term's postings as (document numbers, weights) a block at a time, every segment's in
    document number order, deleted documents left out: each segment's as it read them first
    (_read_term_postings), which a later build sharing the segment reads no more."""
    for leaf, offset in searcher.reader().leaf_readers():
        part = build.segments.get(leaf.segment().segment_id())
        key = (name, token)
        found = part.read.postings.get(key) if part else None
        if found is None:
            found = _read_term_postings(build, leaf, name, token)
            if part:
                part.read.keep_postings(key, found)
        docs, weights = found
        if not len(docs):
            continue
        deleted = leaf.deleted_docs_set
        if deleted:  # a few documents (those updates replaced), left out in numpy
            kept = ~np.isin(docs, np.fromiter(deleted, np.int64, len(deleted)))
            docs, weights = docs[kept], weights[kept]
        yield (docs + offset if offset else docs), weights


def _read_term_postings(build: _Build, leaf: Any, name: str, token: bytes) -> tuple[Docs, Floats]:
    """One segment's postings of a term, whole, as document numbers within the segment and
    weights (empty when it has not the term). Whoosh's matchers cost four calls per posting:
    a Whoosh 3 segment's are found from its term table and read from its postings file when it
    has them (see search_terms, search_postings), else read from Whoosh's blocks whole (see
    _raw_blocks); other postings through Whoosh's matcher, posting by posting."""
    has_table, term = _segment_term(build, leaf, name, token)
    if has_table and term is None:
        return EMPTY.docs, EMPTY.scores  # not in this segment
    blocks: Iterator[tuple[Sequence[int], Sequence[float]]] | None = None
    if term is not None and term.start is not None:
        blocks = _stored_blocks(build, leaf, term.start)
    if blocks is None:
        blocks = _whoosh_blocks(build, leaf, name, token)
    parts = [
        (np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64))
        for ids, weights in blocks or ()
    ]
    if not parts:
        return EMPTY.docs, EMPTY.scores
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([ids for ids, _ in parts]), np.concatenate([w for _, w in parts])


def _whoosh_blocks(
    build: _Build, leaf: Any, name: str, token: bytes
) -> Iterator[tuple[Sequence[int], Sequence[float]]] | None:
    """A segment's postings of a term found through Whoosh's tables (None when it has not the
    term): a Whoosh 3 segment's from its postings file or its blocks whole, found from the
    term's information; others (a term's only one, kept with the term) through Whoosh's
    matcher, deleted documents left out."""
    terms: Any = getattr(leaf, "_terms", None)  # a Whoosh 3 segment's W3TermsReader
    info = None
    if all(hasattr(terms, a) for a in ("term_info", "_postfile")):
        try:
            info = terms.term_info(name, token)
        except TermNotFound:
            return None
    if info is not None and not info.is_inlined():
        start, size = info.extent()
        return _stored_blocks(build, leaf, start) or _raw_blocks(terms._postfile, start, size)
    if (name, token) not in leaf:
        return None
    matcher = leaf.postings(name, token)
    deleted = leaf.deleted_docs_set
    if deleted:
        matcher = matcher.child  # a FilterMatcher leaving the deleted out: done here
    pairs = [(d, w) for d, w in _postings(matcher) if d not in deleted]
    return iter([([d for d, _ in pairs], [w for _, w in pairs])])


def _segment_term(
    build: _Build, leaf: Any, name: str, token: bytes
) -> tuple[bool, search_terms.Term | None]:
    """Whether the segment has a term table for the field (False: ask Whoosh), and the term
    found in it (None: the segment has not the term)."""
    if name not in POSTINGS_FIELDS:
        return False, None
    key = leaf.segment().segment_id()
    part = build.segments.get(key)
    if part and (name, token) in part.read.found:  # looked up by a build before, or this one
        return True, part.read.found[name, token]
    if key not in build.tables:
        path = Path(build.folder, key + TERMS_EXTENSION)
        build.tables[key] = search_terms.Terms.open(path) if build.folder else None
    table = build.tables[key]
    if table is None:
        return False, None
    try:
        term = table.find(name, token)
    except (OSError, ValueError):  # the file was cut under this reader: Whoosh's tables then
        build.tables[key] = None
        return False, None
    if part:
        part.read.keep_found((name, token), term)
    return True, term


def _doc_frequency(searcher: Searcher, build: _Build, name: str, token: bytes) -> int:
    """Whoosh's doc_frequency (deleted documents included): a word field's from the segments'
    terms read with them, another's from the segments' term tables when each has one."""
    if name in WORD_FIELDS and build.starts:
        text = token.decode("utf-8")
        return sum(part.terms[name].get(text, 0) for _, part in build.starts)
    total = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        has_table, term = _segment_term(build, leaf, name, token)
        if not has_table:
            return int(searcher.doc_frequency(name, token))
        total += term.doc_frequency if term else 0
    return total


def _idf(searcher: Searcher, build: _Build, name: str, text: str) -> float:
    """A term's idf as the searcher's weighting (_Weighting) gives it, document frequencies
    read from the term tables; kept per build."""
    key = (name, text)
    idf = build.idfs.get(key)
    if idf is None:

        def frequency(field_name: str, word: str) -> int:
            return _doc_frequency(searcher, build, field_name, word.encode("utf-8"))

        idf = _Weighting.term_idf(frequency, searcher.doc_count_all(), name, text)
        if len(build.idfs) >= MAX_CACHED_IDFS:
            build.idfs.clear()
        build.idfs[key] = idf
    return idf


def _stored_blocks(
    build: _Build, leaf: Any, start: int
) -> Iterator[tuple[array[int], array[float]]] | None:
    """The postings beginning at `start` of a segment's postings file, as one block; None when
    the segment or the term has none there (a build written before them)."""
    key = leaf.segment().segment_id()
    if key not in build.postings:
        path = Path(build.folder, key + POSTINGS_EXTENSION)
        build.postings[key] = search_postings.Postings.open(path) if build.folder else None
    stored = build.postings[key]
    try:
        found = stored.get(start) if stored else None
    except (OSError, ValueError):  # the file was cut under this reader: Whoosh's blocks then
        found = None
    return None if found is None else iter([found])


# A segment's postings file (search_postings) is named as its own files are: Whoosh deletes it
# with the segment when a merge drops it.
POSTINGS_EXTENSION = ".postings"
# The fields whose postings it holds: those a query's words are searched in.
POSTINGS_FIELDS = frozenset(prefix + name for prefix in ("", PAIRS) for name in WORD_FIELDS)
# A segment's term table (search_terms) of the same fields is named the same way.
TERMS_EXTENSION = ".terms"


def _write_postings(path: Path) -> None:
    """Write the postings file and the term table of each segment of the index at `path`
    lacking them: those the last commit wrote (the others' are kept from the build copied, see
    _write_update), and those of a build written before term tables existed."""
    ix = _open_index(str(path))
    try:
        for segment in ix._segments():
            postings = path / (segment.segment_id() + POSTINGS_EXTENSION)
            table = path / (segment.segment_id() + TERMS_EXTENSION)
            has_table = search_terms.Terms.open(table) is not None  # a damaged one is rewritten
            if postings.exists() and has_table:
                continue
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                terms: Any = reader._terms
                if not all(hasattr(terms, a) for a in ("items", "_postfile")):  # not Whoosh 3's
                    continue
                extents: list[tuple[int, Any]] = []
                rows = _term_rows(terms, extents)
                if has_table:
                    collections.deque(rows, maxlen=0)  # the extents only
                else:
                    search_terms.write(table, rows)
                if not postings.exists():
                    search_postings.write(postings, _segment_postings(terms, extents))
            finally:
                reader.close()
    finally:
        ix.close()


def _term_rows(terms: Any, extents: list[tuple[int, Any]]) -> Iterator[tuple[str, bytes, int, int]]:
    """A Whoosh 3 segment's POSTINGS_FIELDS terms as rows of its term table (search_terms),
    the extents of their postings (where they begin in Whoosh's file, their size) added to
    `extents` as they come."""
    for (name, token), info in terms.items():
        if name not in POSTINGS_FIELDS:
            continue
        location = search_terms.ELSEWHERE  # kept with the term: ask Whoosh
        if not info.is_inlined():
            extent = info.extent()
            extents.append(extent)
            location = extent[0]
        yield name, token, info.doc_frequency(), location


def _segment_postings(
    terms: Any, extents: list[tuple[int, Any]]
) -> Iterator[tuple[int, array[int], array[float]]]:
    """A Whoosh 3 segment's postings at `extents`, whole, by where they begin."""
    for start, size in sorted(extents):
        ids: array[int] = array("I")
        weights: array[float] = array("f")
        for block_ids, block_weights in _raw_blocks(terms._postfile, start, size):
            ids.extend(block_ids)
            weights.extend(block_weights)
        yield start, ids, weights


_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's write_int


def _raw_blocks(
    postfile: Any, start: int, size: int | tuple[int]
) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """A Whoosh 3 term's posting blocks (`size` bytes at `start` of the postings file) as
    (document numbers, weights), decoded as its matcher decodes them (W3LeafMatcher._goto,
    _read_ids, _read_weights), from one read: the matcher reads each block's header through
    many small file reads, which cost as much as the block's data (the pickles are Whoosh's
    own, written by this index)."""
    if isinstance(size, tuple):  # Whoosh reads it as struct.unpack's tuple (W3TermInfo)
        (size,) = size
    raw = postfile.get(start, size)
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"postings block tag error {raw[:4]!r}")
    stream = io.BytesIO(raw)
    position = len(WHOOSH3_HEADER_MAGIC)
    while True:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        position += _BLOCK_LENGTH.size
        end = position + abs(length)
        stream.seek(position)
        # Pickles of the index's own files, written by this app on local disk (Whoosh reads
        # them the same way); never data from a request.
        header = pickle.load(stream)  # noqa: S301  # nosec B301
        count, _last_id, _max_weight, compression, *_ = header
        data = raw[stream.tell() : end]
        if compression:
            data = zlib.decompress(data)
        ids, weights, _values = pickle.loads(data)  # noqa: S301  # nosec B301
        ids = tuple(itertools.accumulate(ids))  # delta_decode: postings' ids are not bytes
        if weights is None:
            weights = array("f", [1.0]) * count
        elif isinstance(weights, float):
            weights = array("f", [weights]) * count  # as float32, as Whoosh's array
        yield ids, weights
        if length < 0:  # the last block
            return
        position = end


def _postings(matcher: Any) -> Iterator[tuple[int, float]]:
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()


def _scores(matcher: Any) -> Iterator[tuple[int, float]]:
    while matcher.is_active():
        yield matcher.id(), matcher.score()
        matcher.next()


class _Weighting(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F, but for a pair of words (a phrase, see _PairFilter): close to how Whoosh
    scores a phrase (its words' scores summed), its words' idf summed, with the pair's own
    frequency and field length. The pair's own idf, far higher (pairs are rare), would outweigh
    the other words of a query."""

    def idf(self, searcher: Searcher, fieldname: str, text: str | bytes) -> float:
        if not fieldname.startswith(PAIRS):
            return float(super().idf(searcher, fieldname, text))
        parent = searcher.get_parent()
        pair = text.decode("utf-8") if isinstance(text, bytes) else text
        return self.term_idf(parent.doc_frequency, parent.doc_count_all(), fieldname, pair)

    @staticmethod
    def term_idf(
        doc_frequency: Callable[[str, str], int], doc_count: int, fieldname: str, text: str
    ) -> float:
        """Whoosh's idf (Weighting.idf: log(documents / (document frequency + 1)) + 1) of a
        word; a pair's is the sum of its words' (see above)."""
        if fieldname.startswith(PAIRS):
            base = fieldname.removeprefix(PAIRS)
            return sum(
                _Weighting.term_idf(doc_frequency, doc_count, base, word)
                for word in text.split(" ")
            )
        return math.log(doc_count / (doc_frequency(fieldname, text) + 1)) + 1


class IndexUnavailableError(Exception):
    """No usable index exists and none could be built."""


class SearchIndex:
    """The on-disk index in `directory`, with its build, its freshness check and its queries."""

    def __init__(self, directory: Path, synonyms: Synonyms) -> None:
        self.directory = directory
        self.synonyms = synonyms
        self.schema = build_schema()
        self._stop_words = frozenset().union(*(_stop_words(lang) for lang in LANGS))
        self._verified: tuple[str, str] | None = None  # (published build, catalogue) opened fine
        self._local = threading.local()  # each thread its own searcher
        self._lock = threading.Lock()
        self._builds: dict[str, _Build] = {}
        self._highlights: dict[tuple[str, frozenset[str], str], str] = {}
        self._opened: list[Searcher] = []  # every searcher opened, closed with this object
        weakref.finalize(self, _close_all, self._opened)

    # -- building -------------------------------------------------------------------------

    @cached_property
    def _current(self) -> Path:
        return self.directory / "current"

    def published(self) -> str:
        """Which build searches read now (its folder); '' when there is none."""
        try:
            return os.readlink(self._current)
        except OSError:
            return ""

    def metadata(self) -> dict[str, Any] | None:
        """The published index's metadata, or None when there is no readable index."""
        try:
            data: dict[str, Any] = json.loads((self._current / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data

    def is_fresh(self, fingerprint: str) -> bool:
        """True when a readable index of this schema version and catalogue exists."""
        meta = self.metadata()
        if (
            meta is None
            or meta.get("schema") != SCHEMA_VERSION
            or meta.get("catalogue") != fingerprint
        ):
            return False
        if not self._current.is_symlink():
            return False  # a file or directory in the link's place: rebuild (and heal)
        published = os.readlink(self._current)
        if self._verified == (published, fingerprint):
            return True  # opened fine before: do not reopen it on every request
        readable = True
        # Whoosh leaves a corrupt file open when it fails; it is closed as the error is dropped.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                # Open a searcher too: it reads every segment file, which the table of
                # contents alone does not (a build whose segments are gone opens fine).
                ix = _open_index(str(self._current))
                ix.searcher().close()
                ix.close()
            except Exception:  # any failure to open means the index must be rebuilt
                readable = False
            if not readable:
                _release_leaked_files()
        if not readable:
            log.warning("Search index at %s is unreadable; it will be rebuilt", self._current)
            return False
        self._verified = (published, fingerprint)
        return True

    def rebuild(
        self,
        schemes: Iterable[Scheme],
        vocabulary: Vocabulary,
        fingerprint: str,
        hashes: Mapping[str, str] | None = None,
    ) -> None:
        """Write a complete new index, then publish it atomically; on failure the old one stays.

        The folder is healed first: whatever stands where the `current` link should be (a file,
        a directory, a dangling link) and leftover temporary links are removed. `hashes` are the
        schemes' content hashes by id (as the database keeps them), recorded for updates.
        """
        schemes = list(schemes)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._heal()
        target = self.directory / f"index-{time.time_ns()}"
        try:
            target.mkdir()
            ix = whoosh_index.create_in(str(target), self.schema)
            writer = ix.writer(limitmb=256)
            try:
                for scheme in schemes:
                    writer.add_document(**_document(scheme, vocabulary))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            _write_postings(target)
            found = changes({}, schemes, hashes)
            made = {"by": "rebuild", "written": len(schemes), "removed": 0}
            self._finish(target, schemes, vocabulary, fingerprint, found.hashes, made)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._remove_old_builds(keep={target.name})

    def update(
        self,
        schemes: Iterable[Scheme],
        vocabulary: Vocabulary,
        fingerprint: str,
        hashes: Mapping[str, str] | None = None,
    ) -> bool:
        """Apply the catalogue's difference to a copy of the published build and publish the copy
        atomically: only the schemes whose content changed are rewritten, removed ones deleted.

        Returns False, changing nothing, when the published build cannot be the base (none, of
        another schema or vocabulary, without its scheme hashes, or unreadable): then rebuild.
        """
        schemes = list(schemes)
        base = self._update_base(vocabulary)
        if base is None:
            return False
        source, recorded = base
        found = changes(recorded, schemes, hashes)
        target = self.directory / f"index-{time.time_ns()}"
        # Whoosh leaves files open when it fails on a damaged build: they are closed here,
        # quietly, before returning (a full collection, not paid by an update that succeeds).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                by_id = {scheme.id: scheme for scheme in schemes}
                self._write_update(source, target, found, vocabulary, by_id)
                made = {
                    "by": "update",
                    "written": len(found.changed),
                    "removed": len(found.removed),
                }
                self._finish(target, schemes, vocabulary, fingerprint, found.hashes, made)
                failure = None
            except Exception as error:  # a damaged base: the caller rebuilds
                failure = str(error)  # not the traceback, which would keep the files open
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            if failure is not None:
                _release_leaked_files()
        if failure is not None:
            log.warning("Search index update failed (%s); rebuilding instead", failure)
            shutil.rmtree(target, ignore_errors=True)
            return False
        self._remove_old_builds(keep={target.name})
        return True

    def _write_update(
        self,
        source: Path,
        target: Path,
        found: Changes,
        vocabulary: Vocabulary,
        by_id: Mapping[str, Scheme],
    ) -> None:
        """Copy the published build and write the changes into the copy (not yet published);
        `by_id`: every scheme, for the small segments' documents written again (_rewritten)."""
        # Segment files are written once and never modified (deletions live in the table of
        # contents, written anew by each commit): hard links copy the build in no time.
        shutil.copytree(source, target, copy_function=_link_or_copy)
        for name in (LEXICON_FILE, META_FILE, DOCUMENTS_FILE):
            (target / name).unlink()
        ix = _open_index(str(target))
        again = [by_id[i] for i in _rewritten(ix, (s.id for s in found.changed)) if i in by_id]
        writer = ix.writer()
        try:
            for scheme in [*found.changed, *again]:
                writer.update_document(**_document(scheme, vocabulary))
            for scheme_id in found.removed:
                writer.delete_by_term("id", scheme_id)
        except BaseException:
            writer.cancel()
            raise
        # Replaced documents stay in the statistics until their segment is merged: past a
        # share of the index, merge everything so that ranking does not drift.
        deleted = ix.doc_count_all() - ix.doc_count() + len(found.changed)
        if deleted > MAX_DELETED_SHARE * max(len(found.hashes), 1):
            writer.commit(optimize=True)
        else:
            writer.commit(mergetype=_merge_tiers)
        ix.searcher().close()  # reads every segment: a damaged base fails here
        ix.close()
        _write_postings(target)

    def _update_base(self, vocabulary: Vocabulary) -> tuple[Path, dict[str, str]] | None:
        """The published build and its scheme hashes, when an update may start from it."""
        meta = self.metadata()
        if (
            meta is None
            or meta.get("schema") != SCHEMA_VERSION
            or meta.get("vocabulary") != vocabulary_hash(vocabulary)
            or not self._current.is_symlink()
        ):
            return None
        source = self._current.resolve()
        try:
            recorded = json.loads((source / DOCUMENTS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(recorded, dict):
            return None
        return source, recorded

    def _finish(
        self,
        target: Path,
        schemes: list[Scheme],
        vocabulary: Vocabulary,
        fingerprint: str,
        hashes: dict[str, str],
        made: dict[str, Any],
    ) -> None:
        """Write the files beside a written index, check it opens, then publish it."""
        extra = {
            "lexicon": sorted(_lexicon(vocabulary)),
            "entries": suggest_entries(schemes, vocabulary),  # tuples, written as lists
        }
        (target / LEXICON_FILE).write_text(json.dumps(extra), encoding="utf-8")
        (target / DOCUMENTS_FILE).write_text(json.dumps(hashes), encoding="utf-8")
        meta = {
            "schema": SCHEMA_VERSION,
            "catalogue": fingerprint,
            "vocabulary": vocabulary_hash(vocabulary),
            "made": made,
        }
        # meta.json last: a build without it is incomplete (see _remove_old_builds).
        (target / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        link = self.directory / f".current-{target.name}"
        link.symlink_to(target.name)
        try:
            self._heal()  # something may have been put in the way while building
            os.replace(link, self._current)
        finally:
            link.unlink(missing_ok=True)

    def _heal(self) -> None:
        """Remove what stands where the `current` link should be when it is not a link to a
        folder (a plain file, a directory, a link to nothing), and temporary links left behind
        by an interrupted publish; the next build then publishes normally."""
        current = self._current
        if current.is_symlink():
            if not current.resolve().is_dir():
                current.unlink(missing_ok=True)
        elif current.is_dir():
            log.warning("Search index: %s is a directory, not a link; removing it", current)
            shutil.rmtree(current, ignore_errors=True)
        elif current.exists():
            log.warning("Search index: %s is a file, not a link; removing it", current)
            current.unlink(missing_ok=True)
        for stray in self.directory.glob(".current-*"):
            if stray.is_symlink() and not stray.resolve().is_dir():
                stray.unlink(missing_ok=True)

    def _remove_old_builds(self, keep: set[str]) -> None:
        # The build just replaced may still be read by a searcher opened a moment ago: keep the
        # newest complete one besides `keep` and let the rest go, half-written ones included
        # (builds are written under the build lock, so an incomplete one is abandoned).
        builds = sorted(p for p in self.directory.glob("index-*") if p.name not in keep)
        complete = [p for p in builds if (p / META_FILE).exists()]
        for old in builds:
            if not complete or old != complete[-1]:
                shutil.rmtree(old, ignore_errors=True)

    def reindex(
        self,
        schemes: Iterable[Scheme],
        vocabulary: Vocabulary,
        fingerprint: str,
        wait_seconds: float = 120,
        hashes: Mapping[str, str] | None = None,
    ) -> None:
        """Rebuild under the build lock (the command line's way), healing the folder first."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory / "build.lock")).acquire(timeout=wait_seconds):
            self.rebuild(schemes, vocabulary, fingerprint, hashes)

    def ensure(
        self,
        fingerprint: str,
        load: Any,
        vocabulary: Vocabulary,
        wait_seconds: float = 30,
        hashes: Mapping[str, str] | None = None,
        latest: Callable[[], str] | None = None,
    ) -> None:
        """Bring the index up to the catalogue: an update of the schemes that changed when the
        published build is a usable base, else a rebuild (missing, corrupt, another schema).

        One process rebuilds at a time (a file lock); the others keep reading the published
        index meanwhile, or wait for the first build when there is none yet. `latest`: the
        catalogue's fingerprint in the database now; when the published build already has it,
        this caller's catalogue was read before a publish and is not written over it.
        """
        if self.is_fresh(fingerprint):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.directory / "build.lock"))
        has_index = self.metadata() is not None
        try:
            with lock.acquire(timeout=0 if has_index else wait_seconds):
                if latest is not None and self.is_fresh(latest()):
                    # Another process brought the index up to a publish made since this
                    # request read its catalogue: writing the older one would undo it, for
                    # every reader, until the next request wrote it again.
                    return
                if not self.is_fresh(fingerprint):
                    schemes = list(load())
                    if not self.update(schemes, vocabulary, fingerprint, hashes):
                        self.rebuild(schemes, vocabulary, fingerprint, hashes)
        except Timeout:
            if not has_index:
                raise IndexUnavailableError("the search index is being built") from None

    # -- searching ------------------------------------------------------------------------

    def _searcher(self) -> tuple[Searcher, _Build]:
        """This thread's searcher of the published build, and the build's cached data.

        Builds never change once published, so a searcher stays valid until `current` points
        to a new one; then a new searcher is opened (Searcher.refresh() is never used: it
        returns stale duplicates in this Whoosh).
        """
        try:  # one system call (realpath costs one per folder of the path, every search)
            path = os.path.join(self.directory, os.readlink(self._current))
        except OSError:
            path = str(self._current)  # no build published: opening it fails below
        searchers: dict[str, Searcher] = self._local.__dict__.setdefault("searchers", {})
        searcher = searchers.get(path)
        if searcher is None:
            message = "the index could not be opened"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                try:
                    searcher = _open_index(path).searcher(weighting=_Weighting())
                except Exception as error:  # missing or corrupt since last checked
                    message = str(error)
                if searcher is None:
                    _release_leaked_files()
            if searcher is None:
                self._verified = None
                raise IndexUnavailableError(message)
            for old in searchers.values():
                old.close()
            searchers.clear()
            searchers[path] = searcher
            with self._lock:
                self._opened[:] = [s for s in self._opened if not s.is_closed]
                self._opened.append(searcher)
        with self._lock:
            build = self._builds.get(path)
            if build is None:
                before = next(iter(self._builds.values()), None)
                build = _read_build(searcher, path, self.synonyms.lexicon, before)
                set_apart()  # read until the next publish (app.long_lived)
                self._builds = {path: build}  # older builds are no longer read
        return searcher, build

    def _forget_searcher(self) -> None:
        """Drop this thread's searcher and the verified mark: the next use checks the build."""
        searchers: dict[str, Searcher] = self._local.__dict__.setdefault("searchers", {})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            for searcher in searchers.values():
                searcher.close()
            _release_leaked_files()
        searchers.clear()
        self._verified = None

    def _word_query(self, word: str, known: Known = None) -> q.Query:
        """A word in any language's fields, analyzed by that language's analyzer; its singular
        too, so that plural and singular find the same ("jeux vidéos", "jeu vidéo"). With
        `known`, terms absent from the index are left out (they cannot match: bounded work)."""
        parts = []
        forms = dict.fromkeys((word, singular(word)))
        for lang in LANGS:
            terms = dict.fromkeys(t for f in forms for t in _analyzed(lang, f))
            for part in TEXT_FIELDS:
                name = f"{part}_{lang}"
                parts += [q.Term(name, t) for t in terms if known is None or known(name, t)]
        return q.Or(parts) if parts else q.NullQuery

    def _phrase_query(self, phrase: tuple[str, ...], known: Known = None) -> q.Query:
        if len(phrase) == 1:
            return self._word_query(phrase[0], known)
        parts = []
        for lang in LANGS:
            # Word by word (the analyzer's filters take a token at a time), each kept.
            terms = tuple(t for word in phrase for t in _analyzed(lang, word))
            # A phrase has each two of its words in a row: in the pairs field.
            pairs = _pairs(terms)
            for part in TEXT_FIELDS:
                name = f"{part}_{lang}"
                # A pair is in a field's pairs only if both its words are in the field: those
                # are looked up first, in memory (a pair, in each segment's term table).
                if known is not None and not (
                    all(known(name, t) for t in terms)
                    and all(known(PAIRS + name, p) for p in pairs)
                ):
                    continue
                if len(terms) == 2:  # one term of the pairs field, scored as the phrase
                    parts.append(q.Term(PAIRS + name, pairs[0]))
                elif len(terms) > 2:
                    parts.append(q.Phrase(name, list(terms)))
                elif terms and (known is None or known(name, terms[0])):
                    parts.append(q.Term(name, terms[0]))
        return q.Or(parts) if parts else q.NullQuery

    def _concept(
        self, phrase: tuple[str, ...], alternatives: list[tuple[str, ...]], known: Known = None
    ) -> q.Query:
        queries = [self._phrase_query(p, known) for p in (phrase, *alternatives)]
        # A place also means the zones and regions it lies in, as the schemes' rules name them.
        queries += [
            q.Term("zone", zone, boost=0.5)
            for zone in self.synonyms.zones(phrase)
            if known is None or known("zone", zone)
        ]
        queries = [query for query in queries if query is not q.NullQuery]
        return q.Or(queries) if queries else q.NullQuery

    def _kept_words(self, parsed: ParsedQuery) -> tuple[str, ...]:
        # A stop word that is also a synonym or a place ("ai" is French for "have") is kept.
        return tuple(
            w
            for w in parsed.words
            if w not in self._stop_words
            or self.synonyms.alternatives((w,))
            or self.synonyms.zones((w,))
        )[:MAX_QUERY_WORDS]

    def build_query(
        self, parsed: ParsedQuery, require_all: bool = True, known: Known = None
    ) -> q.Query:
        """Each word or synonym phrase as a concept searched in both languages.

        A word that is a stop word in either language ("les", "the") is left out of free words,
        so that it does not match the other language's fields; quoted phrases keep all words.
        Bounded work: only the first MAX_QUERY_WORDS words and phrases count, and at most
        MAX_QUERY_TERMS terms; with `known` (the index's terms), terms that cannot match are
        left out, and when all words are required a concept matching nothing ends the query.
        """
        # Built one at a time, so that the words past the budget cost nothing. A concept whose
        # synonyms do not fit the budget left keeps its own words: dropping it would change what
        # the query means ("grant for video game studios" is not "grant").
        concepts = itertools.chain(
            (
                (self._concept(phrase, alts, known), phrase)
                for phrase, alts in self.synonyms.segment(self._kept_words(parsed))
            ),
            (
                (self._phrase_query(phrase, known), None)
                for phrase in parsed.phrases[:MAX_QUERY_WORDS]
            ),
        )
        kept: list[q.Query] = []
        budget = MAX_QUERY_TERMS
        for concept, own_words in concepts:
            if concept is q.NullQuery:
                if known is not None and require_all:
                    return q.NullQuery  # a required word is in no document
                continue
            size = sum(1 for _ in concept.leaves())
            if kept and size > budget and own_words is not None:
                concept = self._concept(own_words, [], known)
                size = sum(1 for _ in concept.leaves())
            if kept and (size > budget or len(kept) == MAX_QUERY_WORDS):
                break  # the first concept always counts, however rich
            budget -= size
            kept.append(concept)
        if not kept:
            return q.NullQuery
        return q.And(kept) if require_all else q.Or(kept)

    def _typo_candidates(self, build: _Build, parsed: ParsedQuery) -> list[str]:
        """The words of a query that may be typos: unknown to the index and to every lexicon,
        long enough to correct; at most MAX_TYPO_WORDS of them (bounded work)."""
        candidates = []
        for word in self._kept_words(parsed):
            if (
                allowed_edits(word)
                and not build.speller.knows(word)
                and word not in build.lexicon
                and word not in self.synonyms.lexicon
                and singular(word) not in self.synonyms.lexicon
                and not word.isdigit()
            ):
                candidates.append(word)
        return candidates[:MAX_TYPO_WORDS]

    def _fuzzy_query(self, build: _Build, parsed: ParsedQuery) -> q.Query:
        """Close spellings of the possible typos, at most MAX_EXPANSIONS per word."""
        terms = [
            q.Term("plain", close)
            for word in self._typo_candidates(build, parsed)
            for close in build.speller.close(word, MAX_EXPANSIONS)
        ]
        return q.Or(terms) if terms else q.NullQuery

    def _corrections(self, build: _Build, parsed: ParsedQuery) -> list[ParsedQuery]:
        """The query with its possible typos replaced by the nearest indexed words: the nearest
        and most frequent first, then the next ones ("desinee" is one edit from "destinee" and
        from "dessinee"); at most MAX_CORRECTIONS variants (bounded work)."""
        fixes = {}
        for word in self._typo_candidates(build, parsed):
            close = build.speller.close(word, MAX_CORRECTIONS)
            if close:
                fixes[word] = close
        variants = []
        for rank in range(max((len(c) for c in fixes.values()), default=0)):
            corrected = tuple(
                fixes[w][min(rank, len(fixes[w]) - 1)] if w in fixes else w for w in parsed.words
            )
            variants.append(ParsedQuery(corrected, parsed.phrases, parsed.truncated))
        return list(dict.fromkeys(variants))

    @staticmethod
    def _allowed(build: _Build, filters: SearchFilters) -> Mask | None:
        """The documents of the only_ids restriction, worked out once per build and set of ids;
        facets and the lifecycle are applied after scoring, for disjunctive counts."""
        if filters.only_ids is None:
            return None
        key = ("only_ids", filters.only_ids)
        docs = build.filters.get(key)
        if docs is None:
            docs = np.fromiter((i in filters.only_ids for i in build.ids), np.bool_, len(build.ids))
            if len(build.filters) > 256:
                build.filters.clear()
            build.filters[key] = docs
        return docs

    @staticmethod
    def _passing(build: _Build, filters: SearchFilters) -> dict[str, Mask]:
        """For each facet with a selection (the lifecycle rule included), the documents having
        one of its selected values, kept per build."""
        passing = {}
        for name, chosen in filters.selected().items():
            key = (name, chosen)
            docs = build.filters.get(key)
            if docs is None:
                docs = build.facets.having(name, chosen, len(build.ids))
                if len(build.filters) > 256:
                    build.filters.clear()
                build.filters[key] = docs
            passing[name] = docs
        return passing

    def search(self, text: str, filters: SearchFilters) -> SearchResults:
        """Every matching id by relevance, disjunctive facet counts, and a correction.

        All words must match (in either language, or a synonym); when nothing does, a corrected
        spelling is tried (and then shown with the results), then any word, then words within
        one or two typos. A scheme whose name was typed exactly comes first; then current
        schemes, then closed and replaced ones, each by relevance. The answer is kept with the
        build: the next page of the same search, or the same query again, is a lookup.
        """
        parsed = parse_query(text)
        if parsed.empty:
            return SearchResults([], {}, {}, query=parsed)
        searcher, build = self._searcher()
        key = (text, tuple(sorted(filters.selected().items())), filters.only_ids)
        answer = build.answers.get(key)
        if answer is None:
            answer = self._answer(searcher, build, parsed, text, filters)
            if len(build.answers) >= MAX_CACHED_ANSWERS:
                build.answers.clear()
            build.answers[key] = answer
        return answer

    def _answer(
        self,
        searcher: Searcher,
        build: _Build,
        parsed: ParsedQuery,
        text: str,
        filters: SearchFilters,
    ) -> SearchResults:
        """What search() answers, worked out (see there)."""
        try:
            allowed = self._allowed(build, filters)
            passing = self._passing(build, filters)
            answered = parsed  # the words the results are for
            for mode, query, variant in self._attempts(searcher, build, parsed):
                # Only words every language leaves out ("les", "the"): nothing to search for.
                # Asked only when the index has not all words (most queries are not built twice).
                if (
                    mode == "exact"
                    and query is q.NullQuery
                    and self.build_query(parsed) is q.NullQuery
                ):
                    return SearchResults([], {}, {}, query=parsed, common_words_only=True)
                if query is q.NullQuery and mode != "fuzzy":
                    continue  # nothing can match: no need to ask the index
                docs, scores = matches(self._part(searcher, build, query))
                if allowed is not None:
                    within = allowed[docs]
                    docs, scores = docs[within], scores[within]
                # Best first; bounded work: only the best MAX_SCORED_DOCUMENTS count, facets
                # included.
                best = best_first(scores)[:MAX_SCORED_DOCUMENTS]
                docs, scores = docs[best], scores[best]
                # An attempt counts when the user can see one of its documents.
                if mode == "fuzzy" or passes(passing.values(), docs).any():
                    answered = variant
                    break
        except Exception as error:  # the build was damaged under the searcher
            self._forget_searcher()
            raise IndexUnavailableError(str(error)) from None
        kept, counts = disjunctive_counts(docs, passing, build.facets, FACET_FIELDS)
        ranked = self._ranked(build, docs, np.flatnonzero(kept), text)
        ids = [*map(build.ids.__getitem__, docs[ranked].tolist())]  # in C: hundreds a query
        found_scores = dict(zip(ids, scores[ranked].tolist(), strict=True))
        inactive = int(np.count_nonzero(~build.active[docs[ranked]]))
        suggestion = " ".join(answered.words) if mode == "corrected" else None
        return SearchResults(
            ids, found_scores, counts, suggestion, mode, parsed, inactive_count=inactive
        )

    def _attempts(
        self, searcher: Searcher, build: _Build, parsed: ParsedQuery
    ) -> Iterator[tuple[str, q.Query, ParsedQuery]]:
        """The queries tried in turn, each built only when the one before found nothing: all
        words, their corrected spellings, any word, then close spellings."""
        known = self._known(searcher, build)
        yield "exact", self.build_query(parsed, known=known), parsed
        for corrected in self._corrections(build, parsed):
            yield "corrected", self.build_query(corrected, known=known), corrected
        any_word = self.build_query(parsed, require_all=False, known=known)
        yield "any", any_word, parsed
        yield "fuzzy", q.Or([any_word, self._fuzzy_query(build, parsed)]), parsed

    @staticmethod
    def _ranked(build: _Build, docs: Docs, best: Docs, text: str) -> Docs:
        """The positions `best` (of docs, best first) with a scheme whose name was typed first
        (a whole name before a part of one), then current schemes, then closed and replaced
        ones, each in the order given."""
        typed = tuple(words(text[:MAX_QUERY_LENGTH]))  # quotes and all, as the name is written
        named = build.named(typed)
        group = np.zeros(len(best), np.int64)  # by the weight of the name typed; 0: none
        if named:  # each found document looked up among those named (sorted), in C
            keys = np.fromiter(sorted(named), np.int64, len(named))
            weights = np.fromiter(map(named.__getitem__, keys.tolist()), np.int64, len(named))
            found = docs[best]
            at = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
            hit = keys[at] == found
            group[hit] = -weights[at[hit]]
        # Sorted in C, stably: the order given stays within each group.
        return best[np.lexsort((~build.active[docs[best]], group))]

    def _scored(self, searcher: Searcher, build: _Build, query: q.Query) -> dict[int, float]:
        """Document number -> score of every document the query matches, as Whoosh's matchers
        score them (the matching parts' scores summed, times their boosts), summed over every
        document at once (search_scores)."""
        return as_dict(self._part(searcher, build, query))

    def _part(self, searcher: Searcher, build: _Build, query: q.Query) -> Part:
        """A query's scored documents: a leaf's, or sums over every document of the build."""
        if query is q.NullQuery:
            return EMPTY
        if isinstance(query, q.And | q.Or) and len(query.subqueries) < 2:
            if not query.subqueries:
                return EMPTY
            return self._part(searcher, build, query.subqueries[0])  # 0 + its score
        if isinstance(query, q.And | q.Or):
            parts = [self._part(searcher, build, sub) for sub in query.subqueries]
            summed = all_of if isinstance(query, q.And) else any_of
            return boosted(summed(parts, len(build.ids)), query.boost)
        if isinstance(query, q.Term):
            key: Any = (query.fieldname, query.text)
            return boosted(self._leaf(searcher, build, key, q.Term(*key)), query.boost)
        return self._leaf(searcher, build, repr(query), query)

    @staticmethod
    def _leaf(searcher: Searcher, build: _Build, key: Any, query: q.Query) -> Leaf:
        """The scored documents of one term or phrase, read once per build."""
        leaf = build.leaves.get(key)
        if leaf is None:
            if isinstance(query, q.Term) and isinstance(searcher.weighting, BM25F):
                leaf = _bm25_postings(searcher, build, query.fieldname, query.text)
            elif isinstance(query, q.Phrase) and isinstance(searcher.weighting, BM25F):
                pairs = [
                    SearchIndex._leaf(
                        searcher,
                        build,
                        (PAIRS + query.fieldname, p),
                        q.Term(PAIRS + query.fieldname, p),
                    )
                    for p in _pairs(query.words)
                ]
                leaf = Leaf.of(_phrase_postings(searcher, build, query, pairs))
            else:
                leaf = Leaf.of(dict(searcher.search(query, limit=None).items()))
            if build.leaf_postings + len(leaf) > MAX_CACHED_POSTINGS:
                build.leaves.clear()
                build.leaf_postings = 0
            build.leaves[key] = leaf
            build.leaf_postings += len(leaf)
        return leaf

    @staticmethod
    def _known(searcher: Searcher, build: _Build) -> Callable[[str, str], bool]:
        """Whether a term is in the index, remembered for the build."""
        seen = build.known
        segments = [segment for _, segment in build.starts]

        def known(field_name: str, term: str) -> bool:
            key = (field_name, term)
            found = seen.get(key)
            if found is None:
                if field_name in WORD_FIELDS:  # as doc_frequency > 0: a term in a segment's table
                    found = any(term in segment.terms[field_name] for segment in segments)
                else:
                    found = _doc_frequency(searcher, build, field_name, term.encode("utf-8")) > 0
                seen[key] = found
            return found

        return known

    def suggest(self, text: str, lang: str, limit: int = 8) -> list[SuggestEntry]:
        """Completions of what is being typed: scheme names, funders, vocabulary terms."""
        _, build = self._searcher()
        return complete(build.entries, build.speller, text, lang, limit)

    def highlight(self, text: str, document_text: str, lang: str) -> str:
        """An escaped passage of document_text with the query's words (and synonyms) marked."""
        parsed = parse_query(text)
        analyzer = self.schema[f"body_{lang}"].analyzer
        segments = [*self.synonyms.segment(parsed.words), *((p, []) for p in parsed.phrases)]
        # The body's analyzer's terms (_analyzed: the same, kept): a page marks twenty texts.
        terms = frozenset(
            term
            for phrase, alternatives in segments
            for words in (phrase, *alternatives)
            for term in _analyzed(lang, " ".join(words))
        )
        if not terms:
            return ""
        # Kept: a results page marks twenty texts, each analyzed whole (stemmed word by word);
        # its next visit, or the same query's, costs a lookup.
        key = (document_text, terms, lang)
        passage = self._highlights.get(key)
        if passage is None:
            passage = str(
                whoosh_highlight(
                    document_text,
                    key[1],
                    analyzer,
                    ContextFragmenter(maxchars=240, surround=70),
                    HtmlFormatter(tagname="mark", between=" … "),
                    top=2,
                )
            )
            if len(self._highlights) >= MAX_CACHED_HIGHLIGHTS:
                self._highlights.clear()
            self._highlights[key] = passage
        return passage

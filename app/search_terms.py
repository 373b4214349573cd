"""A segment's term table in a file beside it: whether it has a term, and where its postings are."""

from __future__ import annotations

import hashlib
import os
import struct
import sys
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

from app.search_postings import open_whole, read_array, write_atomically

# Whoosh finds a term through its hash tables on disk: each lookup costs tens of µs of small
# file reads in Python, and a query looks up each of its terms several times (is it in the
# index, its document frequency, where its postings begin), in every segment. This table
# answers the three from one in-memory bisection and a few reads. A term's key is the first
# 8 bytes of the BLAKE2b digest of its field's name, a NUL and its bytes: keys of two terms
# of a segment never collide (a segment whose keys would is given no table), and a term
# absent from a segment shares a key with one of its ~10^6 terms about once in 10^13
# lookups. Layout, in native byte order (the magic says which), terms by ascending key:
#   keys         uint64 per term
#   locations    uint64 per term: where Whoosh's postings of the term begin (the postings
#                file's key, see search_postings), or ELSEWHERE: Whoosh keeps them with the
#                term (its codec never does so here, see Whoosh's finish_postings), ask it
#   frequencies  uint32 per term: its document frequency (deleted documents included)
#   sparse       every STEP-th key (all a reader keeps in memory)
#   trailer      magic, terms, STEP
# It is written to a temporary name, synced and renamed: a reader finds a whole file or none
# (and then asks Whoosh); a file whose size does not match its trailer is ignored the same way.
MAGIC = b"TRMS1" + sys.byteorder[0].encode("ascii") + b"\0\0"
STEP = 128  # keys between two sparse entries: a lookup reads at most 1 KB of keys
ELSEWHERE = 2**64 - 1
_TRAILER = struct.Struct("<8sQQ")
_ROW = 8 + 8 + 4  # bytes a term takes: key, location, frequency


class Term(NamedTuple):
    """A term of a segment: its document frequency, and where its postings begin in Whoosh's
    file (None: ask Whoosh)."""

    doc_frequency: int
    start: int | None


def term_key(field_name: str, token: bytes) -> int:
    """A term's key in the table."""
    digest = hashlib.blake2b(field_name.encode("utf-8") + b"\0" + token, digest_size=8).digest()
    return int.from_bytes(digest, "little")


def write(path: Path, terms: Iterable[tuple[str, bytes, int, int]]) -> bool:
    """Write a table of (field name, token, document frequency, location), atomically; False
    (and no file) when two terms' keys collide."""
    keys: array[int] = array("Q")
    locations: array[int] = array("Q")
    frequencies: array[int] = array("I")
    for field_name, token, frequency, location in terms:
        keys.append(term_key(field_name, token))
        locations.append(location)
        frequencies.append(frequency)
    order = np.argsort(np.frombuffer(keys, dtype=np.uint64), kind="stable")
    sorted_keys = np.frombuffer(keys, dtype=np.uint64)[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        return False

    def write_to(file: BinaryIO) -> None:
        sorted_keys.tofile(file)
        np.frombuffer(locations, dtype=np.uint64)[order].tofile(file)
        np.frombuffer(frequencies, dtype=np.uint32)[order].tofile(file)
        sorted_keys[::STEP].tofile(file)
        file.write(_TRAILER.pack(MAGIC, len(keys), STEP))

    write_atomically(path, write_to)
    return True


class Terms:
    """An open term table: a term's document frequency and where its postings are."""

    def __init__(self, fd: int, terms: int, sparse: array[int]) -> None:
        self._fd = fd
        self._terms = terms
        self._sparse = sparse
        weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, path: Path) -> Terms | None:
        """The table at `path`, or None when there is none or it is not whole."""
        return open_whole(path, cls._read)

    @classmethod
    def _read(cls, fd: int) -> Terms | None:
        size = os.fstat(fd).st_size
        magic, terms, step = _TRAILER.unpack(os.pread(fd, _TRAILER.size, size - _TRAILER.size))
        sparse_count = -(-terms // step)
        whole = terms * _ROW + 8 * sparse_count + _TRAILER.size
        if magic != MAGIC or step != STEP or size != whole:
            return None
        return cls(fd, terms, read_array(fd, "Q", 8 * sparse_count, terms * _ROW))

    def find(self, field_name: str, token: bytes) -> Term | None:
        """The term, or None when the segment does not have it. ValueError when the file was
        cut under its reader."""
        key = term_key(field_name, token)
        chunk = bisect_right(self._sparse, key) - 1
        if chunk < 0:
            return None
        first = chunk * STEP
        keys = read_array(self._fd, "Q", 8 * min(STEP, self._terms - first), 8 * first)
        found = bisect_left(keys, key)
        if found == len(keys) or keys[found] != key:
            return None
        row = first + found
        terms = self._terms
        (location,) = read_array(self._fd, "Q", 8, 8 * terms + 8 * row)
        (frequency,) = read_array(self._fd, "I", 4, 16 * terms + 4 * row)
        return Term(frequency, None if location == ELSEWHERE else location)

"""A segment's postings decoded once into a file beside it, read a term at a time unpickled."""

from __future__ import annotations

import os
import struct
import sys
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

# Whoosh keeps a term's postings as pickled blocks: decoding them costs ~1.35 µs a posting, paid
# by every worker the first time a query has the term. This file keeps them decoded, written once
# with the segment; a reader decodes a term's with `array.frombytes` (C speed). Layout, in native
# byte order (the magic says which):
#   data     per term: its document numbers (uint32), then its weights (float32, as Whoosh
#            stores them); term i's at 8 * first(i)
#   records  (whoosh_start, first) uint64 pairs, one per term by ascending whoosh_start (where
#            Whoosh's postings of the term begin, read from its term info: the term's key
#            here), then a sentinel (2**64 - 1, postings)
#   sparse   every STEP-th record's whoosh_start (all a reader keeps in memory)
#   trailer  magic, terms, postings, STEP
# It is immutable, written to a temporary name, synced and renamed, so a reader finds a whole
# file or none (and then reads Whoosh's blocks); a file whose size does not match its trailer
# is ignored the same way.
MAGIC = b"PSTS1" + sys.byteorder[0].encode("ascii") + b"\0\0"
STEP = 128  # records between two sparse entries: a lookup reads at most 2 KB of records
_TRAILER = struct.Struct("<8sQQQ")
_SENTINEL = 2**64 - 1
_POSTING = 8  # bytes: a uint32 document number and a float32 weight
_RECORD = 16  # bytes: two uint64
_Opened = TypeVar("_Opened")


def write(path: Path, postings: Iterable[tuple[int, array[int], array[float]]]) -> None:
    """Write the postings of a segment's terms, (whoosh_start, document numbers as array("I"),
    weights as array("f")) by ascending whoosh_start, to `path`, atomically."""
    write_atomically(path, lambda file: _write_to(file, postings))


def write_atomically(path: Path, write_to: Callable[[BinaryIO], None]) -> None:
    """Write a file beside a segment with `write_to`: to a temporary name, synced, then renamed,
    so that a reader finds the whole file or none."""
    temporary = path.with_name(f".{path.name}.tmp")  # a dot: Whoosh's file cleaning skips it
    try:
        with temporary.open("wb") as file:
            write_to(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_to(file: BinaryIO, postings: Iterable[tuple[int, array[int], array[float]]]) -> None:
    records: array[int] = array("Q")
    first = 0
    for start, ids, weights in postings:
        if (records and start <= records[-2]) or len(ids) != len(weights):
            raise ValueError("postings must come whole, by ascending start")
        records.extend((start, first))
        ids.tofile(file)
        weights.tofile(file)
        first += len(ids)
    terms = len(records) // 2
    records.extend((_SENTINEL, first))
    records.tofile(file)
    records[:: _RECORD // 8 * STEP].tofile(file)  # the start of every STEP-th record
    file.write(_TRAILER.pack(MAGIC, terms, first, STEP))


class Postings:
    """An open postings file: a term's document numbers and weights by its Whoosh start."""

    def __init__(self, fd: int, terms: int, postings: int, sparse: array[int]) -> None:
        self._fd = fd
        self._records_at = postings * _POSTING
        self._records = terms + 1  # the sentinel included
        self._sparse = sparse
        weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, path: Path) -> Postings | None:
        """The file at `path`, or None when there is none or it is not whole."""
        return open_whole(path, cls._read)

    @classmethod
    def _read(cls, fd: int) -> Postings | None:
        size = os.fstat(fd).st_size
        magic, terms, postings, step = _TRAILER.unpack(
            os.pread(fd, _TRAILER.size, size - _TRAILER.size)
        )
        sparse_count = -(-(terms + 1) // step)
        records_at = postings * _POSTING
        sparse_at = records_at + (terms + 1) * _RECORD
        if (magic, step) != (MAGIC, STEP) or size != sparse_at + 8 * sparse_count + _TRAILER.size:
            return None
        sparse = read_array(fd, "Q", 8 * sparse_count, sparse_at)
        return cls(fd, terms, postings, sparse)

    def get(self, start: int) -> tuple[array[int], array[float]] | None:
        """The document numbers and weights of the term whose Whoosh postings begin at `start`;
        None when the file has no such term."""
        chunk = bisect_right(self._sparse, start) - 1
        if chunk < 0:
            return None
        first_record = chunk * STEP
        count = min(STEP + 1, self._records - first_record)  # one more: the next term's first
        at = self._records_at + first_record * _RECORD
        records = read_array(self._fd, "Q", count * _RECORD, at)
        starts = records[::2]
        found = bisect_left(starts, start)
        if found >= len(starts) - 1 or starts[found] != start:
            return None
        first, end = records[2 * found + 1], records[2 * found + 3]
        size = end - first
        # The term's document numbers, then their weights: one read of both.
        data = memoryview(read_bytes(self._fd, 8 * size, first * _POSTING))
        ids, weights = array("I"), array("f")
        ids.frombytes(data[: 4 * size])
        weights.frombytes(data[4 * size :])
        return ids, weights


def open_whole(path: Path, read: Callable[[int], _Opened | None]) -> _Opened | None:
    """What `read` makes of the file at `path` from its open descriptor (kept open by it), or
    None when there is no file or `read` finds it not whole (None, or an error reading it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        found = read(fd)
    except (OSError, ValueError, struct.error):
        found = None
    if found is None:
        os.close(fd)
    return found


def read_array(fd: int, typecode: str, size: int, at: int) -> array[Any]:
    """The array of `size` bytes at `at` of a file (see read_bytes)."""
    values: array[Any] = array(typecode)
    values.frombytes(read_bytes(fd, size, at))
    return values


def read_bytes(fd: int, size: int, at: int) -> bytes:
    """The `size` bytes at `at` of a file; ValueError when fewer are read (a file cut under its
    reader: the caller asks Whoosh instead)."""
    data = os.pread(fd, size, at)
    if len(data) != size:
        raise ValueError("file cut short")
    return data

"""Objects built to serve until the next publish, set apart from the cyclic garbage collector."""

from __future__ import annotations

import gc


def set_apart(*, collect_all: bool = False) -> None:
    """Freeze every object alive now (gc.freeze): full collections no longer scan them.

    A worker's catalogue and search build hold millions of references at 10,000 schemes: each
    full collection walked them all (250 ms, every worker stopped), and one came after every
    publish, once the objects it made had survived long enough. Frozen objects are still freed
    when no longer referenced (the replaced catalogue or build goes as before); only garbage
    in reference cycles alive now would stay, so the young generations are collected first,
    or every generation with collect_all (at start, when a full collection is paid once).
    """
    gc.collect() if collect_all else gc.collect(1)
    gc.freeze()

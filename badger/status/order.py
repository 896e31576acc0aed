"""The order in which a status list gives out its indexes: a secret random permutation.

Bitstring Status List v1.0, Privacy Considerations ("Herd Privacy", "Correlation"): an index
must not tell when a credential was issued, nor which credentials were issued together. Badger
gives out a list's positions in order (0, 1, 2, ...: a counter, so that concurrent issuers
never pick the same index and never have to look for a free one) and maps position ``p`` to
index ``order[p]``, a uniformly random permutation of the list's indexes drawn from a secret
seed kept with the list. Whoever sees indexes, but not the seed, learns nothing of the order.

The permutation is Fisher-Yates driven by SHAKE-256(seed) (FIPS 202), 8 bytes per step, read
little-endian so that every machine derives the same order from the same seed. ``j = word mod
(i + 1)`` has a modulo bias below 2**-40 for lists of up to 2**24 entries. Written here because
no library we depend on derives a reproducible permutation from a secret (``random.Random`` is
not a cryptographic generator; ``secrets`` cannot be seeded).
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from array import array
from functools import lru_cache

__all__ = ["index_order", "new_seed", "SEED_BYTES"]

SEED_BYTES = 32
_DOMAIN = b"badger/status-list-order/v1\x00"
_MAX_SIZE = 1 << 24


def new_seed() -> bytes:
    """A fresh secret seed for a new list."""
    return secrets.token_bytes(SEED_BYTES)


@lru_cache(maxsize=8)
def index_order(seed: bytes, size: int) -> array[int]:
    """The list's indexes in the order its positions give them out: ``index_order(seed,
    size)[position]``. A permutation of ``range(size)`` (array of unsigned 32-bit integers,
    about 40 ms and 512 KB for the 131,072 entries of a list; kept for the last 8 lists)."""
    if not 0 < size <= _MAX_SIZE:
        raise ValueError(f"a status list holds 1 to {_MAX_SIZE} entries")
    if len(seed) < 16:
        raise ValueError("a status list seed has at least 16 bytes")
    words = array("Q", hashlib.shake_256(_DOMAIN + seed).digest(8 * size))
    if words.itemsize != 8:  # pragma: no cover - every platform CPython supports has 8-byte long long
        raise RuntimeError("unsigned long long is not 8 bytes here")
    if sys.byteorder == "big":  # pragma: no cover
        words.byteswap()
    order = array("I", range(size))
    for i in range(size - 1, 0, -1):
        j = words[i] % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order

"""Credential status: W3C Bitstring Status List v1.0 (bitstring, list credential, entries, the
order a list gives out its indexes)."""

from __future__ import annotations

from badger.status import bitstring, order
from badger.status.bitstring import *  # noqa: F403  (the public API is bitstring's __all__)
from badger.status.order import *  # noqa: F403

__all__ = list(bitstring.__all__) + list(order.__all__)

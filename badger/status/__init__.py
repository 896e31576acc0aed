"""Credential status: W3C Bitstring Status List v1.0 (bitstring, list credential, entries)."""

from __future__ import annotations

from badger.status import bitstring
from badger.status.bitstring import *  # noqa: F403  (the public API is bitstring's __all__)

__all__ = list(bitstring.__all__)

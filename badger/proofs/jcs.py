"""JSON Canonicalization Scheme (RFC 8785), for the ``*-jcs-*`` Data Integrity cryptosuites.

The maintained ``rfc8785`` package does the work (ECMAScript number serialisation, UTF-16 key
order); this module only maps its errors onto Badger's. A document JCS cannot represent (a
float outside IEEE 754, NaN, an integer beyond 2**53) cannot be signed or verified.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from badger.errors import ProofError

__all__ = ["canonicalize"]


def canonicalize(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value. Raises ProofError (``proof.jcs_invalid``)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise ProofError(f"not representable in JCS (RFC 8785): {exc}", code="proof.jcs_invalid") from exc

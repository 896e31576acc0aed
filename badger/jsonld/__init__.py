"""JSON-LD: the offline document loader and RDFC-1.0 canonicalization with safe mode and guards."""

from badger.jsonld.canonical import (
    ALGORITHM,
    Limits,
    canonicalize,
    default_loader,
    expand,
)
from badger.jsonld.loader import StaticDocumentLoader, bundled_contexts

__all__ = [
    "ALGORITHM",
    "Limits",
    "canonicalize",
    "expand",
    "default_loader",
    "StaticDocumentLoader",
    "bundled_contexts",
]

"""The exception tree of Badger.

::

    BadgerError                      base of everything Badger raises on purpose
    ├── InvalidInput                 the caller handed us something we refuse (maps to 4xx / exit 2)
    │   ├── InvalidCredential        a document fails the OB 3.0 / VC rules (carries `problems`)
    │   ├── JsonLdError              JSON-LD processing refused the document
    │   │   ├── UnknownContext       a context URL that is not bundled (no network at run time)
    │   │   ├── DroppedTerm          "safe mode": a term expansion would silently drop
    │   │   └── CanonicalizationLimit  the poison-graph guard stopped RDFC-1.0
    │   ├── BakingError              an image we cannot bake into or read from
    │   │   └── ImageTooLarge        refused before any decoder runs
    │   └── StatusListError          a malformed Bitstring Status List
    ├── KeyMaterialError             a key we cannot load, encode or use
    ├── ResolutionError              a DID / verification method we cannot resolve
    ├── ProofError                   a proof we cannot create or that fails to verify
    ├── NotFound                     no such thing, or not yours to see (services; maps to 404)
    ├── Conflict                     the request contradicts the state (e.g. a reused Idempotency-Key)
    └── Unauthorized                 no valid credentials for an authenticated action (401)

Verification never raises these for a bad credential: it turns them into failed checks.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadgerError",
    "InvalidInput",
    "InvalidCredential",
    "JsonLdError",
    "UnknownContext",
    "DroppedTerm",
    "CanonicalizationLimit",
    "BakingError",
    "ImageTooLarge",
    "StatusListError",
    "KeyMaterialError",
    "ResolutionError",
    "ProofError",
    "NotFound",
    "Conflict",
    "Unauthorized",
]


class BadgerError(Exception):
    """Base class; `code` is a stable machine-readable identifier."""

    code = "badger.error"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidInput(BadgerError):
    """``field``: the argument of the refusing function it concerns (its keyword name, or a dotted
    path into a document argument), set where the error is raised; None when it is about the
    whole input. The edges name it in their own terms (a JSON member, a form field)."""

    code = "input.invalid"
    field: str | None = None
    fields: list[dict[str, str]]  # per-field errors, set by the web layer when it knows them (annotation only)

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message, code=code)
        if field is not None:
            self.field = field


class InvalidCredential(InvalidInput):
    """A document that is not a valid OB 3.0 / VC; `problems` lists every reason."""

    code = "schema.invalid"

    def __init__(self, message: str = "", *, problems: list[Any] | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.problems = list(problems or [])


class JsonLdError(InvalidInput):
    code = "jsonld.error"


class UnknownContext(JsonLdError):
    code = "jsonld.unknown_context"


class DroppedTerm(JsonLdError):
    code = "jsonld.dropped_term"


class CanonicalizationLimit(JsonLdError):
    code = "jsonld.canonicalization_limit"


class BakingError(InvalidInput):
    code = "baking.invalid_image"


class ImageTooLarge(BakingError):
    code = "baking.image_too_large"


class StatusListError(InvalidInput):
    code = "status.invalid_list"


class KeyMaterialError(BadgerError):
    code = "key.invalid"


class ResolutionError(BadgerError):
    code = "key.unresolved"


class ProofError(BadgerError):
    code = "proof.invalid"


class NotFound(BadgerError):
    code = "not_found"


class Conflict(BadgerError):
    code = "conflict"


class Unauthorized(BadgerError):
    code = "unauthorized"

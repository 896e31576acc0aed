"""Small pieces every blueprint shares: the shape of a resource id in a URL, and the headers
of an image response."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import Response, abort, request

__all__ = [
    "PRIVATE",
    "UUID",
    "is_uuid",
    "uuid_or_404",
    "image_response",
    "stored_bytes",
    "StoredCache",
    "SVG_CSP",
    "STORED_MAX_AGE",
]

# Headers of a page reached through a private link (learner pages, wallet offers): the link's
# token never leaves in a Referer, is never indexed nor kept by a shared cache.
PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, no-store"}

T = TypeVar("T")

# Stored documents never change (signed bytes are sacred; a revocation changes the status list,
# not the credential), so clients and caches may keep them a while and revalidate cheaply.
STORED_MAX_AGE = 300

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Uploaded SVGs are sanitised on the way in; this keeps them inert even if opened directly.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def is_uuid(value: str | None) -> bool:
    """Whether ``value`` is a UUID in its text form. Checked before any query, so that no odd
    string (NUL bytes, megabytes) ever reaches the database."""
    return bool(UUID.match(value or ""))


def uuid_or_404(value: str | None) -> str:
    """``value`` lower-cased if it is a UUID; else the request ends with a 404."""
    if not is_uuid(value):
        abort(404)
    assert value is not None
    return value.lower()


def image_response(data: bytes, mimetype: str, **headers: str) -> Response:
    """An image: never sniffed as something else, an SVG sandboxed; ``headers`` added last."""
    response = Response(data, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers.update(headers)
    return response


def stored_bytes(response: Response, *, max_age: int = STORED_MAX_AGE) -> Response:
    """A response whose body is stored bytes (a signed credential, its JWT, a baked image): a
    strong ETag (RFC 9110 §8.8.3; the body's SHA-256, so every process and every replica gives
    the same one), ``Cache-Control: public, max-age``, and 304 Not Modified for a request whose
    If-None-Match names it (§13.1.2)."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:40])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)  # the same object, now 304 when the ETag matches
    return response


class StoredCache(Generic[T]):
    """Values by key, per process: what never changes once written (a signed credential) is
    read from the database once, not on every request; what a versioned key identifies (a
    rendered page) is made once per version. Bounded (least recently used out); an entry lives
    ``ttl`` seconds, so a deletion or a slow change (an issuer's name) is seen within that time."""

    def __init__(self, *, size: int = 4096, ttl: float = 60.0):
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._size, self._ttl = size, ttl
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value for ``key``, from ``load()`` when not kept (its exceptions propagate)."""
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self._ttl:
                self._entries.move_to_end(key)
                return hit[1]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

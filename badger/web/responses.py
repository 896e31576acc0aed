"""Small pieces every blueprint shares: the shape of a resource id in a URL, and the headers
of an image response."""

from __future__ import annotations

import re

from flask import Response, abort

__all__ = ["UUID", "is_uuid", "uuid_or_404", "image_response", "SVG_CSP"]

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

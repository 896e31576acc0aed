"""Badge baking (Open Badges 3.0 §5.3 "Baked Badge"): bytes in, bytes out.

PNG: one ``iTXt`` chunk ``openbadgecredential`` spliced into the existing stream.
SVG: an ``<openbadges:credential>`` element spliced in as the first child of ``<svg>``.
No image is ever decoded or re-encoded, and size limits apply before any parser runs.
"""

from __future__ import annotations

from badger.baking.png import (
    DEFAULT_MAX_DIMENSION,
    DEFAULT_MAX_PNG_BYTES,
    DEFAULT_MAX_TEXT_BYTES,
    ITXT_KEYWORD,
    PNG_SIGNATURE,
    bake_png,
    unbake_png,
)
from badger.baking.svg import (
    DEFAULT_MAX_SVG_BYTES,
    OB_SVG_NAMESPACE,
    SVG_NAMESPACE,
    bake_svg,
    unbake_svg,
)
from badger.errors import BakingError

__all__ = [
    "bake",
    "unbake",
    "image_kind",
    "bake_png",
    "unbake_png",
    "bake_svg",
    "unbake_svg",
    "PNG_SIGNATURE",
    "ITXT_KEYWORD",
    "SVG_NAMESPACE",
    "OB_SVG_NAMESPACE",
    "DEFAULT_MAX_PNG_BYTES",
    "DEFAULT_MAX_SVG_BYTES",
    "DEFAULT_MAX_DIMENSION",
    "DEFAULT_MAX_TEXT_BYTES",
]


def image_kind(data: bytes) -> str | None:
    """Sniff an image: "png" (PNG signature), "svg" (text starting with ``<``) or None.

    Input: the first bytes of a file (the whole file is fine). Output: the kind, decided by
    content only (never by file name or declared media type). Raises nothing. SVG is only a
    guess here; ``unbake_svg`` checks that the root element really is ``<svg>``.
    """
    head = bytes(data[:64])
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.lstrip(b" \t\r\n").startswith(b"<"):
        return "svg"
    return None


def _kind_or_fail(data: bytes) -> str:
    kind = image_kind(data)
    if kind is None:
        raise BakingError("not a PNG or SVG image", code="baking.unsupported_format")
    return kind


def bake(image: bytes, payload: str) -> bytes:
    """Bake a credential into a PNG or SVG, chosen by sniffing (OB 3.0 §5.3).

    Input: image bytes and the JSON credential text or compact JWS. Output: the baked image
    bytes, same format as the input. Raises BakingError for anything but PNG or SVG, plus
    whatever ``bake_png`` / ``bake_svg`` raise (ImageTooLarge, BakingError), with their
    default limits.
    """
    if _kind_or_fail(image) == "png":
        return bake_png(image, payload)
    return bake_svg(image, payload)


def unbake(data: bytes) -> tuple[str, str] | None:
    """Extract a baked credential from a PNG or SVG, chosen by sniffing (OB 3.0 §5.3).

    Input: image bytes. Output: ``(kind, payload)`` with kind "png" or "svg" and the payload
    exactly as baked (JSON credential text or compact JWS), or None when the image carries no
    OB 3.0 credential. Raises BakingError for anything but PNG or SVG, plus whatever
    ``unbake_png`` / ``unbake_svg`` raise (ImageTooLarge, BakingError), with their default
    limits.
    """
    kind = _kind_or_fail(data)
    payload = unbake_png(data) if kind == "png" else unbake_svg(data)
    return None if payload is None else (kind, payload)

"""QR codes of public URLs (a credential's page), as PNG or SVG, drawn with segno.

Drawing one costs a few milliseconds (field notes: ~5-6 ms per PNG) and a credential's URL
never changes, so results are cached per URL and format.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno

__all__ = ["qr_png", "qr_svg"]

_ERROR_LEVEL = "m"  # ~15 % of the symbol may be damaged (printed on paper, photographed)
_BORDER = 4  # the quiet zone ISO/IEC 18004 asks for


def _symbol(url: str):
    return segno.make(url, error=_ERROR_LEVEL, micro=False)


@lru_cache(maxsize=1024)
def qr_png(url: str, scale: int = 6) -> bytes:
    """PNG bytes of a QR code encoding ``url``. Raises ValueError if ``url`` cannot fit."""
    out = io.BytesIO()
    _symbol(url).save(out, kind="png", scale=scale, border=_BORDER)
    return out.getvalue()


@lru_cache(maxsize=1024)
def qr_svg(url: str, scale: int = 6) -> bytes:
    """SVG bytes of a QR code encoding ``url`` (the URL is also its <title>, for screen
    readers and for people who cannot scan). Raises ValueError if ``url`` cannot fit."""
    out = io.BytesIO()
    _symbol(url).save(
        out,
        kind="svg",
        scale=scale,
        border=_BORDER,
        title=url,
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    return out.getvalue()

"""QR codes of public URLs (a credential's page), as PNG or SVG, drawn with segno.

Drawing one costs a few milliseconds (field notes: ~5-6 ms per PNG) and a credential's URL
never changes, so results are cached per URL and format.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno

__all__ = ["qr_png", "qr_svg", "qr_print_png", "PRINT_PX"]

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


PRINT_PX = 1000  # a QR for print: at least 1000 px wide (about 8.5 cm at 300 dpi)


@lru_cache(maxsize=256)
def qr_print_png(url: str, min_px: int = PRINT_PX) -> bytes:
    """PNG bytes of the QR code of ``url`` at least ``min_px`` pixels wide: whole pixels per
    module (no resampling blur), the smallest scale that reaches ``min_px``."""
    symbol = _symbol(url)
    width, _ = symbol.symbol_size(scale=1, border=_BORDER)
    scale = -(-min_px // width)  # ceiling division
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=scale, border=_BORDER)
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

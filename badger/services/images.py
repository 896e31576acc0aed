"""Badge images: the stored image of a badge class, or a generated default when it has none.

The default is a small, self-contained SVG (no scripts, no external references, no fonts to
fetch) drawn from the badge class name and its issuer's name; its colour comes from a hash of
the name, so a badge class always gets the same colour and neighbouring classes differ.
It passes ``achievements.check_image`` and can be baked like any uploaded SVG.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import textwrap
from functools import lru_cache
from xml.sax.saxutils import escape

from badger.store import Achievement

__all__ = ["default_badge_svg", "achievement_image", "badge_colours", "SVG_TYPE", "PNG_TYPE"]

SVG_TYPE = "image/svg+xml"
PNG_TYPE = "image/png"

_NAME_LINE = 20  # characters per line of the name inside the badge
_NAME_LINES = 3


def badge_colours(name: str) -> tuple[str, str, str]:
    """-> (main, light, dark) hex colours for ``name``: hue from SHA-256 of the name, fixed
    lightness and saturation so white text on ``main`` keeps a readable contrast."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536.0

    def hex_of(lightness: float, saturation: float) -> str:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return "#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255))

    return hex_of(0.34, 0.55), hex_of(0.90, 0.45), hex_of(0.22, 0.60)


def _lines(text: str, width: int, count: int) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), width=width, break_long_words=True) or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _initials(name: str) -> str:
    words = [w for w in name.replace("—", " ").replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "★"


@lru_cache(maxsize=512)
def default_badge_svg(name: str, issuer_name: str = "") -> bytes:
    """A 400×400 SVG badge for a badge class without an image.

    Input: the badge class name and its issuer's name (any text; escaped). Output: UTF-8 SVG
    bytes, identical for identical input (cached). Raises nothing.
    """
    main, light, dark = badge_colours(name)
    name_lines = _lines(name, _NAME_LINE, _NAME_LINES)
    issuer_line = _lines(issuer_name, 30, 1)[0] if issuer_name else ""
    # Name block centred around y=255, one line every 26 px.
    first_y = 262 - (len(name_lines) - 1) * 13
    name_tspans = "".join(
        f'<tspan x="200" y="{first_y + i * 26}">{escape(line)}</tspan>' for i, line in enumerate(name_lines)
    )
    title = f"{name} — {issuer_name}" if issuer_name else name
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" role="img" aria-labelledby="badge-title">
<title id="badge-title">{escape(title)}</title>
<circle cx="200" cy="200" r="196" fill="{light}"/>
<circle cx="200" cy="200" r="182" fill="{main}"/>
<circle cx="200" cy="200" r="170" fill="none" stroke="{light}" stroke-width="3" stroke-dasharray="2 7"/>
<circle cx="200" cy="128" r="52" fill="{dark}"/>
<text x="200" y="146" text-anchor="middle" font-family="system-ui, 'DejaVu Sans', Arial, sans-serif" font-size="48" font-weight="700" fill="#ffffff">{escape(_initials(name))}</text>
<text text-anchor="middle" font-family="system-ui, 'DejaVu Sans', Arial, sans-serif" font-size="21" font-weight="600" fill="#ffffff">{name_tspans}</text>
<path d="M70 318 H330 L316 338 L330 358 H70 L84 338 Z" fill="{dark}"/>
<text x="200" y="344" text-anchor="middle" font-family="system-ui, 'DejaVu Sans', Arial, sans-serif" font-size="15" fill="#ffffff">{escape(issuer_line)}</text>
</svg>
"""
    return svg.encode("utf-8")


def _issuer_name(row: Achievement) -> str:
    try:
        creator = json.loads(row.document).get("creator")
    except (ValueError, AttributeError):
        return ""
    name = creator.get("name") if isinstance(creator, dict) else None
    return name if isinstance(name, str) else ""


def achievement_image(row: Achievement) -> tuple[bytes, str, bool]:
    """The image of a badge class -> (bytes, media type, is_default).

    The stored image (already checked on upload: PNG or sanitised SVG) or, when the class has
    none, the generated default SVG. Raises nothing.
    """
    if row.image:
        return bytes(row.image), row.image_type or SVG_TYPE, False
    return default_badge_svg(row.name, _issuer_name(row)), SVG_TYPE, True

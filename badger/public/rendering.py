"""Pictures made from a badge class's image for its credentials: the class image in the other
format (an SVG rasterised to PNG, a PNG wrapped in an SVG) so that every credential can be
baked both ways, and the 1200x630 PNG share card that link previews (``og:image``) show.

Rasterising SVG is done by resvg (``resvg-py``), a maintained renderer with no network access
and no scripting: it draws the already sanitised upload and nothing else. Pillow composes the
share card. Results are cached per input (a class image changes only when it is re-uploaded,
which gives new bytes and so a new cache key).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import resvg_py
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "PNG_TYPE",
    "SVG_TYPE",
    "as_png",
    "as_svg",
    "share_card",
    "CARD_SIZE",
    "monogram_svg",
    "data_url",
    "pdf_from_html",
    "rasterise_svg",
    "wrap_png",
]

PNG_TYPE = "image/png"
SVG_TYPE = "image/svg+xml"
RASTER_SIZE = 512  # the side of a PNG rasterised from an SVG class image (as the generated default)
CARD_SIZE = (1200, 630)  # Open Graph's recommended share image size (1.91:1)
_FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")

_cache: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()
_CACHE_ENTRIES = 256


def _cached(key: tuple, make: Callable[[], bytes]) -> bytes:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = make()
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return value


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rasterise_svg(svg: bytes, size: int = RASTER_SIZE) -> bytes:
    """PNG bytes of an SVG drawn into a ``size`` x ``size`` square (aspect kept, transparent
    margins). Raises ValueError when resvg cannot read the SVG."""

    def make() -> bytes:
        try:
            # resvg maps the generic families to fonts it cannot find on a minimal system
            # (sans-serif -> Arial): name DejaVu (a declared system font) so text is drawn.
            drawn = bytes(
                resvg_py.svg_to_bytes(
                    svg_string=svg.decode("utf-8"),
                    width=size,
                    font_family="DejaVu Sans",
                    sans_serif_family="DejaVu Sans",
                    serif_family="DejaVu Serif",
                    monospace_family="DejaVu Sans Mono",
                )
            )
        except Exception as exc:  # resvg raises plain exceptions for unreadable markup
            raise ValueError(f"cannot rasterise this SVG: {exc}") from exc
        image = Image.open(io.BytesIO(drawn)).convert("RGBA")
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        square = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        square.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
        out = io.BytesIO()
        square.save(out, "PNG", optimize=True)
        return out.getvalue()

    return _cached(("raster", _digest(svg), size), make)


def wrap_png(png: bytes) -> bytes:
    """An SVG document showing ``png`` at its own pixel size (the PNG embedded as a data: URL),
    into which a credential can be baked (OB 3.0 section 5.3.2, SVG baking, needs an <svg> root)."""

    def make() -> bytes:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
        data = base64.b64encode(png).decode("ascii")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">'
            f'<image width="{width}" height="{height}" href="data:image/png;base64,{data}"/></svg>\n'
        ).encode("ascii")

    return _cached(("wrap", _digest(png)), make)


def as_png(image: bytes, media_type: str) -> bytes:
    """The class image as PNG: itself when it is one, else its SVG rasterised."""
    return image if media_type == PNG_TYPE else rasterise_svg(image)


def as_svg(image: bytes, media_type: str) -> bytes:
    """The class image as SVG: itself when it is one, else its PNG wrapped."""
    return image if media_type == SVG_TYPE else wrap_png(image)


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(_FONTS[0] if bold else _FONTS[1], size)
    except OSError:  # DejaVu is a declared system dependency; still, never fail a picture over a font
        return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    words, lines, line = re.split(r"\s+", text.strip()), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] = lines[-1].rstrip() + "…"
    return lines


def share_card(image: bytes, media_type: str, *, title: str, recipient: str | None, issuer: str, caption: str) -> bytes:
    """A 1200x630 PNG for link previews: the badge image on the left, its name, the holder's
    name and the issuer on the right, on a white card. ``caption`` is the small line at the
    bottom (already translated by the caller)."""

    def make() -> bytes:
        width, height = CARD_SIZE
        card = Image.new("RGB", CARD_SIZE, (255, 255, 255))
        draw = ImageDraw.Draw(card)
        draw.rectangle((0, 0, width, 12), fill=(11, 87, 208))
        badge = Image.open(io.BytesIO(as_png(image, media_type))).convert("RGBA")
        badge.thumbnail((440, 440), Image.Resampling.LANCZOS)
        card.paste(badge, (70 + (440 - badge.width) // 2, 95 + (440 - badge.height) // 2), badge)
        left, text_width, y = 570, width - 570 - 60, 110
        title_font = _font(True, 54)
        for line in _wrap(draw, title, title_font, text_width, 3):
            draw.text((left, y), line, font=title_font, fill=(29, 35, 48))
            y += 66
        y += 18
        if recipient:
            name_font = _font(False, 38)
            for line in _wrap(draw, recipient, name_font, text_width, 2):
                draw.text((left, y), line, font=name_font, fill=(29, 35, 48))
                y += 48
            y += 10
        issuer_font = _font(False, 30)
        for line in _wrap(draw, issuer, issuer_font, text_width, 2):
            draw.text((left, y), line, font=issuer_font, fill=(79, 89, 107))
            y += 40
        small = _font(False, 24)
        draw.text((left, height - 70), caption, font=small, fill=(79, 89, 107))
        out = io.BytesIO()
        card.save(out, "PNG", optimize=True)
        return out.getvalue()

    return _cached(("card", _digest(image), media_type, title, recipient, issuer, caption), make)


def monogram_svg(name: str) -> bytes:
    """A partner's mark when Badger holds no logo of its own for it: its initials on a disc
    whose colour comes from the name (the same name, the same colour). Text is escaped."""
    words = [w for w in re.split(r"[\s\-'’]+", name) if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    hue = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:4], 16) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120" role="img">'
        f"<title>{_escape(name)}</title>"
        f'<rect width="120" height="120" rx="24" fill="hsl({hue},55%,32%)"/>'
        '<text x="60" y="76" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" '
        f'font-size="46" fill="#fff">{_escape(initials)}</text></svg>'
    ).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def data_url(data: bytes, media_type: str) -> str:
    """A ``data:`` URL of ``data`` (images embedded in a PDF: nothing fetched while rendering)."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def pdf_from_html(html: str) -> bytes:
    """An A4 PDF of ``html`` (its own CSS sets the page), drawn by WeasyPrint with every image
    embedded as a data: URL."""
    import weasyprint  # imported here: loading it (Pango, fonts) costs ~0.3 s, only PDFs need it

    # data: URLs only: never the network, never a file of this machine (WeasyPrint's own
    # allowed_protocols switch, "URL Fetchers" in its documentation).
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return bytes(weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf())

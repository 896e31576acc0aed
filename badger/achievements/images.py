"""Badge images: the stored image of a badge class, or a generated default when it has none.

The default is a 512×512 PNG drawn with Pillow: a round badge in the class's colour with its
initials in a medallion, its name in bold (wrapped on up to four lines, the type shrunk until
it fits) and its issuer's name on a ribbon. Text is drawn with Debian's DejaVu Sans Condensed
fonts (Pillow's built-in font has no accented letters), so French names keep their accents and
the result is the same on every machine with the same Pillow and fonts.

Colour: the partner's own (``colour="#1f6f5c"``, nudged darker or lighter only if no text
colour would be readable on it) or, by default, a hue taken from a hash of the
issuer's name (a partner's badges share a family of colours) shifted a little by a hash of the
badge name (neighbouring classes differ). Text is white or near-black, whichever contrasts
more with what is behind it; derived colours are dark enough for white text at a WCAG contrast
ratio of at least 5:1 (every text in the image is at least 4.5:1).

Same inputs, same bytes (baking stays stable; results are cached); about 15 ms of CPU each.
It passes ``achievements.check_image`` and is baked like any uploaded PNG.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from badger.achievements.models import Achievement
from badger.achievements.svg_safety import sanitize_svg
from badger.errors import InvalidInput

__all__ = [
    "default_badge_png",
    "achievement_image",
    "badge_palette",
    "contrast_ratio",
    "Palette",
    "DEFAULT_SIZE",
    "SVG_TYPE",
    "PNG_TYPE",
]

SVG_TYPE = "image/svg+xml"
PNG_TYPE = "image/png"
DEFAULT_SIZE = 512

# Debian's fonts-dejavu-core (installed by `make install`); Pillow finds a font by file name in
# the system font folders (XDG data dirs). Without it, Pillow's own font is used.
_BOLD = "DejaVuSansCondensed-Bold.ttf"
_REGULAR = "DejaVuSansCondensed.ttf"
# Code points drawn as they are (all in DejaVu); anything else is simplified first.
_DRAWABLE = re.compile(
    "[^\u0020-\u007e\u00a0-\u017f\u0218-\u021b\u02bc\u02c6\u02da\u02dc\u2010-\u2027\u2030\u2039\u203a"
    "\u2044\u20ac\u2116\u2122\u2190-\u2193\u2605\u2713]"
)
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")
_WHITE = (255, 255, 255)
_INK = (20, 23, 26)
# Small words that make poor initials ("Animer une fresque du climat" -> "AF").
_MINOR_WORDS = frozenset("à au aux d de des du en et l la le les of the and for pour par sur un une son sa ses".split())

# Geometry below is in pixels of the 512 px image (scaled for other sizes).
_SUPERSAMPLE = 2  # shapes are drawn at 2× and reduced, for smooth edges
_DRAWING = threading.Lock()


# --------------------------------------------------------------------------------- colours


@dataclass(frozen=True)
class Palette:
    """The colours of one badge: ``main`` (the disc), ``light`` (rim and dots), ``dark``
    (medallion and ribbon), and the text colour on ``main`` and on ``dark``."""

    main: tuple[int, int, int]
    light: tuple[int, int, int]
    dark: tuple[int, int, int]
    text_on_main: tuple[int, int, int]
    text_on_dark: tuple[int, int, int]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours, from 1 to 21."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, max(0.0, min(1.0, lightness)), saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _text_on(background: tuple[int, int, int]) -> tuple[int, int, int]:
    return max((_WHITE, _INK), key=lambda ink: contrast_ratio(ink, background))


def _readable(background: tuple[int, int, int]) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """-> (background, ink): white or near-black ink, whichever contrasts more; when neither
    reaches 4.5:1 (mid-tones such as #777777), the background is darkened or lightened, one
    step at a time, just until it does."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in background))
    while True:
        ink = _text_on(background)
        if contrast_ratio(ink, background) >= 4.5:
            return background, ink
        lightness += -0.01 if ink == _WHITE else 0.01
        background = _rgb(hue, lightness, saturation)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def _parse_colour(colour: str | None) -> tuple[int, int, int] | None:
    match = _HEX.fullmatch(colour.strip()) if isinstance(colour, str) else None
    if match is None:
        return None
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def badge_palette(name: str, issuer_name: str = "", colour: str | None = None) -> Palette:
    """-> the Palette of a badge. ``colour`` ("#rrggbb", the partner's choice) is used for the
    disc, as is unless no text colour reaches 4.5:1 on it (then nudged, see _readable). Without
    it (or when it is not a hex colour) the hue comes from the issuer's name shifted by up to
    ±30° by the badge name, and the lightness is lowered until white text reaches 5:1.
    Raises nothing."""
    chosen = _parse_colour(colour)
    if chosen is not None:
        main = chosen
        hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in chosen))
    else:
        if issuer_name.strip():
            hue = _digest(issuer_name.strip()) / 2**32 + ((_digest(name) % 61) - 30) / 360.0
        else:
            hue = _digest(name) / 2**32
        saturation, lightness = 0.58, 0.42
        main = _rgb(hue, lightness, saturation)
        while contrast_ratio(_WHITE, main) < 5.0:
            lightness -= 0.01
            main = _rgb(hue, lightness, saturation)
    main, text_on_main = _readable(main)
    light = _rgb(hue, 0.86 + 0.04 * (1 - saturation), min(saturation, 0.5))
    dark, text_on_dark = _readable(_rgb(hue, lightness * 0.62, min(1.0, saturation + 0.05)))
    return Palette(main=main, light=light, dark=dark, text_on_main=text_on_main, text_on_dark=text_on_dark)


# ------------------------------------------------------------------------------------ text


@lru_cache(maxsize=64)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # BASIC layout: the same glyph positions whether or not libraqm is installed.
    try:
        return ImageFont.truetype(_BOLD if bold else _REGULAR, size, layout_engine=ImageFont.Layout.BASIC)
    except OSError:  # no DejaVu on this machine: Pillow's font, legible but without accented glyphs
        return ImageFont.load_default(size)


def _drawable(text: str) -> str:
    """``text`` on one line with only characters DejaVu holds: controls and line
    breaks become spaces, others lose their accents (NFKD) or are left out (a "?" would make
    the badge look broken)."""
    text = " ".join("".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in text).split())

    def simplify(match: re.Match) -> str:
        plain = "".join(c for c in unicodedata.normalize("NFKD", match.group()) if not unicodedata.combining(c))
        return plain if plain and not _DRAWABLE.search(plain) else ""

    return " ".join(_DRAWABLE.sub(simplify, text).split())


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-–—/'’(),.:;«»\"]+", name) if w and w[0].isalnum()]
    major = [w for w in words if w.lower() not in _MINOR_WORDS] or words
    return "".join(w[0] for w in major[:2]).upper() or "★"


def _break_word(word: str, font, width: float) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and font.getlength(current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return pieces + [current] if current else pieces


def _wrap(text: str, font, width: float, break_words: bool) -> list[str] | None:
    """Greedy wrap by measured width; None when a word is too wide and may not be broken.

    Words are measured once and lines summed (word + space + word): several times fewer
    FreeType calls than measuring every candidate line. Kerning across a space can make a sum
    differ by a pixel, so each line is measured once at the end and, should one overflow, the
    text is wrapped again measuring every candidate."""
    lines = _wrap_by(text, font, width, break_words, additive=True)
    if lines is not None and any(font.getlength(line) > width for line in lines):
        lines = _wrap_by(text, font, width, break_words, additive=False)
    return lines


def _wrap_by(text: str, font, width: float, break_words: bool, additive: bool) -> list[str] | None:
    space = font.getlength(" ")
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in text.split(" "):
        word_width = font.getlength(word)
        if word_width > width:
            if not break_words:
                return None
            pieces = _break_word(word, font, width)
            if current:
                lines.append(current)
            lines.extend(pieces[:-1])
            current, current_width = pieces[-1], font.getlength(pieces[-1])
            continue
        if not current:
            current, current_width = word, word_width
            continue
        candidate = f"{current} {word}"
        candidate_width = current_width + space + word_width if additive else font.getlength(candidate)
        if candidate_width <= width:
            current, current_width = candidate, candidate_width
        else:
            lines.append(current)
            current, current_width = word, word_width
    if current:
        lines.append(current)
    return lines or [""]


def _ellipsize(line: str, font, width: float) -> str:
    while line and font.getlength(line.rstrip() + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


def _fit(
    text: str, *, bold: bool, width: float, height: float, max_lines: int, sizes: range, leading: float = 1.16
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str], float]:
    """The largest size in ``sizes`` (descending) at which ``text`` wraps into ``max_lines``
    lines within ``width`` × ``height``; at the smallest size, words are broken and the last
    line ends with "…". Words are only broken when one is wider than a line at every size.
    -> (font, lines, line height)."""

    def attempt(size: int, break_words: bool) -> list[str] | None:
        font = _font(bold, size)
        line_height = size * leading
        if len(text) > 8 and font.getlength(text) > width * max_lines:  # cheap: cannot fit
            return None
        lines = _wrap(text, font, width, break_words)
        if lines is not None and len(lines) <= max_lines and len(lines) * line_height <= height:
            return lines
        return None

    # Whole words first; then, for a word longer than a line, the largest size that breaks it.
    for break_words in (False, True):
        for size in sizes:
            lines = attempt(size, break_words)
            if lines is not None:
                return _font(bold, size), lines, size * leading
    size = sizes[-1]
    font = _font(bold, size)
    fitting = max(1, min(max_lines, int(height // (size * leading))))
    lines = _wrap(text, font, width, break_words=True) or [""]
    if len(lines) > fitting:
        lines = lines[:fitting]
        lines[-1] = _ellipsize(lines[-1], font, width)
    return font, lines, size * leading


# ---------------------------------------------------------------------------------- drawing


@lru_cache(maxsize=8)
def _masks(size: int, with_ribbon: bool) -> tuple[Image.Image, tuple[tuple[str, tuple[int, int], Image.Image], ...]]:
    """The badge's shapes as anti-aliased masks (drawn at 2×, reduced): the outline (the alpha
    channel) and the layers over it, each with its palette role, its position and its mask
    cropped to what it covers. They do not depend on the colours, so they are cached."""
    s = size * _SUPERSAMPLE
    k = s / 512

    def layer(draw_on) -> Image.Image:
        mask = Image.new("L", (s, s), 0)
        draw_on(ImageDraw.Draw(mask))
        return mask.reduce(_SUPERSAMPLE)

    def circle(draw, cx, cy, r):
        draw.ellipse([(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k], fill=255)

    def disc_without_dots(draw):  # the disc, with a ring of dots just inside the rim left out
        circle(draw, 256, 256, 238)
        for i in range(60):
            angle = 2 * math.pi * i / 60
            x, y, r = 256 + 224 * math.cos(angle), 256 + 224 * math.sin(angle), 2.6
            draw.ellipse([(x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k], fill=0)

    layers = [
        ("main", disc_without_dots),
        ("light", lambda d: circle(d, 256, 140, 64)),
        ("dark", lambda d: circle(d, 256, 140, 58)),
    ]
    if with_ribbon:
        top, bottom, notch = 378, 444, 18
        middle = (top + bottom) / 2

        def ribbon(draw):  # a banner wider than the disc, with notched ends
            draw.polygon(
                [
                    (x * k, y * k)
                    for x, y in (
                        (18, top),
                        (494, top),
                        (494 - notch, middle),
                        (494, bottom),
                        (18, bottom),
                        (18 + notch, middle),
                    )
                ],
                fill=255,
            )

        def stitches(draw):
            for y in (top + 5, bottom - 5):
                draw.line([(40 * k, y * k), (472 * k, y * k)], fill=255, width=max(1, round(2 * k)))

        layers += [("dark", ribbon), ("light", stitches)]
    outline = layer(lambda d: circle(d, 256, 256, 254))
    cropped = []
    for role, draw_on in layers:
        mask = layer(draw_on)
        box = mask.getbbox()
        assert box is not None  # every layer draws something
        cropped.append((role, box[:2], mask.crop(box)))
    return outline, tuple(cropped)


def _shapes(size: int, palette: Palette, with_ribbon: bool) -> Image.Image:
    """The badge without text: the rim colour inside the outline, then each layer's colour
    through its mask. Transparent corners carry the rim's colour so blended edges stay clean."""
    outline, layers = _masks(size, with_ribbon)
    image = Image.new("RGBA", (size, size), palette.light + (255,))
    image.putalpha(outline)
    for role, position, mask in layers:
        image.paste(
            getattr(palette, role) + (255,), position + (position[0] + mask.width, position[1] + mask.height), mask
        )
    return image


@lru_cache(maxsize=256)
def default_badge_png(name: str, issuer_name: str = "", colour: str | None = None, size: int = DEFAULT_SIZE) -> bytes:
    """A ``size``×``size`` PNG badge for a badge class without an image.

    Input: the badge class name, its issuer's name (any text: line breaks and characters the
    fonts lack are simplified, long texts wrapped, shrunk and at worst cut with "…"), an
    optional "#rrggbb" colour chosen by the partner, and the size in pixels (128 to 2048).
    Output: PNG bytes (256-colour palette with transparency, transparent corners), identical
    for identical input (cached). Raises ValueError for a size out of range.
    """
    if not 128 <= size <= 2048:
        raise ValueError("size must be between 128 and 2048 pixels")
    # The cached FreeType faces are not safe to use from two threads at once (threaded servers).
    with _DRAWING:
        return _draw(name, issuer_name, colour, size)


def _draw(name: str, issuer_name: str, colour: str | None, size: int) -> bytes:
    palette = badge_palette(name, issuer_name, colour)
    title = _drawable(name) or "Badge"
    issuer = _drawable(issuer_name)
    image = _shapes(size, palette, bool(issuer))
    draw = ImageDraw.Draw(image)
    k = size / 512

    # Initials in the medallion.
    initials = _initials(title)
    font = _font(True, round((56 if len(initials) < 2 else 48) * k))
    draw.text((256 * k, 141 * k), initials, font=font, fill=palette.text_on_dark, anchor="mm")

    # The name: between the medallion and the ribbon (lower when there is no ribbon).
    top, bottom = (218, 370) if issuer else (222, 420)
    font, lines, line_height = _fit(
        title,
        bold=True,
        width=372 * k,
        height=(bottom - top) * k,
        max_lines=4,
        sizes=range(round(50 * k), round(21 * k) - 1, -max(1, round(2 * k))),
    )
    first = (top + bottom) / 2 * k - (len(lines) - 1) * line_height / 2
    for i, line in enumerate(lines):
        draw.text((256 * k, first + i * line_height), line, font=font, fill=palette.text_on_main, anchor="mm")

    # The issuer on the ribbon, on one line.
    if issuer:
        font, lines, _ = _fit(
            issuer,
            bold=False,
            width=372 * k,
            height=40 * k,
            max_lines=1,
            sizes=range(round(27 * k), round(17 * k) - 1, -1),
        )
        draw.text((256 * k, 412 * k), lines[0], font=font, fill=palette.text_on_dark, anchor="mm")

    out = io.BytesIO()
    _to_palette(image, palette).save(out, "PNG")
    return out.getvalue()


def _to_palette(image: Image.Image, palette: Palette) -> Image.Image:
    """Flat colours and anti-aliased edges: 256 palette entries lose nothing visible, and the
    file is half the size and quicker to write than RGBA. The quantizer averages each bucket,
    which can shift a flat colour by a unit or two (and make the disc 254/255 opaque): entries
    that close to one of the palette's colours are set back to it exactly."""
    quantized = image.quantize(256, method=Image.Quantize.FASTOCTREE)
    exact = [
        colour + (255,)
        for colour in (palette.main, palette.light, palette.dark, palette.text_on_main, palette.text_on_dark)
    ] + [palette.light + (0,)]
    entries = quantized.getpalette("RGBA") or []
    snapped: list[int] = []
    for i in range(0, len(entries), 4):
        r, g, b, a = entry = tuple(entries[i : i + 4])
        for colour in exact:
            if abs(r - colour[0]) + abs(g - colour[1]) + abs(b - colour[2]) + abs(a - colour[3]) <= 8:
                entry = colour
                break
        snapped.extend(entry)
    quantized.putpalette(snapped, "RGBA")
    return quantized


# ------------------------------------------------------------------------------ the image


def _issuer_name(row: Achievement) -> str:
    try:
        creator = json.loads(row.document).get("creator")
    except (ValueError, AttributeError):
        return ""
    name = creator.get("name") if isinstance(creator, dict) else None
    return name if isinstance(name, str) else ""


@lru_cache(maxsize=64)
def _clean_svg(data: bytes) -> bytes:
    try:
        return sanitize_svg(data)
    except InvalidInput:  # a stored image that no longer passes: the sanitised nothing
        return sanitize_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"/>')


def achievement_image(row: Achievement) -> tuple[bytes, str, bool]:
    """The image of a badge class -> (bytes, media type, is_default).

    The stored image (already checked on upload: PNG or sanitised SVG) or, when the class has
    none, the generated default PNG (``default_badge_png`` of its name and its issuer's name).
    Raises nothing.
    """
    if row.image:
        if (row.image_type or SVG_TYPE) == SVG_TYPE:
            # Rebuilt again on the way out: images stored before the allow-list existed must
            # not carry anything into pages or baked credentials (cached: same bytes, same result).
            return _clean_svg(bytes(row.image)), SVG_TYPE, False
        return bytes(row.image), row.image_type or SVG_TYPE, False
    return default_badge_png(row.name, _issuer_name(row)), PNG_TYPE, True

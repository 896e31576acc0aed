"""SVG badge images rebuilt from an allow-list, and the size every badge image may have.

A badge image is served on Badger's origin and, baked, travels with the credential to wherever
its holder takes it: a viewer that opens the SVG as a document (not through ``<img>``) runs what
it contains. Refusing known-bad constructs is a deny-list, and SVG has too many ways in
(``<animate attributeName="href" values="javascript:...">``, ``<set attributeName="onclick">``,
``<style>@import``, ``fill:url(http://...)``, ``<use href="data:...">``, an XHTML ``<meta
http-equiv="refresh">``, ``<foreignObject>``, a DOCTYPE...). So the document is parsed with
defusedxml and a *new* document is written that holds only:

- elements of the SVG namespace that draw (shapes, text, gradients, patterns, clip paths,
  masks, markers, filters) — no script, animation, link, foreignObject or foreign namespace;
- attributes that are geometry or presentation (no event handler, no ``href`` except a
  fragment ``#id``, or a raster ``data:image/png|jpeg|gif|webp`` on ``<image>``);
- CSS (``style`` attributes and ``<style>`` elements) without at-rules, escapes or ``url()``
  other than ``url(#id)``;
- no DOCTYPE, processing instruction, comment or entity.

Written here (not a library) because no maintained Python package sanitises SVG: nh3/ammonia
and bleach target HTML, and svg-hush is a Rust program. The allow-list follows SVG 1.1 / SVG 2
element and presentation attribute indexes.

``MAX_SIDE``: a badge is shown at a few hundred pixels; 2048 per side is ample, while a
10000x10000 PNG (97 KB compressed) costs a browser ~400 MB decoded.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from badger.errors import InvalidInput

__all__ = ["sanitize_svg", "MAX_SIDE", "svg_size"]

MAX_SIDE = 2048
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

_ELEMENTS = frozenset(
    """svg g defs symbol use title desc path rect circle ellipse line polyline polygon text tspan
    textPath image linearGradient radialGradient stop pattern clipPath mask marker filter style
    feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting
    feSpotLight feTile feTurbulence""".split()
)
# Presentation attributes (SVG 2 §"Presentation attributes") and the geometry / structure
# attributes of the elements above. No event attribute, no animation attribute.
_ATTRIBUTES = frozenset(
    """id class style transform x y x1 x2 y1 y2 cx cy r rx ry fx fy fr width height d points
    viewBox preserveAspectRatio version lang tabindex pathLength role aria-label aria-labelledby
    aria-describedby aria-hidden focusable
    fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity color
    color-interpolation color-interpolation-filters color-rendering display visibility overflow
    clip clip-path clip-rule mask filter marker-start marker-mid marker-end paint-order
    vector-effect shape-rendering text-rendering image-rendering isolation mix-blend-mode
    font font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
    text-anchor text-decoration dominant-baseline alignment-baseline baseline-shift
    letter-spacing word-spacing writing-mode direction unicode-bidi white-space
    dx dy rotate textLength lengthAdjust startOffset method spacing side
    offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod
    patternUnits patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits
    markerWidth markerHeight markerUnits refX refY orient
    filterUnits primitiveUnits in in2 result stdDeviation mode operator k1 k2 k3 k4 values type
    tableValues slope intercept amplitude exponent order kernelMatrix divisor bias targetX
    targetY edgeMode preserveAlpha surfaceScale diffuseConstant specularConstant
    specularExponent kernelUnitLength scale xChannelSelector yChannelSelector azimuth elevation
    z pointsAtX pointsAtY pointsAtZ limitingConeAngle radius baseFrequency numOctaves seed
    stitchTiles flood-color flood-opacity lighting-color""".split()
)
_RASTER_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_FRAGMENT = re.compile(r"^#[A-Za-z_][\w.:-]*$")
_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_SAFE_URL = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][\w.:-]*\1\s*\)", re.IGNORECASE)
# Anything CSS could use to reach outside or run: at-rules, escapes (which hide the others),
# legacy script hooks, markup.
_CSS_DANGER = re.compile(r"@|\\|expression\s*\(|javascript:|behavior\s*:|-moz-binding|<|>|&", re.IGNORECASE)
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px|pt|pc|in|cm|mm|)\s*$")


def _fail(message: str) -> InvalidInput:
    return InvalidInput(message, code="image.unsafe_svg", field="image")


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _safe_css(value: str) -> bool:
    """No at-rule, escape or script hook; every url() is a fragment reference."""
    if _CSS_DANGER.search(value):
        return False
    return len(_URL.findall(value)) == len(_SAFE_URL.findall(value))


def _clean_value(name: str, value: str) -> str | None:
    """The attribute's value when it is safe, else None (the attribute is dropped)."""
    if "javascript:" in value.lower().replace(" ", "") or "data:" in value.lower().replace(" ", ""):
        return None
    if name == "style" or _URL.search(value):
        return value if _safe_css(value) else None
    return value


def svg_size(root: Element) -> tuple[float | None, float | None]:
    """The root's width and height in CSS pixels (None: absent, relative or unknown unit)."""

    def length(raw: str | None) -> float | None:
        match = _LENGTH.match(raw or "")
        return float(match.group(1)) * _UNITS[match.group(2)] if match else None

    width, height = length(root.get("width")), length(root.get("height"))
    if width is None and height is None:  # the viewBox then gives the intrinsic size
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            width, height = length(box[2]), length(box[3])
    return width, height


def sanitize_svg(data: bytes) -> bytes:
    """-> a new SVG document holding only the allow-listed parts of ``data``.

    Raises InvalidInput: ``image.invalid`` when it does not parse (entities, external
    references and DTD internal subsets are refused by defusedxml) or has no ``<svg>`` root,
    ``image.too_large`` when it is larger than MAX_SIDE pixels on a side."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidInput(f"unreadable SVG: {exc}", code="image.invalid", field="image") from exc
    if _local(root.tag) not in ((SVG_NS, "svg"), ("", "svg")):
        raise InvalidInput("the SVG has no <svg> root", code="image.invalid", field="image")
    width, height = svg_size(root)
    if (width or 0) > MAX_SIDE or (height or 0) > MAX_SIDE:
        raise InvalidInput(
            f"the SVG is {width:g}x{height or 0:g} pixels, the limit is {MAX_SIDE} per side",
            code="image.too_large",
            field="image",
        )
    out: list[str] = []
    _write(root, out, is_root=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(out) + "\n").encode("utf-8")


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _write(element: Element, out: list[str], *, is_root: bool = False) -> bool:
    """Append the cleaned ``element`` (with its allowed children) to ``out``; False if dropped."""
    ns, local = _local(element.tag)
    if ns not in (SVG_NS, "") or local not in _ELEMENTS:
        return False
    attributes: list[tuple[str, str]] = []
    for raw_name, value in element.attrib.items():
        attr_ns, name = _local(raw_name)
        if name in ("href",) and attr_ns in ("", XLINK_NS):
            if _FRAGMENT.match(value.strip()) or (local == "image" and _RASTER_DATA.match(value.strip())):
                attributes.append(("href", value.strip()))
            continue
        if attr_ns == XML_NS and name in ("space", "lang"):
            attributes.append((f"xml:{name}", value))
            continue
        if attr_ns or name not in _ATTRIBUTES:
            continue
        clean = _clean_value(name, value)
        if clean is not None:
            attributes.append((name, clean))
    if local in ("use", "textPath") and not any(n == "href" for n, _ in attributes):
        return False  # a reference that pointed outside the document: nothing left to draw
    if local == "style":
        css = "".join(element.itertext())
        if not _safe_css(css):
            return False
        attributes = [(n, v) for n, v in attributes if n in ("type",)]
        out.append("<style>" + _escape(css) + "</style>")
        return True
    if is_root:
        attributes = [("xmlns", SVG_NS), *attributes]
    out.append("<" + local + "".join(f' {n}="{_escape(v, quote=True)}"' for n, v in attributes) + ">")
    if element.text and local in ("text", "tspan", "textPath", "title", "desc"):
        out.append(_escape(element.text))
    for child in element:
        _write(child, out)
        if child.tail and local in ("text", "tspan", "textPath"):
            out.append(_escape(child.tail))
    out.append(f"</{local}>")
    return True

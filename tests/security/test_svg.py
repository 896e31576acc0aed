"""Must show 3: hostile SVG does not survive sanitation; legitimate badge images render the same.

The hostile corpus is the one the hardening issue lists plus scripting examples written after
the SVG 1.1 "Scripting" chapter (script elements, event attributes, handler elements, links to
javascript:, XML Events). Every legitimate badge image used by the tests is rasterised with
resvg before and after sanitation: the pixels must be identical.
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import fromstring

import pytest
import resvg_py
from PIL import Image

from badger.achievements.svg_safety import MAX_SIDE, SVG_NS, sanitize_svg
from badger.errors import InvalidInput
from tests.e2e.test_baked_downloads import UPLOADED_SVG
from tests.web.api.test_api import SVG as API_SVG

XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
HEAD = f'<svg xmlns="{SVG_NS}" {XLINK} width="100" height="100" viewBox="0 0 100 100">'
SHAPE = '<circle cx="50" cy="50" r="40" fill="#1f6f5c"/>'

HOSTILE = {
    # The corpus.
    "animate href": f'{HEAD}<a href="#x"><animate attributeName="href" values="javascript:alert(1)"/>{SHAPE}</a></svg>',
    "set onmouseover": f'{HEAD}{SHAPE}<set attributeName="onmouseover" to="alert(1)"/></svg>',
    "style import": f"{HEAD}<style>@import url(http://evil.example/x.css);</style>{SHAPE}</svg>",
    "fill url http": f'{HEAD}<rect width="10" height="10" style="fill:url(http://evil.example/p#g)"/></svg>',
    "fill attribute url": f'{HEAD}<rect width="10" height="10" fill="url(https://evil.example/p#g)"/></svg>',
    "use data": f'{HEAD}<use href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>',
    "use external": f'{HEAD}<use xlink:href="https://evil.example/sprite.svg#a"/></svg>',
    "xhtml meta refresh": (
        f'{HEAD}<foreignObject width="10" height="10"><html xmlns="http://www.w3.org/1999/xhtml">'
        '<meta http-equiv="refresh" content="0;url=https://evil.example/"/></html></foreignObject></svg>'
    ),
    "meta refresh bare": (
        f'{HEAD}<meta xmlns="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=https://e.example"/>'
        "</svg>"
    ),
    "doctype system": f'<!DOCTYPE svg SYSTEM "https://evil.example/svg.dtd">{HEAD}{SHAPE}</svg>',
    "doctype public": (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        f"{HEAD}{SHAPE}</svg>"
    ),
    "image external": f'{HEAD}<image href="https://tracker.example/pixel.png" width="1" height="1"/></svg>',
    "image svg data": f'{HEAD}<image href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;" width="1"/></svg>',
    "css escape": f'{HEAD}<rect width="1" height="1" style="fill:u\\72l(http://evil.example/)"/></svg>',
    "style expression": f"{HEAD}<style>rect{{width:expression(alert(1))}}</style>{SHAPE}</svg>",
    "feImage external": (
        f'{HEAD}<filter id="f"><feImage href="https://evil.example/i.png"/></filter>'
        f'<rect width="9" height="9" filter="url(#f)"/></svg>'
    ),
    "processing instruction": f'<?xml-stylesheet href="https://evil.example/s.css"?>{HEAD}{SHAPE}</svg>',
    # Scripting, after the SVG 1.1 "Scripting" chapter's examples.
    "script cdata": (
        f'{HEAD}<script type="application/ecmascript"><![CDATA[function grow(e){{e.target.setAttribute("r",80)}}]]>'
        f'</script><circle onclick="grow(evt)" cx="50" cy="50" r="40" fill="red"/></svg>'
    ),
    "script xlink src": f'{HEAD}<script xlink:href="https://evil.example/x.js"/>{SHAPE}</svg>',
    "onload root": f'<svg xmlns="{SVG_NS}" onload="alert(document.domain)" width="10" height="10">{SHAPE}</svg>',
    "event attributes": (
        f'{HEAD}<g onmouseover="a()" onfocusin="b()" onactivate="c()"><rect width="5" height="5"'
        ' onmousedown="d()" onkeydown="e()"/></g></svg>'
    ),
    "handler element": (
        f'<svg xmlns="{SVG_NS}" xmlns:ev="http://www.w3.org/2001/xml-events" width="10" height="10">'
        '<handler type="application/ecmascript" ev:event="click">alert(1)</handler>'
        '<listener event="click" handler="#h"/></svg>'
    ),
    "link javascript": f'{HEAD}<a xlink:href="javascript:alert(1)">{SHAPE}</a></svg>',
    "link target": f'{HEAD}<a href="https://phish.example/" target="_top">{SHAPE}</a></svg>',
    "animate onclick": f'{HEAD}<circle r="5"><animate attributeName="onclick" to="alert(1)"/></circle></svg>',
    "animateMotion mpath": (
        f'{HEAD}<path id="p" d="M0 0L9 9"/><circle r="2"><animateMotion><mpath href="#p"/></animateMotion></circle></svg>'
    ),
    "iframe": (
        f'{HEAD}<foreignObject width="9" height="9"><iframe xmlns="http://www.w3.org/1999/xhtml" '
        'src="javascript:alert(1)"/></foreignObject></svg>'
    ),
    "entity in attribute": f'{HEAD}<a href="jav&#x09;ascript:alert(1)">{SHAPE}</a></svg>',
}

# What may never appear in a sanitised document (lower-cased).
_FORBIDDEN_TEXT = (
    "script",
    "javascript",
    "onload",
    "onclick",
    "onmouse",
    "onfocus",
    "onactivate",
    "onkey",
    "@import",
    "expression(",
    "<!doctype",
    "<?xml-stylesheet",
    "<animate",
    "<set",
    "<a ",
    "<a>",
    "foreignobject",
    "<meta",
    "<iframe",
    "<handler",
    "<listener",
    "<mpath",
    "evil.example",
    "tracker.example",
    "phish.example",
    "data:image/svg",
    "url(http",
    "\\",
)


def _check_clean(document: bytes) -> None:
    lowered = document.decode("utf-8").lower()
    for needle in _FORBIDDEN_TEXT:
        assert needle not in lowered, needle
    root = fromstring(document)
    for element in root.iter():
        assert element.tag.startswith("{" + SVG_NS + "}"), element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            if name.endswith("href"):
                assert value.startswith("#") or value.startswith(("data:image/png", "data:image/jpeg")), value


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_nothing_hostile_survives(name):
    try:
        cleaned = sanitize_svg(HOSTILE[name].encode())
    except InvalidInput as exc:  # refused outright is fine too
        assert exc.code in ("image.invalid", "image.unsafe_svg")
        return
    _check_clean(cleaned)
    assert sanitize_svg(cleaned) == cleaned  # stable: sanitising twice changes nothing


@pytest.mark.parametrize(
    "svg",
    [
        f'<svg xmlns="{SVG_NS}" width="10000" height="10000"/>',
        f'<svg xmlns="{SVG_NS}" width="30in" height="1in"/>',
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 5000 5000"/>',
    ],
)
def test_svg_dimensions_are_capped(svg):
    with pytest.raises(InvalidInput) as err:
        sanitize_svg(svg.encode())
    assert err.value.code == "image.too_large"
    # A large viewBox is fine when the size says how big it is drawn.
    sanitize_svg(f'<svg xmlns="{SVG_NS}" width="{MAX_SIDE}" height="512" viewBox="0 0 5000 5000"/>'.encode())


def test_png_dimensions_are_capped():
    from badger.achievements import service as achievements

    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    with pytest.raises(InvalidInput) as err:
        achievements.check_image(out.getvalue(), 1024 * 1024)
    assert err.value.code == "image.too_large" and len(out.getvalue()) < 1024 * 1024
    small = io.BytesIO()
    Image.new("RGB", (MAX_SIDE, 64)).save(small, "PNG")
    assert achievements.check_image(small.getvalue(), 1024 * 1024) == "image/png"


# Every legitimate badge SVG of the test suite, and what design tools write.
LEGITIMATE = {
    "api upload": API_SVG,
    "e2e upload (xlink, title, comments)": UPLOADED_SVG.decode(),
    "baking fixture": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<svg xmlns="{SVG_NS}" {XLINK} '
        'viewBox="0 0 10 10" width="100" height="100">\n  <circle cx="5" cy="5" r="4" fill="#c00"/>\n'
        '  <text x="1" y="9" font-size="2">Atelier numérique</text>\n</svg>\n'
    ),
    "editor export (classes, gradients, clip, filter, markers)": f"""<svg xmlns="{SVG_NS}" {XLINK} width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <style>.cls-1{{fill:url(#grad);}} .cls-2{{fill:#fff;stroke:#1f3b57;stroke-width:4px;}}</style>
    <linearGradient id="grad" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f4d35e"/><stop offset="1" stop-color="#ee964b"/></linearGradient>
    <radialGradient id="rg" cx="0.5" cy="0.5" r="0.5"><stop offset="0" stop-color="#fff" stop-opacity="0.8"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>
    <clipPath id="clip"><circle cx="128" cy="128" r="100"/></clipPath>
    <filter id="shadow" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur in="SourceAlpha" stdDeviation="3"/><feOffset dx="2" dy="3" result="o"/><feMerge><feMergeNode in="o"/><feMergeNode in="SourceGraphic"/></feMerge></filter>
    <marker id="m" markerWidth="6" markerHeight="6" refX="3" refY="3"><circle cx="3" cy="3" r="2" fill="#1f3b57"/></marker>
    <symbol id="star" viewBox="0 0 10 10"><polygon points="5,0 6.5,3.5 10,4 7.5,6.5 8,10 5,8 2,10 2.5,6.5 0,4 3.5,3.5"/></symbol>
    <pattern id="dots" width="8" height="8" patternUnits="userSpaceOnUse"><circle cx="4" cy="4" r="1.5" fill="#1f3b57" fill-opacity="0.3"/></pattern>
  </defs>
  <g filter="url(#shadow)">
    <circle class="cls-1" cx="128" cy="128" r="110"/>
    <circle cx="128" cy="128" r="110" fill="url(#dots)"/>
    <g clip-path="url(#clip)"><rect x="28" y="150" width="200" height="80" fill="url(#rg)"/></g>
    <path class="cls-2" d="M70 140 L110 180 L190 90" fill="none" stroke-linecap="round" stroke-linejoin="round" marker-end="url(#m)"/>
    <use href="#star" x="108" y="20" width="40" height="40" fill="#1f3b57"/>
    <use xlink:href="#star" x="20" y="108" width="24" height="24" style="fill:#1f3b57;opacity:0.6"/>
    <ellipse cx="128" cy="230" rx="60" ry="8" fill="#000" opacity="0.15"/>
    <polyline points="40,40 60,30 80,40" stroke="#1f3b57" fill="none" stroke-dasharray="4 2"/>
    <line x1="40" y1="216" x2="216" y2="216" stroke="#1f3b57" transform="rotate(2 128 216)"/>
  </g>
</svg>""",
    "embedded raster": (
        f'<svg xmlns="{SVG_NS}" width="64" height="64"><image width="64" height="64" href="data:image/png;base64,'
        + __import__("base64")
        .b64encode((lambda b: (Image.new("RGB", (8, 8), (200, 30, 60)).save(b, "PNG"), b.getvalue())[1])(io.BytesIO()))
        .decode()
        + '"/></svg>'
    ),
}


def _pixels(svg: bytes | str) -> tuple[tuple[int, int], bytes]:
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    png = bytes(resvg_py.svg_to_bytes(svg_string=text))
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return image.size, image.tobytes()


@pytest.mark.parametrize("name", sorted(LEGITIMATE))
def test_legitimate_badges_render_identically(name):
    original = LEGITIMATE[name]
    cleaned = sanitize_svg(original.encode("utf-8"))
    _check_clean(cleaned)
    size, before = _pixels(original)
    assert size[0] > 0 and any(before)  # something is drawn
    assert _pixels(cleaned) == (size, before)

"""SVG baking: 1EdTech fixtures, byte-preserving round trips, hostile XML."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badger.baking import bake, bake_svg, image_kind, unbake, unbake_svg
from badger.errors import BakingError, ImageTooLarge

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "1edtech-validator-ob30"
OB = "https://purl.imsglobal.org/ob/v3p0"
SVG = "http://www.w3.org/2000/svg"
CREDENTIAL = f"{{{OB}}}credential"
DECLARATION = f' xmlns:openbadges="{OB}"'.encode()

PLAIN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- made by hand -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">\n'
    b'  <circle cx="5" cy="5" r="4" fill="#c00"/>\n'
    b'  <text x="1" y="9">Atelier num\xc3\xa9rique</text>\n'
    b"</svg>\n"
)
JSON_PAYLOAD = json.dumps(
    {"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "Médiatrice numérique 🎓"}, ensure_ascii=False
)
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUub3JnIn0.c2lnbmF0dXJl"


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # trusted test data: our own output


def is_compact_jws(text: str) -> bool:
    parts = text.split(".")
    if len(parts) != 3 or not all(parts):
        return False
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    return "alg" in header


# --- fixtures ---------------------------------------------------------------------------------


def test_unbake_1edtech_json_svg():
    payload = unbake_svg((VECTORS / "simple-json.svg").read_bytes())
    credential = json.loads(payload)
    assert "OpenBadgeCredential" in credential["type"]


@pytest.mark.parametrize("name", ["simple-jwt.svg", "simple-jwt_v1.svg"])
def test_unbake_1edtech_jwt_svg(name):
    assert is_compact_jws(unbake_svg((VECTORS / name).read_bytes()))


@pytest.mark.parametrize("name", ["simple-json.svg", "simple-jwt.svg", "simple-jwt_v1.svg"])
def test_unbake_sniffs_svg(name):
    data = (VECTORS / name).read_bytes()
    assert unbake(data) == ("svg", unbake_svg(data))


def test_rebake_fixture_replaces_credential_and_keeps_doctype():
    original = (VECTORS / "simple-json.svg").read_bytes()
    baked = bake_svg(original, JWS)
    assert unbake_svg(baked) == JWS
    assert baked.count(b"<openbadges:credential") == 1
    assert baked.count(b"xmlns:openbadges=") == 1  # already declared, not added twice
    assert b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"' in baked
    root = parse(baked)
    assert root[0].tag == CREDENTIAL and root[0].get("verify") == JWS


# --- round trips ------------------------------------------------------------------------------


def test_bake_json_into_cdata_as_first_child():
    baked = bake_svg(PLAIN, JSON_PAYLOAD)
    root = parse(baked)
    assert root.tag == f"{{{SVG}}}svg"
    first = root[0]
    assert first.tag == CREDENTIAL and first.get("verify") is None
    assert json.loads(first.text) == json.loads(JSON_PAYLOAD)
    assert b"<![CDATA[" + JSON_PAYLOAD.encode() + b"]]>" in baked
    assert unbake_svg(baked) == JSON_PAYLOAD


def test_bake_preserves_everything_else_byte_for_byte():
    baked = bake_svg(PLAIN, JSON_PAYLOAD)
    element = b"<openbadges:credential><![CDATA[" + JSON_PAYLOAD.encode() + b"]]></openbadges:credential>"
    assert baked.replace(element, b"").replace(DECLARATION, b"") == PLAIN


def test_bake_jws_into_verify_attribute():
    baked = bake_svg(PLAIN, JWS)
    first = parse(baked)[0]
    assert first.tag == CREDENTIAL
    assert first.get("verify") == JWS
    assert not (first.text or "").strip() and len(first) == 0
    assert unbake_svg(baked) == JWS


def test_bake_twice_leaves_one_element_and_is_idempotent():
    once = bake_svg(PLAIN, JWS)
    twice = bake_svg(once, JSON_PAYLOAD)
    assert len(parse(twice).findall(f".//{CREDENTIAL}")) == 1
    assert unbake_svg(twice) == JSON_PAYLOAD
    assert bake_svg(once, JWS) == once
    assert bake_svg(bake_svg(PLAIN, JSON_PAYLOAD), JSON_PAYLOAD) == bake_svg(PLAIN, JSON_PAYLOAD)


def test_empty_root_element():
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="1" />', JWS)
    assert baked.endswith(b"</svg>")
    assert unbake_svg(baked) == JWS


@pytest.mark.parametrize(
    "svg",
    [
        b'<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:rect/></s:svg>',
        b'<s:svg xmlns:s="http://www.w3.org/2000/svg"/>',
    ],
)
def test_prefixed_root(svg):
    baked = bake_svg(svg, JSON_PAYLOAD)
    assert baked.endswith(b"</s:svg>")
    root = parse(baked)
    assert root.tag == f"{{{SVG}}}svg" and root[0].tag == CREDENTIAL


def test_root_attribute_containing_angle_bracket():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" data-note="a > b / c"><g/></svg>'
    baked = bake_svg(svg, JWS)
    root = parse(baked)
    assert root.get("data-note") == "a > b / c"
    assert root[0].tag == CREDENTIAL


def test_ob2_svg_is_rebaked_without_rebinding_its_prefix():
    ob2 = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="x.y.z"></openbadges:assertion><rect/></svg>'
    )
    baked = bake_svg(ob2, JWS)
    root = parse(baked)
    assert [child.tag for child in root] == [CREDENTIAL, f"{{{SVG}}}rect"]
    assert b"openbadges:assertion" not in baked
    assert unbake_svg(baked) == JWS


def test_payload_with_cdata_terminator():
    payload = json.dumps({"narrative": "a ]]> b ]]]]> c"})
    baked = bake_svg(PLAIN, payload)
    assert json.loads(parse(baked)[0].text) == json.loads(payload)
    assert unbake_svg(baked) == payload


def test_generic_bake_sniffs_svg():
    assert image_kind(PLAIN) == "svg"
    assert image_kind(b"\xef\xbb\xbf  <svg/>") == "svg"
    assert image_kind(b"plain text") is None
    assert unbake(bake(PLAIN, JWS)) == ("svg", JWS)


def test_unbake_plain_svg_is_none():
    assert unbake_svg(PLAIN) is None
    assert unbake(PLAIN) is None


def test_unbake_latin1_svg():
    svg = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:openbadges="{OB}"><openbadges:credential verify="{JWS}"/><text>é</text></svg>'
    ).encode("latin-1")
    assert unbake_svg(svg) == JWS


_xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), min_size=1
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(_xml_text, st.sampled_from(["Élève récompensée", "Ça marche ✅ 🎓🏅", "]]>", "日本語"])))
def test_round_trip_any_unicode(text):
    payload = json.dumps({"name": text}, ensure_ascii=False)
    assert unbake_svg(bake_svg(PLAIN, payload)) == payload


# --- hostile input ----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"""

EMPTY_SUBSET = b'<!DOCTYPE svg []><svg xmlns="http://www.w3.org/2000/svg"/>'


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, XXE, EMPTY_SUBSET])
def test_dtd_internal_subset_and_entities_refused(svg):
    with pytest.raises(BakingError) as excinfo:
        unbake_svg(svg)
    assert excinfo.value.code == "baking.unsafe_xml"
    with pytest.raises(BakingError):
        bake_svg(svg, JWS)


@pytest.mark.parametrize(
    "doctype",
    [b"", b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'],
)
def test_undefined_entity_refused(doctype):
    # The external DTD is never fetched, so its entities stay undefined.
    with pytest.raises(BakingError):
        unbake_svg(doctype + b'<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>')


def test_oversize_svg_refused_before_parsing():
    # Not even well-formed: only the size check can produce ImageTooLarge.
    data = b"<svg" + b" " * (4 * 1024 * 1024)
    with pytest.raises(ImageTooLarge):
        unbake_svg(data)
    with pytest.raises(ImageTooLarge):
        bake_svg(PLAIN, JWS, max_bytes=64)


@pytest.mark.parametrize(
    "data",
    [
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        b'<svg xmlns="http://example.org/not-svg"/>',
        b'<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" verify="a.b.c"/>',
    ],
)
def test_root_must_be_svg(data):
    with pytest.raises(BakingError) as excinfo:
        unbake_svg(data)
    assert excinfo.value.code == "baking.not_svg"


@pytest.mark.parametrize("data", [b"", b"<svg", b"<svg></g></svg>", b"\x89PNG\r\n\x1a\n", b"<svg/><svg/>"])
def test_not_well_formed(data):
    with pytest.raises(BakingError):
        unbake_svg(data)


def test_two_credentials_refused():
    svg = (
        f'<svg xmlns="{SVG}" xmlns:openbadges="{OB}">'
        f'<openbadges:credential verify="{JWS}"/><g><openbadges:credential verify="a.b.c"/></g></svg>'
    ).encode()
    with pytest.raises(BakingError) as excinfo:
        unbake_svg(svg)
    assert excinfo.value.code == "baking.duplicate_credential"
    assert unbake_svg(bake_svg(svg, JWS)) == JWS  # baking over it repairs the file


@pytest.mark.parametrize(
    "element",
    [
        "<openbadges:credential/>",
        "<openbadges:credential>   </openbadges:credential>",
        '<openbadges:credential verify="a.b.c"><![CDATA[{}]]></openbadges:credential>',
    ],
)
def test_empty_or_ambiguous_credential(element):
    svg = f'<svg xmlns="{SVG}" xmlns:openbadges="{OB}">{element}</svg>'.encode()
    with pytest.raises(BakingError):
        unbake_svg(svg)


def test_non_utf8_svg_cannot_be_baked():
    svg = b'<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>'
    with pytest.raises(BakingError) as excinfo:
        bake_svg(svg, JWS)
    assert excinfo.value.code == "baking.bad_encoding"


@pytest.mark.parametrize(
    "payload", ["", "  ", "not a credential", "a.b", "a.b.c d", '{"bad": "\x00"}', '{"x": "\ufffe"}']
)
def test_bad_payload(payload):
    with pytest.raises(BakingError):
        bake_svg(PLAIN, payload)

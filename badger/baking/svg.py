"""Baking an Open Badges 3.0 credential into an SVG, and reading it back.

Open Badges 3.0 §5.3.2 "SVG" (Baked Badge): the root ``<svg>`` declares
``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` and its first child is
``<openbadges:credential>``: a compact JWS goes in its ``verify`` attribute (element empty),
a JSON credential goes in its body inside ``<![CDATA[...]]>``.

The document is parsed with defusedxml only to *locate* things (byte offsets of the root start
tag and of any earlier credential); the output is built by splicing bytes into the original,
so prefixes, comments, formatting and the DOCTYPE survive untouched (an ElementTree
round trip would rename prefixes to ns0:, drop comments and the DOCTYPE). The result is
parsed again before it is returned.

XML safety: entity declarations, external entities and DTD internal subsets are refused (no
billion laughs, no XXE). A bare ``<!DOCTYPE svg PUBLIC ...>`` line without an internal subset
is accepted because common editors write it (the 1EdTech validator fixtures carry it); its
external DTD is never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from badger.errors import BakingError, ImageTooLarge

__all__ = [
    "SVG_NAMESPACE",
    "OB_SVG_NAMESPACE",
    "DEFAULT_MAX_SVG_BYTES",
    "bake_svg",
    "unbake_svg",
]

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
OB_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
DEFAULT_MAX_SVG_BYTES = 4 * 1024 * 1024

_PREFIX = "openbadges"
_CREDENTIAL = f"{{{OB_SVG_NAMESPACE}}}credential"
# OB 2.0 baked <openbadges:assertion> in this namespace; a re-baked image drops it so that it
# cannot carry a stale credential next to the new one.
_LEGACY_ASSERTION = "{http://openbadges.org}assertion"
# A root without xmlns is not a standalone SVG for browsers, but some tools emit it.
_SVG_ROOTS = frozenset({f"{{{SVG_NAMESPACE}}}svg", "svg"})

# A start tag of a document already known to be well-formed: name, attributes with quoted
# values (which may contain '>' and '/'), optional '/' of an empty-element tag.
_START_TAG = re.compile(rb"""<([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_XML_DECLARATION = re.compile(rb"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Characters outside the XML 1.0 Char production cannot appear in a document, CDATA included.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class _Element:
    """A credential (or legacy assertion) element found while parsing."""

    tag: str
    depth: int
    start: int
    end_event: int = -1
    end: int = -1
    verify: str | None = None
    text: list[str] = field(default_factory=list)


class _Collector:
    """ElementTree parser target that records byte offsets instead of building a tree."""

    def __init__(self) -> None:
        self.expat: Any = None  # the pyexpat parser, attached by _scan() before feeding
        self.depth = 0
        self.root_tag: str | None = None
        self.root_start = -1
        self.root_ns: dict[str, str] = {}
        self.found: list[_Element] = []
        self._open: list[_Element] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        if self.depth == 0:
            self.root_ns[prefix] = uri

    def start(self, tag: str, attrib: dict[str, Any]) -> None:
        index = self.expat.CurrentByteIndex
        if self.depth == 0:
            self.root_tag = tag
            self.root_start = index
        if tag in (_CREDENTIAL, _LEGACY_ASSERTION):
            element = _Element(tag, self.depth, index, verify=attrib.get("verify"))
            self.found.append(element)
            self._open.append(element)
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self._open and self._open[-1].depth == self.depth:
            self._open.pop().end_event = self.expat.CurrentByteIndex

    def data(self, text: str) -> None:
        # Only the element's own character data (CDATA included), not that of children.
        if self._open and self._open[-1].depth + 1 == self.depth:
            self._open[-1].text.append(text)

    def close(self) -> _Collector:
        return self


@dataclass
class _Scan:
    root_qname: bytes
    root_close: int  # offset of the '>' (or '/>') that ends the root start tag
    root_tag_end: int  # offset just past the root start tag
    root_empty: bool
    root_ns: dict[str, str]
    credentials: list[_Element]
    legacy: list[_Element]


def _refuse_internal_subset(name: Any, sysid: Any, pubid: Any, has_internal_subset: Any) -> None:
    # The internal subset is where entity declarations (billion laughs, XXE) live.
    if has_internal_subset:
        raise BakingError("SVG with a DTD internal subset is refused", code="baking.unsafe_xml")


def _scan(data: bytes, max_bytes: int) -> _Scan:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("SVG data must be bytes")
    # Size first: the parser never sees an oversize upload.
    if len(data) > max_bytes:
        raise ImageTooLarge(f"SVG is {len(data)} bytes, the limit is {max_bytes}")
    data = bytes(data)
    collector = _Collector()
    parser = DefusedXMLParser(target=collector, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    collector.expat = parser.parser
    parser.parser.StartDoctypeDeclHandler = _refuse_internal_subset
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise BakingError(f"SVG refused: {type(exc).__name__} ({exc})", code="baking.unsafe_xml") from exc
    except ParseError as exc:
        raise BakingError(f"SVG is not well-formed XML: {exc}", code="baking.invalid_svg") from exc

    if collector.root_tag not in _SVG_ROOTS:
        raise BakingError(f"root element is {collector.root_tag!r}, not <svg>", code="baking.not_svg")
    root = _START_TAG.match(data, collector.root_start)
    if root is None:  # cannot happen for a document expat accepted; never splice blind
        raise BakingError("could not locate the <svg> start tag", code="baking.invalid_svg")
    root_empty = root.group(2) == b"/"

    for element in collector.found:
        tag = _START_TAG.match(data, element.start)
        if tag is None:
            raise BakingError("could not locate a credential element", code="baking.invalid_svg")
        if tag.group(2) == b"/":
            element.end = tag.end()
        else:
            # An end tag is '</' Name S? '>' and holds no quotes: the next '>' closes it.
            element.end = data.index(b">", element.end_event) + 1

    return _Scan(
        root_qname=root.group(1),
        root_close=root.end() - (2 if root_empty else 1),
        root_tag_end=root.end(),
        root_empty=root_empty,
        root_ns=collector.root_ns,
        credentials=[e for e in collector.found if e.tag == _CREDENTIAL],
        legacy=[e for e in collector.found if e.tag == _LEGACY_ASSERTION],
    )


def _payload_of(element: _Element) -> str:
    text = "".join(element.text).strip()
    verify = (element.verify or "").strip()
    if verify and text:
        raise BakingError(
            "openbadges:credential has both a verify attribute and a body", code="baking.ambiguous_credential"
        )
    if verify:
        return verify
    if text:
        return text
    raise BakingError("openbadges:credential element is empty", code="baking.empty_payload")


def _payload_kind(payload: str) -> str:
    if not isinstance(payload, str) or not payload.strip():
        raise BakingError("the payload to bake is empty", code="baking.empty_payload")
    if payload.lstrip().startswith("{"):
        return "json"
    if _COMPACT_JWS.fullmatch(payload):
        return "jws"
    raise BakingError("the payload is neither a JSON credential nor a compact JWS", code="baking.bad_payload")


def _require_utf8(data: bytes) -> None:
    """Splicing UTF-8 bytes is only correct in a UTF-8 document."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BakingError("only UTF-8 SVG files can be baked (this one is UTF-16)", code="baking.bad_encoding")
    head = data[3:259] if data.startswith(b"\xef\xbb\xbf") else data[:256]
    declaration = _XML_DECLARATION.match(head)
    if declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8"):
        encoding = declaration.group(1).decode("ascii")
        raise BakingError(
            f"only UTF-8 SVG files can be baked (this one declares {encoding})", code="baking.bad_encoding"
        )


def _credential_element(payload: str, kind: str, namespace_attr: bytes) -> bytes:
    open_tag = b"<openbadges:credential" + namespace_attr
    if kind == "jws":
        # The JWS alphabet (base64url and dots) needs no attribute escaping.
        return open_tag + b' verify="' + payload.encode("ascii") + b'"></openbadges:credential>'
    bad = _NOT_XML_CHAR.search(payload)
    if bad:
        raise BakingError(
            f"the payload holds U+{ord(bad.group()):04X}, which XML cannot carry", code="baking.bad_payload"
        )
    # ']]>' would end the CDATA section early: split it across two sections.
    body = payload.replace("]]>", "]]]]><![CDATA[>")
    return open_tag + b"><![CDATA[" + body.encode("utf-8") + b"]]></openbadges:credential>"


def bake_svg(svg: bytes, payload: str, *, max_bytes: int = DEFAULT_MAX_SVG_BYTES) -> bytes:
    """Bake a credential into an SVG (Open Badges 3.0 §5.3.2, SVG "Baking").

    Input: UTF-8 SVG bytes and the payload: the exact JSON credential text (written in a
    CDATA section) or a compact JWS (written in the ``verify`` attribute). Output: new SVG
    bytes where ``<openbadges:credential>`` is the first child of the root and
    ``xmlns:openbadges`` is declared on the root; any earlier ``openbadges:credential`` and
    OB 2.0 ``openbadges:assertion`` elements are removed. Everything else is kept byte for
    byte. If the root already binds the ``openbadges`` prefix to another namespace (an OB 2.0
    image), the declaration is put on the new element instead of rebinding the root's.

    Raises ImageTooLarge above ``max_bytes`` (checked before parsing) and BakingError for XML
    that is not well-formed, unsafe XML (entity declarations, DTD internal subset, external
    entities), a root that is not ``<svg>``, a non-UTF-8 document, or a payload that is
    empty, neither JSON nor a compact JWS, or holds characters XML cannot carry. Note that XML
    end-of-line handling reads a CR in a JSON payload back as LF.
    """
    kind = _payload_kind(payload)
    scan = _scan(svg, max_bytes)
    _require_utf8(bytes(svg[:259]))

    bound = scan.root_ns.get(_PREFIX)
    declaration = f' xmlns:{_PREFIX}="{OB_SVG_NAMESPACE}"'.encode("ascii")
    root_attr = declaration if bound is None else b""
    local_attr = declaration if bound not in (None, OB_SVG_NAMESPACE) else b""
    element = _credential_element(payload, kind, local_attr)

    out = bytearray(svg[: scan.root_close])
    out += root_attr
    if scan.root_empty:
        out += b">" + element + b"</" + scan.root_qname + b">"
        out += svg[scan.root_tag_end :]
    else:
        out += svg[scan.root_close : scan.root_tag_end]
        out += element
        pos = scan.root_tag_end
        for start, end in sorted((e.start, e.end) for e in scan.credentials + scan.legacy):
            if start < pos:  # nested inside an element already removed
                continue
            out += svg[pos:start]
            pos = end
        out += svg[pos:]
    baked = bytes(out)

    # Read the result back: it must parse and yield exactly this payload.
    check = _scan(baked, max(max_bytes, len(baked)))
    expected = payload if kind == "jws" else payload.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(check.credentials) != 1 or _payload_of(check.credentials[0]) != expected:
        raise BakingError("the baked SVG does not read back the payload", code="baking.invalid_svg")
    return baked


def unbake_svg(data: bytes, *, max_bytes: int = DEFAULT_MAX_SVG_BYTES) -> str | None:
    """Extract the baked credential from an SVG (Open Badges 3.0 §5.3.2, SVG "Extracting").

    Input: SVG bytes. Output: the compact JWS from the ``verify`` attribute or the JSON text
    from the body of ``<openbadges:credential>`` (surrounding whitespace stripped), or None
    when there is no such element.

    Raises ImageTooLarge above ``max_bytes`` (checked before parsing) and BakingError for
    XML that is not well-formed or unsafe, a root that is not ``<svg>``, an empty or
    ambiguous element (both ``verify`` and a body), or more than one
    ``openbadges:credential`` element: the spec allows one, and picking the first would let
    two readers disagree about which credential an image holds.
    """
    scan = _scan(data, max_bytes)
    if not scan.credentials:
        return None
    if len(scan.credentials) > 1:
        raise BakingError(
            f"SVG holds {len(scan.credentials)} openbadges:credential elements; exactly one is allowed",
            code="baking.duplicate_credential",
        )
    return _payload_of(scan.credentials[0])

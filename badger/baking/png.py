"""Baking an Open Badges 3.0 credential into a PNG, and reading it back.

Open Badges 3.0 §5.3.1 "PNG" (Baked Badge): the credential travels in one ``iTXt`` chunk
(PNG 3rd ed. §11.3.3.5) with keyword ``openbadgecredential``, compression flag 0, empty
language tag and translated keyword, and as text the JSON credential or the compact JWS.

The image is never decoded or re-encoded: the chunk is spliced into the existing byte stream
(length, type, data, CRC-32), which keeps every other byte, IDAT included, identical and costs
microseconds instead of the milliseconds of a decoder round trip. Every limit is checked
before a byte of image data is interpreted.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

from badger.errors import BakingError, ImageTooLarge

__all__ = [
    "PNG_SIGNATURE",
    "ITXT_KEYWORD",
    "DEFAULT_MAX_PNG_BYTES",
    "DEFAULT_MAX_DIMENSION",
    "DEFAULT_MAX_TEXT_BYTES",
    "bake_png",
    "unbake_png",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ITXT_KEYWORD = "openbadgecredential"

DEFAULT_MAX_PNG_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_DIMENSION = 10_000
# Cap on the inflated text of a compressed iTXt chunk (a zlib bomb would otherwise expand
# a few KB of input into gigabytes).
DEFAULT_MAX_TEXT_BYTES = 4 * 1024 * 1024

_KEYWORD = ITXT_KEYWORD.encode("latin-1")
# OB 2.0 baked into iTXt "openbadges" (OB 1.0 used tEXt "openbadges"). A re-baked image must
# not carry a stale credential next to the new one, so these go as well.
_REMOVED_KEYWORDS = frozenset({_KEYWORD, b"openbadges"})
_TEXT_CHUNKS = frozenset({b"iTXt", b"tEXt", b"zTXt"})
# PNG §5.3: a chunk length is at most 2**31 - 1.
_MAX_CHUNK_LENGTH = 2**31 - 1
# Bounds the work a hostile file made of thousands of empty chunks can cause. Real encoders
# write IDAT chunks of 8 KB and more, so an 8 MiB file stays far below this.
_MAX_CHUNKS = 65_536


class _Chunk(NamedTuple):
    type: bytes
    start: int  # offset of the length field
    data_start: int
    data_end: int  # offset of the CRC field

    @property
    def end(self) -> int:
        return self.data_end + 4


def _fail(message: str, code: str = "baking.invalid_png") -> BakingError:
    return BakingError(message, code=code)


def _read_chunks(data: bytes, *, max_bytes: int, max_dimension: int) -> list[_Chunk]:
    """Walk and check the whole chunk structure; return the chunks up to and including IEND."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("PNG data must be bytes")
    # Size first: nothing else runs on an oversize upload.
    if len(data) > max_bytes:
        raise ImageTooLarge(f"PNG is {len(data)} bytes, the limit is {max_bytes}")
    if bytes(data[:8]) != PNG_SIGNATURE:
        raise _fail("not a PNG file (bad signature)", "baking.not_png")

    view = memoryview(data)
    total = len(data)
    chunks: list[_Chunk] = []
    pos = 8
    seen_idat = False
    while True:
        if len(chunks) >= _MAX_CHUNKS:
            raise _fail(f"PNG has more than {_MAX_CHUNKS} chunks")
        if pos + 8 > total:
            raise _fail("PNG is truncated: missing IEND chunk")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        if length > _MAX_CHUNK_LENGTH:
            raise _fail(f"chunk at offset {pos} declares {length} bytes, above the PNG maximum")
        data_start = pos + 8
        data_end = data_start + length
        if data_end + 4 > total:
            raise _fail(
                f"PNG is truncated: chunk {ctype!r} at offset {pos} declares {length} bytes, "
                f"only {max(0, total - data_start - 4)} remain"
            )
        if not ctype.isalpha():
            raise _fail(f"invalid chunk type {ctype!r} at offset {pos}")
        (crc,) = struct.unpack_from(">I", data, data_end)
        if zlib.crc32(view[pos + 4 : data_end]) != crc:
            raise _fail(f"CRC mismatch in chunk {ctype.decode('ascii')} at offset {pos}", "baking.bad_crc")
        chunk = _Chunk(ctype, pos, data_start, data_end)

        if not chunks:
            if ctype != b"IHDR" or length != 13:
                raise _fail("PNG does not start with a valid IHDR chunk")
            width, height = struct.unpack_from(">II", data, data_start)
            if width == 0 or height == 0:
                raise _fail("PNG declares a zero width or height")
            # Refused here so that no later decoder (thumbnails, previews) is asked to
            # allocate width * height pixels for a hostile header.
            if width > max_dimension or height > max_dimension:
                raise ImageTooLarge(f"PNG is {width}x{height} pixels, the limit is {max_dimension} per side")
        elif ctype == b"IHDR":
            raise _fail("PNG has more than one IHDR chunk")
        elif ctype == b"IDAT":
            seen_idat = True

        chunks.append(chunk)
        pos = chunk.end
        if ctype == b"IEND":
            break

    if not seen_idat:
        raise _fail("PNG has no IDAT chunk (no image data)")
    # Bytes after IEND are invisible to viewers but not to every extractor: refusing them
    # avoids a second, hidden payload (or a polyglot file) riding along with a badge.
    if pos != total:
        raise _fail(f"PNG has {total - pos} unexpected bytes after the IEND chunk")
    return chunks


def _keyword(body: bytes | memoryview) -> bytes | None:
    """The keyword of a tEXt/zTXt/iTXt chunk (1-79 Latin-1 bytes before a NUL), or None."""
    head = bytes(body[:80])
    end = head.find(b"\x00")
    if end < 1:
        return None
    return head[:end]


def _itxt_chunk(text: bytes) -> bytes:
    body = b"".join(
        (
            _KEYWORD,
            b"\x00",
            b"\x00",  # compression flag: OB 3.0 says compression MUST NOT be used
            b"\x00",  # compression method
            b"\x00",  # empty language tag
            b"\x00",  # empty translated keyword
            text,
        )
    )
    if len(body) > _MAX_CHUNK_LENGTH:
        raise _fail("payload too large for a PNG chunk", "baking.payload_too_large")
    ctype = b"iTXt"
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def bake_png(
    image: bytes,
    payload: str,
    *,
    max_bytes: int = DEFAULT_MAX_PNG_BYTES,
    max_dimension: int = DEFAULT_MAX_DIMENSION,
) -> bytes:
    """Bake a credential into a PNG (Open Badges 3.0 §5.3.1, PNG "Baking").

    Input: the PNG bytes and the payload, which is the exact JSON credential text or the
    compact JWS (it is written as given; this function neither parses nor re-serialises it).
    Output: new PNG bytes with exactly one uncompressed ``iTXt`` chunk ``openbadgecredential``
    placed right after IHDR. Earlier ``openbadgecredential`` chunks and OB 1.0/2.0
    ``openbadges`` text chunks are removed; every other chunk is copied byte for byte.

    Raises ImageTooLarge when the file exceeds ``max_bytes`` or a side exceeds
    ``max_dimension`` pixels (checked before anything else), and BakingError for a
    non-PNG, a broken chunk structure (truncation, bad CRC, absurd length, data after IEND)
    or an empty or non-UTF-8-encodable payload.
    """
    if not isinstance(payload, str) or not payload.strip():
        raise _fail("the payload to bake is empty", "baking.empty_payload")
    try:
        text = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _fail(f"the payload is not encodable as UTF-8: {exc.reason}", "baking.bad_payload") from exc
    chunks = _read_chunks(image, max_bytes=max_bytes, max_dimension=max_dimension)

    view = memoryview(image)
    ihdr = chunks[0]
    parts: list[bytes | memoryview] = [PNG_SIGNATURE, view[ihdr.start : ihdr.end], _itxt_chunk(text)]
    for chunk in chunks[1:]:
        if chunk.type in _TEXT_CHUNKS and _keyword(view[chunk.data_start : chunk.data_end]) in _REMOVED_KEYWORDS:
            continue
        parts.append(view[chunk.start : chunk.end])
    return b"".join(parts)


def _itxt_text(body: bytes, *, max_text_bytes: int) -> str:
    """Decode the text field of an ``openbadgecredential`` iTXt chunk (PNG §11.3.3.5)."""
    rest = body[len(_KEYWORD) + 1 :]
    if len(rest) < 2:
        raise _fail("malformed openbadgecredential iTXt chunk")
    flag, method = rest[0], rest[1]
    rest = rest[2:]
    lang_end = rest.find(b"\x00")
    if lang_end < 0:
        raise _fail("malformed openbadgecredential iTXt chunk (no language tag)")
    trans_end = rest.find(b"\x00", lang_end + 1)
    if trans_end < 0:
        raise _fail("malformed openbadgecredential iTXt chunk (no translated keyword)")
    raw = rest[trans_end + 1 :]
    if flag == 1:
        # OB 3.0 forbids compression, but other issuers write it; read it, bounded.
        if method != 0:
            raise _fail(f"unknown iTXt compression method {method}")
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, max_text_bytes + 1)
        except zlib.error as exc:
            raise _fail(f"corrupt compressed iTXt text: {exc}") from exc
        if len(raw) > max_text_bytes:
            raise _fail(
                f"compressed iTXt text inflates beyond {max_text_bytes} bytes",
                "baking.payload_too_large",
            )
        if not inflater.eof or inflater.unused_data:
            raise _fail("corrupt compressed iTXt text (truncated or trailing data)")
    elif flag != 0:
        raise _fail(f"invalid iTXt compression flag {flag}")
    elif len(raw) > max_text_bytes:
        raise _fail(f"iTXt text exceeds {max_text_bytes} bytes", "baking.payload_too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("openbadgecredential text is not valid UTF-8") from exc
    if not text.strip():
        raise _fail("openbadgecredential chunk is empty", "baking.empty_payload")
    return text


def unbake_png(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_PNG_BYTES,
    max_dimension: int = DEFAULT_MAX_DIMENSION,
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
) -> str | None:
    """Extract the baked credential from a PNG (Open Badges 3.0 §5.3.1, PNG "Extracting").

    Input: PNG bytes. Output: the text of the ``openbadgecredential`` iTXt chunk (JSON
    credential or compact JWS, unmodified), or None when the image carries none.
    Compressed chunks (flag 1, written by some issuers) are inflated up to
    ``max_text_bytes``.

    Raises ImageTooLarge (size or dimension limits, checked first) and BakingError for a
    non-PNG, a broken chunk structure or CRC, a malformed or oversize chunk, and for an image
    with more than one ``openbadgecredential`` chunk: the spec forbids that, and picking one
    would let two readers disagree about which credential an image holds.
    """
    chunks = _read_chunks(data, max_bytes=max_bytes, max_dimension=max_dimension)
    view = memoryview(data)
    found = [c for c in chunks if c.type == b"iTXt" and _keyword(view[c.data_start : c.data_end]) == _KEYWORD]
    if not found:
        return None
    if len(found) > 1:
        raise _fail(
            f"PNG holds {len(found)} openbadgecredential chunks; exactly one is allowed",
            "baking.duplicate_credential",
        )
    chunk = found[0]
    return _itxt_text(bytes(view[chunk.data_start : chunk.data_end]), max_text_bytes=max_text_bytes)

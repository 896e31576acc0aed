"""PNG baking: 1EdTech fixtures, round trips through Pillow, hostile files."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from badger.baking import bake, bake_png, image_kind, unbake, unbake_png
from badger.errors import BakingError, ImageTooLarge

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "1edtech-validator-ob30"
PAYLOAD = '{"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "Médiatrice numérique 🎓"}'


# --- helpers independent of the code under test --------------------------------------------


def make_png(width: int = 40, height: int = 30, *, pnginfo=None) -> bytes:
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 7) % 256, (y * 13) % 256, (x * y) % 256) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=pnginfo)
    return out.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, read naively."""
    pos, found = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        found.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def credential_chunks(data: bytes) -> list[bytes]:
    return [body for ctype, body in chunks(data) if ctype == b"iTXt" and body.startswith(b"openbadgecredential\x00")]


def insert_after_ihdr(png: bytes, extra: bytes) -> bytes:
    return png[:33] + extra + png[33:]  # signature (8) + IHDR (12 + 13)


def is_compact_jws(text: str) -> bool:
    parts = text.split(".")
    if len(parts) != 3 or not all(parts):
        return False
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    return "alg" in header


# --- fixtures ---------------------------------------------------------------------------------


def test_unbake_1edtech_json_png():
    payload = unbake_png((VECTORS / "simple-json.png").read_bytes())
    credential = json.loads(payload)
    assert "OpenBadgeCredential" in credential["type"]
    assert "proof" in credential


@pytest.mark.parametrize("name", ["simple-jwt.png", "simple-jwt_v1.png"])
def test_unbake_1edtech_jwt_png(name):
    payload = unbake_png((VECTORS / name).read_bytes())
    assert is_compact_jws(payload)


@pytest.mark.parametrize("name", ["simple-json.png", "simple-jwt.png", "simple-jwt_v1.png"])
def test_unbake_sniffs_png(name):
    data = (VECTORS / name).read_bytes()
    kind, payload = unbake(data)
    assert kind == "png" and payload == unbake_png(data)


def test_rebake_fixture_replaces_its_chunk():
    original = (VECTORS / "simple-json.png").read_bytes()
    baked = bake_png(original, "a.b.c")
    assert unbake_png(baked) == "a.b.c"
    assert len(credential_chunks(baked)) == 1
    # The fixture has its chunk after the IDATs; ours goes right after IHDR.
    assert [c[0] for c in chunks(baked)][:2] == [b"IHDR", b"iTXt"]
    assert [c for c in chunks(baked) if c[0] == b"IDAT"] == [c for c in chunks(original) if c[0] == b"IDAT"]


# --- round trips ------------------------------------------------------------------------------


def test_bake_keeps_image_and_pillow_reads_chunk():
    original = make_png(400, 400)
    baked = bake_png(original, PAYLOAD)

    with Image.open(io.BytesIO(baked)) as image:
        image.load()
        assert image.text["openbadgecredential"] == PAYLOAD
        baked_pixels = image.tobytes()
    with Image.open(io.BytesIO(original)) as image:
        assert baked_pixels == image.tobytes()

    assert [c for c in chunks(baked) if c[0] == b"IDAT"] == [c for c in chunks(original) if c[0] == b"IDAT"]
    # Only the new chunk was added: removing it gives back the original bytes.
    new = chunk(b"iTXt", credential_chunks(baked)[0])
    assert baked.replace(new, b"") == original


def test_chunk_layout_is_the_spec_one():
    baked = bake_png(make_png(), PAYLOAD)
    assert [c[0] for c in chunks(baked)][:2] == [b"IHDR", b"iTXt"]
    (body,) = credential_chunks(baked)
    # keyword NUL, compression flag 0, method 0, empty language tag, empty translated keyword
    assert body == b"openbadgecredential\x00\x00\x00\x00\x00" + PAYLOAD.encode("utf-8")


def test_bake_twice_leaves_one_chunk():
    once = bake_png(make_png(), "first.payload.sig")
    twice = bake_png(once, PAYLOAD)
    assert len(credential_chunks(twice)) == 1
    assert unbake_png(twice) == PAYLOAD
    assert bake_png(once, "first.payload.sig") == once  # idempotent


def test_bake_removes_ob2_chunks_and_keeps_others():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadges", '{"ob2": true}')
    info.add_text("openbadges", "https://example.org/assertion/1")
    info.add_text("Comment", "keep me")
    baked = bake_png(make_png(pnginfo=info), PAYLOAD)
    with Image.open(io.BytesIO(baked)) as image:
        assert "openbadges" not in image.text
        assert image.text["Comment"] == "keep me"
        assert image.text["openbadgecredential"] == PAYLOAD


def test_unbake_compressed_itxt_from_another_issuer():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", PAYLOAD, zip=True)
    data = make_png(pnginfo=info)
    assert credential_chunks(data)[0][20] == 1  # compression flag set by Pillow
    assert unbake_png(data) == PAYLOAD


def test_unbake_plain_png_is_none():
    assert unbake_png(make_png()) is None
    assert unbake(make_png()) is None


def test_generic_bake_sniffs_png():
    assert image_kind(make_png()) == "png"
    assert unbake(bake(make_png(), PAYLOAD)) == ("png", PAYLOAD)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.text(min_size=1).filter(lambda s: s.strip()),
        st.sampled_from(["Élève récompensée à Besançon", "Ça marche ✅ 🎓🏅", "日本語のバッジ", "a.b.c"]),
    )
)
def test_round_trip_any_unicode(payload):
    baked = bake_png(make_png(8, 8), payload)
    assert unbake_png(baked) == payload


# --- hostile input ----------------------------------------------------------------------------


def test_not_a_png():
    with pytest.raises(BakingError) as excinfo:
        unbake_png(b"GIF89a" + bytes(100))
    assert excinfo.value.code == "baking.not_png"
    with pytest.raises(BakingError):
        unbake(b"\x00\x01\x02 not an image")


@pytest.mark.parametrize("cut", [8, 20, 40, -20, -5])
def test_truncated_png(cut):
    with pytest.raises(BakingError):
        unbake_png(make_png()[:cut])


def test_bad_crc():
    data = bytearray(make_png())
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    with pytest.raises(BakingError) as excinfo:
        unbake_png(bytes(data))
    assert excinfo.value.code == "baking.bad_crc"
    with pytest.raises(BakingError):
        bake_png(bytes(data), PAYLOAD)


@pytest.mark.parametrize("length", [0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 10_000_000])
def test_huge_declared_chunk_length(length):
    data = bytearray(make_png())
    idat = data.index(b"IDAT")
    data[idat - 4 : idat] = struct.pack(">I", length)
    with pytest.raises(BakingError, match="declares"):
        unbake_png(bytes(data))


def test_oversize_file_refused_before_parsing():
    # Garbage after a valid signature: only the size check can produce ImageTooLarge.
    data = b"\x89PNG\r\n\x1a\n" + bytes(8 * 1024 * 1024)
    with pytest.raises(ImageTooLarge):
        unbake_png(data)
    with pytest.raises(ImageTooLarge):
        bake_png(make_png(), PAYLOAD, max_bytes=100)


@pytest.mark.parametrize("size", [(20_000, 10), (10, 10_001), (2**31 - 1, 2**31 - 1)])
def test_absurd_dimensions(size):
    png = make_png(4, 4)
    ihdr = bytearray(chunks(png)[0][1])
    ihdr[0:8] = struct.pack(">II", *size)
    forged = png[:8] + chunk(b"IHDR", bytes(ihdr)) + png[33:]
    with pytest.raises(ImageTooLarge):
        unbake_png(forged)
    with pytest.raises(ImageTooLarge):
        bake_png(forged, PAYLOAD)


def test_zero_dimension():
    png = make_png(4, 4)
    ihdr = bytearray(chunks(png)[0][1])
    ihdr[0:4] = bytes(4)
    with pytest.raises(BakingError):
        unbake_png(png[:8] + chunk(b"IHDR", bytes(ihdr)) + png[33:])


def test_data_after_iend():
    with pytest.raises(BakingError, match="after the IEND"):
        unbake_png(make_png() + b"<script>")


def test_missing_ihdr_and_missing_idat():
    png = make_png()
    with pytest.raises(BakingError):
        unbake_png(png[:8] + png[33:])
    with pytest.raises(BakingError):
        unbake_png(png[:33] + chunk(b"IEND", b""))


def test_bad_chunk_type():
    with pytest.raises(BakingError, match="chunk type"):
        unbake_png(insert_after_ihdr(make_png(), chunk(b"i\x00Xt", b"x")))


def test_duplicate_credential_chunks_refused():
    extra = chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00x.y.z")
    data = insert_after_ihdr(bake_png(make_png(), PAYLOAD), extra)
    with pytest.raises(BakingError) as excinfo:
        unbake_png(data)
    assert excinfo.value.code == "baking.duplicate_credential"
    # Baking over such a file repairs it.
    assert len(credential_chunks(bake_png(data, PAYLOAD))) == 1


def test_compressed_itxt_bomb_refused():
    bomb = zlib.compress(bytes(16 * 1024 * 1024), 9)  # 16 MiB of zeros in about 16 KB
    data = insert_after_ihdr(make_png(), chunk(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + bomb))
    with pytest.raises(BakingError) as excinfo:
        unbake_png(data)
    assert excinfo.value.code == "baking.payload_too_large"


@pytest.mark.parametrize(
    "body",
    [
        b"openbadgecredential\x00",  # no flags
        b"openbadgecredential\x00\x00\x00en",  # no NUL after the language tag
        b"openbadgecredential\x00\x02\x00\x00\x00text",  # unknown compression flag
        b"openbadgecredential\x00\x01\x00\x00\x00not zlib",
        b"openbadgecredential\x00\x00\x00\x00\x00\xff\xfe",  # not UTF-8
        b"openbadgecredential\x00\x00\x00\x00\x00",  # empty text
    ],
)
def test_malformed_credential_chunk(body):
    with pytest.raises(BakingError):
        unbake_png(insert_after_ihdr(make_png(), chunk(b"iTXt", body)))


@pytest.mark.parametrize("payload", ["", "   ", "\ud800 lone surrogate"])
def test_bad_payload(payload):
    with pytest.raises(BakingError):
        bake_png(make_png(), payload)


def test_domain_packages_stay_pure():
    code = (
        "import sys, badger.baking, badger.status\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'flask', 'sqlalchemy'))\n"
        "assert not bad, bad\n"
        "assert not [m for m in sys.modules if m.startswith(('badger.web', 'badger.core.db', 'sqlalchemy'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])

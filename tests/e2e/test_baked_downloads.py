"""Issue 4, must show 2: baked downloads from a real server verify everywhere and are the badge
class's own picture.

A server started by the test (tests/live_server.py ``live_server``: its own SQLite database at
head, 127.0.0.1 and a free port). Three badge classes made with the command
line: one with an uploaded PNG, one with an uploaded SVG, one without an image (the generated
default PNG). For each, a credential in each format (Data Integrity ``ldp`` and VC-JWT ``jwt``)
issued with ``badger issue``, then ``/credentials/<id>.png`` or ``.svg`` downloaded over HTTP.

Each downloaded file verifies (a) with ``badger verify FILE`` (exit 0) and Badger's in-process
verifier, (b) for ``ldp``, once unbaked in Python, with Digital Bazaar's vc.js and DCC's
verifier-core, which fetch the issuer's did.json (and the status list) from the running
server, (c) for ``jwt``, with panva/jose and the key published in the served did.json (the
same as in jwks.json). And the image is the badge class's: PNG bytes identical but for the one
inserted ``iTXt`` chunk (so identical pixels, no re-encode), SVG markup identical but for the
inserted ``<openbadges:credential>`` element and its namespace declaration.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from badger.achievements.svg_safety import sanitize_svg
from badger.baking import unbake
from tests.interop import node

pytestmark = pytest.mark.interop

OB_NAMESPACE_DECLARATION = b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
KINDS = ("png", "svg", "default")
FORMATS = ("ldp", "jwt")


# --------------------------------------------------------------------------------- the images


def _uploaded_png() -> bytes:
    """512×512 RGBA with gradients and shapes, and ancillary chunks a real editor writes
    (text and gamma), so that "same bytes" and "same pixels" mean something."""
    image = Image.new("RGBA", (512, 512))
    pixels = image.load()
    for y in range(512):
        for x in range(512):
            inside = (x - 256) ** 2 + (y - 256) ** 2 <= 250**2
            pixels[x, y] = (x // 2, y // 2, (x + y) // 4, 255 if inside else 0)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Inkscape")
    info.add_itxt("Title", "Animer une fresque du climat", lang="fr")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    out_bytes = out.getvalue()
    # A gAMA chunk before IDAT, as many encoders write.
    gama = struct.pack(">I", 45455)
    chunk = struct.pack(">I", 4) + b"gAMA" + gama + struct.pack(">I", zlib.crc32(b"gAMA" + gama))
    ihdr_end = 8 + 8 + 13 + 4
    return out_bytes[:ihdr_end] + chunk + out_bytes[ihdr_end:]


UPLOADED_SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Made for the Territoire apprenant pays de Vannes; stored as rebuilt from the allow-list. -->
<svg xmlns="http://www.w3.org/2000/svg"   xmlns:xlink="http://www.w3.org/1999/xlink"
     width="400" height="400" viewBox="0 0 400 400" role="img" aria-labelledby="t">
  <title id="t">Terdeskiñ — reconnaissance souple</title>
  <defs><circle id="dot" r="6" fill="#f4d35e"/></defs>
  <circle cx="200" cy="200" r="190" fill="#1f6f5c" stroke="#f4d35e" stroke-width="8"/>
  <use xlink:href="#dot" x="200" y="60"/>
  <text x="200" y="215" text-anchor="middle" font-size="42" fill="#ffffff">Terdeskiñ</text>
  <!-- a comment inside -->
</svg>
""".encode()


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of every chunk, walked by hand (independent of badger.baking)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        assert struct.unpack(">I", data[end - 4 : end])[0] == zlib.crc32(data[pos + 4 : end - 4]), kind
        chunks.append((kind, pos, end))
        pos = end
    return chunks


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


# ---------------------------------------------------------------------------------- the setup


@pytest.fixture(scope="module")
def issued(live_server, tmp_path_factory):
    """{(kind, fmt): {...}} for the three badge classes × two formats, downloaded over HTTP."""
    server = live_server
    folder = tmp_path_factory.mktemp("baked")
    png_path, svg_path = folder / "fresque.png", folder / "terdeskin.svg"
    png_path.write_bytes(_uploaded_png())
    svg_path.write_bytes(UPLOADED_SVG)

    profile = json.loads(
        server.cli(
            "issuer",
            "create",
            "--name",
            "Territoire apprenant pays de Vannes",
            "--url",
            "https://territoire-apprenant-vannes.example",
            "--slug",
            "tapv",
        ).stdout
    )
    common = (
        "--issuer",
        "tapv",
        "--description",
        "Animer une fresque du climat lors du fresquathon d'octobre 2023.",
        "--criteria",
        "Avoir animé au moins une fresque complète.",
    )
    classes = {
        "png": json.loads(
            server.cli(
                "achievement", "create", "--name", "Animer une fresque du climat", *common, "--image", str(png_path)
            ).stdout
        ),
        "svg": json.loads(
            server.cli(
                "achievement",
                "create",
                "--name",
                "Terdeskiñ — reconnaissance souple",
                *common,
                "--image",
                str(svg_path),
            ).stdout
        ),
        "default": json.loads(
            server.cli("achievement", "create", "--name", "Fresquathon 2023 : dix fresques en un jour", *common).stdout
        ),
    }
    originals = {"png": png_path.read_bytes(), "svg": sanitize_svg(UPLOADED_SVG)}
    result = {}
    for kind, achievement in classes.items():
        status, headers, class_image = server.get(achievement["id"] + "/image")
        assert status == 200
        if kind in originals:  # the upload is stored and served as is (an SVG as rebuilt from the allow-list)
            assert class_image == originals[kind]
        else:
            assert headers["Content-Type"] == "image/png"
        for fmt in FORMATS:
            out = server.cli(
                "issue",
                "--achievement",
                achievement["id"],
                "--email",
                f"{kind}.{fmt}@exemple.fr",
                "--name",
                "Maïwenn Le Goff",
                "--format",
                fmt,
            ).stdout.strip()
            credential_id = json.loads(out)["id"] if fmt == "ldp" else json.loads(_b64url(out.split(".")[1]))["jti"]
            extension = "svg" if kind == "svg" else "png"
            status, headers, baked = server.get(f"{credential_id}.{extension}")
            assert status == 200, baked[:300]
            assert headers["Content-Type"].startswith(f"image/{'svg+xml' if kind == 'svg' else 'png'}")
            assert headers["Content-Disposition"].endswith(f'.{extension}"')
            path = folder / f"{kind}-{fmt}.{extension}"
            path.write_bytes(baked)
            result[(kind, fmt)] = {
                "id": credential_id,
                "issued": out,
                "baked": baked,
                "path": path,
                "class_image": class_image,
                "extension": extension,
            }
    server.check_alive()
    return {"profile": profile, "items": result, "server": server}


# ------------------------------------------------------------------------------------- tests

CASES = [(kind, fmt) for kind in KINDS for fmt in FORMATS]


@pytest.mark.parametrize("kind,fmt", CASES)
def test_download_carries_the_issued_credential(issued, kind, fmt):
    item = issued["items"][(kind, fmt)]
    found_kind, payload = unbake(item["baked"])
    assert found_kind == item["extension"]
    assert payload == item["issued"]  # exactly what `badger issue` printed, i.e. what was signed
    status, _, served = issued["server"].get(f"{item['id']}.{'json' if fmt == 'ldp' else 'jwt'}")
    assert status == 200 and served.decode("utf-8").strip() == payload
    # The other image kind is served too (issue 15: an SVG rasterised, a PNG wrapped), with
    # the same credential inside; test_independent_verifiers_accept_the_other_kind checks it.
    other = "png" if item["extension"] == "svg" else "svg"
    status, headers, body = issued["server"].get(f"{item['id']}.{other}")
    assert status == 200 and headers["Content-Type"].startswith(f"image/{'svg+xml' if other == 'svg' else 'png'}")
    assert unbake(body) == (other, payload)


@pytest.mark.parametrize("kind,fmt", CASES)
def test_badger_verifies_the_download(issued, kind, fmt):
    from badger.verifying import service as verifying

    item = issued["items"][(kind, fmt)]
    server = issued["server"]
    cli = server.cli("verify", str(item["path"]), "--email", f"{kind}.{fmt}@exemple.fr", check=False)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    answer = json.loads(cli.stdout)
    assert answer["verified"] is True
    assert answer["checks"][0]["code"] == f"format.{item['extension']}"
    with server.badger.transaction() as session:
        result = verifying.verify_credential(server.badger, session, item["baked"], email=f"{kind}.{fmt}@exemple.fr")
    assert result.verified, result.as_dict("en")
    assert result.check("format").code == f"format.{item['extension']}"


def test_independent_verifiers_accept_the_unbaked_json(issued):
    origin = issued["server"].url
    credentials = [json.loads(unbake(issued["items"][(kind, "ldp")]["baked"])[1]) for kind in KINDS]
    for credential in credentials:
        assert credential["proof"]["verificationMethod"].startswith(issued["profile"]["id"] + "#")
    # They fetch the issuer's did.json and the status list from the running server.
    db_results = node.run_node_many("db-verify.mjs", [{"credential": c, "live": [origin]} for c in credentials])
    for kind, db in zip(KINDS, db_results, strict=True):
        assert db["verified"], (kind, db["errors"])
    dcc_results = node.run_node_many("dcc-verify.mjs", [{"credential": c, "live": [origin]} for c in credentials])
    for kind, dcc in zip(KINDS, dcc_results, strict=True):
        assert dcc["verified"] and dcc["signatureValid"], (kind, dcc["errors"])


def test_independent_verifiers_accept_the_other_kind(issued):
    """Issue 15, must show 2: for the SVG class and the PNG class, the baked image in the other
    format (PNG rasterised from the SVG, SVG wrapping the PNG) carries a credential that
    Digital Bazaar's vc and DCC's verifier-core verify against the running server."""
    server, origin = issued["server"], issued["server"].url
    credentials = []
    for kind in ("svg", "png"):
        other = "png" if kind == "svg" else "svg"
        status, _, body = server.get(f"{issued['items'][(kind, 'ldp')]['id']}.{other}")
        assert status == 200
        found, payload = unbake(body)
        assert found == other
        credentials.append(json.loads(payload))
    for db in node.run_node_many("db-verify.mjs", [{"credential": c, "live": [origin]} for c in credentials]):
        assert db["verified"], db["errors"]
    for dcc in node.run_node_many("dcc-verify.mjs", [{"credential": c, "live": [origin]} for c in credentials]):
        assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]


def test_jose_verifies_the_unbaked_jwt_with_the_published_key(issued):
    server = issued["server"]
    _, _, body = server.get("/issuers/tapv/did.json")
    did_document = json.loads(body)
    _, _, body = server.get("/issuers/tapv/jwks.json")
    jwks = json.loads(body)
    items = []
    for kind in KINDS:
        jwt = unbake(issued["items"][(kind, "jwt")]["baked"])[1]
        kid = json.loads(_b64url(jwt.split(".")[0]))["kid"]
        jwk = next(m["publicKeyJwk"] for m in did_document["verificationMethod"] if m["id"] == kid)
        [published] = [k for k in jwks["keys"] if k.get("kid") == kid]  # the same key in jwks.json
        assert all(published.get(f) == jwk.get(f) for f in ("kty", "crv", "x", "y", "n", "e"))
        items.append({"jwt": jwt, "jwk": jwk})
    for kind, jose in zip(KINDS, node.jose_verify_many(items), strict=True):
        assert jose["verified"], (kind, jose["errors"])
        assert jose["payload"]["iss"] == issued["profile"]["id"]


@pytest.mark.parametrize("kind,fmt", [c for c in CASES if c[0] != "svg"])
def test_baked_png_is_the_class_image_plus_one_chunk(issued, kind, fmt):
    item = issued["items"][(kind, fmt)]
    original, baked = item["class_image"], item["baked"]
    inserted = [
        (t, s, e)
        for t, s, e in _png_chunks(baked)
        if t == b"iTXt" and baked[s + 8 : e - 4].startswith(b"openbadgecredential\x00")
    ]
    assert len(inserted) == 1
    _, start, end = inserted[0]
    assert baked[:start] + baked[end:] == original  # every other byte, IDAT included: no re-encode
    assert baked[start + 8 : end - 4] == b"openbadgecredential\x00\x00\x00\x00\x00" + item["issued"].encode("utf-8")
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(baked))
    assert (after.mode, after.size) == (before.mode, before.size)
    assert after.tobytes() == before.tobytes()  # and so the same pixels, decoded by Pillow
    if kind == "png":  # the editor's own chunks survive
        kinds = [t for t, _, _ in _png_chunks(baked)]
        assert b"gAMA" in kinds and b"tEXt" in kinds and kinds.count(b"iTXt") == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_baked_svg_is_the_class_markup_plus_one_element(issued, fmt):
    item = issued["items"][("svg", fmt)]
    baked = item["baked"]
    match = re.search(rb"<openbadges:credential[ >].*?</openbadges:credential>", baked, re.S)
    assert match is not None
    # The element is the first child of <svg>, the namespace declared once on the root.
    root = re.search(rb"<svg\b[^>]*>", baked)
    assert root.end() == match.start() and OB_NAMESPACE_DECLARATION in root.group()
    assert baked.count(OB_NAMESPACE_DECLARATION) == 1
    restored = (baked[: match.start()] + baked[match.end() :]).replace(OB_NAMESPACE_DECLARATION, b"", 1)
    # The class's (sanitised) markup, every byte kept by baking.
    assert restored == sanitize_svg(UPLOADED_SVG) == item["class_image"]
    if fmt == "jwt":
        assert (
            match.group()
            == b'<openbadges:credential verify="' + item["issued"].encode() + b'"></openbadges:credential>'
        )
    else:
        assert b"<![CDATA[" + item["issued"].encode("utf-8") + b"]]>" in match.group()

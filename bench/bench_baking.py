"""Baking cost per image: Badger's splice (PNG iTXt chunk / SVG element inserted into the
original bytes) against a naive reference that decodes and re-encodes the image (Pillow for
PNG, an ElementTree round trip for SVG), measured in one run on the same images and payload;
plus the time to draw a default badge image (badger.achievements.images).

Run with ``make bench`` (or ``.venv/bin/python bench/bench_baking.py [ROUNDS]``).
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, PngImagePlugin

from badger.achievements.images import default_badge_png
from badger.baking import OB_SVG_NAMESPACE, bake_png, bake_svg, unbake_png, unbake_svg

# An OB 3.0 credential of the usual size (about 2 KB of JSON), as text: baking never parses it.
PAYLOAD = json.dumps(
    {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://badges.example/credentials/6b3c1a52-2c4e-4f3b-8d6a-4f1b2e9c7d10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:badges.example:issuers:cec-ouest", "type": ["Profile"], "name": "CEC Ouest 2023"},
        "validFrom": "2023-01-21T17:00:00Z",
        "name": "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example/achievements/5f0c9f1e-5a49-4f2b-9d1e-0d4bb6a3f0a1",
                "type": ["Achievement"],
                "name": "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
                "description": "Premier camp de base, Rennes, 20-21 janvier 2023. " * 8,
                "criteria": {"narrative": "Présence aux deux journées et contribution au diagnostic partagé."},
            },
        },
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2023-01-21T17:00:00Z",
            "verificationMethod": "did:web:badges.example:issuers:cec-ouest#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "5" * 86,
        },
    },
    ensure_ascii=False,
)


def photo_png(target_bytes: int) -> bytes:
    """An RGB PNG of noise (incompressible, like a photo) of about ``target_bytes``."""
    side = int((target_bytes / 3) ** 0.5)
    noise = random.Random(4).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, "PNG", compress_level=1)
    return out.getvalue()


def svg_document() -> bytes:
    """A hand-made SVG of about 10 KB (shapes, text, comments, an xlink prefix)."""
    rings = "\n".join(
        f'  <circle cx="200" cy="200" r="{190 - 3 * i}" fill="none" stroke="#{(i * 2654435761) & 0xFFFFFF:06x}"'
        f' stroke-width="1.5"/>'
        for i in range(60)
    )
    paths = "\n".join(
        f'  <path d="M{20 + i * 6} 360 q 12 -{10 + i % 7} 24 0 t 24 0" stroke="#1f6f5c" fill="none"/>'
        for i in range(50)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Terdeskiñ, Territoire apprenant pays de Vannes -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" height="400" viewBox="0 0 400 400">
  <title>Terdeskiñ — reconnaissance souple</title>
  <defs><circle id="dot" r="6" fill="#f4d35e"/></defs>
{rings}
{paths}
  <use xlink:href="#dot" x="200" y="60"/>
  <text x="200" y="215" text-anchor="middle" font-size="42" fill="#ffffff">Terdeskiñ</text>
</svg>
""".encode()


def naive_png(data: bytes, payload: str) -> bytes:
    image = Image.open(io.BytesIO(data))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", payload)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def naive_svg(data: bytes, payload: str) -> bytes:
    ElementTree.register_namespace("", "http://www.w3.org/2000/svg")
    ElementTree.register_namespace("openbadges", OB_SVG_NAMESPACE)
    root = ElementTree.fromstring(data)
    element = ElementTree.Element(f"{{{OB_SVG_NAMESPACE}}}credential")
    element.text = payload
    root.insert(0, element)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def per_call_ms(function, rounds: int) -> float:
    """CPU time of this process per call, best of three batches: the figure least disturbed by
    other processes on a shared machine (everything measured here runs on one thread)."""
    function()  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            function()
        best = min(best, (time.process_time() - start) / rounds)
    return best * 1000


def main(rounds: int = 50) -> None:
    default = default_badge_png("Session 1 — Montée à bord (CEC Ouest 2023, Rennes)", "CEC Ouest 2023")
    big = photo_png(2 * 1024 * 1024)
    svg = svg_document()
    # Correctness first: both ways carry the payload.
    assert unbake_png(bake_png(default, PAYLOAD)) == PAYLOAD == unbake_png(naive_png(default, PAYLOAD))
    assert unbake_svg(bake_svg(svg, PAYLOAD)) == PAYLOAD

    cases = [
        (
            f"PNG 512 px default ({len(default) // 1024} KB)",
            lambda: bake_png(default, PAYLOAD),
            lambda: naive_png(default, PAYLOAD),
            max(5, rounds // 2),
        ),
        (
            f"PNG photo {Image.open(io.BytesIO(big)).width} px ({len(big) / 2**20:.1f} MB)",
            lambda: bake_png(big, PAYLOAD),
            lambda: naive_png(big, PAYLOAD),
            max(3, rounds // 10),
        ),
        (f"SVG ({len(svg) // 1024} KB)", lambda: bake_svg(svg, PAYLOAD), lambda: naive_svg(svg, PAYLOAD), rounds),
    ]
    print(f"payload: {len(PAYLOAD.encode())} bytes of JSON; CPU time per image, best of 3 batches")
    print(f"{'image':34}{'Badger (ms)':>13}{'naive (ms)':>12}{'naive / Badger':>16}")
    for label, ours, naive, n in cases:
        badger_ms = per_call_ms(ours, n)
        naive_ms = per_call_ms(naive, n)
        print(f"{label:34}{badger_ms:13.3f}{naive_ms:12.3f}{naive_ms / badger_ms:16.1f}")

    names = iter([f"Badge de démonstration n° {i} — fresque du climat" for i in range(4 * rounds + 1)])
    # Distinct names: nothing comes from the cache.
    draw_ms = per_call_ms(lambda: default_badge_png(next(names), "Territoire apprenant pays de Vannes"), rounds)
    print(f"default badge image (512 px PNG, drawn, uncached): {draw_ms:.1f} ms per image")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)

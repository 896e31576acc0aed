"""Small builders shared by the recognition tests: evidence files and a partner with staff."""

from __future__ import annotations

import io
import zlib

from PIL import Image

PASSWORD = "correct horse battery staple"
CRITERIA = "- Animer une fresque complète\n- Présenter le guide aux participants"


def pdf(extra: bytes = b"", compressed: bytes | None = None) -> bytes:
    """A small, valid-enough PDF; ``extra`` goes into the catalogue, ``compressed`` into a
    Flate stream."""
    stream = zlib.compress(compressed or b"BT /F1 12 Tf 72 712 Td (Preuve) Tj ET")
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R " + extra + b" >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"3 0 obj << /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >> stream\n"
        + stream
        + b"\nendstream endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png(trailer: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue() + trailer

"""Evidence of badge requests: URLs, texts and files (PDF, PNG, JPEG).

Files are kept in the database (never under the web root) and only served through views that
check the reader: the partner's staff, the class's jury members, or, once the badge is issued,
the public evidence link carried by the credential as an OB 3.0 Evidence with ``digestSRI``.

What arrives is checked here, by content, not by name:
- size: MAX_FILE_BYTES per file, MAX_FILES per request;
- type: the magic bytes decide; a name (extension) or a declared type that says otherwise is
  refused (``evidence.type_mismatch``); anything but PDF, PNG and JPEG is refused (SVG can carry
  scripts);
- PDF: refused when it carries active content (JavaScript, launch or submit actions, embedded
  files, XFA forms, rich media), names written plainly or with ``#xx`` escapes, in the file or in
  its Flate-compressed streams. No library sanitises PDF well enough to trust, so refusing is the
  honest answer; the files are also served with ``Content-Disposition: attachment`` and a
  sandboxing Content-Security-Policy;
- images: decoded and re-encoded by Pillow (pixel limit), which drops anything appended to or
  hidden in the file (comments, metadata, a script after the image data): what is kept and
  digested is the clean image.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zlib
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from badger.errors import InvalidInput

__all__ = ["MAX_FILE_BYTES", "MAX_FILES", "CheckedFile", "check_file", "digest_sri", "check_url", "MEDIA_TYPES"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 40_000_000
MEDIA_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
_EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_ACTIVE_PDF_NAMES = (b"/javascript", b"/js", b"/launch", b"/submitform", b"/embeddedfile", b"/xfa", b"/richmedia")
_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    media_type: str
    data: bytes
    digest: str


def digest_sri(data: bytes) -> str:
    """Subresource Integrity digest (sha384, W3C SRI §3.5), the form VC 2.0's digestSRI takes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _names(chunk: bytes) -> set[bytes]:
    out = set()
    for match in _NAME.findall(chunk):
        # PDF names may hide letters as #xx (ISO 32000-1 §7.3.5): /J#61vaScript is /JavaScript.
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match)
        out.add(name.lower())
    return out


def _pdf_is_active(data: bytes) -> bool:
    chunks = [data]
    for stream in _STREAM.findall(data):
        try:
            chunks.append(zlib.decompressobj().decompress(stream.strip(), MAX_FILE_BYTES * 4))
        except zlib.error:
            continue
    names: set[bytes] = set()
    for chunk in chunks:
        names |= _names(chunk)
    if any(name in names for name in _ACTIVE_PDF_NAMES):
        return True
    # /OpenAction or /AA (additional actions) only run something through the names above, but a
    # URI action on opening is refused too: a reviewer opening a file should not be sent anywhere.
    return (b"/openaction" in names or b"/aa" in names) and b"/uri" in names


def _clean_image(data: bytes, media_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("the image is too large", code="evidence.too_large", field="files")
            image.load()
            out = io.BytesIO()
            if media_type == "image/png":
                image.save(out, format="PNG")
            else:
                image.convert("RGB").save(out, format="JPEG", quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("the image cannot be read", code="evidence.unreadable", field="files") from None


def check_file(filename: str | None, declared_type: str | None, data: bytes) -> CheckedFile:
    """One uploaded evidence file, checked (see the module docstring) -> what is stored.
    Raises InvalidInput with codes ``evidence.too_large``, ``evidence.empty``,
    ``evidence.unsupported_type``, ``evidence.type_mismatch``, ``evidence.active_content``,
    ``evidence.unreadable`` (field ``files``)."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"a file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", code="evidence.too_large", field="files"
        )
    if not data:
        raise InvalidInput("the file is empty", code="evidence.empty", field="files")
    name = re.sub(r"[^\w.\- ]+", "_", (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()[:120]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    sniffed = _sniff(data)
    if sniffed is None:
        raise InvalidInput("only PDF, PNG and JPEG files are accepted", code="evidence.unsupported_type", field="files")
    named = _EXTENSIONS.get(extension)
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    if named != sniffed or (declared and declared != "application/octet-stream" and declared != sniffed):
        raise InvalidInput("the file's content does not match its type", code="evidence.type_mismatch", field="files")
    if sniffed == "application/pdf":
        if _pdf_is_active(data):
            raise InvalidInput(
                "PDF files with scripts or actions are refused", code="evidence.active_content", field="files"
            )
        clean = data
    else:
        clean = _clean_image(data, sniffed)
    return CheckedFile(
        filename=name or "evidence" + MEDIA_TYPES[sniffed], media_type=sniffed, data=clean, digest=digest_sri(clean)
    )


def check_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 2000 or not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url):
        raise InvalidInput("an evidence link must be an http(s) URL", code="evidence.invalid_url", field="urls")
    return url

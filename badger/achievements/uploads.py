"""A badge image kept between two submissions of the editor.

When the editor form comes back with an error, the browser cannot send the chosen file again
(a file input is never pre-filled), so the image would be lost. The edge checks the upload
(``service.check_image``: size, PNG or safe SVG, the SVG rebuilt from the allow-list) and keeps
it here, under a random token that travels in a hidden field of the form; the next submission
uses it unless another file is chosen. Files live in ``<instance>/image-uploads/``, are read
back by the same user only, and are deleted once the badge is saved or after ``MAX_AGE``."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from badger.achievements.service import check_image
from badger.achievements.svg_safety import sanitize_svg
from badger.core.app import Badger
from badger.errors import NotFound

__all__ = ["MAX_AGE", "stage_image", "read_image", "discard_image"]

MAX_AGE = 6 * 3600  # seconds a kept image waits for the next submission

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_OWNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUFFIX = {"image/png": ".png", "image/svg+xml": ".svg"}


def _folder(app: Badger) -> Path:
    folder = Path(app.settings.instance_path) / "image-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _paths(app: Badger, owner: str, token: str) -> list[Path]:
    if not (isinstance(owner, str) and _OWNER.match(owner) and isinstance(token, str) and _TOKEN.match(token)):
        raise NotFound("no such image", code="image.upload_not_found")
    return [_folder(app) / f"{owner}-{token}{suffix}" for suffix in _SUFFIX.values()]


def stage_image(app: Badger, owner: str, data: bytes) -> str:
    """Check ``data`` as a badge image (raises InvalidInput like the editor would) and keep it
    for ``owner`` (a user id) -> its token. Kept images older than MAX_AGE are swept."""
    media_type = check_image(data, app.settings.max_upload_bytes)
    if media_type == "image/svg+xml":
        data = sanitize_svg(data)
    folder = _folder(app)
    cutoff = time.time() - MAX_AGE
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    _paths(app, owner, token)  # checks the owner's shape before anything is written
    (folder / f"{owner}-{token}{_SUFFIX[media_type]}").write_bytes(data)
    return token


def read_image(app: Badger, owner: str, token: str) -> tuple[bytes, str]:
    """-> (bytes, media type) of the image ``owner`` kept under ``token``. Raises NotFound
    (expired, used, or someone else's)."""
    for path, media_type in zip(_paths(app, owner, token), _SUFFIX, strict=True):
        try:
            if time.time() - path.stat().st_mtime <= MAX_AGE:
                return path.read_bytes(), media_type
        except OSError:
            continue
    raise NotFound("this image has expired: choose the file again", code="image.upload_not_found")


def discard_image(app: Badger, owner: str, token: str) -> None:
    try:
        for path in _paths(app, owner, token):
            path.unlink(missing_ok=True)
    except (OSError, NotFound):
        pass

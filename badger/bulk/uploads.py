"""What the partner dashboard shows that no other service answers directly: readable rows for
the credentials list, and the uploaded bulk file kept between the dry run and the
confirmation.

Bulk uploads are kept server-side (a 10,000-row file does not travel back and forth in a
form): the raw CSV is written to ``<instance>/bulk-uploads/<user>-<random>.csv`` and read back
by the same user only; confirming (or abandoning after ``UPLOAD_MAX_AGE``) deletes it."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from badger.core.app import Badger
from badger.errors import NotFound

UPLOAD_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


_OWNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _uploads(app: Badger) -> Path:
    folder = Path(app.settings.instance_path) / "bulk-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(app: Badger, owner: str, token: str) -> Path:
    if not (_OWNER.match(owner or "") and _TOKEN.match(token or "")):
        raise NotFound("no such upload", code="bulk.upload_not_found")
    return _uploads(app) / f"{owner}-{token}.csv"


def stage_upload(app: Badger, owner: str, data: bytes) -> str:
    """Keep an uploaded CSV for ``owner`` (a user id) until it is confirmed -> its token.
    Uploads older than UPLOAD_MAX_AGE are swept on the way."""
    folder = _uploads(app)
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in folder.glob("*.csv"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    _path(app, owner, token).write_bytes(data)
    return token


def read_upload(app: Badger, owner: str, token: str) -> bytes:
    """The CSV ``owner`` uploaded under ``token``. Raises NotFound (expired, confirmed, or
    someone else's)."""
    path = _path(app, owner, token)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NotFound("this upload has expired: upload the file again", code="bulk.upload_not_found") from exc


def discard_upload(app: Badger, owner: str, token: str) -> None:
    try:
        _path(app, owner, token).unlink(missing_ok=True)
    except (OSError, NotFound):
        pass

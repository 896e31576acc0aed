"""What the partner dashboard shows that no other service answers directly: readable rows for
the credentials list, and the uploaded bulk file kept between the dry run and the
confirmation.

Bulk uploads are kept server-side (a 10,000-row file does not travel back and forth in a
form): the raw CSV is written to ``<instance>/bulk-uploads/<user>-<random>.csv`` and read back
by the same user only; confirming (or abandoning after ``UPLOAD_MAX_AGE``) deletes it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from badger.errors import NotFound
from badger.services import achievements, issuing
from badger.services.app import Badger
from badger.store import Credential, Issuer
from badger.store.repositories import Session

__all__ = ["CredentialRow", "credential_rows", "credential_row", "stage_upload", "read_upload", "discard_upload",
           "UPLOAD_MAX_AGE"]

UPLOAD_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_OWNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class CredentialRow:
    id: str
    url: str
    achievement_id: str
    achievement_name: str
    recipient_name: str | None
    recipient_did: str | None
    format: str
    status: str
    status_reason: str | None
    issued_at: datetime


def _recipient_name(document: dict) -> str | None:
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    for identifier in subject.get("identifier") or [] if isinstance(subject, dict) else []:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name" and identifier.get("hashed") is False:
            return identifier.get("identityHash")
    return None


def _row(app: Badger, row: Credential, names: dict[str, str]) -> CredentialRow:
    try:
        document = json.loads(row.document)
    except ValueError:
        document = {}
    return CredentialRow(id=row.id, url=app.url("credentials", row.id), achievement_id=row.achievement_id,
                         achievement_name=names.get(row.achievement_id, ""), recipient_name=_recipient_name(document),
                         recipient_did=row.recipient_did, format=row.format, status=row.status,
                         status_reason=row.status_reason, issued_at=row.issued_at)


def credential_rows(app: Badger, session: Session, issuer: Issuer, *, email: str | None = None,
                    achievement: str | None = None, status: str | None = None, limit: int = 500) -> list[CredentialRow]:
    """The issuer's credentials, newest first, filtered by recipient e-mail (its keyed hash:
    addresses are not stored), badge class and status."""
    names = {a.id: a.name for a in achievements.list_achievements(session, issuer, drafts=True)}
    rows = issuing.list_credentials(app, session, issuer=issuer, email=email or None, achievement=achievement or None,
                                    status=status or None, limit=limit)
    return [_row(app, row, names) for row in rows]


def credential_row(app: Badger, session: Session, issuer: Issuer, credential_id: str) -> CredentialRow:
    """One of the issuer's credentials. Raises NotFound (also for another issuer's)."""
    row = issuing.get_credential(session, credential_id, issuer=issuer)
    names = {row.achievement_id: achievements.get_achievement(session, row.achievement_id, drafts=True).name}
    return _row(app, row, names)


# ------------------------------------------------------------------------------ bulk uploads

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

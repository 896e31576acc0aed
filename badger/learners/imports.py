"""Badges from any issuer into a learner's collection: by URL, JSON, compact JWS or baked
PNG/SVG. Each is verified on the way in by the full verifier (verifying.service, the same as
the /verify page: proof, issuer, dates, status, schema) and refused with the verifier's reasons
when it does not verify; it is stored exactly as received (``LearnerBadge.original``) and given
back byte for byte (``export``). The same credential (same ``id``) imported again replaces the
stored one (upsert, OB 3.0 §"upsertCredential")."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from badger import baking
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import BakingError, InvalidCredential, InvalidInput, NotFound
from badger.learners import repository as repo
from badger.learners.models import Learner, LearnerBadge
from badger.learners.service import _names, actor
from badger.verifying.service import fetch_credential_url, verify_credential

__all__ = ["import_bytes", "import_url", "export", "MAX_BYTES", "MEDIA_TYPES"]

MAX_BYTES = 1024 * 1024
MEDIA_TYPES = {
    "json": "application/json",
    "jwt": "application/jwt",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def _payload(data: bytes) -> tuple[str, str, object]:
    """-> (format, payload text, what the verifier takes). Raises InvalidInput."""
    kind = baking.image_kind(data)
    if kind is not None:
        try:
            found = baking.unbake(data)
        except BakingError as exc:
            raise InvalidInput(f"unreadable image: {exc}", code="import.bad_image") from exc
        if found is None:
            raise InvalidInput("this image carries no Open Badges 3.0 credential", code="import.not_baked")
        return kind, found[1], data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "not a credential: neither JSON, a compact JWS nor a baked image", code="import.unreadable"
        ) from exc
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"invalid JSON: {exc}", code="import.bad_json") from exc
        if not isinstance(document, dict):
            raise InvalidInput("a credential is a JSON object", code="import.bad_json")
        return "json", text, document
    if stripped.count(".") == 2 and " " not in stripped:
        return "jwt", text, stripped
    raise InvalidInput("not a credential: neither JSON, a compact JWS nor a baked image", code="import.unreadable")


def import_bytes(
    app: Badger, session: Session, learner: Learner, data: bytes, *, source: str = "import", lang: str = "fr"
) -> tuple[LearnerBadge, bool]:
    """Verify and store one badge -> (row, created). Raises InvalidInput (unreadable),
    InvalidCredential (does not verify: ``problems`` are the verifier's failed checks)."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise InvalidInput("an empty file", code="import.empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"more than {MAX_BYTES} bytes", code="import.too_large")
    data = bytes(data)
    fmt, payload, subject = _payload(data)
    result = verify_credential(app, session, subject)
    if not result.verified:
        failed = [check for check in result.checks if check.status == "failed"]
        reasons = "; ".join(check.as_dict(lang)["message"] for check in failed)
        raise InvalidCredential(f"this badge does not verify: {reasons}", problems=failed, code="import.not_verified")
    document = result.credential or {}
    credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    name, issuer = _names(document)
    now = app.clock()
    row = repo.badge_by_credential(session, learner.id, credential_id) if credential_id else None
    created = row is None
    if row is None:
        row = LearnerBadge(id=app.new_id(), learner_id=learner.id, added_at=now, public=False)
        session.add(row)
    row.format, row.original, row.payload, row.credential_id = fmt, data, payload, credential_id
    row.name, row.issuer_name, row.source, row.updated_at = name[:300], issuer[:300], source, now
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=None,
        actor=actor(learner),
        action="learner.import" if created else "learner.import_update",
        target=row.id,
        detail={"format": fmt, "source": source},
    )
    return row, created


def import_url(
    app: Badger, session: Session, learner: Learner, url: str, *, lang: str = "fr"
) -> tuple[LearnerBadge, bool]:
    """Fetch a credential (JSON, JWS or baked image) at ``url`` and import it as received."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise InvalidInput("url must be an http(s) URL", code="input.invalid_url", field="url")
    if url.startswith(app.url("credentials") + "/"):
        data = fetch_credential_url(app, session, url).encode("utf-8")  # ours: the stored text
    else:
        try:
            data = app.fetcher(url)
        except Exception as exc:  # noqa: BLE001 - every fetch failure is the same refusal
            raise InvalidInput(f"cannot fetch {url}: {exc}", code="import.fetch_failed", field="url") from exc
    return import_bytes(app, session, learner, data, lang=lang)


def export(session: Session, learner: Learner, badge_id: str) -> tuple[bytes, str, str]:
    """-> (the bytes as received, media type, file extension). Raises NotFound."""
    row = repo.badge(session, learner.id, badge_id)
    if row is None:
        raise NotFound("no such badge in your collection", code="learner.badge_not_found")
    return row.original, MEDIA_TYPES[row.format], row.format


def remove(app: Badger, session: Session, learner: Learner, badge_id: str) -> None:
    row = repo.badge(session, learner.id, badge_id)
    if row is None:
        raise NotFound("no such badge in your collection", code="learner.badge_not_found")
    session.delete(row)
    session.flush()
    audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.remove_badge", target=badge_id)

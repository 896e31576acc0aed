"""The OB 3.0 API resources (OB 3.0 §"Open Badges API"): who a bearer token speaks for, the
learner's credentials (getCredentials, upsertCredential) and profile (getProfile, putProfile),
and what the learner has granted (connected apps they can revoke)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import BadgerError, InvalidInput, NotFound, Unauthorized
from badger.learners import imports
from badger.learners import service as learners
from badger.learners.models import Learner
from badger.obapi import repository as repo
from badger.obapi.oauth import token_hash

__all__ = [
    "Forbidden",
    "Grant",
    "authenticate",
    "list_credentials",
    "upsert_credential",
    "profile",
    "update_profile",
    "granted_apps",
    "revoke_app",
    "credentials_body",
]

MAX_LIMIT = 100


class Forbidden(BadgerError):
    """A valid token without the scope the endpoint needs (HTTP 403)."""

    code = "obapi.insufficient_scope"


@dataclass(frozen=True)
class Grant:
    learner: Learner
    client_id: str
    scopes: frozenset[str]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def authenticate(app: Badger, session: Session, authorization: str | None, scope: str) -> Grant:
    """The learner a ``Bearer`` access token speaks for, if it carries ``scope``. Raises
    Unauthorized (missing, unknown, expired or revoked token), Forbidden (scope). A bearer check
    is a hash look-up (RFC 6750 §2.1); Authlib's ResourceProtector would do the same with a
    Flask request, which this layer does not import."""
    kind, _, value = (authorization or "").partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        raise Unauthorized("a bearer access token is required", code="obapi.no_token")
    row = repo.token_by_access(session, token_hash(value.strip()))
    if row is None or not hmac.compare_digest(row.access_hash, token_hash(value.strip())):
        raise Unauthorized("unknown access token", code="obapi.invalid_token")
    if row.revoked_at is not None or _aware(row.expires_at) <= app.clock():
        raise Unauthorized("the access token expired or was revoked", code="obapi.invalid_token")
    scopes = frozenset(row.scope.split())
    if scope not in scopes:
        raise Forbidden(f"this token does not carry the scope {scope}")
    learner = learners.get(session, row.learner_id)
    if learner is None:
        raise Unauthorized("unknown access token", code="obapi.invalid_token")
    return Grant(learner=learner, client_id=row.client_id, scopes=scopes)


def _int(value: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a non-negative integer", code="obapi.invalid_query", field=name)
    if number < 0 or (maximum is not None and number > maximum) or (name == "limit" and number < 1):
        raise InvalidInput(f"{name} is out of range", code="obapi.invalid_query", field=name)
    return number


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("since must be an ISO 8601 date and time", code="obapi.invalid_query", field="since")
    return _aware(moment)


def list_credentials(
    app: Badger, session: Session, learner: Learner, *, limit: str | None, offset: str | None, since: str | None
) -> tuple[list[learners.Item], int, int, int]:
    """One page of the collection -> (items, total, limit, offset). OB 3.0 §"getCredentials":
    ``limit`` (1..100, default 100), ``offset`` (default 0), ``since`` (only credentials changed
    at or after). Raises InvalidInput."""
    size, start, after = _int(limit, "limit", MAX_LIMIT, MAX_LIMIT), _int(offset, "offset", 0), _since(since)
    items = learners.collection(app, session, learner)
    if after is not None:
        items = [i for i in items if _aware(datetime.fromisoformat(i.updated_at.replace("Z", "+00:00"))) >= after]
    return items[start : start + size], len(items), size, start


def credentials_body(items: list[learners.Item]) -> bytes:
    """GetOpenBadgeCredentialsResponse with each credential exactly as stored: the JSON texts are
    spliced in byte for byte (they were parsed when verified, so the body is valid JSON), the
    compact JWS in ``compactJwsString``."""
    documents = [i.payload.encode("utf-8") for i in items if not i.is_jwt]
    jws = [i.payload.strip() for i in items if i.is_jwt]
    body = b'{"credential": [' + b", ".join(documents) + b"]"
    if jws:
        body += b', "compactJwsString": ' + json.dumps(jws).encode("utf-8")
    return body + b"}"


def upsert_credential(app: Badger, session: Session, grant: Grant, data: bytes) -> tuple[learners.Item, bool]:
    """OB 3.0 §"upsertCredential": add (201) or replace (200) one credential, verified first.
    Raises InvalidInput, InvalidCredential (with the verifier's reasons)."""
    row, created = imports.import_bytes(app, session, grant.learner, data, source="api")
    item = next(i for i in learners.collection(app, session, grant.learner) if i.row_id == row.id)
    return item, created


def profile(app: Badger, learner: Learner, addresses: list[str]) -> dict:
    """OB 3.0 Profile of the learner: ``id`` (a URN, not a public address), ``type``, ``name``,
    ``email`` (the first confirmed address)."""
    body: dict = {"id": f"urn:uuid:{learner.id}", "type": ["Profile"]}
    if learner.name:
        body["name"] = learner.name
    if addresses:
        body["email"] = addresses[0]
    return body


def get_profile(app: Badger, session: Session, learner: Learner) -> dict:
    return profile(app, learner, [a.email for a in learners.addresses(session, learner)])


def update_profile(app: Badger, session: Session, grant: Grant, document) -> dict:
    """OB 3.0 §"putProfile": the learner's name may change; the id, type and addresses are
    Badger's (addresses change only by a confirmed link). Raises InvalidInput."""
    if not isinstance(document, dict):
        raise InvalidInput("a Profile object is required", code="obapi.invalid_profile")
    types = document.get("type")
    if types is not None and "Profile" not in (types if isinstance(types, list) else [types]):
        raise InvalidInput("type must include Profile", code="obapi.invalid_profile", field="type")
    name = document.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidInput("name must be a string", code="obapi.invalid_profile", field="name")
    learners.update_profile(app, session, grant.learner, name=name if name is not None else None)
    audit.record(
        app,
        session,
        issuer_id=None,
        actor=audit.Actor(f"client:{grant.client_id}"),
        action="obapi.profile_update",
        target=grant.learner.id,
    )
    return get_profile(app, session, grant.learner)


def granted_apps(session: Session, learner: Learner) -> list[dict]:
    """The apps holding a live grant: ``{"client_id", "name", "scope", "since"}``, one per app."""
    apps: dict[str, dict] = {}
    for token, client in repo.grants(session, learner.id):
        apps.setdefault(client.client_id, {"client_id": client.client_id, "name": client.name, "scope": set()})
        apps[client.client_id]["scope"].update(token.scope.split())
    return [{**a, "scope": sorted(a["scope"])} for a in apps.values()]


def revoke_app(app: Badger, session: Session, learner: Learner, client_id: str) -> None:
    """The learner withdraws an app's access: every token it holds for them is revoked."""
    if repo.client(session, client_id) is None:
        raise NotFound("no such app", code="obapi.client_not_found")
    repo.revoke_grant(session, learner.id, client_id, app.clock())
    audit.record(app, session, issuer_id=None, actor=learners.actor(learner), action="obapi.revoke", target=client_id)

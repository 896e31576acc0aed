"""API tokens: shown once, stored as a SHA-256 hash, scoped to one issuer."""

from __future__ import annotations

import hashlib
import secrets

from badger.errors import Unauthorized
from badger.services.app import Badger
from badger.store import ApiToken, Issuer, repositories as repo
from badger.store.repositories import Session

__all__ = ["create_token", "authenticate", "PREFIX"]

PREFIX = "bdg_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(app: Badger, session: Session, issuer: Issuer, label: str | None = None) -> str:
    """A new token for ``issuer``; the plaintext is returned once and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(id=app.new_id(), issuer_id=issuer.id, label=(label or "")[:200] or None,
                         token_hash=_hash(token), created_at=app.clock()))
    session.flush()
    return token


def authenticate(session: Session, token: str | None) -> Issuer:
    """The issuer a bearer token acts for. Raises Unauthorized (missing, unknown or revoked)."""
    if not token or len(token) > 200:
        raise Unauthorized("a bearer token is required", code="auth.missing_token")
    row = repo.token_by_hash(session, _hash(token))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked token", code="auth.invalid_token")
    return session.get(Issuer, row.issuer_id)

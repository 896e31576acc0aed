"""API tokens: shown once, stored as a SHA-256 hash, scoped to one issuer."""

from __future__ import annotations

import hashlib
import secrets

from badger.accounts import repository as accounts_repository
from badger.accounts import repository as repo
from badger.accounts.models import ApiToken
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import NotFound, Unauthorized
from badger.issuers.models import Issuer

__all__ = ["create_token", "authenticate", "authenticate_caller", "PREFIX", "list_tokens", "revoke_token"]

PREFIX = "bdg_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    app: Badger, session: Session, issuer: Issuer, label: str | None = None, *, actor: audit.Actor = audit.SYSTEM
) -> str:
    """A new token for ``issuer``; the plaintext is returned once and never stored. Recorded in
    the audit log as ``token.create`` by ``actor`` (the CLI passes audit.CLI)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        id=app.new_id(),
        issuer_id=issuer.id,
        label=(label or "")[:200] or None,
        token_hash=_hash(token),
        created_at=app.clock(),
    )
    session.add(row)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="token.create",
        target=row.id,
        detail={"label": row.label} if row.label else None,
    )
    return token


def authenticate_caller(session: Session, token: str | None) -> tuple[Issuer, audit.Actor]:
    """The issuer a bearer token acts for, and the token as the audit actor (``token:<id>``,
    its label). Raises Unauthorized (missing, unknown or revoked)."""
    if not token or len(token) > 200:
        raise Unauthorized("a bearer token is required", code="auth.missing_token")
    row = repo.token_by_hash(session, _hash(token))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked token", code="auth.invalid_token")
    issuer = session.get(Issuer, row.issuer_id)
    assert issuer is not None  # row.issuer_id is a foreign key
    return issuer, audit.Actor(f"token:{row.id}", row.label)


def authenticate(session: Session, token: str | None) -> Issuer:
    """The issuer a bearer token acts for. Raises Unauthorized (missing, unknown or revoked)."""
    return authenticate_caller(session, token)[0]


# the dashboard's token page lists and revokes tokens (never shows them again).
def list_tokens(session: Session, issuer: Issuer) -> list[ApiToken]:
    """The issuer's tokens, newest first (revoked ones too, with ``revoked_at``)."""
    return accounts_repository.tokens_of(session, issuer.id)


def revoke_token(app: Badger, session: Session, issuer: Issuer, token_id: str, *, actor: audit.Actor) -> ApiToken:
    """Revoke one of ``issuer``'s tokens (``token.revoke``). Raises NotFound (not this issuer's)."""
    row = accounts_repository.token_of(session, issuer.id, token_id) if isinstance(token_id, str) else None
    if row is None:
        raise NotFound("no such token", code="token.not_found")
    if row.revoked_at is None:
        row.revoked_at = app.clock()
        session.flush()
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="token.revoke",
            target=row.id,
            detail={"label": row.label} if row.label else None,
        )
    return row

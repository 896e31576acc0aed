"""Queries, so that no other package writes SQL or imports SQLAlchemy. They flush, never commit."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badger.errors import Conflict
from badger.store.models import Achievement, ApiToken, Credential, Issuer, StatusList

__all__ = [
    "Session", "ping", "issuer_by_slug", "issuer_by_did", "issuers", "achievements_of", "status_list",
    "status_index_taken", "credential_by_idempotency_key", "credentials", "token_by_hash", "insert_unique",
]


def insert_unique(session: Session, row) -> None:
    """Insert ``row`` in a savepoint; a unique-constraint clash (a concurrent request with the
    same Idempotency-Key, or the same random status index) raises Conflict and leaves the
    transaction usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("a concurrent request wrote the same unique value", code="store.unique_conflict") from exc


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


def issuer_by_slug(session: Session, slug: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.slug == slug))


def issuer_by_did(session: Session, did: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.did == did))


def issuers(session: Session) -> list[Issuer]:
    return list(session.scalars(select(Issuer).order_by(Issuer.name)))


def achievements_of(session: Session, issuer_id: str) -> list[Achievement]:
    return list(session.scalars(select(Achievement).where(Achievement.issuer_id == issuer_id)
                                .order_by(Achievement.created_at, Achievement.id)))


def status_list(session: Session, issuer_id: str, purpose: str) -> StatusList | None:
    # Remembered for the session. A second SELECT would hand back the same
    # identity-mapped object anyway (its loaded columns are not refreshed), so this only saves the
    # round trip and the 16 KB of bits that every issuance paid twice.
    remembered = session.info.setdefault("badger.status_lists", {})
    row = remembered.get((issuer_id, purpose))
    if row is None or row not in session:
        row = session.scalar(select(StatusList).where(StatusList.issuer_id == issuer_id, StatusList.purpose == purpose))
        if row is not None:
            remembered[(issuer_id, purpose)] = row
    return row


def status_index_taken(session: Session, issuer_id: str, index: int) -> bool:
    return session.scalar(select(Credential.id).where(Credential.issuer_id == issuer_id,
                                                     Credential.status_index == index).limit(1)) is not None


def credential_by_idempotency_key(session: Session, issuer_id: str, key: str) -> Credential | None:
    return session.scalar(select(Credential).where(Credential.issuer_id == issuer_id, Credential.idempotency_key == key))


def credentials(session: Session, *, issuer_id: str | None = None, recipient_lookup: str | None = None,
                achievement_id: str | None = None, status: str | None = None, limit: int = 1000) -> list[Credential]:
    query = select(Credential).order_by(Credential.issued_at.desc(), Credential.id).limit(limit)
    if issuer_id is not None:
        query = query.where(Credential.issuer_id == issuer_id)
    if recipient_lookup is not None:
        query = query.where(Credential.recipient_lookup == recipient_lookup)
    if achievement_id is not None:
        query = query.where(Credential.achievement_id == achievement_id)
    if status is not None:
        query = query.where(Credential.status == status)
    return list(session.scalars(query))


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))

"""Queries of the OB 3.0 API area (they flush, never commit)."""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from badger.obapi.models import Connection, OAuthClient, OAuthCode, OAuthToken


def add(session: Session, row) -> None:
    session.add(row)
    session.flush()


def delete(session: Session, row) -> None:
    session.delete(row)
    session.flush()


def client(session: Session, client_id: str) -> OAuthClient | None:
    return session.get(OAuthClient, client_id) if isinstance(client_id, str) else None


def code(session: Session, code_hash: str) -> OAuthCode | None:
    return session.get(OAuthCode, code_hash)


def purge_codes(session: Session, before) -> None:
    session.execute(sql_delete(OAuthCode).where(OAuthCode.expires_at < before))


def token_by_access(session: Session, access_hash: str) -> OAuthToken | None:
    return session.scalars(select(OAuthToken).where(OAuthToken.access_hash == access_hash)).first()


def token_by_refresh(session: Session, refresh_hash: str) -> OAuthToken | None:
    return session.scalars(select(OAuthToken).where(OAuthToken.refresh_hash == refresh_hash)).first()


def revoke_grant(session: Session, learner_id: str, client_id: str, at) -> None:
    session.execute(
        update(OAuthToken)
        .where(OAuthToken.learner_id == learner_id, OAuthToken.client_id == client_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def grants(session: Session, learner_id: str) -> list[tuple[OAuthToken, OAuthClient]]:
    stmt = (
        select(OAuthToken, OAuthClient)
        .join(OAuthClient, OAuthClient.client_id == OAuthToken.client_id)
        .where(OAuthToken.learner_id == learner_id, OAuthToken.revoked_at.is_(None))
        .order_by(OAuthToken.issued_at)
    )
    return [(t, c) for t, c in session.execute(stmt)]


def connection(session: Session, connection_id: str) -> Connection | None:
    return session.get(Connection, connection_id)


def connection_by_state(session: Session, state_hash: str) -> Connection | None:
    return session.scalars(select(Connection).where(Connection.state_hash == state_hash)).first()


def connections(session: Session, learner_id: str) -> list[Connection]:
    stmt = select(Connection).where(Connection.learner_id == learner_id).order_by(Connection.created_at)
    return list(session.scalars(stmt))

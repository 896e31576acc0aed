"""Queries on the e-mail outbox and the partners' e-mail templates (flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from badger.achievements.models import Achievement
from badger.core.db import on_postgresql
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.mail.models import EmailTemplate, OutboxMessage

__all__ = [
    "add_message",
    "claim_due",
    "message",
    "messages",
    "count_by_state",
    "recent",
    "credential_messages",
    "next_due_at",
    "template_override",
    "save_template_override",
    "delete_template_override",
    "credential",
    "achievement",
    "issuer",
    "achievements_of",
]


def add_message(session: Session, row: OutboxMessage) -> None:
    session.add(row)
    session.flush()


def add_messages(session: Session, rows: list[OutboxMessage]) -> None:
    """One flush for many messages: multi-row INSERTs ("insertmanyvalues")."""
    session.add_all(rows)
    session.flush()


def claim_due(session: Session, *, now: datetime, limit: int, lease_until: datetime, owner: str) -> list[int]:
    """Lease up to ``limit`` pending rows that are due and not leased by a live pass; -> their
    ids, oldest first. PostgreSQL skips rows another pass is claiming (FOR UPDATE SKIP LOCKED);
    SQLite serialises writers (BEGIN IMMEDIATE), which gives the same guarantee."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.next_attempt_at <= now,
            (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until <= now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if on_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.lease_until, row.lease_owner = lease_until, owner
    session.flush()
    return [row.id for row in rows]


def message(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def messages(
    session: Session,
    *,
    issuer_id: str | None = None,
    state: str | None = None,
    template: str | None = None,
    limit: int = 1000,
) -> list[OutboxMessage]:
    query = select(OutboxMessage)
    if issuer_id is not None:
        query = query.where(OutboxMessage.issuer_id == issuer_id)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    if template is not None:
        query = query.where(OutboxMessage.template == template)
    return list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


def count_by_state(session: Session, issuer_id: str | None = None) -> dict[str, int]:
    query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if issuer_id is not None:
        query = query.where(OutboxMessage.issuer_id == issuer_id)
    return {state: count for state, count in session.execute(query)}


def recent(session: Session, *, issuer_id: str, state: str, limit: int) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.issuer_id == issuer_id, OutboxMessage.state == state)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def credential_messages(session: Session, credential_id: str, *, limit: int = 20) -> list[OutboxMessage]:
    """The e-mails about ``credential_id`` (its "credential_issued" e-mail and resends), newest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.credential_id == credential_id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def next_due_at(session: Session) -> datetime | None:
    """When the next pending row becomes deliverable (its retry time, or its lease's end)."""
    later = case(
        (OutboxMessage.lease_until > OutboxMessage.next_attempt_at, OutboxMessage.lease_until),
        else_=OutboxMessage.next_attempt_at,
    )
    return session.scalar(select(func.min(later)).where(OutboxMessage.state == "pending"))


def template_override(session: Session, issuer_id: str, template: str, lang: str) -> EmailTemplate | None:
    return session.scalar(
        select(EmailTemplate).where(
            EmailTemplate.issuer_id == issuer_id, EmailTemplate.template == template, EmailTemplate.lang == lang
        )
    )


def save_template_override(session: Session, row: EmailTemplate) -> None:
    session.add(row)
    session.flush()


def delete_template_override(session: Session, row: EmailTemplate) -> None:
    session.delete(row)
    session.flush()


def credential(session: Session, credential_id: str) -> Credential | None:
    return session.get(Credential, credential_id)


def achievement(session: Session, achievement_id: str) -> Achievement | None:
    return session.get(Achievement, achievement_id)


def issuer(session: Session, issuer_id: str) -> Issuer | None:
    return session.get(Issuer, issuer_id)


def achievements_of(session: Session, issuer_id: str, limit: int = 1) -> list[Achievement]:
    return list(
        session.scalars(
            select(Achievement)
            .where(Achievement.issuer_id == issuer_id)
            .order_by(Achievement.created_at.desc(), Achievement.id)
            .limit(limit)
        )
    )

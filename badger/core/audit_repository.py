"""Queries on the audit log (flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badger.core.audit_models import AuditEvent

__all__ = ["add_event", "events", "count_events"]


def add_event(session: Session, event: AuditEvent) -> None:
    session.add(event)
    session.flush()


def add_events(session: Session, events: list[AuditEvent]) -> None:
    """One flush for many events: multi-row INSERTs ("insertmanyvalues")."""
    session.add_all(events)
    session.flush()


def _of(issuer_id: str | None, action: str | None):
    query = select(AuditEvent)
    if issuer_id is not None:
        query = query.where(AuditEvent.issuer_id == issuer_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return query


def events(
    session: Session, issuer_id: str | None, *, action: str | None = None, limit: int | None = None, offset: int = 0
) -> Iterator[AuditEvent]:
    """Newest first; ``issuer_id=None`` means every partner (platform administrators)."""
    query = _of(issuer_id, action).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query.execution_options(yield_per=500))


def count_events(session: Session, issuer_id: str | None, *, action: str | None = None) -> int:
    return cast(int, session.scalar(select(func.count()).select_from(_of(issuer_id, action).subquery())))

"""Queries on the audit log (flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from badger.core.audit_models import AuditEvent
from badger.core.db import contains, copy_rows, page_of

__all__ = ["add_event", "events", "count_events", "actors"]


def add_event(session: Session, event: AuditEvent) -> None:
    session.add(event)
    session.flush()


def add_events(session: Session, events: list[dict]) -> None:
    """Many events (column values) at once (core.db.copy_rows): no ORM object, no id read back
    (a chunk of a bulk job writes one per credential)."""
    copy_rows(session, cast(Table, AuditEvent.__table__), events)


def _of(issuer_id: str | None, action: str | None, **filters):
    """``filters``: prefix (actions "<prefix>.*"), actor (its id), since / until (instants,
    until excluded); None means no filter."""
    query = select(AuditEvent)
    if issuer_id is not None:
        query = query.where(AuditEvent.issuer_id == issuer_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if filters.get("prefix"):
        query = query.where(AuditEvent.action.startswith(filters["prefix"] + ".", autoescape=True))
    if filters.get("actor"):
        query = query.where(AuditEvent.actor == filters["actor"])
    if filters.get("since") is not None:
        query = query.where(AuditEvent.at >= filters["since"])
    if filters.get("until") is not None:
        query = query.where(AuditEvent.at < filters["until"])
    return query


def actors(session: Session, issuer_id: str) -> list[tuple[str, str | None]]:
    """The distinct (actor, latest label) of a partner's log, for the filter."""
    query = (
        select(AuditEvent.actor, func.max(AuditEvent.actor_label))
        .where(AuditEvent.issuer_id == issuer_id)
        .group_by(AuditEvent.actor)
        .order_by(AuditEvent.actor)
    )
    return [(a, label) for a, label in session.execute(query)]


def events(
    session: Session,
    issuer_id: str | None,
    *,
    action: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    **filters,
) -> Iterator[AuditEvent]:
    """Newest first; ``issuer_id=None`` means every partner (platform administrators);
    ``filters`` as in _of."""
    query = _of(issuer_id, action, **filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query.execution_options(yield_per=500))


def count_events(session: Session, issuer_id: str | None, *, action: str | None = None) -> int:
    return cast(int, session.scalar(select(func.count()).select_from(_of(issuer_id, action).subquery())))


# Sortable columns of the dashboard's audit log (an allow-list: core.listing).
EVENT_SORTS = {"when": AuditEvent.at, "who": AuditEvent.actor_label, "what": AuditEvent.action}


def event_page(
    session: Session,
    issuer_id: str | None,
    *,
    search: str = "",
    sort: str = "when",
    desc: bool = True,
    offset: int = 0,
    limit: int | None = None,
    **filters,
) -> tuple[list[AuditEvent], int]:
    """One page of a log (``filters`` as in _of) and its total count; ``search``: in who acted
    (the e-mail or token label kept with the event) and what it was about (an id, an e-mail
    address, a slug), contains, any case."""
    query = _of(issuer_id, None, **filters)
    if search:
        query = query.where(or_(contains(AuditEvent.actor_label, search), contains(AuditEvent.target, search)))
    column = EVENT_SORTS.get(sort, AuditEvent.at)
    # Events of one batch share their instant: the insertion order breaks the tie, both ways.
    last = AuditEvent.id.desc() if desc else AuditEvent.id.asc()
    order = (
        [column.desc() if desc else column.asc(), last]
        if column is AuditEvent.at
        else [
            column.desc() if desc else column.asc(),
            AuditEvent.at.desc(),
            AuditEvent.id.desc(),
        ]
    )
    return page_of(session, query, order=order, offset=offset, limit=limit)

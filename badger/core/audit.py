"""The audit log: every change a partner's staff, tokens or the command line make is recorded
in the same transaction as the change itself, so the log never says something happened that
did not, nor misses something that did.

Actors are strings: ``user:<user id>``, ``token:<token id>``, ``cli``, ``system`` (pathways,
jobs acting on a user's behalf record that user). Actions are dotted names, e.g.
``achievement.create``, ``credential.issue``, ``credential.revoke``, ``credential.suspend``,
``credential.unsuspend``, ``key.rotate``, ``token.create``, ``staff.invite``, ``staff.join``,
``staff.role_change``, ``staff.remove``, ``bulk.start``, ``bulk.finish``, ``partner.create``,
``endorsement.create``; open recognition: ``recognition.mode``, ``request.create``,
``request.confirm``, ``request.resubmit``, ``request.withdraw``, ``request.comment``,
``request.approve``, ``request.changes``, ``request.reject``, ``request.approved``,
``request.rejected``, ``jury.invite``, ``claim.open``, ``claim.close``, ``claim.issue``,
``claim.held``, ``claim.queued``, ``endorsement.credential``, ``endorsement.accept``,
``endorsement.decline`` (actors ``applicant``, ``jury:<id>``, ``claim``, ``holder`` with the
address as label where there is one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from badger.core import audit_repository as repo
from badger.core.app import Badger, xsd_datetime
from badger.core.audit_models import AuditEvent
from badger.core.csv_export import csv_chunks
from badger.core.db import Session
from badger.core.listing import ListQuery, Page

__all__ = [
    "Actor",
    "SYSTEM",
    "CLI",
    "record",
    "record_many",
    "events",
    "event_page",
    "EVENT_SORTS",
    "actors",
    "export_csv",
    "CSV_COLUMNS",
]


@dataclass(frozen=True)
class Actor:
    """Who acts: ``id`` as stored (``user:…``, ``token:…``, ``cli``, ``system``) and a readable
    label kept as it was at the time (the e-mail, the token label)."""

    id: str
    label: str | None = None


SYSTEM = Actor("system")
CLI = Actor("cli", "badger CLI")

CSV_COLUMNS = ("at", "actor", "actor_label", "action", "target", "detail")


def record(
    app: Badger,
    session: Session,
    *,
    issuer_id: str | None,
    actor: Actor,
    action: str,
    target: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add one event in the caller's transaction. ``detail`` is a small JSON-able dict (a
    reason, a role, a row count), never a secret."""
    event = AuditEvent(
        issuer_id=issuer_id,
        at=app.clock(),
        actor=actor.id,
        actor_label=actor.label,
        action=action,
        target=target,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
    )
    repo.add_event(session, event)
    return event


def record_many(
    app: Badger,
    session: Session,
    *,
    issuer_id: str | None,
    actor: Actor,
    action: str,
    targets: list[tuple[str | None, dict | None]],
) -> None:
    """``record`` for many targets of one action (a chunk of a bulk job): one multi-row insert.
    ``targets``: (target, detail) pairs."""
    at = app.clock()
    repo.add_events(
        session,
        [
            {
                "issuer_id": issuer_id,
                "at": at,
                "actor": actor.id,
                "actor_label": actor.label,
                "action": action,
                "target": target,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
            }
            for target, detail in targets
        ],
    )


def events(
    session: Session,
    issuer_id: str | None,
    *,
    action: str | None = None,
    limit: int | None = 100,
    offset: int = 0,
    prefix: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict]:
    """Newest first, as plain dicts for pages and APIs. Filters: ``action`` (exact),
    ``prefix`` (every "<prefix>.*" action), ``actor`` (an actor id), ``since`` / ``until``
    (instants; until excluded)."""
    rows = repo.events(
        session,
        issuer_id,
        action=action,
        limit=limit,
        offset=offset,
        prefix=prefix,
        actor=actor,
        since=since,
        until=until,
    )
    return [_as_dict(e) for e in rows]


def event_page(session: Session, issuer_id: str | None, query: ListQuery, **filters) -> Page:
    """One page of a log as plain dicts (like ``events``), searched in who acted and what it was
    about, sorted by a key of audit_repository.EVENT_SORTS; ``filters`` as in ``events``."""
    rows, total = repo.event_page(
        session,
        issuer_id,
        search=query.q,
        sort=query.sort,
        desc=query.desc,
        offset=query.offset,
        limit=query.limit,
        **filters,
    )
    return Page([_as_dict(e) for e in rows], total, query)


EVENT_SORTS = tuple(repo.EVENT_SORTS)


def actors(session: Session, issuer_id: str) -> list[tuple[str, str | None]]:
    """Who appears in a partner's log: (actor id, its latest label)."""
    return repo.actors(session, issuer_id)


def _as_dict(event: AuditEvent) -> dict:
    return {
        "at": xsd_datetime(event.at),
        "actor": event.actor,
        "actor_label": event.actor_label,
        "action": event.action,
        "target": event.target,
        "detail": json.loads(event.detail) if event.detail else None,
    }


def export_csv(session: Session, issuer_id: str | None) -> Iterator[str]:
    """The whole log of one partner as CSV text, in chunks (streams for large logs)."""
    rows = (
        (xsd_datetime(e.at), e.actor, e.actor_label, e.action, e.target, e.detail)  # detail: the stored JSON
        for e in repo.events(session, issuer_id, limit=None)
    )
    return csv_chunks(CSV_COLUMNS, rows)

"""Queries for credential status changes and partner statistics (flush, never commit).

Status changes read-modify-write the status list's bitstring, so they lock: on PostgreSQL the
credential row and then the list row with SELECT ... FOR UPDATE (always in that order, so two
changes cannot deadlock); SQLite transactions start with BEGIN IMMEDIATE (store.db), which
already serialises writers. Without the lock, two revocations at once could each write back
the bits they read and one of them would be lost."""

from __future__ import annotations

import logging

from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from badger.core.db import Session
from badger.verifying.models import VerificationEvent

log = logging.getLogger("badger.store")


def add_verification_event(session: Session, event: VerificationEvent) -> bool:
    """Insert ``event`` in a savepoint. Any database error is logged and rolled back to the
    savepoint, leaving the caller's transaction usable: counting must never break a
    verification. Returns whether the row was written."""
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
        return True
    except SQLAlchemyError:
        log.warning("could not record a verification event", exc_info=True)
        return False


def verification_counts(session: Session, issuer_id: str) -> dict[str, tuple[int, int]]:
    """achievement id -> (verifications, of which verified) for the issuer's credentials."""
    query = (
        select(
            VerificationEvent.achievement_id,
            func.count(VerificationEvent.id),
            func.coalesce(func.sum(case((VerificationEvent.verified.is_(True), 1), else_=0)), 0),
        )
        .where(VerificationEvent.issuer_id == issuer_id)
        .group_by(VerificationEvent.achievement_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in session.execute(query)}


def verifications_per_period(session: Session, issuer_id: str, bounds: list) -> list[int]:
    """How many verification events of the issuer's credentials fall in each period
    [bounds[i], bounds[i + 1]): one row, one conditional count per period (the same SQL on
    SQLite and PostgreSQL)."""
    return _per_period(session, VerificationEvent.at, VerificationEvent.issuer_id == issuer_id, bounds)


def _per_period(session: Session, column, condition, bounds: list) -> list[int]:
    if len(bounds) < 2:
        return []
    counts = [
        func.coalesce(func.sum(case(((column >= start) & (column < end), 1), else_=0)), 0)
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    row = session.execute(select(*counts).where(condition, column >= bounds[0], column < bounds[-1])).one()
    return [int(n) for n in row]

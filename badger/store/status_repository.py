"""Queries for credential status changes and partner statistics (flush, never commit).

Status changes read-modify-write the status list's bitstring, so they lock: on PostgreSQL the
credential row and then the list row with SELECT ... FOR UPDATE (always in that order, so two
changes cannot deadlock); SQLite transactions start with BEGIN IMMEDIATE (store.db), which
already serialises writers. Without the lock, two revocations at once could each write back
the bits they read and one of them would be lost.
"""

from __future__ import annotations

import logging

from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from badger.store.models import Achievement, Credential, StatusList
from badger.store.repositories import Session
from badger.store.status_models import VerificationEvent

__all__ = [
    "lock_credential", "lock_status_list", "suspension_index_taken", "add_verification_event",
    "credential_counts", "verification_counts",
]

log = logging.getLogger("badger.store")


def lock_credential(session: Session, credential_id: str) -> Credential | None:
    """The credential row, re-read from the database and locked until the transaction ends."""
    return session.scalar(select(Credential).where(Credential.id == credential_id)
                          .with_for_update().execution_options(populate_existing=True))


def lock_status_list(session: Session, issuer_id: str, purpose: str) -> StatusList | None:
    """The issuer's list for ``purpose``, re-read and locked (its bits are about to change)."""
    return session.scalar(select(StatusList).where(StatusList.issuer_id == issuer_id, StatusList.purpose == purpose)
                          .with_for_update().execution_options(populate_existing=True))


def suspension_index_taken(session: Session, issuer_id: str, index: int) -> bool:
    return session.scalar(select(Credential.id).where(Credential.issuer_id == issuer_id,
                                                     Credential.suspension_index == index).limit(1)) is not None


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


def credential_counts(session: Session, issuer_id: str) -> list[tuple]:
    """(achievement id, name, created_at, issued, active, revoked, suspended) for each of the
    issuer's badge classes, also those with no credential, oldest badge class first."""
    def count(status: str):
        return func.coalesce(func.sum(case((Credential.status == status, 1), else_=0)), 0)

    query = (select(Achievement.id, Achievement.name, Achievement.created_at, func.count(Credential.id),
                    count("active"), count("revoked"), count("suspended"))
             .outerjoin(Credential, Credential.achievement_id == Achievement.id)
             .where(Achievement.issuer_id == issuer_id)
             .group_by(Achievement.id, Achievement.name, Achievement.created_at)
             .order_by(Achievement.created_at, Achievement.id))
    return [tuple(row) for row in session.execute(query)]


def verification_counts(session: Session, issuer_id: str) -> dict[str, tuple[int, int]]:
    """achievement id -> (verifications, of which verified) for the issuer's credentials."""
    query = (select(VerificationEvent.achievement_id, func.count(VerificationEvent.id),
                    func.coalesce(func.sum(case((VerificationEvent.verified.is_(True), 1), else_=0)), 0))
             .where(VerificationEvent.issuer_id == issuer_id)
             .group_by(VerificationEvent.achievement_id))
    return {row[0]: (int(row[1]), int(row[2])) for row in session.execute(query)}

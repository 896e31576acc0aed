"""Queries for the public pages (flush, never commit): how many people hold a badge class."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badger.store.models import Credential

__all__ = ["holder_count", "holder_counts"]

# A holder is a distinct recipient (hashed e-mail lookup or DID) of a credential that is not
# revoked; a credential with neither (never the case for Badger's own) counts on its own.
_HOLDER = func.coalesce(Credential.recipient_lookup, Credential.recipient_did, Credential.id)


def holder_count(session: Session, achievement_id: str) -> int:
    query = select(func.count(func.distinct(_HOLDER))).where(Credential.achievement_id == achievement_id,
                                                            Credential.status != "revoked")
    return int(session.scalar(query) or 0)


def holder_counts(session: Session, issuer_id: str) -> dict[str, int]:
    """{achievement id: holders} for every badge class of the issuer that has holders."""
    query = (select(Credential.achievement_id, func.count(func.distinct(_HOLDER)))
             .where(Credential.issuer_id == issuer_id, Credential.status != "revoked")
             .group_by(Credential.achievement_id))
    return {achievement_id: int(count) for achievement_id, count in session.execute(query)}

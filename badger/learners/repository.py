"""Queries of the learner area (they flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from badger.issuance.models import Credential
from badger.learners.models import Learner, LearnerAddress, LearnerBadge, LearnerToken, PublicBadge


def add(session: Session, row) -> None:
    session.add(row)
    session.flush()


def learner(session: Session, learner_id: str) -> Learner | None:
    return session.get(Learner, learner_id)


def learner_by_slug(session: Session, slug: str) -> Learner | None:
    return session.scalars(select(Learner).where(Learner.public_slug == slug)).first()


def address_by_lookup(session: Session, lookup: str) -> LearnerAddress | None:
    return session.scalars(select(LearnerAddress).where(LearnerAddress.lookup == lookup)).first()


def addresses(session: Session, learner_id: str) -> list[LearnerAddress]:
    stmt = select(LearnerAddress).where(LearnerAddress.learner_id == learner_id).order_by(LearnerAddress.confirmed_at)
    return list(session.scalars(stmt))


def token(session: Session, token_hash: str) -> LearnerToken | None:
    return session.get(LearnerToken, token_hash)


def recent_tokens(session: Session, lookup: str, since: datetime) -> int:
    stmt = select(func.count()).where(LearnerToken.lookup == lookup, LearnerToken.created_at >= since)
    return int(session.scalar(stmt) or 0)


def purge_tokens(session: Session, before: datetime) -> None:
    session.execute(delete(LearnerToken).where(LearnerToken.expires_at < before))


def issued_to(session: Session, lookups: list[str]) -> list[Credential]:
    """This instance's credentials issued to any of ``lookups``, oldest first."""
    if not lookups:
        return []
    stmt = (
        select(Credential).where(Credential.recipient_lookup.in_(lookups)).order_by(Credential.issued_at, Credential.id)
    )
    return list(session.scalars(stmt))


def badges(session: Session, learner_id: str) -> list[LearnerBadge]:
    stmt = (
        select(LearnerBadge)
        .where(LearnerBadge.learner_id == learner_id)
        .order_by(LearnerBadge.added_at, LearnerBadge.id)
    )
    return list(session.scalars(stmt))


def badge(session: Session, learner_id: str, badge_id: str) -> LearnerBadge | None:
    row = session.get(LearnerBadge, badge_id)
    return row if row is not None and row.learner_id == learner_id else None


def badge_by_credential(session: Session, learner_id: str, credential_id: str) -> LearnerBadge | None:
    stmt = select(LearnerBadge).where(
        LearnerBadge.learner_id == learner_id, LearnerBadge.credential_id == credential_id
    )
    return session.scalars(stmt).first()


def public_ids(session: Session, learner_id: str) -> set[str]:
    return set(session.scalars(select(PublicBadge.credential_id).where(PublicBadge.learner_id == learner_id)))


def set_public(session: Session, learner_id: str, credential_id: str, public: bool) -> None:
    row = session.get(PublicBadge, (learner_id, credential_id))
    if public and row is None:
        session.add(PublicBadge(learner_id=learner_id, credential_id=credential_id))
    elif not public and row is not None:
        session.delete(row)
    session.flush()


def delete_learner(session: Session, row: Learner) -> None:
    """The learner and, through the cascading foreign keys, everything that is theirs."""
    for model in (PublicBadge, LearnerBadge, LearnerAddress, LearnerToken):
        session.execute(delete(model).where(model.learner_id == row.id))
    session.delete(row)
    session.flush()

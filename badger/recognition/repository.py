"""Queries of open recognition; they flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from badger.achievements.models import Achievement
from badger.core.db import Session, contains, page_of
from badger.issuance.models import Credential
from badger.recognition.models import (
    BadgeRequest,
    ClaimAttempt,
    ClaimWindow,
    CredentialEndorsement,
    JuryMember,
    RecognitionMode,
    RequestEvidence,
    RequestReview,
)


def add(session: Session, row) -> None:
    session.add(row)
    session.flush()


def mode_of(session: Session, achievement_id: str) -> RecognitionMode | None:
    return session.get(RecognitionMode, achievement_id)


def request_by_token(session: Session, token_hash: str) -> BadgeRequest | None:
    return session.scalar(select(BadgeRequest).where(BadgeRequest.token_hash == token_hash))


def requests_of(
    session: Session, issuer_id: str, *, states: tuple[str, ...] | None = None, achievement_id: str | None = None
) -> list[BadgeRequest]:
    query = select(BadgeRequest).where(BadgeRequest.issuer_id == issuer_id)
    if states:
        query = query.where(BadgeRequest.state.in_(states))
    if achievement_id:
        query = query.where(BadgeRequest.achievement_id == achievement_id)
    return list(session.scalars(query.order_by(BadgeRequest.created_at, BadgeRequest.id)))


def open_request(session: Session, achievement_id: str, lookup: str) -> BadgeRequest | None:
    """A request of this person for this badge class that is still under way."""
    return session.scalar(
        select(BadgeRequest).where(
            BadgeRequest.achievement_id == achievement_id,
            BadgeRequest.recipient_lookup == lookup,
            BadgeRequest.state.in_(("unconfirmed", "submitted", "changes_requested")),
        )
    )


def evidence_of(session: Session, request_id: str) -> list[RequestEvidence]:
    return list(
        session.scalars(
            select(RequestEvidence)
            .where(RequestEvidence.request_id == request_id)
            .order_by(RequestEvidence.created_at, RequestEvidence.id)
        )
    )


def evidence_by_public_token(session: Session, token: str) -> RequestEvidence | None:
    return session.scalar(select(RequestEvidence).where(RequestEvidence.public_token == token))


def reviews_of(session: Session, request_id: str) -> list[RequestReview]:
    return list(
        session.scalars(
            select(RequestReview)
            .where(RequestReview.request_id == request_id)
            .order_by(RequestReview.created_at, RequestReview.id)
        )
    )


def juror_by_token(session: Session, token_hash: str) -> JuryMember | None:
    return session.scalar(select(JuryMember).where(JuryMember.token_hash == token_hash))


def jurors_of(session: Session, achievement_id: str) -> list[JuryMember]:
    return list(
        session.scalars(
            select(JuryMember)
            .where(JuryMember.achievement_id == achievement_id, JuryMember.revoked_at.is_(None))
            .order_by(JuryMember.created_at)
        )
    )


def window_by_code(session: Session, code: str) -> ClaimWindow | None:
    return session.scalar(select(ClaimWindow).where(ClaimWindow.code == code))


def windows_of(session: Session, milestone_id: str) -> list[ClaimWindow]:
    return list(
        session.scalars(
            select(ClaimWindow).where(ClaimWindow.milestone_id == milestone_id).order_by(ClaimWindow.created_at.desc())
        )
    )


def failed_attempts(session: Session, client: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ClaimAttempt)
            .where(ClaimAttempt.client == client, ClaimAttempt.ok.is_(False), ClaimAttempt.at >= since)
        )
        or 0
    )


def endorsements_of_credential(session: Session, credential_id: str, state: str | None = None) -> list:
    query = select(CredentialEndorsement).where(CredentialEndorsement.credential_id == credential_id)
    if state:
        query = query.where(CredentialEndorsement.state == state)
    return list(session.scalars(query.order_by(CredentialEndorsement.created_at)))


def endorsement_of_credential(
    session: Session, credential_id: str, *, issuer_id: str | None = None, did: str | None = None
) -> CredentialEndorsement | None:
    """The endorsement of a credential by a partner (``issuer_id``) or a learner (``did``)."""
    who = CredentialEndorsement.endorser_id == issuer_id if issuer_id is not None else None
    if who is None:
        who = CredentialEndorsement.endorser_did == did
    return session.scalar(
        select(CredentialEndorsement).where(who, CredentialEndorsement.credential_id == credential_id)
    )


def endorsements_by_did(session: Session, did: str) -> list[CredentialEndorsement]:
    stmt = select(CredentialEndorsement).where(CredentialEndorsement.endorser_did == did)
    return list(session.scalars(stmt.order_by(CredentialEndorsement.created_at)))


def endorsements_for_lookup(session: Session, lookup: str) -> list[CredentialEndorsement]:
    """Every endorsement of a credential held by this recipient (learner link)."""
    return list(
        session.scalars(
            select(CredentialEndorsement)
            .join(Credential, Credential.id == CredentialEndorsement.credential_id)
            .where(Credential.recipient_lookup == lookup)
            .order_by(CredentialEndorsement.created_at)
        )
    )


# Sortable columns of the dashboard's list of badge requests (an allow-list: core.listing).
REQUEST_SORTS = {
    "created": BadgeRequest.created_at,
    "name": BadgeRequest.name,
    "email": BadgeRequest.email,
    "badge": Achievement.name,
    "state": BadgeRequest.state,
}


def request_page(
    session: Session,
    issuer_id: str,
    *,
    search: str = "",
    sort: str = "created",
    desc: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[tuple[BadgeRequest, str]], int]:
    """(request, badge class name) rows of one page of the issuer's badge requests, every state,
    and their total count; ``search``: in the applicant's name or e-mail address, or the badge."""
    query = (
        select(BadgeRequest, Achievement.name)
        .join(Achievement, Achievement.id == BadgeRequest.achievement_id)
        .where(BadgeRequest.issuer_id == issuer_id)
    )
    if search:
        query = query.where(
            or_(
                contains(BadgeRequest.name, search),
                contains(BadgeRequest.email, search),
                contains(Achievement.name, search),
            )
        )
    column = REQUEST_SORTS.get(sort, BadgeRequest.created_at)
    order = [column.desc() if desc else column.asc(), BadgeRequest.created_at.desc(), BadgeRequest.id]
    rows, total = page_of(session, query, order=order, offset=offset, limit=limit)
    return [(row[0], row[1]) for row in rows], total

"""Tables of open recognition.

- ``recognition_modes``: how a badge class is earned (one row per badge class that says so;
  none means "issued by staff").
- ``jury_members``: people outside the partner invited to review the requests of one badge
  class through a private link (only the hash of its token is kept).
- ``badge_requests``, ``request_evidence``, ``request_reviews``: an application with its
  statements and evidence (files kept in the database, outside the web root), and each
  reviewer's comments and decisions per round (a resubmission opens a new round).
- ``claim_windows``, ``claim_attempts``: a session's claim code and the guesses counted for
  the rate limit.
- ``credential_endorsements``: a partner's signed EndorsementCredential about a learner's
  credential, shown once its holder accepted it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = [
    "RecognitionMode",
    "JuryMember",
    "BadgeRequest",
    "RequestEvidence",
    "RequestReview",
    "ClaimWindow",
    "ClaimAttempt",
    "CredentialEndorsement",
]


class RecognitionMode(Base):
    __tablename__ = "recognition_modes"

    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # staff | attendance | pathway | request | jury
    jury_size: Mapped[int] = mapped_column(Integer, default=1)
    threshold: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JuryMember(Base):
    __tablename__ = "jury_members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BadgeRequest(Base):
    __tablename__ = "badge_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    recipient_lookup: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the applicant's private link
    # unconfirmed | submitted | changes_requested | approved | rejected | withdrawn
    state: Mapped[str] = mapped_column(String(20), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    statements: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{criterion, statement}]
    source: Mapped[str] = mapped_column(String(16), default="request")  # request | claim
    claim_window_id: Mapped[str | None] = mapped_column(String(36))
    credential_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestEvidence(Base):
    __tablename__ = "request_evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("badge_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # url | text | file
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[str | None] = mapped_column(String(120))  # SRI: sha384-<base64>
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # set once issued
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RequestReview(Base):
    __tablename__ = "request_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("badge_requests.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(200))  # user:<id> | jury:<id>
    reviewer_label: Mapped[str | None] = mapped_column(String(320))
    decision: Mapped[str] = mapped_column(String(16))  # comment | approve | changes | reject
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimWindow(Base):
    __tablename__ = "claim_windows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    milestone_id: Mapped[str] = mapped_column(ForeignKey("programme_milestones.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimAttempt(Base):
    __tablename__ = "claim_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the address
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)


class CredentialEndorsement(Base):
    __tablename__ = "credential_endorsements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    # A partner (``endorser_id``), or a learner named by the did:web of the key Badger holds
    # for their account (``endorser_did``, migration 0016; ``endorser_name`` as signed).
    endorser_id: Mapped[str | None] = mapped_column(ForeignKey("issuers.id"), index=True)
    endorser_did: Mapped[str | None] = mapped_column(String(512), index=True)
    endorser_name: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)  # the signed EndorsementCredential, exactly as signed
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | accepted | declined
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("endorser_id", "credential_id"),
        UniqueConstraint("endorser_did", "credential_id", name="uq_credential_endorsements_did_credential"),
    )

"""Programmes (milestones, rosters, attendance), pathways, endorsements and learner links.

A programme belongs to one issuer; each milestone awards one of that issuer's badge classes.
Participants are keyed by the same keyed hash of the e-mail as credentials
(``recipient_lookup``), so a re-imported roster updates rows instead of duplicating them.
Pathway awards are unique per (pathway, recipient): the database, not the code, guarantees a
pathway credential is issued once, even when two component credentials land concurrently.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = [
    "Programme",
    "Milestone",
    "Participant",
    "Attendance",
    "Pathway",
    "PathwayRequirement",
    "PathwayAward",
    "Endorsement",
    "LearnerLink",
]


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[str] = mapped_column(Text)  # JSON list of role names (dirigeant·e, Planet Champion, ...)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("issuer_id", "name"),)


class Milestone(Base):
    __tablename__ = "programme_milestones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # session | webinar | roadmap | other
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_job_id: Mapped[str | None] = mapped_column(String(64))  # the bulk job of the last confirmation
    __table_args__ = (UniqueConstraint("programme_id", "name"),)


class Participant(Base):
    __tablename__ = "programme_participants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    recipient_lookup: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(320))  # needed to issue; staff of the partner see it
    name: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("programme_id", "recipient_lookup"),)


class Attendance(Base):
    __tablename__ = "programme_attendance"

    milestone_id: Mapped[str] = mapped_column(ForeignKey("programme_milestones.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("programme_participants.id"), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    marked_by: Mapped[str | None] = mapped_column(String(200))  # audit actor id


class Pathway(Base):
    """A badge class earned by holding others: all of them, or ``required_count`` of them."""

    __tablename__ = "pathways"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), unique=True)
    rule: Mapped[str] = mapped_column(String(8))  # "all" | "n_of"
    required_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PathwayRequirement(Base):
    __tablename__ = "pathway_requirements"

    pathway_id: Mapped[str] = mapped_column(ForeignKey("pathways.id"), primary_key=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PathwayAward(Base):
    __tablename__ = "pathway_awards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pathway_id: Mapped[str] = mapped_column(ForeignKey("pathways.id"), index=True)
    recipient_lookup: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    components: Mapped[str] = mapped_column(Text)  # JSON list of the component credential ids (evidence)
    # The component credential whose revocation/suspension suspended the pathway credential
    # (None while it is not suspended for that reason): only such a suspension is lifted
    # automatically.
    suspended_for: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("pathway_id", "recipient_lookup"),)


class Endorsement(Base):
    __tablename__ = "endorsements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    endorser_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # "achievement" | "profile"
    target_id: Mapped[str] = mapped_column(String(36), index=True)  # achievement id or issuer id
    comment: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)  # the signed EndorsementCredential, exactly as signed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("endorser_id", "target_kind", "target_id"),)


class LearnerLink(Base):
    """One row per learner (recipient lookup): the generation of their private page token
    (rotation increments it) and the token's hash, to find the row from a link. The token is
    derived from the secret key, the lookup and the generation, so it is never stored."""

    __tablename__ = "learner_links"

    recipient_lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

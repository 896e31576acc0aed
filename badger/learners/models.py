"""Learner accounts (migration 0010). Personal data: the addresses (``learner_addresses.email``),
the display name and the imported badges; deleting the learner deletes all of them (every
foreign key to ``learners`` cascades)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    # The public profile's address (/profiles/<slug>); None: no public profile.
    public_slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LearnerAddress(Base):
    """A confirmed e-mail address. ``lookup`` is the keyed hash credentials are indexed by
    (issuance.issuing.recipient_lookup): one address belongs to one learner at most."""

    __tablename__ = "learner_addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LearnerToken(Base):
    """A one-time link: sign in (``signin``) or confirm an address (``address``). Only the
    SHA-256 of the token is stored; ``lookup`` counts requests per address (rate limit)."""

    __tablename__ = "learner_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    lookup: Mapped[str] = mapped_column(String(64), index=True)
    learner_id: Mapped[str | None] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LearnerBadge(Base):
    """A badge from any issuer in a learner's collection, stored exactly as received
    (``original``: the JSON, the compact JWS or the baked image, byte for byte); ``payload`` is
    the credential as found in it (the JSON text or the JWS)."""

    __tablename__ = "learner_badges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(8))  # json | jwt | png | svg
    original: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[str] = mapped_column(Text)
    credential_id: Mapped[str | None] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(300), default="")
    issuer_name: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(16))  # import | api
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    __table_args__ = (UniqueConstraint("learner_id", "credential_id"),)


class PublicBadge(Base):
    """A badge this instance issued that the learner shows on their public profile."""

    __tablename__ = "learner_public_badges"

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id", ondelete="CASCADE"), primary_key=True)

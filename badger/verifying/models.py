"""Credential status and partner statistics: one row per verification of one of our credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = ["VerificationEvent"]


class VerificationEvent(Base):
    """Someone verified a credential issued here (verify page, API, CLI, credential page).

    Only counts are read from it (per badge class); nothing identifies the verifier.
    """

    __tablename__ = "verification_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (
        Index("ix_verification_events_issuer_achievement", "issuer_id", "achievement_id"),
        Index("ix_verification_events_credential", "credential_id"),
    )

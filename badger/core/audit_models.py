"""The audit log: who did what to which partner's data, and when. Rows are only ever added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = ["AuditEvent"]


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str | None] = mapped_column(ForeignKey("issuers.id"))  # None: platform-wide
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))  # "user:<id>", "token:<id>", "cli", "system"
    actor_label: Mapped[str | None] = mapped_column(String(320))  # e-mail or token label at the time
    action: Mapped[str] = mapped_column(String(64))  # "credential.revoke", "staff.invite", ...
    target: Mapped[str | None] = mapped_column(String(512))  # an id, an e-mail, a slug
    detail: Mapped[str | None] = mapped_column(Text)  # JSON object
    __table_args__ = (Index("ix_audit_events_issuer_at", "issuer_id", "at"),)

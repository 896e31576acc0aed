"""Outgoing e-mail: the outbox (one row per message, written in the transaction of the change
that causes it) and the partners' own wording of the e-mails they send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = ["OutboxMessage", "EmailTemplate"]


class OutboxMessage(Base):
    """One e-mail to send. Nothing is rendered when it is written: the template name, the
    language and a small JSON context are enough to render it at delivery time."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str | None] = mapped_column(ForeignKey("issuers.id"))  # None: platform mail
    # The address and the personal part of the context are cleared once the message is sent or
    # has failed for good (data minimisation): only what is needed to deliver it is kept.
    to_address: Mapped[str | None] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(64))
    # The credential a "credential_issued" e-mail is about (its delivery status, the resend).
    credential_id: Mapped[str | None] = mapped_column(String(36))
    lang: Mapped[str] = mapped_column(String(8))
    context: Mapped[str] = mapped_column(Text)  # JSON object
    message_id: Mapped[str] = mapped_column(String(300))  # kept across retries
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A delivery pass leases the rows it works on, so two passes never send the same row at the
    # same time, and a pass that dies mid-way gives its rows back when the lease runs out.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_mail_outbox_due", "state", "next_attempt_at"),
        Index("ix_mail_outbox_issuer", "issuer_id"),
        Index("ix_mail_outbox_credential", "credential_id"),
    )


class EmailTemplate(Base):
    """A partner's subject and introduction for one e-mail template in one language. The link
    and the badge block stay in the fixed template, so a partner cannot break them."""

    __tablename__ = "email_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    template: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(200))  # None: the default subject
    body_markdown: Mapped[str | None] = mapped_column(Text)  # None: the default introduction
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("issuer_id", "template", "lang", name="uq_email_templates_issuer_template_lang"),
    )

"""SQLAlchemy models. The signed document is stored exactly as signed (``document`` text);
queryable fields are extra indexed columns (docs/architecture.md, "Signed bytes are sacred")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base


class StatusList(Base):
    """A Bitstring Status List of an issuer for one purpose. An issuer's lists for a purpose
    follow each other (``sequence`` 0, 1, ...; migration 0021): the next one starts when the
    last is full. A list gives out its positions in order (StatusListCounter) and maps each to
    an index through a secret permutation drawn from ``seed`` (badger.status.order)."""

    __tablename__ = "status_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # None for a list from before migration 0021 (its indexes were drawn at random): closed to
    # new credentials, it keeps serving the ones it holds.
    seed: Mapped[bytes | None] = mapped_column(LargeBinary)
    __table_args__ = (
        UniqueConstraint("issuer_id", "purpose", "sequence", name="uq_status_lists_issuer_purpose_sequence"),
    )


class StatusListCounter(Base):
    """How many positions a status list gave out (migration 0021). Advanced in a statement of
    its own that commits at once on PostgreSQL (core.db.autonomous), so that concurrent
    issuers never wait on each other's transactions. Apart from ``status_lists`` (whose row a
    status change locks for the rest of its transaction) and without a foreign key (a list
    created in a transaction not yet committed has its counter already)."""

    __tablename__ = "status_list_counters"

    list_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    taken: Mapped[int] = mapped_column(Integer)


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    # Indexed by ix_credentials_achievement_lookup (below), whose first column it is.
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    format: Mapped[str] = mapped_column(String(8))  # ldp | jwt
    document: Mapped[str] = mapped_column(Text)  # the credential JSON exactly as signed (ldp) or as in the JWT
    jwt: Mapped[str | None] = mapped_column(Text)  # the compact JWS (jwt)
    recipient_lookup: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC of the e-mail
    recipient_did: Mapped[str | None] = mapped_column(String(512), index=True)
    # The name the credential gives its holder (migration 0018), copied from the signed document
    # so that the dashboard searches and sorts it in SQL; None when the credential names nobody.
    recipient_name: Mapped[str | None] = mapped_column(String(300), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The credential's slot in its issuer's revocation lists: the list's sequence * LIST_SIZE +
    # the index in that list (issuance.status_lists.slot); unique per issuer.
    status_index: Mapped[int | None] = mapped_column(Integer)
    # Status (migration 0004): the credential's slot in its issuer's suspension lists (None for
    # credentials issued before suspension existed: they carry a revocation entry only), and
    # when the status last changed.
    suspension_index: Mapped[int | None] = mapped_column(Integer)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("issuer_id", "idempotency_key"),
        UniqueConstraint("issuer_id", "status_index"),
        Index("uq_credentials_issuer_suspension_index", "issuer_id", "suspension_index", unique=True),
        # Who of these recipients holds this badge class (bulk chunks), and every query by badge
        # class (migration 0020: it replaced the index on achievement_id alone).
        Index("ix_credentials_achievement_lookup", "achievement_id", "recipient_lookup"),
    )


class VcApiCredential(Base):
    """A credential signed through the W3C VC-API (POST /credentials/issue) with a status entry
    (migration 0011): only what a status update needs (POST /credentials/status). The document
    itself is not kept: the caller holds it, and it has no badge class or learner here."""

    __tablename__ = "vcapi_credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    # VC-API ``options.credentialId``, else the credential's ``id``: how the caller names it.
    credential_id: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked | suspended
    status_index: Mapped[int] = mapped_column(Integer)  # slot in the issuer's revocation lists
    suspension_index: Mapped[int | None] = mapped_column(Integer)  # when a suspension entry was asked
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("issuer_id", "credential_id"),
        UniqueConstraint("issuer_id", "status_index"),
        Index("uq_vcapi_credentials_issuer_suspension_index", "issuer_id", "suspension_index", unique=True),
    )

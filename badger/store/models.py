"""SQLAlchemy models. The signed document is stored exactly as signed (``document`` text);
queryable fields are extra indexed columns (architecture convention 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "Issuer", "IssuerKey", "ApiToken", "Achievement", "Credential", "StatusList"]


class Base(DeclarativeBase):
    pass


class Issuer(Base):
    __tablename__ = "issuers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    did: Mapped[str] = mapped_column(String(512), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Public pages (migration 0009): show how many people hold each badge class; off unless chosen.
    show_holder_count: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    keys: Mapped[list["IssuerKey"]] = relationship(back_populates="issuer", order_by="IssuerKey.created_at")


class IssuerKey(Base):
    """A signing key. Rotation deactivates a key but keeps it published (old credentials verify)."""

    __tablename__ = "issuer_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "ldp" (Ed25519) or "jwt"
    algorithm: Mapped[str] = mapped_column(String(16))  # Ed25519, RS256, ES256
    fragment: Mapped[str] = mapped_column(String(64))  # the verification method is did + "#" + fragment
    public_key: Mapped[str] = mapped_column(Text)  # Multikey (ldp) or public JWK JSON (jwt)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted at rest (store.keystore)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    issuer: Mapped[Issuer] = relationship(back_populates="keys")
    __table_args__ = (UniqueConstraint("issuer_id", "fragment"),)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Achievement(Base):
    __tablename__ = "achievements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    document: Mapped[str] = mapped_column(Text)  # the Achievement JSON
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(32))  # image/png or image/svg+xml
    # Optional validity period: credentials of this class are valid this many days by default.
    valid_for_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Badge class editor (migration 0008): a draft cannot be issued and has no public page;
    # the signed document carries the French texts, the English ones are for English pages.
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    description_en: Mapped[str | None] = mapped_column(Text)
    criteria_en: Mapped[str | None] = mapped_column(Text)


class StatusList(Base):
    """One Bitstring Status List per issuer and purpose; indexes are allocated at random."""

    __tablename__ = "status_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (UniqueConstraint("issuer_id", "purpose"),)


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))  # ldp | jwt
    document: Mapped[str] = mapped_column(Text)  # the credential JSON exactly as signed (ldp) or as in the JWT
    jwt: Mapped[str | None] = mapped_column(Text)  # the compact JWS (jwt)
    recipient_lookup: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC of the e-mail
    recipient_did: Mapped[str | None] = mapped_column(String(512), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_index: Mapped[int | None] = mapped_column(Integer)
    # Status (migration 0004): the credential's index in its issuer's suspension list (None for
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
    )

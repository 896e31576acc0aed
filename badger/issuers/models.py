"""SQLAlchemy models. The signed document is stored exactly as signed (``document`` text);
queryable fields are extra indexed columns (docs/architecture.md, "Signed bytes are sacred")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badger.core.db import Base


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
    # credentialStatus form (migration 0010): "ob3", one revocation entry (OB 3.0's 0..1, the
    # published 1EdTech schema), or "vc2", revocation and suspension entries (VC 2.0 §4.10,
    # an array other OB validators refuse). See badger.issuance.status_lists.
    status_form: Mapped[str] = mapped_column(String(8), default="ob3", server_default="ob3")
    # LinkedIn's numeric company id: "Add to profile" then links the certification to the
    # partner's LinkedIn page (its logo on the member's profile). None: the name is sent.
    linkedin_organization_id: Mapped[str | None] = mapped_column(String(20), default=None)

    keys: Mapped[list[IssuerKey]] = relationship(back_populates="issuer", order_by="IssuerKey.created_at")


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


class HeldKey(Base):
    """A signing key Badger holds for someone who is not a partner (migration 0016): a learner
    account's endorsement key (``owner`` ``learner:<account id>``, set by badger.learners).
    Its did:web is ``did`` (``did:web:<host>:learners:<id>``); the private key is encrypted at
    rest like issuers' keys. When the owner is erased, the key is retired: ``owner``, the
    private and the public key are wiped, the row stays as a tombstone so the DID document
    answers 410 Gone (the DID is never handed to anyone else)."""

    __tablename__ = "held_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64), unique=True)
    did: Mapped[str] = mapped_column(String(512), unique=True)
    fragment: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str | None] = mapped_column(Text)  # Multikey
    private_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted at rest
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

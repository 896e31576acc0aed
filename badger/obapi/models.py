"""OAuth 2.0 clients, codes and tokens of the OB 3.0 API (provider), and the learner's
connections to other hosts (consumer). Secrets are never stored in clear: client secrets,
codes and tokens we issue are stored as SHA-256 hashes; the tokens other hosts give us (which
we must present) are sealed with the key store (AES-GCM)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base


class OAuthClient(Base):
    __tablename__ = "obapi_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    metadata_json: Mapped[str] = mapped_column(Text)  # the registered client metadata (RFC 7591)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OAuthCode(Base):
    __tablename__ = "obapi_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("obapi_clients.client_id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OAuthToken(Base):
    __tablename__ = "obapi_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("obapi_clients.client_id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Connection(Base):
    """A learner's connection to another Open Badges host (we are its client)."""

    __tablename__ = "obapi_connections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(300))  # the discovery URL the learner gave
    name: Mapped[str] = mapped_column(String(300))
    endpoints_json: Mapped[str] = mapped_column(Text)  # authorization, token, revocation, API base
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verifier: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed PKCE code verifier
    token: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed token response (JSON)
    scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pushed: Mapped[int] = mapped_column(Integer, default=0)

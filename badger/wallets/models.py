"""Wallet offers, the copies of credentials issued into wallets, nonces and per-issuer settings.

An offer belongs to one credential. Its secrets (the offer token in its URLs, the
pre-authorized code, the transaction code, the access token) are never stored: tokens and
codes are derived from the secret key and the offer id (``offers._derive``), and only their
SHA-256 is kept to find the offer from what a wallet sends; a leaked database row lets nobody
redeem an offer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = ["WalletOffer", "WalletCredential", "WalletNonce", "WalletSettings"]


class WalletOffer(Base):
    """One "Add to a wallet" offer. ``state``: ``active`` (can be redeemed), ``redeemed`` (a
    wallet holds the credential issued through it), ``replaced`` (renewed: a newer offer
    exists). Expiry is ``expires_at``; the access token of the OpenID4VCI flow is short-lived."""

    __tablename__ = "wallet_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_attempts: Mapped[int] = mapped_column(Integer, default=0)
    challenge: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    code_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    access_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    protocol: Mapped[str | None] = mapped_column(String(16))
    holder: Mapped[str | None] = mapped_column(String(2048))


class WalletCredential(Base):
    """A credential issued into a wallet (``id``, the credential row of the copy), bound to the
    holder's DID, and the credential it was copied from (``original_id``)."""

    __tablename__ = "wallet_credentials"

    id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), primary_key=True)
    original_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("wallet_offers.id"), unique=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    protocol: Mapped[str] = mapped_column(String(16))  # vcapi | oid4vci
    format: Mapped[str] = mapped_column(String(16))  # ldp_vc | jwt_vc_json
    holder: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WalletNonce(Base):
    """A ``c_nonce`` from the OpenID4VCI nonce endpoint (its SHA-256): single use, short-lived."""

    __tablename__ = "wallet_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WalletSettings(Base):
    """Per issuer: whether learners are offered wallets, and whether the OpenID4VCI offer asks
    for a transaction code sent by e-mail. No row: offers on, no transaction code."""

    __tablename__ = "wallet_settings"

    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), primary_key=True)
    offers_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    tx_code: Mapped[bool] = mapped_column(Boolean, default=False)

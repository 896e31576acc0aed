"""Queries of the wallets area (they flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from badger.core.db import Session
from badger.issuance.models import Credential
from badger.wallets.models import WalletCredential, WalletNonce, WalletOffer, WalletSettings

__all__ = [
    "offer_by_token_hash",
    "offer_by_code_hash",
    "offer_by_access_hash",
    "lock_offer",
    "current_offer",
    "replace_active_offers",
    "copies_of",
    "original_of",
    "wallet_count",
    "settings",
    "add_nonce",
    "lock_nonce",
    "credential",
]


def offer_by_token_hash(session: Session, token_hash: str) -> WalletOffer | None:
    return session.scalars(select(WalletOffer).where(WalletOffer.token_hash == token_hash)).first()


def offer_by_code_hash(session: Session, code_hash: str) -> WalletOffer | None:
    return session.scalars(select(WalletOffer).where(WalletOffer.code_hash == code_hash)).first()


def offer_by_access_hash(session: Session, access_hash: str) -> WalletOffer | None:
    return session.scalars(select(WalletOffer).where(WalletOffer.access_hash == access_hash)).first()


def lock_offer(session: Session, offer_id: str) -> WalletOffer | None:
    """The offer row, locked for this transaction (PostgreSQL; SQLite serialises writers)."""
    return session.scalars(
        select(WalletOffer)
        .where(WalletOffer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def current_offer(session: Session, credential_id: str) -> WalletOffer | None:
    """The newest offer of a credential that was not replaced (active or redeemed)."""
    return session.scalars(
        select(WalletOffer)
        .where(WalletOffer.credential_id == credential_id, WalletOffer.state != "replaced")
        .order_by(WalletOffer.created_at.desc(), WalletOffer.id)
        .limit(1)
    ).first()


def replace_active_offers(session: Session, credential_id: str) -> None:
    session.execute(
        update(WalletOffer)
        .where(WalletOffer.credential_id == credential_id, WalletOffer.state == "active")
        .values(state="replaced")
        .execution_options(synchronize_session="fetch")
    )
    session.flush()


def copies_of(session: Session, credential_id: str) -> list[WalletCredential]:
    return list(session.scalars(select(WalletCredential).where(WalletCredential.original_id == credential_id)))


def original_of(session: Session, credential_id: str) -> WalletCredential | None:
    return session.get(WalletCredential, credential_id)


def credential(session: Session, credential_id: str) -> Credential | None:
    return session.get(Credential, credential_id)


def wallet_count(session: Session, issuer_id: str) -> tuple[int, int]:
    """(credentials issued into wallets, distinct original credentials that went to a wallet)."""
    row = session.execute(
        select(func.count(WalletCredential.id), func.count(func.distinct(WalletCredential.original_id))).where(
            WalletCredential.issuer_id == issuer_id
        )
    ).one()
    return int(row[0]), int(row[1])


def settings(session: Session, issuer_id: str, *, create: bool = False) -> WalletSettings | None:
    row = session.get(WalletSettings, issuer_id)
    if row is None and create:
        row = WalletSettings(issuer_id=issuer_id, offers_enabled=True, tx_code=False)
        session.add(row)
        session.flush()
    return row


def add_nonce(session: Session, nonce_hash: str, expires_at: datetime) -> None:
    session.add(WalletNonce(nonce_hash=nonce_hash, expires_at=expires_at))
    session.flush()


def lock_nonce(session: Session, nonce_hash: str) -> WalletNonce | None:
    return session.scalars(
        select(WalletNonce)
        .where(WalletNonce.nonce_hash == nonce_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()

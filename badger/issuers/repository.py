"""Queries, so that no other package writes SQL or imports SQLAlchemy. They flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from badger.issuers.models import HeldKey, Issuer


def issuer_by_slug(session: Session, slug: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.slug == slug))


def issuer_by_did(session: Session, did: str) -> Issuer | None:
    return session.scalar(select(Issuer).where(Issuer.did == did))


def issuers(session: Session) -> list[Issuer]:
    return list(session.scalars(select(Issuer).order_by(Issuer.name)))


def held_key_by_owner(session: Session, owner: str) -> HeldKey | None:
    return session.scalar(select(HeldKey).where(HeldKey.owner == owner))


def held_key_by_did(session: Session, did: str) -> HeldKey | None:
    return session.scalar(select(HeldKey).where(HeldKey.did == did))

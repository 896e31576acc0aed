"""Queries, so that no other package writes SQL or imports SQLAlchemy. They flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from badger.achievements.models import Achievement


def achievements_of(session: Session, issuer_id: str) -> list[Achievement]:
    return list(
        session.scalars(
            select(Achievement)
            .where(Achievement.issuer_id == issuer_id)
            .order_by(Achievement.created_at, Achievement.id)
        )
    )

"""Queries, so that no other package writes SQL or imports SQLAlchemy. They flush, never commit."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from badger.achievements.models import Achievement
from badger.core.db import contains, page_of


def achievements_of(session: Session, issuer_id: str) -> list[Achievement]:
    return list(
        session.scalars(
            select(Achievement)
            .where(Achievement.issuer_id == issuer_id)
            .order_by(Achievement.created_at, Achievement.id)
        )
    )


# Sortable columns of the dashboard's badge classes list (an allow-list: core.listing).
ACHIEVEMENT_SORTS = {"name": Achievement.name, "updated": Achievement.updated_at, "created": Achievement.created_at}


def achievement_page(
    session: Session,
    issuer_id: str,
    *,
    search: str = "",
    sort: str = "updated",
    desc: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Achievement], int]:
    """One page of the issuer's badge classes (drafts included) and their total count;
    ``search``: in the French or English name (contains, any case)."""
    query = select(Achievement).where(Achievement.issuer_id == issuer_id)
    if search:
        query = query.where(or_(contains(Achievement.name, search), contains(Achievement.name_en, search)))
    column = ACHIEVEMENT_SORTS.get(sort, Achievement.updated_at)
    return page_of(
        session, query, order=[column.desc() if desc else column.asc(), Achievement.id], offset=offset, limit=limit
    )

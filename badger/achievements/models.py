"""SQLAlchemy models. The signed document is stored exactly as signed (``document`` text);
queryable fields are extra indexed columns (docs/architecture.md, "Signed bytes are sacred")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base


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

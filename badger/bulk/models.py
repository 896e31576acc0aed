"""Background jobs (bulk issuance): the database is the source of truth for their progress.

A job is a list of rows; a runner claims a chunk of pending rows, issues them and marks them
done in ONE transaction (so a crash rolls the whole chunk back), and bumps the job's counters
in that same transaction (so the counters always agree with the rows). ``locked_by`` /
``lease_until`` say that a runner is alive on the job; a lease that ran out means its runner
died and another may take the job over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from badger.core.db import Base

__all__ = ["Job", "JobRow", "JOB_STATES", "ROW_OUTCOMES"]

JOB_STATES = ("queued", "running", "done", "failed")
ROW_OUTCOMES = ("issued", "skipped", "failed")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    kind: Mapped[str] = mapped_column(String(32), default="bulk_issue")
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    state: Mapped[str] = mapped_column(String(16), default="queued")  # JOB_STATES
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200))  # who started it (audit actor id)
    actor_label: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str | None] = mapped_column(String(300))  # e.g. the uploaded file name
    error: Mapped[str | None] = mapped_column(Text)  # why the job failed as a whole
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_jobs_issuer_created", "issuer_id", "created_at"),
        Index("ix_jobs_state_lease", "state", "lease_until"),
    )


class JobRow(Base):
    """One line of the uploaded file and what became of it."""

    __tablename__ = "job_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    line: Mapped[int] = mapped_column(Integer)  # 1-based line number in the file
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str | None] = mapped_column(Text)
    awarded_date: Mapped[str | None] = mapped_column(String(40))  # OB 3.0 awardedDate as given
    # HMAC of the normalised e-mail (issuing.recipient_lookup); None when the e-mail is invalid.
    recipient_lookup: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    outcome: Mapped[str | None] = mapped_column(String(16))  # ROW_OUTCOMES once done
    credential_id: Mapped[str | None] = mapped_column(String(36))  # issued, or the one already held
    problem_code: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("job_id", "line", name="uq_job_rows_job_line"),
        Index("ix_job_rows_job_state_line", "job_id", "state", "line"),
    )

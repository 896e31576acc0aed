"""Queries of the job machinery (flush, never commit: the caller owns the transaction).

Claims: on PostgreSQL a runner takes a chunk of pending rows with ``SELECT ... FOR UPDATE SKIP
LOCKED``: the row locks are the chunk's lease, held until the chunk's transaction ends, and a
runner that dies (its connection closes) releases them with the rollback of its work. SQLite
has no row locks and no SKIP LOCKED (SQLAlchemy leaves the clause out there); it serialises
writers instead (BEGIN IMMEDIATE, badger.store.db), so the chunk select already runs under the
one write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from badger.achievements.models import Achievement
from badger.bulk.models import Job, JobRow
from badger.core.db import among, contains, copy_rows, page_of
from badger.issuance import repository as issuance_repo
from badger.issuance.models import Credential

__all__ = [
    "add_job",
    "add_rows",
    "job",
    "jobs_of",
    "claim_job",
    "claim_chunk",
    "record_chunk",
    "record_rows",
    "pending_count",
    "finish_job",
    "fail_job",
    "stale_jobs",
    "unfinished_jobs",
    "rows_of",
    "iter_rows",
    "count_rows",
    "holders",
    "inserted_credential_ids",
]


def add_job(session: Session, row: Job) -> None:
    session.add(row)
    session.flush()


def add_rows(session: Session, rows: list[dict]) -> None:
    """Insert many JobRow rows at once (column values, every row with the same columns):
    core.db.copy_rows."""
    copy_rows(session, cast(Table, JobRow.__table__), rows)


def job(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def jobs_of(session: Session, issuer_id: str, *, limit: int = 50, offset: int = 0) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(Job.issuer_id == issuer_id)
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
            .offset(offset)
        )
    )


def claim_job(session: Session, job_id: str, runner: str, now: datetime, lease_until: datetime) -> bool:
    """Mark the job running under ``runner``'s lease; False when it is already finished."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running")))
        .values(
            state="running", started_at=func.coalesce(Job.started_at, now), locked_by=runner, lease_until=lease_until
        )
    )
    return cast(CursorResult, result).rowcount == 1  # an UPDATE's result is a CursorResult


def claim_chunk(session: Session, job_id: str, limit: int) -> list[JobRow]:
    """Up to ``limit`` pending rows of the job, in file order, locked for this transaction
    (rows another runner holds are skipped, not waited for)."""
    query = (
        select(JobRow)
        .where(JobRow.job_id == job_id, JobRow.state == "pending")
        .order_by(JobRow.line)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def record_rows(session: Session, outcomes: list[tuple[JobRow, str, str | None, str | None, str | None]]) -> None:
    """Mark rows done: (row, outcome, credential id, problem code, problem) each, sent as one
    executemany UPDATE rather than one ORM update per row; the loaded rows show the same values
    (without becoming dirty)."""
    if not outcomes:
        return
    table = cast(Table, JobRow.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            state="done",
            outcome=bindparam("row_outcome"),
            credential_id=bindparam("row_credential"),
            problem_code=bindparam("row_code"),
            problem=bindparam("row_problem"),
        )
        .execution_options(synchronize_session=False),
        [
            {"row_id": row.id, "row_outcome": outcome, "row_credential": cid, "row_code": code, "row_problem": text}
            for row, outcome, cid, code, text in outcomes
        ],
    )
    for row, outcome, cid, code, text in outcomes:
        for key, value in (
            ("state", "done"),
            ("outcome", outcome),
            ("credential_id", cid),
            ("problem_code", code),
            ("problem", text),
        ):
            set_committed_value(row, key, value)


def record_chunk(
    session: Session,
    job_id: str,
    *,
    done: int,
    issued: int,
    skipped: int,
    failed: int,
    runner: str,
    lease_until: datetime,
) -> None:
    """Flush the rows' outcomes, add to the job's counters and renew the runner's lease, in the
    chunk's transaction. Counters are incremented in SQL: concurrent runners never lose counts."""
    session.flush()
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            done=Job.done + done,
            issued=Job.issued + issued,
            skipped=Job.skipped + skipped,
            failed=Job.failed + failed,
            locked_by=runner,
            lease_until=lease_until,
        )
    )


def pending_count(session: Session, job_id: str) -> int:
    return cast(
        int,
        session.scalar(
            select(func.count()).select_from(JobRow).where(JobRow.job_id == job_id, JobRow.state == "pending")
        ),
    )


def finish_job(session: Session, job_id: str, now: datetime) -> bool:
    """Mark the job done if it has no pending row left; True for the one caller that did it."""
    has_pending = select(JobRow.id).where(JobRow.job_id == job_id, JobRow.state == "pending").exists()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running")), ~has_pending)
        .values(state="done", finished_at=now, locked_by=None, lease_until=None)
    )
    return cast(CursorResult, result).rowcount == 1  # an UPDATE's result is a CursorResult


def fail_job(session: Session, job_id: str, now: datetime, error: str) -> bool:
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running")))
        .values(state="failed", finished_at=now, error=error[:2000], locked_by=None, lease_until=None)
    )
    return cast(CursorResult, result).rowcount == 1  # an UPDATE's result is a CursorResult


def stale_jobs(
    session: Session, now: datetime, queued_before: datetime, *, runner: str, lease_until: datetime, limit: int = 20
) -> list[str]:
    """Take over unfinished jobs nobody is working on: a running job whose lease ran out (its
    runner died), or a job still queued since ``queued_before`` (its queue message was lost).
    Their lease is given to ``runner`` in this transaction, so they are handed out once."""
    query = (
        select(Job.id)
        .where(
            Job.state.in_(("queued", "running")),
            or_(Job.lease_until < now, Job.lease_until.is_(None) & (Job.created_at < queued_before)),
        )
        .order_by(Job.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(Job).where(Job.id.in_(ids)).values(locked_by=runner, lease_until=lease_until))
    return ids


def unfinished_jobs(session: Session, *, limit: int = 100) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.state.in_(("queued", "running"))).order_by(Job.created_at).limit(limit))
    )


def rows_of(
    session: Session, job_id: str, *, offset: int = 0, limit: int = 100, outcome: str | None = None
) -> list[JobRow]:
    query = _with_outcome(select(JobRow).where(JobRow.job_id == job_id), outcome)
    return list(session.scalars(query.order_by(JobRow.line).offset(offset).limit(limit)))


def count_rows(session: Session, job_id: str, *, outcome: str | None = None) -> int:
    return session.scalar(
        _with_outcome(select(func.count()).select_from(JobRow).where(JobRow.job_id == job_id), outcome)
    )


def _with_outcome(query, outcome: str | None):
    if outcome == "pending":
        return query.where(JobRow.state == "pending")
    return query if outcome is None else query.where(JobRow.outcome == outcome)


def iter_rows(session: Session, job_id: str) -> Iterator[JobRow]:
    return session.scalars(
        select(JobRow).where(JobRow.job_id == job_id).order_by(JobRow.line).execution_options(yield_per=1000)
    )


def holders(session: Session, achievement_id: str, lookups: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{recipient lookup: (credential id, status)} of the credentials of this badge class held
    by these recipients (any status; the earliest when there are several)."""
    lookups = sorted(set(lookups))
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(lookups), 500):
        query = (
            select(Credential.recipient_lookup, Credential.id, Credential.status)
            .where(
                Credential.achievement_id == achievement_id,
                among(session, Credential.recipient_lookup, lookups[start : start + 500]),
            )
            .order_by(Credential.issued_at.desc())
        )
        for lookup, credential_id, status in session.execute(query):
            # Prefer an active one when someone holds several (issued one at a time).
            if lookup not in out or status == "active":
                out[cast(str, lookup)] = (credential_id, status)  # matched by among(), so not None
    return out


def inserted_credential_ids(session: Session) -> set[str]:
    """Ids of the credentials this session has INSERTed (not merely loaded) so far."""
    return issuance_repo.inserted_credential_ids(session)


def job_page(
    session: Session,
    issuer_id: str,
    *,
    search: str = "",
    sort: str = "created",
    desc: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[tuple[Job, str]], int]:
    """(job, badge class name) rows of one page of the issuer's jobs, and their total count;
    ``search``: in the file name, the badge class, or who started it (name or e-mail)."""
    query = (
        select(Job, Achievement.name)
        .join(Achievement, Achievement.id == Job.achievement_id)
        .where(Job.issuer_id == issuer_id)
    )
    if search:
        query = query.where(
            or_(contains(Job.source, search), contains(Achievement.name, search), contains(Job.actor_label, search))
        )
    column = JOB_SORTS.get(sort, Job.created_at)
    rows, total = page_of(
        session,
        query,
        order=[column.desc() if desc else column.asc(), Job.created_at.desc(), Job.id],
        offset=offset,
        limit=limit,
    )
    return [(row[0], row[1]) for row in rows], total


# Sortable columns of the dashboard's jobs list (an allow-list: core.listing).
JOB_SORTS = {
    "created": Job.created_at,
    "badge": Achievement.name,
    "source": Job.source,
    "state": Job.state,
    "total": Job.total,
    "by": Job.actor_label,
}

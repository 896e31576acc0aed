"""Running bulk jobs, on the background task queue (badger.core.queue: threads of the current
process by default, RQ workers when BADGER_QUEUE_URL is set).

The database is the source of truth (badger.bulk.service, badger.bulk.models): a queue
message carries only a job id, and a runner that receives it claims chunks of the job's pending
rows, each chunk committed in one transaction with the rows' outcomes. So a message delivered
twice, or a job run by two runners at once, does no harm; a runner killed mid-chunk loses
only its uncommitted chunk, which the next runner redoes. What the queue may lose (a worker
killed holding the message) is found again in the database: every runner renews the job's
lease (``lease_until``) as it commits chunks, and ``badger worker`` re-enqueues, every few
seconds, the unfinished jobs whose lease ran out. In-process, unfinished jobs are resumed when
the process starts serving (``badger serve``), when a job is dispatched, and when someone
looks at a job whose lease ran out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from badger.bulk import repository as repo
from badger.bulk import service as bulk
from badger.bulk.models import Job
from badger.bulk.service import RQ_JOB_TIMEOUT, TASK, dispatch_job
from badger.core import queue
from badger.core.app import Badger
from badger.core.db import savepoint
from badger.errors import InvalidInput, NotFound

__all__ = ["LEASE_SECONDS", "TASK", "run", "run_task", "resume", "requeue_abandoned", "nudge"]

log = logging.getLogger("badger.jobs")

LEASE_SECONDS = 60  # a runner that has not committed a chunk for this long is taken for dead
QUEUED_GRACE = timedelta(seconds=60)  # a job still queued after this may have lost its message
STEP_BUDGET = 300.0  # seconds a queued run works before handing over to a fresh message
MAX_FAILURES = 3  # consecutive failures of a chunk before isolating the row that breaks it


# ---------------------------------------------------------------------------------------------
# Running one job


def run(
    app: Badger,
    job_id: str,
    *,
    runner: str | None = None,
    budget: float | None = None,
    chunk_size: int | None = None,
    on_progress: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
) -> str:
    """Work on job ``job_id`` until no row is left to claim (or ``budget`` seconds have passed,
    or ``stop`` is set), then mark it done if nothing is pending any more. Several runners may
    work on one job at once. Returns the job's state afterwards ("running" when others still
    hold rows, or when the budget ran out or it was stopped). ``on_progress`` receives
    job_progress() after each chunk."""
    runner = runner or queue.runner_id()
    size = chunk_size or bulk.CHUNK_SIZE
    deadline = None if budget is None else time.monotonic() + budget
    with app.transaction() as session:
        if not repo.claim_job(session, job_id, runner, app.clock(), _lease(app)):
            job = repo.job(session, job_id)
            return job.state if job is not None else "missing"
    failures = single = 0  # single: rows left to take one at a time, to find a row that breaks its chunk
    while (deadline is None or time.monotonic() < deadline) and not (stop is not None and stop.is_set()):
        try:
            with app.transaction() as session:
                job = repo.job(session, job_id)
                if job is None or job.state not in ("queued", "running"):
                    return job.state if job is not None else "missing"
                try:
                    with savepoint(session):
                        count = bulk.run_chunk(app, session, job, runner, _lease(app), size=size)
                except bulk.Careful:
                    count = bulk.run_chunk(app, session, job, runner, _lease(app), size=size, careful=True)
        except (NotFound, InvalidInput) as exc:  # the badge class or the issuer is gone
            with app.transaction() as session:
                bulk.fail(app, session, job_id, f"{exc.code}: {exc}")
            return "failed"
        except Exception as exc:  # noqa: BLE001 - a database hiccup, a deadlock, a bug in one row
            failures += 1
            log.warning("job %s: chunk failed (%s: %s), attempt %d", job_id, type(exc).__name__, exc, failures)
            if failures <= MAX_FAILURES:
                time.sleep(min(0.2 * 2**failures, 5.0))
                continue
            if size > 1:
                single, size, failures = size, 1, 0  # find the row that breaks its chunk
                continue
            try:
                with app.transaction() as session:
                    job = repo.job(session, job_id)
                    assert job is not None  # claimed above: jobs are never deleted
                    bulk.fail_next_row(session, job, runner, _lease(app), f"internal error: {type(exc).__name__}")
                failures, single = 0, single - 1
                if single <= 0:
                    single, size = 0, chunk_size or bulk.CHUNK_SIZE
                continue
            except Exception:
                log.exception("job %s: giving up for now; it resumes when its lease runs out", job_id)
                return "running"
        if on_progress is not None and count:
            on_progress(_fresh_progress(app, job_id))  # the counters were bumped in SQL: read them again
        if count == 0:
            break
        failures = 0
        if single:
            single -= count
            if single <= 0:
                single, size = 0, chunk_size or bulk.CHUNK_SIZE
    else:
        return "running"  # budget spent: the caller hands over
    with app.transaction() as session:
        bulk.finish(app, session, job_id)
        job = repo.job(session, job_id)
        assert job is not None  # claimed above: jobs are never deleted
        return job.state


def _fresh_progress(app: Badger, job_id: str) -> dict:
    with app.transaction() as session:
        job = repo.job(session, job_id)
        assert job is not None  # only called for a job this runner claimed
        return bulk.job_progress(job)


def _lease(app: Badger):
    return app.clock() + timedelta(seconds=LEASE_SECONDS)


# ---------------------------------------------------------------------------------------------
# Dispatching, on the task queue (tasks registered in badger.application.wire)


def run_task(app: Badger, job_id: str) -> str:
    """The task "bulk.run". In-process: run the job to its end. On a worker: run it for a
    while, then hand over to a fresh message so that long jobs share the workers."""
    if not app.settings.queue_url:
        return run(app, job_id)
    state = run(app, job_id, budget=STEP_BUDGET, stop=queue.STOPPING)
    if state == "running":
        with app.transaction() as session:
            pending = repo.pending_count(session, job_id)
        if pending:
            queue.submit(app, TASK, job_id, timeout=RQ_JOB_TIMEOUT, description=f"bulk job {job_id}")
    return state


def _stale(app: Badger, runner: str) -> list[str]:
    now = app.clock()
    with app.transaction() as session:
        return repo.stale_jobs(session, now, now - QUEUED_GRACE, runner=runner, lease_until=_lease(app))


def resume(app: Badger) -> int:
    """Take over the unfinished jobs whose runner is gone (lease run out, or queued with a lost
    message) and dispatch them again. Returns how many. Runs when the in-process task threads
    start (registered in badger.application.wire)."""
    ids = _stale(app, "resume:" + queue.runner_id())
    for job_id in ids:
        if app.settings.queue_url:
            dispatch_job(app, job_id)
        else:
            queue.submit_local(app, TASK, job_id)
    return len(ids)


def requeue_abandoned(app: Badger) -> None:
    """The worker's periodic look: enqueue again the unfinished jobs whose runner died."""
    for job_id in _stale(app, "reaper:" + queue.runner_id()):
        log.info("job %s: no live runner, enqueued again", job_id)
        dispatch_job(app, job_id)


def nudge(app: Badger, job: Job) -> None:
    """Someone looks at an unfinished job whose lease ran out: resume it (in-process only; the
    workers look for abandoned jobs themselves)."""
    if app.settings.queue_url or job.state not in ("queued", "running"):
        return
    lease = job.lease_until
    now = app.clock()
    if lease is not None and lease.tzinfo is None:
        now = now.replace(tzinfo=None)
    if lease is None and job.state == "queued" and queue.pool_started(app):
        return  # queued for this process's threads
    if lease is None or lease < now:
        queue.submit_local(app, "bulk.resume")

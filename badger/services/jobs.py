"""Running background jobs: threads of the current process by default, RQ workers
(``badger worker``) when BADGER_QUEUE_URL is set.

The database is the source of truth (badger.services.bulk, badger.store.jobs_models): a queue
message carries only a job id, and a runner that receives it claims chunks of the job's pending
rows, each chunk committed in one transaction with the rows' outcomes. So a message delivered
twice, or a job run by two runners at once, does no harm; a runner killed mid-chunk loses
only its uncommitted chunk, which the next runner redoes. What the queue may lose (a worker
killed holding the message) is found again in the database: every runner renews the job's
lease (``lease_until``) as it commits chunks, and ``badger worker`` re-enqueues, every few
seconds, the unfinished jobs whose lease ran out. In-process, unfinished jobs are resumed when
the process starts serving (``badger serve``), when a job is dispatched, and when someone
looks at a job whose lease ran out.

Why RQ rather than Celery: a job here is "call this function with a job id"; RQ does exactly
that on Redis with one small dependency and no broker configuration, its jobs are plain
module-level functions, and its SimpleWorker runs them in the worker process itself (no
fork), so a worker keeps its database pool between jobs and a ``kill -9`` of the worker
really stops the work. Celery's strengths (routing, several brokers, canvas workflows, beat)
are not needed when retries and scheduling live in the database.
"""

from __future__ import annotations

import logging
import os
import queue as queue_module
import socket
import threading
import time
import uuid
from datetime import timedelta
from typing import Callable

from badger.errors import InvalidInput, NotFound
from badger.services import bulk
from badger.services.app import Badger
from badger.store import jobs_repository as repo

__all__ = [
    "wait_idle", "QUEUE_NAME", "LEASE_SECONDS", "dispatch", "run", "resume", "nudge", "enqueue", "run_queued_job",
    "worker_badger", "work", "runner_id", "queue",
]

log = logging.getLogger("badger.jobs")

QUEUE_NAME = "badger"
LEASE_SECONDS = 60  # a runner that has not committed a chunk for this long is taken for dead
REAP_INTERVAL = 5.0  # seconds between two looks for abandoned jobs in `badger worker`
QUEUED_GRACE = timedelta(seconds=60)  # a job still queued after this may have lost its message
RUNNERS_PER_JOB = 4  # queue messages per job: that many workers may share its chunks
STEP_BUDGET = 300.0  # seconds a queued run works before handing over to a fresh message
RQ_JOB_TIMEOUT = 900  # RQ's own limit for one message (above STEP_BUDGET + one chunk)
IN_PROCESS_THREADS = 2
MAX_FAILURES = 3  # consecutive failures of a chunk before isolating the row that breaks it


def runner_id() -> str:
    """Who works: host, process and thread, plus a random part (pids are reused)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------------------
# Running one job

def run(app: Badger, job_id: str, *, runner: str | None = None, budget: float | None = None,
        chunk_size: int | None = None, on_progress: Callable[[dict], None] | None = None,
        stop: threading.Event | None = None) -> str:
    """Work on job ``job_id`` until no row is left to claim (or ``budget`` seconds have passed,
    or ``stop`` is set), then mark it done if nothing is pending any more. Several runners may
    work on one job at once. Returns the job's state afterwards ("running" when others still
    hold rows, or when the budget ran out or it was stopped). ``on_progress`` receives
    job_progress() after each chunk."""
    runner = runner or runner_id()
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
                    with repo.savepoint(session):
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
                time.sleep(min(0.2 * 2 ** failures, 5.0))
                continue
            if size > 1:
                single, size, failures = size, 1, 0  # find the row that breaks its chunk
                continue
            try:
                with app.transaction() as session:
                    job = repo.job(session, job_id)
                    bulk.fail_next_row(session, job, runner, _lease(app), f"internal error: {type(exc).__name__}")
                failures, single = 0, single - 1
                if single <= 0:
                    single, size = 0, chunk_size or bulk.CHUNK_SIZE
                continue
            except Exception:  # noqa: BLE001 - the database itself is away: leave it to a later run
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
        return job.state


def _fresh_progress(app: Badger, job_id: str) -> dict:
    with app.transaction() as session:
        return bulk.job_progress(repo.job(session, job_id))


def _lease(app: Badger):
    return app.clock() + timedelta(seconds=LEASE_SECONDS)


# ---------------------------------------------------------------------------------------------
# Dispatching: in-process threads, or the RQ queue

def dispatch(app: Badger, job_id: str) -> None:
    """Hand a committed job to the runners: the RQ queue when BADGER_QUEUE_URL is set, else a
    thread of this process. Never raises: a job that could not be handed over is found again
    in the database (resume(), and the worker's look for abandoned jobs)."""
    try:
        if app.settings.queue_url:
            enqueue(app, job_id)
        else:
            _pool(app).submit(_run_logged, app, job_id)
    except Exception:  # noqa: BLE001
        log.exception("job %s could not be dispatched now; it will be resumed from the database", job_id)


def _run_logged(app: Badger, job_id: str) -> None:
    try:
        run(app, job_id)
    except Exception:  # noqa: BLE001 - a thread must not die silently
        log.exception("job %s: runner stopped", job_id)


_POOL_LOCK = threading.Lock()


class _Pool:
    """A few daemon threads taking work from a queue. Daemon threads, unlike a
    ThreadPoolExecutor's, do not hold the process at exit: stopping the web server in the
    middle of a job is a crash like any other, and its unfinished chunk is redone later."""

    def __init__(self, size: int):
        self._tasks: queue_module.SimpleQueue = queue_module.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        for n in range(size):
            threading.Thread(target=self._loop, name=f"badger-job-{n}", daemon=True).start()

    def submit(self, fn, *args) -> None:
        with self._idle:
            self._pending += 1
        self._tasks.put((fn, args))

    def _loop(self) -> None:
        while True:
            fn, args = self._tasks.get()
            try:
                fn(*args)  # the callables given here log their own errors
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


def wait_idle(app: Badger, timeout: float = 30.0) -> bool:
    """Wait until this process's runner threads have nothing left to do -> False on timeout.
    For short-lived processes and tests (a database is not dropped under a running job)."""
    pool = getattr(app, "_job_pool", None)
    return True if pool is None else pool.wait_idle(timeout)


def _pool(app: Badger) -> _Pool:
    """The process's runner threads, started on first use; starting them also resumes the
    jobs a previous process left unfinished."""
    with _POOL_LOCK:
        pool = getattr(app, "_job_pool", None)
        if pool is not None:
            return pool
        pool = _Pool(IN_PROCESS_THREADS)
        app._job_pool = pool  # one per service container (a process usually has one)
    pool.submit(_resume_logged, app)
    return pool


def _resume_logged(app: Badger) -> None:
    try:
        resume(app)
    except Exception:  # noqa: BLE001
        log.exception("could not look for unfinished jobs")


def _stale(app: Badger, runner: str) -> list[str]:
    now = app.clock()
    with app.transaction() as session:
        return repo.stale_jobs(session, now, now - QUEUED_GRACE, runner=runner, lease_until=_lease(app))


def resume(app: Badger) -> int:
    """Take over the unfinished jobs whose runner is gone (lease run out, or queued with a lost
    message) and dispatch them again. Returns how many."""
    ids = _stale(app, "resume:" + runner_id())
    for job_id in ids:
        if app.settings.queue_url:
            dispatch(app, job_id)
        else:
            _pool(app).submit(_run_logged, app, job_id)
    return len(ids)


def nudge(app: Badger, job) -> None:
    """Someone looks at an unfinished job whose lease ran out: resume it (in-process only; the
    workers look for abandoned jobs themselves)."""
    if app.settings.queue_url or job.state not in ("queued", "running"):
        return
    lease = job.lease_until
    now = app.clock()
    if lease is not None and lease.tzinfo is None:
        now = now.replace(tzinfo=None)
    if lease is None and job.state == "queued" and getattr(app, "_job_pool", None) is not None:
        return  # queued for this process's threads
    if lease is None or lease < now:
        _pool(app).submit(_resume_logged, app)


# ---------------------------------------------------------------------------------------------
# RQ

def queue(app: Badger):
    """The RQ queue "badger" on BADGER_QUEUE_URL."""
    from redis import Redis
    from rq import Queue

    if not app.settings.queue_url:
        raise InvalidInput("BADGER_QUEUE_URL is not set", code="jobs.no_queue")
    connection = getattr(app, "_redis", None)
    if connection is None:
        connection = app._redis = Redis.from_url(app.settings.queue_url)
    return Queue(QUEUE_NAME, connection=connection)


def enqueue(app: Badger, job_id: str, copies: int = RUNNERS_PER_JOB) -> None:
    """Put ``copies`` messages for the job on the queue: up to that many workers share it."""
    q = queue(app)
    for _ in range(copies):
        q.enqueue("badger.services.jobs.run_queued_job", job_id, job_timeout=RQ_JOB_TIMEOUT, result_ttl=3600,
                  failure_ttl=7 * 86400, description=f"bulk job {job_id}")


def run_queued_job(job_id: str) -> str:
    """RQ job function (module-level, JSON-able argument): run the job for a while; hand over
    to a fresh message when the budget is spent so that long jobs share the workers."""
    app = worker_badger()
    state = run(app, job_id, budget=STEP_BUDGET, stop=_STOPPING)
    if state == "running":
        with app.transaction() as session:
            pending = repo.pending_count(session, job_id)
        if pending:
            enqueue(app, job_id, copies=1)
    return state


_WORKER_APP: dict[int, Badger] = {}
_WORKER_LOCK = threading.Lock()


def worker_badger() -> Badger:
    """The service container of a worker process, built once per process from the BADGER_*
    environment (job functions get only ids; the e-mail delivery job uses this too)."""
    with _WORKER_LOCK:
        app = _WORKER_APP.get(os.getpid())
        if app is None:
            from badger.config import load_settings

            app = _WORKER_APP[os.getpid()] = Badger(load_settings())
        return app


_STOPPING = threading.Event()  # the worker was asked to stop: finish the chunk, hand the rest over


def _reaper(app: Badger, stop: threading.Event) -> None:
    runner = "reaper:" + runner_id()
    while not stop.is_set():
        try:
            for job_id in _stale(app, runner):
                log.info("job %s: no live runner, enqueued again", job_id)
                enqueue(app, job_id)
        except Exception:  # noqa: BLE001 - the database or Redis is away: try again later
            log.exception("looking for abandoned jobs failed")
        stop.wait(REAP_INTERVAL)


def work(app: Badger, *, burst: bool = False, name: str | None = None) -> None:
    """``badger worker``: run the queue "badger" (RQ SimpleWorker: jobs run in this process),
    and every few seconds re-enqueue the unfinished jobs whose runner died. ``burst`` stops
    once the queue is empty. Raises InvalidInput when BADGER_QUEUE_URL is not set."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def request_stop(self, signum, frame):
            # Warm shutdown (SIGINT, SIGTERM): the running job stops after its current chunk and
            # re-enqueues the rest, instead of holding the shutdown for minutes.
            _STOPPING.set()
            super().request_stop(signum, frame)

    q = queue(app)
    with _WORKER_LOCK:
        _WORKER_APP[os.getpid()] = app
    stop = threading.Event()
    reaper = threading.Thread(target=_reaper, args=(app, stop), name="badger-reaper", daemon=True)
    reaper.start()
    try:
        worker = Worker([q], connection=q.connection, name=name or f"badger-{runner_id()}".replace(":", "-"))
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()

"""Running named tasks in the background: threads of the current process by default, RQ
workers (``badger worker``) when BADGER_QUEUE_URL is set. It knows tasks by name only; the
areas register theirs in ``badger.application.wire`` (bulk jobs, e-mail delivery).

A queue message carries a task name and JSON-able arguments; the state of the work lives in
the database, so a message delivered twice, or lost with a worker killed holding it, does no
harm as long as the task is written to be re-run (bulk jobs are: see badger.bulk.runner).

Why RQ rather than Celery: a task here is "call this function with an id"; RQ does exactly
that on Redis with one small dependency and no broker configuration, and its SimpleWorker
runs jobs in the worker process itself (no fork), so a worker keeps its database pool between
jobs and a ``kill -9`` of the worker really stops the work. Celery's strengths (routing,
several brokers, canvas workflows, beat) are not needed when retries and scheduling live in
the database.
"""

from __future__ import annotations

import logging
import os
import queue as queue_module
import socket
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from badger.core.runtime import settled_for_batches
from badger.errors import InvalidInput

if TYPE_CHECKING:
    from rq import Queue

    from badger.core.app import Badger

__all__ = [
    "QUEUE_NAME",
    "STOPPING",
    "runner_id",
    "submit",
    "submit_local",
    "pool_started",
    "wait_idle",
    "redis_queue",
    "run_task",
    "worker_badger",
    "worker_type",
    "work",
]

log = logging.getLogger("badger.queue")

QUEUE_NAME = "badger"
IN_PROCESS_THREADS = 2
RQ_JOB_TIMEOUT = 900  # RQ's own limit for one message, in seconds
PERIODIC_INTERVAL = 5.0  # seconds between two runs of the periodic tasks in `badger worker`

STOPPING = threading.Event()  # the worker was asked to stop: long tasks hand their rest over


def runner_id() -> str:
    """Who works: host, process and thread, plus a random part (pids are reused)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------------------
# Handing work over


def submit(
    app: Badger, task: str, *args: Any, copies: int = 1, timeout: int = RQ_JOB_TIMEOUT, description: str | None = None
) -> None:
    """Run ``task(app, *args)`` in the background: ``copies`` RQ messages when
    BADGER_QUEUE_URL is set (up to that many workers share the task), else once on a thread
    of this process. Raises InvalidInput for an unknown task; a Redis error propagates."""
    app.tasks.get(task)
    if not app.settings.queue_url:
        submit_local(app, task, *args)
        return
    q = redis_queue(app)
    for _ in range(copies):
        q.enqueue(
            run_task,
            task,
            *args,
            job_timeout=timeout,
            result_ttl=3600,
            failure_ttl=7 * 86400,
            description=description or task,
        )


def submit_local(app: Badger, task: str, *args: Any) -> None:
    """Run ``task(app, *args)`` on a thread of this process, whatever the settings."""
    fn = app.tasks.get(task)
    _pool(app).submit(_logged, fn, app, *args)


def _logged(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # a thread must not die silently
        log.exception("background task %s failed", getattr(fn, "__qualname__", fn))


class _Pool:
    """A few daemon threads taking work from a queue. Daemon threads, unlike a
    ThreadPoolExecutor's, do not hold the process at exit: stopping the web server in the
    middle of a job is a crash like any other, and its unfinished work is redone later."""

    def __init__(self, size: int):
        self._tasks: queue_module.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = queue_module.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        for n in range(size):
            threading.Thread(target=self._loop, name=f"badger-job-{n}", daemon=True).start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
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


_POOL_LOCK = threading.Lock()


def _pool(app: Badger) -> _Pool:
    """The process's task threads, started on first use; starting them also runs the tasks
    registered to run at start (resuming work a previous process left unfinished)."""
    with _POOL_LOCK:
        pool: _Pool | None = app.__dict__.get("_task_pool")
        if pool is not None:
            return pool
        pool = _Pool(IN_PROCESS_THREADS)
        app.__dict__["_task_pool"] = pool  # one per service container (a process usually has one)
    for fn in app.tasks.at_start:
        pool.submit(_logged, fn, app)
    return pool


def pool_started(app: Badger) -> bool:
    """Whether this container's task threads are running."""
    return app.__dict__.get("_task_pool") is not None


def wait_idle(app: Badger, timeout: float = 30.0) -> bool:
    """Wait until this process's task threads have nothing left to do -> False on timeout.
    For short-lived processes and tests (a database is not dropped under a running task)."""
    pool: _Pool | None = app.__dict__.get("_task_pool")
    return True if pool is None else pool.wait_idle(timeout)


# ---------------------------------------------------------------------------------------------
# RQ


def redis_queue(app: Badger) -> Queue:
    """The RQ queue "badger" on BADGER_QUEUE_URL (one Redis connection per container).
    Raises InvalidInput when BADGER_QUEUE_URL is not set."""
    if not app.settings.queue_url:
        raise InvalidInput("BADGER_QUEUE_URL is not set", code="jobs.no_queue")
    # Redis and RQ are loaded only when a queue is configured (about 0.1 s to import, for
    # nothing in the default in-process mode).
    from redis import Redis
    from rq import Queue

    connection = app.__dict__.get("_redis")
    if connection is None:
        connection = app.__dict__["_redis"] = Redis.from_url(app.settings.queue_url)
    return Queue(QUEUE_NAME, connection=connection)


_WORKER_APP: dict[int, Badger] = {}
_WORKER_LOCK = threading.Lock()


def worker_badger() -> Badger:
    """The service container of this worker process, set by ``work`` (RQ job functions get
    only names and ids). Raises RuntimeError outside a worker."""
    with _WORKER_LOCK:
        app = _WORKER_APP.get(os.getpid())
    if app is None:
        raise RuntimeError("no Badger container in this process: queued tasks run under `badger worker`")
    return app


def run_task(task: str, *args: Any) -> Any:
    """RQ job function (module-level, JSON-able arguments): run ``task`` with the worker's
    container."""
    app = worker_badger()
    return app.tasks.get(task)(app, *args)


def _periodic(app: Badger, stop: threading.Event) -> None:
    while not stop.is_set():
        for fn in app.tasks.periodic:
            try:
                fn(app)
            except Exception:  # the database or Redis is away: try again later
                log.exception("periodic task %s failed", getattr(fn, "__qualname__", fn))
        stop.wait(PERIODIC_INTERVAL)


def worker_type() -> type:
    """The RQ worker class of ``badger worker``: a SimpleWorker (jobs run in this process) that
    hands long tasks over on a warm shutdown and stops without waiting a minute."""
    from rq import SimpleWorker  # loaded lazily, see redis_queue

    class Worker(SimpleWorker):
        def request_stop(self, signum: Any, frame: Any) -> None:
            # Warm shutdown (SIGINT, SIGTERM): long tasks stop after their current step and
            # re-enqueue the rest, instead of holding the shutdown for minutes.
            STOPPING.set()
            super().request_stop(signum, frame)  # type: ignore[no-untyped-call]  # RQ leaves it unannotated

        def subscribe(self) -> None:
            # RQ's command channel (shutdown, stop-job) as RQ opens it, but with a thread that
            # wakes every second: RQ waits up to 60 s and counts on Redis's reply to UNSUBSCRIBE
            # to wake it, and when redis-py has already taken that reply the worker's teardown
            # waits the whole minute (rq/rq#1613; seen as 60 s stops under load).
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # RQ types it None
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    return Worker


def work(app: Badger, *, burst: bool = False, name: str | None = None) -> None:
    """``badger worker``: run the queue "badger" (``worker_type``: jobs run in this process),
    and every few seconds the periodic tasks (looking for abandoned work). ``burst`` stops
    once the queue is empty. Raises InvalidInput when BADGER_QUEUE_URL is not set."""
    Worker = worker_type()
    q = redis_queue(app)
    with _WORKER_LOCK:
        _WORKER_APP[os.getpid()] = app
    stop = threading.Event()
    periodic = threading.Thread(target=_periodic, args=(app, stop), name="badger-periodic", daemon=True)
    periodic.start()
    try:
        worker = Worker([q], connection=q.connection, name=name or f"badger-{runner_id()}".replace(":", "-"))
        with settled_for_batches():
            worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()

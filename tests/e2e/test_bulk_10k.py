"""Issue 5, must show 2: 10,000 rows of a CSV file become exactly 10,000 credentials.

- SQLite, in-process: `badger issue-bulk` (a real process) runs the job itself.
- PostgreSQL with BADGER_QUEUE_URL: the file is uploaded to POST /api/v1/credentials/bulk, two
  `badger worker` processes share the job; one is killed with SIGKILL in the middle of it and
  started again. Still exactly 10,000 credentials, nobody holds the badge twice, every job row
  is done.

Uses the PostgreSQL server of the service tests (a fresh schema) and a local Redis
(BADGER_TEST_REDIS, default redis://127.0.0.1:6379/13, flushed first); skipped when Redis is
not there.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from badger.accounts import tokens
from badger.application import build
from badger.bulk import service as bulk
from badger.bulk.models import Job, JobRow
from badger.config import load_settings
from badger.core import audit
from badger.core.app import Badger
from badger.issuance.models import Credential
from badger.issuers import service as issuers
from tests.fixtures import TEST_SECRET, _postgres_schema_url

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("BADGER_TEST_BULK_ROWS", "10000"))  # fewer for a quick local try
REDIS_URL = os.environ.get("BADGER_TEST_REDIS", "redis://127.0.0.1:6379/13")  # a database of its own


def _env(database_url: str, tmp_path: Path, queue_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BADGER_")}
    env.update(
        {
            "BADGER_DATABASE_URL": database_url,
            "BADGER_SECRET_KEY": TEST_SECRET,
            "BADGER_BASE_URL": "http://127.0.0.1:5000",
            "BADGER_INSTANCE_PATH": str(tmp_path),
            "PYTHONWARNINGS": "ignore",
        }
    )
    if queue_url:
        env["BADGER_QUEUE_URL"] = queue_url
    return env


def _cli(env, *args, timeout=1800):
    result = subprocess.run(
        [sys.executable, "-m", "badger.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"badger {' '.join(args)} exited {result.returncode}: {result.stderr[-3000:]}"
    return result


def _setup(env) -> str:
    """An issuer and a badge class through the CLI; returns the badge class id."""
    _cli(env, "db", "upgrade")
    _cli(
        env, "issuer", "create", "--name", "CEC Ouest 2023", "--url", "https://cec-ouest.example", "--slug", "cec-ouest"
    )
    achievement = json.loads(
        _cli(
            env,
            "achievement",
            "create",
            "--issuer",
            "cec-ouest",
            "--name",
            "Planet Champion CEC Ouest 2023",
            "--description",
            "A porté la démarche climat de son organisation.",
            "--criteria",
            "Présence aux six camps de base.",
        ).stdout
    )
    return achievement["id"].rsplit("/", 1)[-1]


def _file(rows: int = ROWS) -> bytes:
    return ("courriel;nom\n" + "".join(f"participant.{n}@exemple.fr;Participant·e {n}\n" for n in range(rows))).encode()


def _check_database(url: str, achievement_id: str, job_id: str | None = None) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.scalar(
                select(func.count()).select_from(Credential).where(Credential.achievement_id == achievement_id)
            )
            recipients = conn.scalar(
                select(func.count(func.distinct(Credential.recipient_lookup))).where(
                    Credential.achievement_id == achievement_id
                )
            )
            indexes = conn.scalar(select(func.count(func.distinct(Credential.status_index))))
            assert (count, recipients, indexes) == (ROWS, ROWS, ROWS)
            if job_id is not None:
                states = dict(
                    conn.execute(
                        select(JobRow.outcome, func.count()).where(JobRow.job_id == job_id).group_by(JobRow.outcome)
                    ).all()
                )
                assert states == {"issued": ROWS}, states
                assert (
                    conn.scalar(
                        select(func.count()).select_from(JobRow).where(JobRow.job_id == job_id, JobRow.state != "done")
                    )
                    == 0
                )
                job = conn.execute(select(Job.state, Job.done, Job.issued).where(Job.id == job_id)).one()
                assert tuple(job) == ("done", ROWS, ROWS)
    finally:
        engine.dispose()


def test_10k_rows_on_sqlite_in_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'badger.sqlite3'}"
    env = _env(url, tmp_path)
    achievement_id = _setup(env)
    path = tmp_path / "promo.csv"
    path.write_bytes(_file())
    started = time.monotonic()
    report = json.loads(_cli(env, "issue-bulk", "--achievement", achievement_id, "--csv", str(path)).stdout)
    elapsed = time.monotonic() - started
    assert (report["issued"], report["skipped"], report["failed"], report["errors"]) == (ROWS, 0, 0, [])
    _check_database(url, achievement_id, report["job"])
    print(f"\nSQLite in-process: {ROWS} rows in {elapsed:.1f} s ({ROWS / elapsed:.0f} rows/s, CLI start included)")


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    connection.flushdb()
    return connection


def _worker(env, log: Path):
    # The child keeps its own copy of the log's descriptor; ours is closed at once.
    with open(log, "ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "badger.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _progress(app: Badger, issuer_slug: str, job_id: str) -> dict:
    with app.transaction() as session:
        return bulk.job_progress(bulk.get_job(session, issuers.get_issuer(session, issuer_slug), job_id))


class _Stall:
    """Fails when the job makes no progress for STALL seconds (a hang, not a slow machine: the
    tests assert no timings)."""

    STALL = 180

    def __init__(self, app: Badger, job_id: str):
        self.app, self.job_id = app, job_id
        self.done, self.since = -1, time.monotonic()

    def progress(self) -> dict:
        progress = _progress(self.app, "cec-ouest", self.job_id)
        if progress["done"] != self.done:
            self.done, self.since = progress["done"], time.monotonic()
        assert time.monotonic() - self.since < self.STALL, f"no progress for {self.STALL} s: {progress}"
        return progress


def test_10k_rows_on_postgresql_with_two_workers_one_killed_and_restarted(tmp_path):
    redis = _redis_or_skip()
    url, drop = _postgres_schema_url()
    env = _env(url, tmp_path, REDIS_URL)
    workers = []
    app = None
    try:
        achievement_id = _setup(env)
        app = build(load_settings(environ=env))
        with app.transaction() as session:
            token = tokens.create_token(
                app, session, issuers.get_issuer(session, "cec-ouest"), "bulk e2e", actor=audit.CLI
            )
        workers = [_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]

        from badger.web import create_app

        client = create_app(badger=app).test_client()
        started = time.monotonic()
        response = client.post(
            "/api/v1/credentials/bulk",
            headers={"Authorization": f"Bearer {token}"},
            data={"file": (io.BytesIO(_file()), "promo.csv"), "achievement": achievement_id},
            content_type="multipart/form-data",
        )
        assert response.status_code == 202, response.get_data(as_text=True)
        job_id = response.get_json()["id"]

        # Kill one worker with SIGKILL once both have committed work, then start it again.
        watch = _Stall(app, job_id)
        while watch.progress()["done"] < ROWS // 5:
            assert all(w.poll() is None for w in workers), (tmp_path / "worker-0.log").read_text()[-3000:]
            time.sleep(0.2)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(10)
        at_kill = _progress(app, "cec-ouest", job_id)
        assert 0 < at_kill["done"] < ROWS and at_kill["state"] == "running"
        workers[0] = _worker(env, tmp_path / "worker-0b.log")

        while (progress := watch.progress())["state"] != "done":
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        assert progress == {
            "state": "done",
            "total": ROWS,
            "done": ROWS,
            "issued": ROWS,
            "skipped": 0,
            "failed": 0,
            "percent": 100.0,
        }
        _check_database(url, achievement_id, job_id)
        print(
            f"\nPostgreSQL, 2 workers (one killed at {at_kill['done']} rows and restarted): {ROWS} rows in "
            f"{elapsed:.1f} s ({ROWS / elapsed:.0f} rows/s)"
        )
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGINT)  # RQ: warm shutdown
        for w in workers:
            try:
                w.wait(15)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait(5)
        if app is not None:
            app.engine.dispose()
        drop()
        redis.flushdb()

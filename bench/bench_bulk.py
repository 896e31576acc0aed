"""Bulk issuance throughput: rows per second for
- SQLite, the job run in-process (what `badger issue-bulk` does);
- PostgreSQL, the job shared by two `badger worker` processes through Redis (RQ).

Run with ``.venv/bin/python bench/bench_bulk.py [ROWS]`` (default 2000). PostgreSQL and Redis:
BADGER_TEST_POSTGRES (default the service tests' server, a fresh schema) and BADGER_TEST_REDIS
(default redis://127.0.0.1:6379/14, flushed). Also prints the plain issuing.issue() cost per
credential for comparison.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badger.achievements import service as achievements
from badger.application import build
from badger.bulk import runner as jobs
from badger.bulk import service as bulk
from badger.config import load_settings
from badger.core import audit
from badger.core.app import Badger
from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.fixtures import TEST_SECRET, _postgres_schema_url

REDIS_URL = os.environ.get("BADGER_TEST_REDIS", "redis://127.0.0.1:6379/14")


def _settings(url: str, instance: str, queue_url: str | None = None) -> dict:
    env = {
        "BADGER_DATABASE_URL": url,
        "BADGER_SECRET_KEY": TEST_SECRET,
        "BADGER_BASE_URL": "http://127.0.0.1:5000",
        "BADGER_INSTANCE_PATH": instance,
    }
    if queue_url:
        env["BADGER_QUEUE_URL"] = queue_url
    return env


def _prepare(env: dict) -> tuple[Badger, str]:
    app = build(load_settings(environ=env))
    app.upgrade_database()
    with app.transaction() as session:
        issuer = issuers.create_issuer(
            app, session, name="CEC Ouest 2023", url="https://cec-ouest.example", slug="cec-ouest"
        )
        badge = achievements.create_achievement(
            app,
            session,
            issuer,
            name="Planet Champion CEC Ouest 2023",
            description="Démarche climat.",
            criteria="Six camps de base.",
        )
        return app, badge.id


def _rows(n: int, prefix: str = "p") -> list[bulk.BulkRow]:
    return [bulk.BulkRow(f"{prefix}{i}@exemple.fr", f"Participant·e {i}", line=i + 1) for i in range(n)]


def _start(app: Badger, achievement_id: str, rows, dispatch: bool) -> str:
    with app.transaction() as session:
        return bulk.start(
            app,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            achievement_id,
            rows,
            actor=audit.CLI,
            dispatch=dispatch,
        ).id


def _plain(app: Badger, achievement_id: str, n: int = 200) -> float:
    started = time.perf_counter()
    with app.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        for i in range(n):
            issuing.issue(
                app,
                session,
                issuer,
                issuing.IssueRequest(achievement=achievement_id, email=f"plain{i}@exemple.fr", name="Plain"),
            )
    return (time.perf_counter() - started) / n * 1000


def sqlite_in_process(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, achievement_id = _prepare(_settings(f"sqlite:///{tmp}/badger.sqlite3", tmp))
        per_credential = _plain(app, achievement_id)
        job_id = _start(app, achievement_id, _rows(n), dispatch=False)
        started = time.perf_counter()
        assert jobs.run(app, job_id) == "done"
        elapsed = time.perf_counter() - started
        app.engine.dispose()
    print(
        f"SQLite, in-process:           {n / elapsed:7.0f} rows/s ({n} rows in {elapsed:.1f} s; "
        f"issuing.issue alone {per_credential:.1f} ms per credential)"
    )


def postgresql_two_workers(n: int) -> None:
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    url, drop = _postgres_schema_url()
    workers = []
    with tempfile.TemporaryDirectory() as tmp:
        env = _settings(url, tmp, REDIS_URL)
        try:
            app, achievement_id = _prepare(env)
            per_credential = _plain(app, achievement_id)
            process_env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("BADGER_")},
                **env,
                "PYTHONWARNINGS": "ignore",
            }
            workers = [
                subprocess.Popen(
                    [sys.executable, "-m", "badger.cli", "worker"],
                    env=process_env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(2)
            ]
            time.sleep(2)  # let them start (imports) before the clock starts
            started = time.perf_counter()
            job_id = _start(app, achievement_id, _rows(n), dispatch=True)
            while True:
                with app.transaction() as session:
                    job = bulk.get_job(session, issuers.get_issuer(session, "cec-ouest"), job_id)
                    state = job.state
                if state in ("done", "failed"):
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            assert state == "done"
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(30)
            connection.flushdb()
            drop()
    print(
        f"PostgreSQL, 2 RQ workers:     {n / elapsed:7.0f} rows/s ({n} rows in {elapsed:.1f} s; "
        f"issuing.issue alone {per_credential:.1f} ms per credential, one process)"
    )


def main(n: int = 2000) -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    sqlite_in_process(n)
    postgresql_two_workers(n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

"""Bulk issuance throughput, each figure against its reference in the same run:

1. ``badger issue-bulk`` of N rows (default 10,000) on SQLite, the whole command timed from the
   outside (process start, CSV parsing, the job run in-process, the report), pinned to one core,
   against Digital Bazaar's vc.js signing one of those credentials N times pinned to the same
   core (node's garbage collector and compiler threads would otherwise use the other one);
2. a cohort on PostgreSQL run by 1, 2 and 4 ``badger worker`` processes through Redis (RQ):
   with 2 workers the whole 100,000 rows (``--cohort``; two jobs of 50,000, the most one job
   takes), timed from the jobs' start to the last row; with 1 and 4 workers, rows per second
   on ``--sample`` rows (default 20,000) and the time for 100,000 at that rate. Exactly once is
   checked: as many credentials as rows, no idempotency key twice.

Run with ``.venv/bin/python bench/bench_bulk.py [--rows N] [--cohort M] [--sample S] [--workers 1,2,4]``.
PostgreSQL and Redis: BADGER_TEST_POSTGRES (default the tests' server, a fresh schema each
run) and BADGER_TEST_REDIS (default redis://127.0.0.1:6379/14, flushed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badger.achievements import service as achievements
from badger.application import build
from badger.bulk import service as bulk
from badger.config import load_settings
from badger.core import audit
from badger.core.app import Badger
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.keys import Ed25519KeyPair, did_key
from tests.fixtures import TEST_SECRET, _postgres_schema_url
from tests.interop.node import run_node

REDIS_URL = os.environ.get("BADGER_TEST_REDIS", "redis://127.0.0.1:6379/14")
CORE = "0"


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


def _pinned(command: list[str]) -> list[str]:
    return ["taskset", "-c", CORE, *command] if shutil.which("taskset") else command


def _process_env(env: dict) -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("BADGER_")}, **env, "PYTHONWARNINGS": "ignore"}


def _exactly_once(app: Badger, expected: int) -> str:
    with app.transaction() as session:
        rows = issuing.list_credentials(app, session, limit=10_000_000)
        keys = [r.idempotency_key for r in rows if r.idempotency_key]
    ok = len(rows) == expected and len(set(keys)) == len(keys)
    return f"{len(rows)} credentials for {expected} rows, keys unique: {'yes' if ok else 'NO'}"


def bulk_vs_vcjs(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = _settings(f"sqlite:///{tmp}/badger.sqlite3", tmp)
        app, achievement_id = _prepare(env)
        csv_path = Path(tmp) / "cohort.csv"
        csv_path.write_text(
            "email,name\n" + "".join(f"{r.email},{r.name}\n" for r in _rows(n)),
            encoding="utf-8",
        )
        started = time.perf_counter()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            _pinned(
                [
                    sys.executable,
                    "-m",
                    "badger.cli",
                    "issue-bulk",
                    "--achievement",
                    achievement_id,
                    "--csv",
                    str(csv_path),
                ]
            ),
            env=_process_env(env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        report = json.loads(proc.stdout)
        assert report["issued"] == n, report
        once = _exactly_once(app, n)
        with app.transaction() as session:
            sample = json.loads(issuing.list_credentials(app, session, limit=1)[0].document)
        app.engine.dispose()
    unsigned = {k: v for k, v in sample.items() if k != "proof"}
    pair = Ed25519KeyPair.generate()
    did = did_key(pair)
    reference = run_node(
        "bench-vcjs.mjs",
        {
            "credential": unsigned,
            "n": n,
            "verify_n": 0,
            "created": sample["proof"]["created"],
            "key": {
                "id": f"{did}#{pair.public_key_multibase}",
                "controller": did,
                "publicKeyMultibase": pair.public_key_multibase,
                "secretKeyMultibase": pair.secret_key_multibase,
            },
        },
        timeout=3600,
        cpus=CORE,
    )
    rate = n / elapsed
    print(f"1. badger issue-bulk, SQLite, {n} rows, one core: {rate:7.0f} rows/s ({elapsed:.1f} s, whole command)")
    print(f"   vc.js signing the same credential {n} times, same core: {reference['sign_per_s']:7.0f} /s")
    print(f"   ratio: {rate / reference['sign_per_s']:.2f} x vc.js; {once}")
    print(f"   CPU time of the command: {cpu:.2f} s, {cpu / n * 1000:.3f} ms per row (process start included)")


def _cohort(n: int, workers: int) -> tuple[float, str]:
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    url, drop = _postgres_schema_url()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = _settings(url, tmp, REDIS_URL)
        try:
            app, achievement_id = _prepare(env)
            log = open(Path(tmp) / "workers.log", "wb")  # noqa: SIM115 (closed with the processes)
            processes = [
                subprocess.Popen(
                    [sys.executable, "-m", "badger.cli", "worker"],
                    env=_process_env(env),
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
                for _ in range(workers)
            ]
            time.sleep(3)  # let them start (imports) before the clock starts
            rows = _rows(n)
            started = time.perf_counter()
            job_ids = []
            for start in range(0, n, bulk.MAX_ROWS):
                with app.transaction() as session:
                    job_ids.append(
                        bulk.start(
                            app,
                            session,
                            issuers.get_issuer(session, "cec-ouest"),
                            achievement_id,
                            rows[start : start + bulk.MAX_ROWS],
                            actor=audit.CLI,
                        ).id
                    )
            while True:
                with app.transaction() as session:
                    issuer = issuers.get_issuer(session, "cec-ouest")
                    states = [bulk.get_job(session, issuer, j).state for j in job_ids]
                if all(s in ("done", "failed") for s in states):
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            if not all(s == "done" for s in states):
                log.flush()
                sys.exit(f"jobs {states}; the workers said:\n{(Path(tmp) / 'workers.log').read_text()[-4000:]}")
            once = _exactly_once(app, n)
            app.engine.dispose()
        finally:
            for p in processes:
                p.terminate()  # RQ's warm shutdown: the job in hand finishes first
            for p in processes:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()  # a run left behind (this measurement failed): nothing to wait for
                    p.wait()
            if processes:
                log.close()
            connection.flushdb()
            drop()
    return n / elapsed, once


def cohort(n: int, sample: int, counts: list[int]) -> None:
    print(f"2. cohort on PostgreSQL, `badger worker` processes on RQ/Redis ({os.cpu_count()} cores):")
    for workers in counts:
        rows = n if workers == 2 else sample
        rate, once = _cohort(rows, workers)
        if rows == n:
            print(f"   {workers} worker(s): {n} rows in {n / rate:6.1f} s ({rate:7.0f} rows/s); {once}")
        else:
            print(
                f"   {workers} worker(s): {rate:7.0f} rows/s on {rows} rows; {n} rows at this rate: {n / rate:6.1f} s;"
                f" {once}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cohort", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if not args.skip_sqlite:
        bulk_vs_vcjs(args.rows)
    if args.cohort:
        cohort(args.cohort, args.sample, [int(w) for w in args.workers.split(",") if w])


if __name__ == "__main__":
    main()

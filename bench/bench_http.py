"""Public pages under load: gunicorn with 2 sync workers, wrk as the load generator, in one run:

- the ceiling: a bare Flask app returning 2 KB of JSON (bench/bare_flask.py);
- Badger's credential JSON document (``/credentials/<id>.json``, stored bytes);
- Badger's credential HTML page (``/credentials/<id>``: one read-only version query per view,
  verification and rendering cached per version);

requests per second, the ratio to the ceiling, and the 99th percentile latency of each.
Run with ``.venv/bin/python bench/bench_http.py [SECONDS]`` (default 10 per target). Needs
Debian's ``wrk`` (apt-get install wrk). The figures move with what else the machine runs:
bench_pages.py gives the load-independent side (CPU time and SQL statements per view).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badger.achievements import service as achievements
from badger.application import build
from badger.config import load_settings
from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.fixtures import TEST_SECRET

CONNECTIONS = 16


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env={**os.environ, **env, "PYTHONWARNINGS": "ignore"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/healthz" if "badger" in app else f"http://127.0.0.1:{port}/"
            )
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn {app} did not start")


def _unit(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(url: str, seconds: int, accept: str) -> tuple[float, float]:
    """(requests/s, p99 in ms); warms up first (each worker's caches), then measures."""
    base = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-H", f"Accept: {accept}", "--latency"]
    subprocess.run([*base, "-d", "2s", url], capture_output=True, check=True)
    out = subprocess.run([*base, "-d", f"{seconds}s", url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _unit(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return rate, p99


def main(seconds: int = 10) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; gunicorn 2 sync workers, wrk {CONNECTIONS} connections"
    )
    bare_port, port = _port(), _port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "BADGER_DATABASE_URL": f"sqlite:///{tmp}/badger.sqlite3",
            "BADGER_SECRET_KEY": TEST_SECRET,
            "BADGER_BASE_URL": f"http://127.0.0.1:{port}",
            "BADGER_INSTANCE_PATH": tmp,
        }
        app = build(load_settings(environ=env))
        app.upgrade_database()
        with app.transaction() as session:
            issuer = issuers.create_issuer(app, session, name="CEC Ouest", url="https://cec-ouest.example", slug="cec")
            badge = achievements.create_achievement(
                app, session, issuer, name="Planet Champion", description="Démarche climat.", criteria="Six camps."
            )
            row = issuing.issue(
                app,
                session,
                issuer,
                issuing.IssueRequest(achievement=badge.id, email="camille@exemple.fr", name="Camille"),
            )
            credential_id = row.id
        app.engine.dispose()
        servers = [_gunicorn("bench.bare_flask:app", bare_port, {}), _gunicorn("badger.wsgi:app", port, env)]
        try:
            ceiling = _wrk(f"http://127.0.0.1:{bare_port}/", seconds, "application/json")
            document = _wrk(f"http://127.0.0.1:{port}/credentials/{credential_id}.json", seconds, "application/json")
            page = _wrk(f"http://127.0.0.1:{port}/credentials/{credential_id}", seconds, "text/html")
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(30)
    print(f"{'':32}{'req/s':>9}{'ratio':>8}{'p99 ms':>9}")
    for label, (rate, p99) in (
        ("bare Flask, 2 KB JSON (ceiling)", ceiling),
        ("credential JSON document", document),
        ("credential HTML page", page),
    ):
        print(f"{label:32}{rate:9.0f}{rate / ceiling[0]:8.2f}{p99:9.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

"""A real gunicorn server for the attack tests, on SQLite and on PostgreSQL (module scope)."""

from __future__ import annotations

import sys

import pytest

from tests.fixtures import _postgres_schema_url
from tests.live_server import LiveServer


class GunicornServer(LiveServer):
    """LiveServer run by gunicorn as in production: 2 workers of 4 threads (gthread)."""

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=2",
            "--threads=4",
            "--worker-class=gthread",
            "--timeout=30",
            f"--bind=127.0.0.1:{self.port}",
            "badger.wsgi:app",
        ]

    def worker_peak_rss_kb(self) -> int:
        """The largest peak resident size (VmHWM) of the server's worker processes, in KiB."""
        assert self.process is not None
        pid = self.process.pid
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            workers = [int(p) for p in fh.read().split()]
        peaks = []
        for worker in workers:
            with open(f"/proc/{worker}/status") as fh:
                peaks += [int(line.split()[1]) for line in fh if line.startswith("VmHWM:")]
        return max(peaks)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gunicorn_server(request, tmp_path_factory):
    overrides = {"BADGER_PROXY_HOPS": "1"}  # X-Forwarded-For names the client: one rate-limit bucket per test
    drop = None
    if request.param == "postgresql":
        url, drop = _postgres_schema_url()
        overrides["BADGER_DATABASE_URL"] = url
    server = GunicornServer(tmp_path_factory.mktemp("gunicorn"), overrides)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if drop is not None:
            drop()

"""A real Badger server for tests that drive it from outside (browser, e2e, interop).

``live_server`` (module scope): ``python -m badger.cli serve`` on 127.0.0.1 and a free port, in a
subprocess, with its own temporary SQLite database (migrated first: a copy of the database the
worker migrated once; ``badger db upgrade`` for a ``BADGER_DATABASE_URL`` given as override),
``BADGER_BASE_URL=http://127.0.0.1:<port>`` and a test ``BADGER_SECRET_KEY``. It answers
``/healthz`` before the fixture returns. Attributes and methods:

- ``.url``: the origin, e.g. ``http://127.0.0.1:38211`` (also the base URL baked into ids);
- ``.env``: the environment (a dict) to run anything else against the same database;
- ``.cli(*args, input=None, check=True) -> subprocess.CompletedProcess`` runs ``badger ARGS``
  with that environment (text mode; ``check`` raises AssertionError with the stderr);
- ``.badger``: a ``badger.core.app.Badger`` (badger.application.build) on the same database and settings, to seed data
  in-process: ``with live_server.badger.transaction() as session: ...``;
- ``.get(path, headers=None) -> (status, headers, bytes)``: a plain HTTP GET (no browser);
- ``.check_alive()``: fails the test with the server's stderr if the process has died;
- ``.stderr_path``: the server's log file.
At teardown the server is stopped; if it had died, the test fails loudly with its stderr.

Extra environment (e.g. ``BADGER_SMTP_URL``, ``BADGER_QUEUE_URL``), two ways:

- indirect parametrisation::

      @pytest.mark.parametrize("live_server", [{"BADGER_SMTP_URL": "smtp://127.0.0.1:8025"}],
                               indirect=True)
      def test_mail(live_server): ...

- the factory (session scope, so it can be used from a fixture of any scope); servers it starts
  are stopped at the end of the session, or earlier with ``.stop()`` / a ``with`` block::

      @pytest.fixture(scope="module")
      def mail_server(make_live_server, smtp):
          with make_live_server({"BADGER_SMTP_URL": smtp.url}) as server:
              yield server
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET_KEY = "browser-test-secret-key-0123456789abcdef"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text("utf-8", errors="replace")[-limit:]
    except OSError:
        return "(no server log)"


class LiveServer:
    """A Badger server in a subprocess; see the module docstring."""

    def __init__(self, directory: Path, env_overrides: Mapping[str, str] | None = None):
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Start from this process's environment without its BADGER_* settings (a developer's
        # own database must never be touched), then ours, then the caller's overrides.
        env = {k: v for k, v in os.environ.items() if not k.startswith("BADGER_")}
        env.update(
            {
                "BADGER_BASE_URL": self.url,
                "BADGER_DATABASE_URL": f"sqlite:///{directory / 'badger.sqlite3'}",
                "BADGER_SECRET_KEY": TEST_SECRET_KEY,
                "BADGER_INSTANCE_PATH": str(directory),
                "PYTHONWARNINGS": "ignore",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update({k: str(v) for k, v in (env_overrides or {}).items()})
        self.env = env
        self.stderr_path = directory / "server.log"
        self.process: subprocess.Popen | None = None
        self._badger = None

    # -- lifecycle ---------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The server's command line (subclasses serve with something else)."""
        return [sys.executable, "-m", "badger.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def _migrate(self) -> None:
        """The server's database at head: its own SQLite file is a copy of the database the
        worker migrated once (tests/fixtures.py, the same as ``badger db upgrade`` makes, a
        second or two sooner); another database (``BADGER_DATABASE_URL``) gets ``badger db upgrade``."""
        path = self.directory / "badger.sqlite3"
        if self.env["BADGER_DATABASE_URL"] == f"sqlite:///{path}" and not path.exists():
            from tests.fixtures import copy_sqlite_template

            copy_sqlite_template(path)
        else:
            self.cli("db", "upgrade")

    def start(self) -> LiveServer:
        self._migrate()
        # The log goes to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
        with open(self.stderr_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._kill()
                pytest.fail(
                    f"{self.command()[2]} did not start on {self.url}:\n{_tail(self.stderr_path)}", pytrace=False
                )
            time.sleep(0.1)

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            pytest.fail(
                f"the Badger server on {self.url} died (exit {code}):\n{_tail(self.stderr_path)}", pytrace=False
            )

    def stop(self) -> None:
        """Stop the server; fail with its stderr if it had died on its own."""
        if self._badger is not None:
            self._badger.engine.dispose()
            self._badger = None
        if self.process is None:
            return
        died = self.process.poll() is not None
        code = self.process.returncode
        self._kill()
        self.process = None
        if died:
            pytest.fail(
                f"the Badger server on {self.url} died during the tests (exit {code}):\n{_tail(self.stderr_path)}",
                pytrace=False,
            )

    def _kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------------------

    @property
    def badger(self):
        """A service container on the server's database and settings (created on first use)."""
        if self._badger is None:
            from badger.application import build
            from badger.config import load_settings

            self._badger = build(load_settings(environ=self.env))
        return self._badger

    def cli(
        self, *args: str, input: str | bytes | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        """Run ``badger ARGS`` against the server's database; text mode unless ``input`` is bytes."""
        result = subprocess.run(
            [sys.executable, "-m", "badger.cli", *map(str, args)],
            env=self.env,
            cwd=ROOT,
            input=input,
            capture_output=True,
            text=not isinstance(input, bytes),
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"badger {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
        return result

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict, bytes]:
        """GET ``path`` (or an absolute URL) -> (status, headers, body); HTTP errors are returned."""
        url = path if path.startswith(("http://", "https://")) else self.url + path
        request = urllib.request.Request(url, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def __repr__(self) -> str:
        return f"<LiveServer {self.url}>"


@pytest.fixture(scope="session")
def make_live_server(tmp_path_factory):
    """Factory: ``make_live_server(env_overrides=None) -> LiveServer`` (started)."""
    servers: list[LiveServer] = []

    def make(env_overrides: Mapping[str, str] | None = None) -> LiveServer:
        server = LiveServer(tmp_path_factory.mktemp("live-server"), env_overrides)
        servers.append(server)
        return server.start()

    yield make
    problems = []
    for server in servers:
        try:
            server.stop()
        except pytest.fail.Exception as exc:
            problems.append(str(exc))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def live_server(request, make_live_server) -> Iterator[LiveServer]:
    """A started server for this module; ``request.param`` (indirect) is extra environment."""
    server = make_live_server(getattr(request, "param", None))
    yield server
    server.stop()

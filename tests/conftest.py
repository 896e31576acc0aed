"""Shared fixtures: the spec vectors (copied under tests/vectors) and a network guard."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

# For any test: the application on SQLite and PostgreSQL (``badger``, ``app``, ``client``,
# ``create_issuer``, ``create_achievement``: tests/fixtures.py), a real SMTP server on 127.0.0.1
# (``smtp_server``) and a real Badger server (``live_server``, ``make_live_server``).
pytest_plugins = ["tests.fixtures", "tests.mailserver", "tests.live_server"]

VECTORS = Path(__file__).parent / "vectors"


def load_vector(relative: str):
    path = VECTORS / relative
    return json.loads(path.read_text("utf-8")) if path.suffix in (".json", ".jsonld") else path.read_bytes()


@pytest.fixture
def vectors() -> Path:
    return VECTORS


_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    # Tests may talk to services on this machine (PostgreSQL, Redis, servers they start), never
    # to the outside: the domain must work offline, with bundled contexts only.
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
        return _real_connect(self, address)
    raise RuntimeError(f"network access attempted in tests: {address!r}")


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    """argon2id with small parameters in the test process: the suite creates and signs in
    thousands of accounts, and the library's defaults (64 MiB, 3 passes, 4 threads) cost
    a tenth of a second or more each time. Servers the tests start keep the defaults."""
    from argon2 import PasswordHasher

    from badger.accounts import service as accounts

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", hasher)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", [])
    return hasher


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# The longest tests first (end-to-end, browser, interop): spread over the xdist workers from the
# start, they do not leave one worker running alone at the end of the run.
_SLOW_FIRST = ("tests/e2e/", "tests/browser/", "tests/interop/", "tests/web/pages/", "tests/security/test_attacks_live")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid
        return next((n for n, prefix in enumerate(_SLOW_FIRST) if path.startswith(prefix)), len(_SLOW_FIRST))

    items.sort(key=rank)  # stable: the order inside each group is kept

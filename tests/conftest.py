"""Shared fixtures: the spec vectors (copied under tests/vectors) and a network guard."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

# For any test: a real SMTP server on 127.0.0.1 (``smtp_server``) and a real Badger server
# (``live_server``, ``make_live_server``).
pytest_plugins = ["tests.mailserver", "tests.live_server"]

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
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)

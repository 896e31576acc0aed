"""Fixtures for the interop tests (independent npm verifiers, run offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import node

VECTORS_DIR = Path(__file__).resolve().parent.parent / "vectors"


@pytest.fixture(scope="session", autouse=True)
def interop_installed() -> None:
    """Error (never skip) every interop test when node or the npm packages
    are missing: these tests are the project's proof of interoperability."""
    try:
        node.check_installed()
    except node.NodeHarnessError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    return VECTORS_DIR

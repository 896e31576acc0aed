"""The layering contracts in pyproject.toml hold, and they bite: a copy of the package with a
Flask import in a library module, or with an import cycle between two areas, fails them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def copy_of_badger(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "badger", tmp_path / "badger", ignore=shutil.ignore_patterns("__pycache__", "translations"))
    return tmp_path


def test_the_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "5 kept, 0 broken" in result.stdout


def test_a_flask_import_in_a_library_package_breaks_them(copy_of_badger: Path):
    module = copy_of_badger / "badger" / "credentials" / "dates.py"
    module.write_text(module.read_text("utf-8") + "\nimport flask  # deliberately wrong\n", "utf-8")
    result = _lint(copy_of_badger)
    assert result.returncode != 0
    assert "The library imports no framework, database or application code BROKEN" in result.stdout
    assert "badger.credentials.dates -> flask" in result.stdout


def test_an_import_cycle_between_areas_breaks_them(copy_of_badger: Path):
    # issuance imports issuers (status lists sign with the issuer's keys); the way back is an event.
    module = copy_of_badger / "badger" / "issuers" / "service.py"
    module.write_text(
        module.read_text("utf-8") + "\nfrom badger.issuance import status_lists  # deliberately wrong\n", "utf-8"
    )
    result = _lint(copy_of_badger)
    assert result.returncode != 0
    assert "No import cycles anywhere in badger BROKEN" in result.stdout
    assert "Layers: edges above areas above core above the library BROKEN" in result.stdout

"""The library rules of docs/architecture.md ("Layering" and "Time and ids are injected"), enforced.

1. Dependencies point down only: the domain packages never import flask, sqlalchemy, PIL or
   the upper layers (badger.web, badger.core, the application areas, badger.cli). Checked twice: by
   importing every domain module in a fresh interpreter and looking at sys.modules (catches
   indirect imports through third-party code), and statically, module by module (names the
   offending file and line, including imports a code path may only reach at run time).
4. Time and ids are injected: no domain module reads the clock (datetime.now/utcnow/today,
   date.today, time.time) or draws a time-based or random UUID (uuid.uuid1/uuid4).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_PACKAGES = (
    "badger.credentials",
    "badger.jsonld",
    "badger.keys",
    "badger.proofs",
    "badger.baking",
    "badger.status",
    "badger.verification",
)
# Modules the domain must never load. Upper layers of Badger are matched with their submodules.
FORBIDDEN_MODULES = (
    "flask",
    "sqlalchemy",
    "PIL",
    "badger.web",
    "badger.core",
    "badger.application",
    "badger.issuers",
    "badger.achievements",
    "badger.issuance",
    "badger.verifying",
    "badger.bulk",
    "badger.programmes",
    "badger.mail",
    "badger.accounts",
    "badger.public",
    "badger.demo",
    "badger.cli",
)
# Fully qualified names that read the clock or make non-reproducible ids.
FORBIDDEN_NAMES = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "uuid.uuid1",
        "uuid.uuid4",
    }
)

_IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
packages = json.loads(sys.argv[1])
imported = []
for name in packages:
    package = importlib.import_module(name)
    imported.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({"imported": imported, "modules": sorted(sys.modules)}))
"""


def _is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN_MODULES)


def _domain_files() -> list[Path]:
    files = []
    for package in DOMAIN_PACKAGES:
        path = ROOT.joinpath(*package.split("."))
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")])
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str | None, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = current.split(".")
    # In a package's __init__, "." is the package itself; in a module, its parent package.
    drop = level - 1 if is_package else level
    base = base[: len(base) - drop] if drop else base
    return ".".join(base + ([module] if module else []))


class _Visitor(ast.NodeVisitor):
    """Collects imported modules and references to forbidden clock / id functions."""

    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.is_package = is_package
        self.aliases: dict[str, str] = {}  # local name -> fully qualified name
        self.imports: list[tuple[int, str]] = []
        self.calls: list[tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports.append((node.lineno, alias.name))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve_relative(node.module, node.level, self.module, self.is_package)
        for alias in node.names:
            # "from badger import web" imports the module badger.web.
            self.imports.append((node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base))
            self.imports.append((node.lineno, base))
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}"

    def _qualified(self, node: ast.expr) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id], *reversed(parts)])

    def _check_reference(self, node: ast.expr) -> None:
        name = self._qualified(node)
        if name in FORBIDDEN_NAMES:
            self.calls.append((node.lineno, name))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # References count as much as calls: `default_factory=datetime.now` reads the clock too.
        self._check_reference(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._check_reference(node)


def _scan(path: Path) -> _Visitor:
    visitor = _Visitor(_module_name(path), path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text("utf-8"), filename=str(path)))
    return visitor


# ---------------------------------------------------------------------------------- dynamic


def test_importing_every_domain_module_loads_no_upper_layer():
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(DOMAIN_PACKAGES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    # The walk really reached the submodules (a vacuous pass would prove nothing).
    for expected in (
        "badger.keys.resolver",
        "badger.proofs.vc_jwt",
        "badger.verification.verifier",
        "badger.jsonld.canonical",
        "badger.baking.png",
        "badger.status.bitstring",
    ):
        assert expected in result["imported"]
    offenders = [m for m in result["modules"] if _is_forbidden(m)]
    assert offenders == [], f"domain packages pulled in {offenders}"


# ----------------------------------------------------------------------------------- static


def test_the_scan_finds_the_domain_sources():
    files = _domain_files()
    assert len(files) >= 20
    assert all(f.is_file() for f in files)


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_domain_module_imports_an_upper_layer(path):
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}" for line, name in _scan(path).imports if _is_forbidden(name)
    ]
    assert bad == []


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_domain_module_reads_the_clock_or_makes_uuids(path):
    bad = [f"{path.relative_to(ROOT)}:{line} uses {name}" for line, name in _scan(path).calls]
    assert bad == [], "time and ids are injected into domain code (docs/architecture.md)"


# ------------------------------------------------------------------- the checker, checked


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import flask", ["flask"]),
        ("import sqlalchemy.orm as orm", ["sqlalchemy.orm"]),
        ("from PIL import Image", ["PIL", "PIL.Image"]),
        ("from badger import web", ["badger.web"]),
        ("from badger.core.db import Base", ["badger.core.db", "badger.core.db.Base"]),
        ("from ..core import db", ["badger.core", "badger.core.db"]),
        ("from . import result", []),
        ("import flaskish", []),
    ],
)
def test_import_detection(source, expected):
    visitor = _Visitor("badger.verification.verifier", is_package=False)
    visitor.visit(ast.parse(source))
    assert sorted({name for _, name in visitor.imports if _is_forbidden(name)}) == expected


def test_relative_imports_in_a_package_init():
    visitor = _Visitor("badger.verification", is_package=True)
    visitor.visit(ast.parse("from ..web import app\nfrom .verifier import verify"))
    assert sorted({name for _, name in visitor.imports}) == [
        "badger.verification.verifier",
        "badger.verification.verifier.verify",
        "badger.web",
        "badger.web.app",
    ]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import datetime\ndatetime.datetime.now()", ["datetime.datetime.now"]),
        ("from datetime import datetime\ndatetime.now(tz)", ["datetime.datetime.now"]),
        ("from datetime import datetime as dt\ndt.utcnow()", ["datetime.datetime.utcnow"]),
        ("from datetime import date\ndate.today()", ["datetime.date.today"]),
        ("import time\ntime.time()", ["time.time"]),
        ("from time import time\nstamp = time()", ["time.time"]),
        ("import uuid\nuuid.uuid4()", ["uuid.uuid4"]),
        ("from uuid import uuid1 as u\nu()", ["uuid.uuid1"]),
        (
            "from dataclasses import field\nfrom datetime import datetime\nx = field(default_factory=datetime.now)",
            ["datetime.datetime.now"],
        ),
        ("from datetime import datetime\ndatetime.fromisoformat(s)", []),
        ("import uuid\nuuid.uuid5(uuid.NAMESPACE_URL, u)", []),
        ("import time\ntime.monotonic()", []),
        ("def now():\n    return 1\nnow()", []),
    ],
)
def test_clock_and_id_detection(source, expected):
    visitor = _Visitor("badger.keys.x", is_package=False)
    visitor.visit(ast.parse(source))
    assert sorted({name for _, name in visitor.calls}) == expected

"""Architecture conventions for the service side: only badger.store imports SQLAlchemy; the
edges (web, cli) do no SQL, crypto or JSON-LD themselves; no module-level app but the WSGI
entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "badger"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        target = PACKAGE / part
        out += sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []
    return out


def _offending(paths, forbidden) -> list[str]:
    return [f"{p.relative_to(PACKAGE)}: {name}" for p in paths for name in sorted(_imports(p))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_only_the_store_imports_sqlalchemy():
    paths = [p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts]
    assert _offending(paths, ("sqlalchemy", "alembic", "psycopg")) == []


@pytest.mark.parametrize("edge", ["web", "cli.py"])
def test_edges_do_no_sql_crypto_or_jsonld(edge):
    forbidden = ("sqlalchemy", "cryptography", "pyld", "jwt", "badger.store.models", "badger.jsonld", "badger.proofs")
    assert _offending(_modules(edge), forbidden) == []


def test_no_module_level_flask_app_but_the_wsgi_entry_point():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "wsgi.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                func = node.value.func
                name = getattr(func, "id", getattr(func, "attr", ""))
                assert name not in ("create_app", "Flask"), f"{path}: module-level app"

"""What the import contracts (pyproject.toml [tool.importlinter], run by `make check`) cannot
say: no module-level Flask app but the WSGI entry point. The contracts themselves are checked,
and shown to bite, in tests/test_contracts.py."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "badger"


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

"""The one place that finds the bundled data: schemas/ (contexts, JSON Schemas), templates/, static/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "schemas_dir", "templates_dir", "static_dir", "load_json"]

# The project keeps schemas/ and templates/ at the top level beside the package.
ROOT = Path(__file__).resolve().parent.parent


def schemas_dir() -> Path:
    return ROOT / "schemas"


def templates_dir() -> Path:
    return ROOT / "templates"


def static_dir() -> Path:
    """Scripts the pages load (no inline script: the Content-Security-Policy forbids them)."""
    return ROOT / "static"


@cache
def load_json(relative: str) -> Any:
    """Parse a bundled JSON file under schemas/ once; callers must not mutate the result."""
    with open(schemas_dir() / relative, encoding="utf-8") as fh:
        return json.load(fh)

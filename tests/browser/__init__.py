"""Browser tests: Debian's Chromium driven by the Python ``playwright`` package.

Helpers importable by any test (the fixtures live in ``tests/browser/conftest.py``; a test
outside this folder can use them with ``pytest_plugins`` or by importing them)::

    from tests.browser import screenshot, badge_png, ARTIFACTS
"""

from __future__ import annotations

import io
import re
from pathlib import Path

__all__ = ["ROOT", "ARTIFACTS", "SCREENSHOTS", "CHROMIUM", "CHROMIUM_ARGS", "badge_png", "screenshot"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored
SCREENSHOTS = ARTIFACTS / "screenshots"
# Debian's package (`make install` puts it there); playwright never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of ``page`` to test-artifacts/screenshots/<name>.png and return its path.

    ``name`` may hold slashes for sub-folders (``"dashboard/issue-form"``); other unusual
    characters are replaced by ``-``.
    """
    parts = [_SAFE_NAME.sub("-", part) for part in name.split("/") if part not in ("", ".", "..")]
    path = SCREENSHOTS.joinpath(*parts[:-1], (parts[-1] if parts else "screenshot") + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def badge_png(colour=(20, 110, 60)) -> bytes:
    """A 256×256 badge picture: a ``colour`` disc with a yellow centre on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, 240, 240), fill=colour)
    draw.ellipse((64, 64, 192, 192), fill=(240, 200, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()

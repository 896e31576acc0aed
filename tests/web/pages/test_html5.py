"""Every public page is valid HTML5, checked by the Nu Html Checker (vnu.jar, the W3C validator's
engine, from the npm package ``vnu-jar`` pinned in tests/interop/js) run on Debian's Java.

The checker is slow to start (a JVM), so every page of the session is written to one folder
and checked by ONE ``java -jar vnu.jar`` run. Pages: every discovered public route plus the
states and errors listed in tests/web/pages.py (``PAGES``; other areas ``register()`` theirs),
in French and in English.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.web.pages.pages import all_pages

ROOT = Path(__file__).resolve().parents[3]
VNU_JAR = ROOT / "tests" / "interop" / "js" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _java() -> str:
    java = shutil.which("java")
    missing = [
        what
        for what, ok in (("java", java), (f"{VNU_JAR.relative_to(ROOT)} (make install)", VNU_JAR.is_file()))
        if not ok
    ]
    if missing:
        reason = "the HTML5 checker needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return java


def validate(files: list[Path]) -> dict[str, list[dict]]:
    """One vnu.jar run over ``files`` -> {file name: [error messages]} (errors only)."""
    java = _java()
    proc = subprocess.run(
        # The client compiler only (TieredStopAtLevel=1): a run this short is mostly the JVM's
        # start, which then takes half the time and CPU; the checking itself is the same.
        [
            java,
            "-Xss8m",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(proc.stdout or "{}")
    except ValueError:
        pytest.fail(f"vnu.jar did not answer JSON (exit {proc.returncode}): {proc.stdout[:500]} {proc.stderr[:500]}")
    out: dict[str, list[dict]] = {}
    for message in report.get("messages", []):
        if message.get("type") == "error" or message.get("subType") == "fatal":
            out.setdefault(Path(message.get("url", "?").removeprefix("file:")).name, []).append(message)
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def test_every_public_page_is_valid_html5(app, client, public_site, tmp_path):
    files = []
    for page in all_pages(app, client, public_site):
        for lang in ("fr", "en"):
            response = page.fetch(client, public_site, lang)
            assert response.status_code == page.status, (page.name, lang, response.data[:300])
            assert response.mimetype == "text/html", (page.name, response.mimetype)
            path = tmp_path / f"{_safe(page.name)}.{lang}.html"
            path.write_bytes(response.data)
            files.append(path)
    assert len(files) >= 30
    # A control page with known errors, in the same run: the check is not vacuous.
    control = tmp_path / "control-broken.html"
    control.write_text(
        '<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body><img src="a.png"></body></html>'
    )
    errors = validate([*files, control])
    assert any("alt" in m["message"] for m in errors.pop(control.name, [])), "the checker missed a known error"
    report = "\n".join(
        f"{name}:{m.get('lastLine', '?')}: {m.get('message')} [{m.get('extract', '').strip()[:120]}]"
        for name, messages in sorted(errors.items())
        for m in messages
    )
    assert errors == {}, (
        f"{sum(map(len, errors.values()))} HTML5 errors in {len(errors)} of {len(files)} pages:\n{report}"
    )

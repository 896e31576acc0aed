"""Fixtures for tests that drive Badger from outside: a real browser (Debian chromium).

The real server (``live_server``, ``make_live_server``) comes from tests/live_server.py.

Browser
-------
``browser`` (session scope): Playwright's sync API launching Debian's ``/usr/bin/chromium``
headless (``executable_path``; playwright never downloads a browser: never run
``playwright install``). When chromium is missing the browser tests are skipped with the
reason, except under ``CI=true`` where they fail.

``page`` (function scope): a fresh context per test, desktop 1280×800, locale fr-FR,
``accept_downloads=True``. ``phone_page``: a fresh context, 390×844, ``is_mobile``,
``has_touch``, locale fr-FR. Both have a 10 s default timeout; ``page.console_errors`` (a list)
collects console errors and uncaught page exceptions for the test to assert on.

``screenshot(page, name) -> Path`` (a fixture returning the function; also importable as
``tests.browser.screenshot``) saves test-artifacts/screenshots/<name>.png (git-ignored).

Mark browser tests with ``@pytest.mark.browser`` (registered in pyproject.toml).
"""

from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.browser import screenshot as _screenshot

# ------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright (sync API)."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    problem = None
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"{CHROMIUM} is missing: run `make install` (Debian's chromium package)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:  # pragma: no cover - a test dependency
            problem = f"the playwright Python package is missing ({exc}): run `make install`"
    if problem:
        if in_ci:
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _new_page(browser, **options):
    context = browser.new_context(locale="fr-FR", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console.{message.type}: {message.text} ({message.location.get('url', '')})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(browser):
    """A desktop page (1280×800, fr-FR, downloads accepted) in a fresh context."""
    context, page = _new_page(browser, viewport={"width": 1280, "height": 800}, accept_downloads=True)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone page (390×844, mobile, touch, fr-FR) in a fresh context."""
    context, page = _new_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, accept_downloads=True
    )
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name) -> Path`` under test-artifacts/screenshots/."""
    return _screenshot

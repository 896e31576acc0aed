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

Seeded servers
--------------
``fresque_server`` (function scope): a live server that sends its e-mail to ``smtp_server``,
with the partner "Fresque Bretagne" (slug ``fresque``) and its badge class "Animer une fresque
du climat" (its criteria in tests/recognition/helpers.py) -> ``(server, issuer, badge)``; add
what the journey needs through ``server.badger``.

``cec_partner`` (session scope): ``cec_partner(badger, **badge) -> (slug, badge_id)``, the partner "CEC Ouest 2023" (slug
``cec-ouest-2023``) and its badge class "Session 1 — Montée à bord" with a PNG image (``badge``
adds or replaces fields of the class), in the container of a server.

Mark browser tests with ``@pytest.mark.browser`` (registered in pyproject.toml).
"""

from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, badge_png
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


# ------------------------------------------------------------------------------ seeded servers


@pytest.fixture
def fresque_server(make_live_server, smtp_server):
    """A live server mailing to ``smtp_server``, with the partner "Fresque Bretagne" and its
    badge class "Animer une fresque du climat" -> (server, issuer, badge)."""
    from badger.achievements import service as achievements
    from badger.issuers import service as issuers
    from tests.recognition.helpers import CRITERIA

    with make_live_server({"BADGER_SMTP_URL": smtp_server.url}) as live:
        with live.badger.transaction() as session:
            issuer = issuers.create_issuer(
                live.badger, session, name="Fresque Bretagne", url="https://fresque-bretagne.example", slug="fresque"
            )
            badge = achievements.create_achievement(
                live.badger,
                session,
                issuer,
                name="Animer une fresque du climat",
                description="Avoir animé une fresque du climat complète auprès d'un public.",
                criteria=CRITERIA,
            )
        yield live, issuer, badge


@pytest.fixture(scope="session")
def cec_partner():
    """``cec_partner(badger, **badge) -> (slug, badge id)`` (usable from fixtures of any scope)."""
    return _cec_partner


def _cec_partner(badger, **badge) -> tuple[str, str]:
    """The partner "CEC Ouest 2023" and its badge class "Session 1" -> (slug, badge id)."""
    from badger.achievements import service as achievements
    from badger.issuers import service as issuers

    with badger.transaction() as session:
        issuer = issuers.create_issuer(
            badger,
            session,
            name="CEC Ouest 2023",
            url="https://cec-ouest.example",
            slug="cec-ouest-2023",
            description="Convention des Entreprises pour le Climat, Bretagne et Pays de la Loire.",
        )
        achievement = achievements.create_achievement(
            badger,
            session,
            issuer,
            **{
                "name": "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
                "description": "Camp de base à Rennes, 20-21 janvier 2023 : diagnostic partagé, le monde d'après.",
                "criteria": "Présence aux **deux journées** du camp de base.",
                "image": badge_png(),
                **badge,
            },
        )
        return issuer.slug, achievement.id

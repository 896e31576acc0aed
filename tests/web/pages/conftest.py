"""Fixtures for the page tests: the application fixtures (tests/fixtures.py) on SQLite only
(what is tested here is markup and words, not the database), and ``public_site``: one issuer,
badge classes and credentials in every state the public pages explain, plus the list of public
pages to render (``PAGES`` in tests/web/pages/pages.py, shared by the i18n and HTML5 tests)."""

from __future__ import annotations

import pytest

from tests.web.pages.pages import PublicSite, build_public_site


@pytest.fixture
def database() -> str:
    return "sqlite"


@pytest.fixture
def badger(badger):
    """The page tests sign in dozens of times a minute from one address: the request rate
    limits (tested in tests/security) are off here; the per-account sign-in delays stay on."""
    import dataclasses

    badger.settings = dataclasses.replace(badger.settings, rate_limits=False)
    return badger


@pytest.fixture
def public_site(badger, client, create_issuer, create_achievement) -> PublicSite:
    site = build_public_site(badger, create_issuer, create_achievement)
    site.extra["baked_png"] = client.get(f"/credentials/{site.credential_id}.png").data
    return site

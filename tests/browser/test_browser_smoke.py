"""Smoke test of the browser fixtures: a real server, Debian's chromium, a screenshot."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_healthz_and_verify_page_render_in_chromium(live_server, page, screenshot):
    response = page.goto(live_server.url + "/healthz")
    assert response.status == 200
    assert json.loads(page.inner_text("body"))["status"] == "ok"

    response = page.goto(live_server.url + "/verify")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("form").count() >= 1
    path = screenshot(page, "smoke/verify-desktop")
    assert path.is_file() and path.stat().st_size > 1000
    # No favicon is served yet (base.html is another area's); any other error counts.
    assert [e for e in page.console_errors if not e.endswith("/favicon.ico)")] == []
    live_server.check_alive()


def test_phone_page_and_live_server_helpers(live_server, phone_page, screenshot):
    # The CLI and the in-process container see the server's database.
    profile = json.loads(
        live_server.cli(
            "issuer", "create", "--name", "Labo de l'ESS", "--url", "https://labo-ess.example", "--slug", "labo-ess"
        ).stdout
    )
    from badger.issuers import service as issuers

    with live_server.badger.transaction() as session:
        assert issuers.get_issuer(session, "labo-ess").name == "Labo de l'ESS"
    status, _, body = live_server.get("/issuers/labo-ess/did.json")
    assert status == 200 and json.loads(body)["id"] == profile["id"]

    response = phone_page.goto(live_server.url + "/issuers/labo-ess")
    assert response.status == 200
    assert phone_page.evaluate("window.innerWidth") == 390
    assert screenshot(phone_page, "smoke/issuer-phone").is_file()

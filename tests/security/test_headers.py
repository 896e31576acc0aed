"""Must show 4: security headers on every registered HTML route, found by reading the URL map.

Every GET route of the app is requested (signed in as the partner's owner, so that dashboard
pages render), with the real identifiers of a small site where the test knows them and a
placeholder otherwise (then the answer is the HTML error page, which must carry the headers
too). A route whose parameters this test does not know fails the test: new routes are covered
the day they are added. Plus: ``Allow`` on every 405, HSTS when the base URL is https.
"""

from __future__ import annotations

import re

import pytest

from badger.web.headers import HSTS, HTML_CSP
from tests.web.dashboard.test_dashboard import login, partner  # noqa: F401 - fixture
from tests.web.pages.pages import build_public_site

PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def known(badger, partner, create_issuer, create_achievement):  # noqa: F811 - the imported fixture
    site = build_public_site(badger, create_issuer, create_achievement)
    mine = create_achievement(partner)
    return {
        "slug": "cec-ouest",
        "achievement_id": mine.id,
        "credential_id": site.credential_id,
        "code": "en",
        "filename": "js/verify.js",
        "lang": "fr",
        "template": "credential_issued",
    }


def _url(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = values.get(name, PLACEHOLDER)
        path = re.sub(r"<(?:[a-z]+:)?" + name + r">", value, path)
    assert "<" not in path, path
    return path


def _check(response, path: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    # pages behind a private link (learner pages) send no Referer at all: stricter still
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer"), path
    if response.mimetype == "text/html":
        csp = headers.get("Content-Security-Policy", "")
        assert csp == HTML_CSP, path
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert headers.get("X-Frame-Options") == "DENY", path
        body = response.get_data(as_text=True)
        # No inline script for the policy to block: every <script> loads a file. A JSON data
        # block (<script type="application/json">) is not a script: browsers never run it.
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>", body), path
        assert not re.search(r"\son[a-z]+\s*=", body.split("<body", 1)[-1]), path


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_every_html_get_route_carries_the_security_headers(app, client, known):
    login(client, "owner")
    html = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "accounts.logout":
            continue
        path = _url(rule, known)
        response = client.get(path, headers={"Accept": "text/html"})
        try:
            assert response.status_code < 500, path
            _check(response, path)
            html += response.mimetype == "text/html"
        finally:
            response.close()  # a streamed export holds its transaction until closed
    assert html >= 30  # the dashboard, the public pages and their error pages were really seen


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_every_405_says_allow(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _url(rule, {})
        for method in ("PUT", "DELETE", "PATCH"):
            if method in rule.methods:
                continue
            response = client.open(path, method=method)
            response.close()
            if response.status_code == 405:
                allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
                assert (rule.methods - {"OPTIONS", "HEAD"}) <= allowed, (path, allowed)
                assert method not in allowed, path
                checked += 1
                break
    assert checked >= 40


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_hsts_only_when_the_base_url_is_https(badger):
    import dataclasses

    from badger.web import create_app

    plain = create_app(badger=badger).test_client().get("/verify")
    assert "Strict-Transport-Security" not in plain.headers
    badger.settings = dataclasses.replace(badger.settings, base_url="https://badges.example")
    secure = create_app(badger=badger).test_client().get("/verify")
    assert secure.headers["Strict-Transport-Security"] == HSTS

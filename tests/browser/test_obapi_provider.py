"""Must show 1: a consumer built on Authlib's OAuth 2.0 client (``OAuth2Session`` over requests,
nothing of Badger's server code) runs the whole OB 3.0 API provider flow against a running
Badger: discovery, dynamic registration, authorization code with PKCE S256 (the learner signs in
by their e-mail link and consents in chromium, the page naming the app and the scopes), token,
list with paging headers, upsert, profile, refresh (rotation), revocation. Every answer body
meets the bundled 1EdTech JSON Schemas; grants, refreshes and revocations are in the audit log."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from openapi_spec_validator import validate

from badger.core import audit
from tests.obapi.live import assert_valid, seed, sign_in_link

pytestmark = pytest.mark.browser

SCOPES = " ".join(
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/" + s
    for s in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")
)
REDIRECT = "https://consumer.example/callback"


def test_consumer_runs_the_whole_provider_flow(live_server, page):
    ids = seed(live_server, ["lea@example.org"] * 3 + ["other@example.org"])
    base = live_server.url

    # Discovery: an OpenAPI 3 document with the 1EdTech extensions.
    discovery = requests.get(base + "/ims/ob/v3p0/discovery", timeout=10).json()
    validate(discovery)
    assert discovery["info"]["x-imssf-privacyPolicyUrl"]
    scheme = discovery["components"]["securitySchemes"]["OAuth2ACG"]
    flow = scheme["flows"]["authorizationCode"]
    api = discovery["servers"][0]["url"]

    # Dynamic client registration (RFC 7591 as OB 3.0 profiles it).
    registered = requests.post(
        scheme["x-imssf-registrationUrl"],
        json={
            "client_name": "Portfolio test",
            "client_uri": "https://consumer.example/",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": SCOPES,
        },
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    client_info = registered.json()

    client = OAuth2Session(
        client_info["client_id"],
        client_info["client_secret"],
        scope=SCOPES,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = "v" * 20 + "x" * 40
    authorize_url, state = client.create_authorization_url(flow["authorizationUrl"], code_verifier=verifier)

    # The learner signs in with the e-mail link, then consents.
    page.goto(sign_in_link(live_server, "lea@example.org"))
    page.click("#confirm")
    page.wait_for_url(base + "/me")
    page.goto(authorize_url)
    heading = page.locator("h1").inner_text()
    assert "Portfolio test" in heading and "Autoriser" in heading  # French by default
    scopes_text = page.locator("#scopes").inner_text()
    assert "lire les badges de votre collection" in scopes_text and "credential.upsert" in scopes_text
    callback = {}

    def catch(route):
        callback["url"] = route.request.url
        route.fulfill(status=200, body="ok")

    page.route(REDIRECT + "**", catch)
    page.click("#allow")
    page.wait_for_url(REDIRECT + "**")
    assert parse_qs(urlsplit(callback["url"]).query)["state"] == [state]

    token = client.fetch_token(flow["tokenUrl"], authorization_response=callback["url"], code_verifier=verifier)
    assert token["token_type"].lower() == "bearer" and token["refresh_token"] and token["expires_in"] <= 3600

    # List with paging.
    first = client.get(api + "/credentials", params={"limit": 2})
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "3"
    assert_valid("getopenbadgecredentialsresponse", first.json())
    assert len(first.json()["credential"]) == 2
    links = requests.utils.parse_header_links(first.headers["Link"])
    next_url = next(link["url"] for link in links if link["rel"] == "next")
    second = client.get(next_url)
    assert len(second.json()["credential"]) == 1
    assert_valid("getopenbadgecredentialsresponse", second.json())
    seen = {c["id"].rsplit("/", 1)[1] for c in first.json()["credential"] + second.json()["credential"]}
    assert seen == set(ids[:3])  # never the other learner's
    assert client.get(api + "/credentials", params={"since": "2999-01-01T00:00:00Z"}).json() == {"credential": []}

    # Upsert: a badge (issued to another of her addresses) is added, then replaced.
    other = requests.get(
        f"{base}/credentials/{ids[3]}", headers={"Accept": "application/vc+ld+json"}, timeout=10
    ).content
    created = client.post(api + "/credentials", data=other, headers={"Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    assert created.content == other
    assert_valid("achievementcredential", json.loads(created.content))
    assert (
        client.post(api + "/credentials", data=other, headers={"Content-Type": "application/json"}).status_code == 200
    )
    assert client.get(api + "/credentials").headers["X-Total-Count"] == "4"

    # Profile.
    profile = client.get(api + "/profile")
    assert profile.status_code == 200
    assert_valid("profile", profile.json())
    assert profile.json()["email"] == "lea@example.org"
    updated = client.put(api + "/profile", json={"id": profile.json()["id"], "type": ["Profile"], "name": "Léa"})
    assert updated.status_code == 200 and updated.json()["name"] == "Léa"
    assert_valid("profile", updated.json())

    # Errors are imsx_StatusInfo.
    anonymous = requests.get(api + "/credentials", timeout=10)
    assert anonymous.status_code == 401
    assert_valid("imsx_statusinfo", anonymous.json())
    bad_query = client.get(api + "/credentials", params={"limit": "0"})
    assert bad_query.status_code == 400
    assert_valid("imsx_statusinfo", bad_query.json())

    # Refresh rotates both tokens: the old ones stop working.
    old = dict(client.token)
    new = client.refresh_token(flow["refreshUrl"])
    assert new["access_token"] != old["access_token"] and new["refresh_token"] != old["refresh_token"]
    stale = requests.get(api + "/credentials", headers={"Authorization": f"Bearer {old['access_token']}"}, timeout=10)
    assert stale.status_code == 401
    assert_valid("imsx_statusinfo", stale.json())
    replay = requests.post(
        flow["tokenUrl"],
        data={"grant_type": "refresh_token", "refresh_token": old["refresh_token"]},
        auth=(client_info["client_id"], client_info["client_secret"]),
        timeout=10,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert client.get(api + "/credentials").status_code == 200

    # Revocation (RFC 7009): the grant ends.
    revoked = client.revoke_token(
        scheme["x-badger-revocationUrl"], token=new["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    assert client.get(api + "/credentials").status_code == 401

    with live_server.badger.transaction() as session:
        actions = {e["action"] for e in audit.events(session, None, limit=None)}
    assert {"obapi.register", "obapi.grant", "obapi.refresh", "obapi.revoke"} <= actions


def test_consent_page_in_english_and_denial(live_server, browser):
    base = live_server.url
    registered = requests.post(
        base + "/ims/ob/v3p0/auth/register",
        json={"client_name": "Skills wallet", "redirect_uris": [REDIRECT], "scope": SCOPES},
        timeout=10,
    ).json()
    client = OAuth2Session(
        registered["client_id"], scope=SCOPES.split()[0], redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, _ = client.create_authorization_url(base + "/ims/ob/v3p0/auth/authorize", code_verifier="w" * 64)
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    try:
        page = context.new_page()
        page.goto(sign_in_link(live_server, "sam@example.org"))
        page.click("#confirm")
        # PKCE is required, and only S256: an error page, no redirect, no code.
        query = {"response_type": "code", "client_id": registered["client_id"], "redirect_uri": REDIRECT}
        for extra in ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, {}):
            answer = page.goto(base + "/ims/ob/v3p0/auth/authorize?" + urlencode({**query, **extra}))
            assert answer.status == 400 and "invalid_request" in page.content()
        page.goto(url)
        assert "Allow “Skills wallet” to access your badges?" in page.locator("h1").inner_text()
        assert "read the badges in your collection" in page.locator("#scopes").inner_text()
        page.route(REDIRECT + "**", lambda route: route.fulfill(status=200, body="ok"))
        page.click("#deny")
        page.wait_for_url(REDIRECT + "**")
        assert "error=access_denied" in page.url
    finally:
        context.close()

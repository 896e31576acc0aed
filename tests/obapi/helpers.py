"""The OAuth 2.0 dance against the Flask test client (in-process tests): register a client,
consent as the signed-in learner, exchange the code with PKCE S256 -> the token response.
The live-server tests (tests/e2e/test_obapi_live.py) do the same with Authlib's client."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

from badger.obapi.oauth import SCOPES

REDIRECT = "https://app.example/callback"


def register(client, name="Portfolio régional", scope=" ".join(SCOPES)) -> dict:
    response = client.post(
        "/ims/ob/v3p0/auth/register",
        json={
            "client_name": name,
            "client_uri": "https://app.example/",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": scope,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def token_for(client, registered: dict, scope: str = " ".join(SCOPES)) -> dict:
    """``client`` is a test client whose session is a signed-in learner."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    consent = client.get("/ims/ob/v3p0/auth/authorize", query_string=query)
    assert consent.status_code == 200, consent.get_data(as_text=True)
    answer = client.post("/ims/ob/v3p0/auth/authorize", query_string=query, data={"decision": "allow"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["state"] == ["s1"]
    basic = base64.b64encode(f"{registered['client_id']}:{registered['client_secret']}".encode()).decode()
    response = client.post(
        "/ims/ob/v3p0/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()

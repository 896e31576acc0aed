"""Issue 12, must show 4 and the rest of the scope: the OpenAPI document describes the wallet
endpoints; bad input to each gets the protocol's error body (never a 500); the issuance e-mail
carries the offer; the partner's switch, the dashboard count and the learner's renewal."""

from __future__ import annotations

import json

import pytest

from badger.core import audit
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.mail import repository as mail_repository
from badger.programmes import learners
from badger.wallets import offers
from tests.web.dashboard.test_dashboard import login, partner, post_form  # noqa: F401 - fixtures

EMAIL = "maiwenn@example.org"
STAFF = audit.Actor("user:test", "staff@cec-ouest.example")


@pytest.fixture
def issued(badger, partner, create_achievement, monkeypatch):  # noqa: F811
    from badger.mail import outbox

    monkeypatch.setattr(outbox, "kick", lambda app: None)  # keep the e-mail in the outbox
    achievement = create_achievement(partner)
    with badger.transaction() as session:
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(achievement=achievement.id, email=EMAIL, name="Maïwenn"),
            notify=True,
        )
        token = learners.link_token(badger, session, email=EMAIL)
    return row.id, token


def test_openapi_describes_the_wallet_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, method in (
        ("/wallets/exchanges/{token}", "post"),
        ("/wallets/offers/{token}", "get"),
        ("/wallets/offers/{token}/credential-offer", "get"),
        ("/wallets/oid4vci/token", "post"),
        ("/wallets/oid4vci/nonce", "post"),
        ("/wallets/oid4vci/credential", "post"),
        ("/.well-known/openid-credential-issuer", "get"),
        ("/.well-known/oauth-authorization-server", "get"),
    ):
        assert method in paths[path], path
    token_body = paths["/wallets/oid4vci/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in token_body
    assert "400" in paths["/wallets/oid4vci/credential"]["post"]["responses"]
    from openapi_spec_validator import validate

    validate(document)


BAD_BODIES = [b"", b"{", b"[]", b'"x"', b"null", b'{"proofs": 3}', b'{"credential_configuration_id": []}', b"\xff"]


def test_bad_input_gets_the_protocol_error_never_a_500(client, issued):
    credential_id, _ = issued
    token = "t" * 43
    for body in BAD_BODIES:
        for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
            answer = client.post("/wallets/oid4vci/token", data=body, content_type=content_type)
            assert answer.status_code == 400 and answer.get_json()["error"] in ("invalid_request", "invalid_grant")
            answer = client.post(
                "/wallets/oid4vci/credential",
                data=body,
                content_type=content_type,
                headers={"Authorization": "Bearer x"},
            )
            assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_token"
            answer = client.post(f"/wallets/exchanges/{token}", data=body, content_type=content_type)
            assert answer.status_code in (400, 404) and answer.mimetype == "application/problem+json"
            answer = client.post(
                f"/wallets/credentials/{credential_id}/offer/renew", data=body, content_type=content_type
            )
            assert answer.status_code in (400, 404)
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer " + "x" * 5000}):
        answer = client.post("/wallets/oid4vci/credential", json={}, headers=headers)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/wallets/oid4vci/token", data={"grant_type": "x" * 10000}).status_code == 400
    for path in ("/wallets/offers/short", "/wallets/offers/" + "x" * 500, "/wallets/offers/%00/credential-offer"):
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 404
    assert client.get("/wallets/credentials/nope/offer").status_code == 204
    assert client.get(f"/wallets/credentials/{credential_id}/offer?learner=" + "x" * 40).status_code == 204


def test_issuance_email_carries_the_offer_and_the_learner_block(badger, client, issued):
    credential_id, token = issued
    with badger.transaction() as session:
        [message] = mail_repository.messages(session)
        wallet_url = json.loads(message.context)["wallet_url"]
        from badger.mail import outbox

        rendered = outbox.render_message(badger, session, message)
    assert "/wallets/offers/" in wallet_url
    assert wallet_url in rendered.text and wallet_url in rendered.html
    page = client.get(wallet_url[len(badger.base_url) :])
    assert page.status_code == 200 and "Ajouter un badge à un portefeuille" in page.get_data(as_text=True)

    block = client.get(f"/wallets/credentials/{credential_id}/offer?learner={token}").get_json()
    assert block["offer"]["page"] == wallet_url and block["offer"]["usable"] and block["wallets"] == []
    # Anyone else: 204 (nothing shown), even with another learner's valid link.
    with badger.transaction() as session:
        other = learners.link_token(badger, session, email="someone.else@example.org")
    assert client.get(f"/wallets/credentials/{credential_id}/offer?learner={other}").status_code == 204
    # The learner renews: a new offer, the old page says it was renewed.
    renewed = client.post(f"/wallets/credentials/{credential_id}/offer/renew", json={"learner": token}).get_json()
    assert renewed["offer"]["page"] != wallet_url
    assert client.get(wallet_url[len(badger.base_url) :], headers={"Accept": "application/json"}).status_code == 410
    # The learner page sets the cookie that shows the block on the credential page.
    learner_page = client.get(f"/learners/{token}")
    assert "badger_learner=" in learner_page.headers["Set-Cookie"]
    assert "data-wallet-offer" in learner_page.get_data(as_text=True)
    assert client.get(f"/wallets/credentials/{credential_id}/offer").status_code == 200


def test_partner_switch_and_dashboard_count(badger, app, client, issued):
    credential_id, token = issued
    login(client, "owner")
    page = client.get("/dashboard/cec-ouest/wallets/")
    assert page.status_code == 200 and 'id="wallet-counts"' in page.get_data(as_text=True)
    post_form(client, "/dashboard/cec-ouest/wallets/", {})  # both boxes unticked: offers off
    with badger.transaction() as session:
        assert offers.settings_of(session, issuers.get_issuer(session, "cec-ouest").id)["offers_enabled"] is False
        row = issuing.get_credential(session, credential_id)
        assert offers.current(badger, session, row) is None
    assert client.get(f"/wallets/credentials/{credential_id}/offer?learner={token}").get_json()["offer"] is None
    post_form(client, "/dashboard/cec-ouest/wallets/", {"offers_enabled": "1"})
    renewed = client.post(
        "/dashboard/cec-ouest/wallets/renew",
        data={"credential": credential_id, "csrf_token": _csrf_of(client)},
    )
    assert renewed.status_code == 200 and "/wallets/offers/" in renewed.get_data(as_text=True)
    viewer = login(app.test_client(), "viewer")
    assert viewer.get("/dashboard/cec-ouest/wallets/").status_code == 200
    assert viewer.post("/dashboard/cec-ouest/wallets/", data={"csrf_token": _csrf_of(viewer)}).status_code == 403


def _csrf_of(client) -> str:
    from tests.web.dashboard.test_dashboard import _csrf

    return _csrf(client.get("/account").get_data(as_text=True))

"""Issue 12 (in process, both databases): wallet offers, the VC-API exchange and the OpenID4VCI
pre-authorized flow, their refusals with the protocols' error bodies, and the shared status.

Interoperability with independent wallets is proven in tests/interop/test_wallet_interop.py;
here the wallet side is written with PyJWT and Badger's own signer, to check each rule fast.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import jwt
import pytest

from badger.core import audit
from badger.core.app import xsd_datetime
from badger.issuance import issuing, revocation
from badger.keys.did import did_key
from badger.keys.ed25519 import Ed25519KeyPair
from badger.proofs.data_integrity import add_proof
from badger.wallets import offers
from badger.wallets import repository as wallet_repo

EMAIL = "lea.martin@example.org"
STAFF = audit.Actor("user:test", "staff@cec-ouest.example")


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, _token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    achievement = create_achievement(issuer)
    with badger.transaction() as session:
        from badger.issuers.service import get_issuer

        row = issuing.issue(
            badger,
            session,
            get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(
                achievement=achievement.id, email=EMAIL, name="Léa Martin", evidence=("https://example.org/work",)
            ),
        )
        links = offers.create_offer(badger, session, row, actor=STAFF)
    return {"credential": row.id, "links": links}


def _token_of(links) -> str:
    return links.page_url.rsplit("/", 1)[1]


def _code(links) -> str:
    offer = json.loads(__import__("urllib.parse").parse.unquote(links.oid4vci_by_value.split("=", 1)[1]))
    return offer["grants"][offers.PRE_AUTHORIZED_GRANT]["pre-authorized_code"]


def _holder():
    pair = Ed25519KeyPair.generate()
    did = did_key(pair)
    return pair, did, f"{did}#{did.split(':')[-1]}"


def _proof(badger, pair, kid, nonce, *, aud=None, typ="openid4vci-proof+jwt", headers=None):
    header = {"typ": typ, **({"kid": kid} if kid else {}), **(headers or {})}
    claims = {"aud": aud or badger.base_url, "iat": int(time.time()), "nonce": nonce}
    return jwt.encode(claims, pair.private_key, algorithm="EdDSA", headers=header)


def _token(client, code, **extra):
    return client.post(
        "/wallets/oid4vci/token",
        data={"grant_type": offers.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **extra},
    )


def _nonce(client) -> str:
    return client.post("/wallets/oid4vci/nonce").get_json()["c_nonce"]


def test_oid4vci_flow_both_formats_and_refusals(badger, client, world):
    links = world["links"]
    meta = client.get("/.well-known/openid-credential-issuer").get_json()
    assert meta["credential_issuer"] == badger.base_url
    assert {d["locale"] for d in meta["display"]} == {"fr", "en"}
    assert client.get("/.well-known/oauth-authorization-server").get_json()["token_endpoint"].endswith("/token")
    offer = client.get(links.credential_offer_uri).get_json()
    assert offer["credential_configuration_ids"] == ["OpenBadgeCredential", "OpenBadgeCredential_jwt"]
    assert client.get(links.interaction_url).get_json()["protocols"]["OID4VCI"].startswith("openid-credential-offer://")

    # Bad token requests: the grant, the code.
    assert _token(client, "nope").get_json()["error"] == "invalid_grant"
    assert client.post("/wallets/oid4vci/token", data={"grant_type": "password"}).get_json()["error"] == (
        "unsupported_grant_type"
    )
    assert client.post("/wallets/oid4vci/token", json={"x": 1}).get_json()["error"] == "invalid_request"
    answer = _token(client, _code(links))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    access = answer.get_json()["access_token"]
    replay = _token(client, _code(links))
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"

    pair, did, kid = _holder()
    auth = {"Authorization": f"Bearer {access}"}
    body = {"credential_configuration_id": "OpenBadgeCredential"}

    def ask(proof, config="OpenBadgeCredential", headers=auth):
        return client.post(
            "/wallets/oid4vci/credential",
            json={**body, "credential_configuration_id": config, "proofs": {"jwt": [proof]}},
            headers=headers,
        )

    assert ask("x", headers={}).status_code == 401
    assert ask("x", headers={}).get_json()["error"] == "invalid_token"
    assert ask(_proof(badger, pair, kid, _nonce(client)), config="Nope").get_json()["error"] == (
        "unknown_credential_configuration"
    )
    assert ask(_proof(badger, pair, kid, "wrong-nonce")).get_json()["error"] == "invalid_nonce"
    other, _, _ = _holder()
    assert ask(_proof(badger, other, kid, _nonce(client))).get_json()["error"] == "invalid_proof"
    assert ask(_proof(badger, pair, kid, _nonce(client), aud="https://elsewhere.example")).get_json()["error"] == (
        "invalid_proof"
    )
    assert ask(_proof(badger, pair, kid, _nonce(client), typ="JWT")).get_json()["error"] == "invalid_proof"
    bad = client.post("/wallets/oid4vci/credential", data="{not json", headers=auth, content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_credential_request"

    good = ask(_proof(badger, pair, kid, _nonce(client)))
    assert good.status_code == 200, good.get_json()
    credential = good.get_json()["credentials"][0]["credential"]
    subject = credential["credentialSubject"]
    assert subject["id"] == did
    assert any(i["identityType"] == "emailAddress" and i["hashed"] for i in subject["identifier"])
    assert credential["evidence"][0]["id"] == "https://example.org/work"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"  # one object: strict OB 3.0
    # Single use: the offer is spent.
    assert ask(_proof(badger, pair, kid, _nonce(client))).get_json()["error"] == "credential_request_denied"

    # Renewed offer, jwt_vc_json with a jwk holder key (did:jwk).
    with badger.transaction() as session:
        row = issuing.get_credential(session, world["credential"])
        renewed = offers.renew(badger, session, row, actor=STAFF)
    access = _token(client, _code(renewed)).get_json()["access_token"]
    jwk_pair = Ed25519KeyPair.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(jwk_pair.public_key))
    proof = _proof(badger, jwk_pair, None, _nonce(client), headers={"jwk": jwk})
    got = ask(proof, config="OpenBadgeCredential_jwt", headers={"Authorization": f"Bearer {access}"})
    assert got.status_code == 200, got.get_json()
    token = got.get_json()["credentials"][0]["credential"]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["sub"].startswith("did:jwk:")

    with badger.transaction() as session:
        assert offers.count(session, row.issuer_id) == {
            "copies": 2,
            "credentials": 1,
        }
        actions = [e["action"] for e in audit.events(session, row.issuer_id, limit=50)]
    assert actions.count("wallet.redeem") == 2

    # Revoking the original revokes both copies; the offer is refused from then on.
    with badger.transaction() as session:
        row = issuing.get_credential(session, world["credential"])
        revocation.revoke(badger, session, row, reason="Erreur de saisie", actor=STAFF)
        copies = wallet_repo.copies_of(session, row.id)
        assert {issuing.get_credential(session, c.id).status for c in copies} == {"revoked"}


def test_expired_offer_and_tx_code(badger, client, world, monkeypatch):
    from badger.mail import outbox

    monkeypatch.setattr(outbox, "kick", lambda app: None)  # the code e-mail stays in the outbox
    with badger.transaction() as session:
        offer = wallet_repo.current_offer(session, world["credential"])
        offer.expires_at = badger.clock() - timedelta(seconds=1)
    expired = _token(client, _code(world["links"]))
    assert expired.get_json()["error"] == "invalid_grant"
    assert client.get(world["links"].interaction_url).status_code == 410

    from badger.issuers.service import get_issuer

    with badger.transaction() as session:
        issuer = get_issuer(session, "cec-ouest")
        offers.set_settings(badger, session, issuer, offers_enabled=True, tx_code=True, actor=STAFF)
        row = issuing.get_credential(session, world["credential"])
        with pytest.raises(Exception) as refused:
            offers.renew(badger, session, row, actor=STAFF, email="someone.else@example.org")
        assert refused.value.code == "wallet.email_mismatch"
        links = offers.renew(badger, session, row, actor=STAFF, email=EMAIL)
    assert links.tx_code and len(links.tx_code) == 6
    from badger.mail import repository as mail_repository

    with badger.transaction() as session:
        [mail] = [m for m in mail_repository.messages(session) if m.template == "wallet_tx_code"]
        assert json.loads(mail.context)["code"] == links.tx_code and mail.to_address == EMAIL
    code = _code(links)
    assert _token(client, code).get_json()["error"] == "invalid_request"
    wrong = "000000" if links.tx_code != "000000" else "111111"
    assert _token(client, code, tx_code=wrong).get_json()["error"] == "invalid_grant"
    assert _token(client, code, tx_code=links.tx_code).status_code == 200


def test_vcapi_exchange(badger, client, world):
    url = world["links"].exchange_url
    vpr = client.post(url, json={}).get_json()["verifiablePresentationRequest"]
    assert vpr["query"][0]["type"] == "DIDAuthentication"
    pair, did, vm = _holder()

    def vp(challenge=vpr["challenge"], domain=vpr["domain"]):
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did,
        }
        return add_proof(
            unsigned,
            keypair=pair,
            verification_method=vm,
            created=xsd_datetime(badger.clock()),
            proof_purpose="authentication",
            extra={"challenge": challenge, "domain": domain},
        )

    assert client.post(url, data="{", content_type="application/json").status_code == 400
    assert client.post(url, json={"verifiablePresentation": "x"}).status_code == 400
    unsigned = client.post(url, json={"verifiablePresentation": {"type": ["VerifiablePresentation"]}})
    assert unsigned.get_json()["code"] == "presentation.proof_missing"
    assert client.post(url, json={"verifiablePresentation": vp(challenge="other")}).get_json()["code"] == (
        "presentation.challenge_mismatch"
    )
    assert client.post(url, json={"verifiablePresentation": vp(domain="evil.example")}).get_json()["code"] == (
        "presentation.domain_mismatch"
    )
    tampered = vp()
    tampered["holder"] = did_key(Ed25519KeyPair.generate())
    assert client.post(url, json={"verifiablePresentation": tampered}).status_code == 400
    signed = vp()
    done = client.post(url, json={"verifiablePresentation": signed})
    assert done.status_code == 200, done.get_json()
    credential = done.get_json()["verifiablePresentation"]["verifiableCredential"][0]
    assert credential["credentialSubject"]["id"] == did
    replay = client.post(url, json={"verifiablePresentation": signed})
    assert replay.status_code == 409 and replay.get_json()["code"] == "wallet.offer_redeemed"
    assert client.post(url.rsplit("/", 1)[0] + "/" + "x" * 43, json={}).status_code == 404

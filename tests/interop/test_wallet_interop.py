"""Issue 12, must show 1 and 2: independent wallets redeem Badger's offers from a running server.

- OpenID4VCI: Sphereon's @sphereon/oid4vci-client (npm), with its own holder keys (an Ed25519
  did:key, and a bare JWK), follows an offer by reference and one by value, and gets the
  credential as ``ldp_vc`` and as ``jwt_vc_json``. The ``ldp_vc`` one verifies in Digital
  Bazaar's vc and DCC's verifier-core (both fetch the DID document and the status lists from
  the server), the ``jwt_vc_json`` one in jose with the issuer's published key. A replayed
  pre-authorized code, an expired offer and a wrong transaction code are refused with
  ``invalid_grant``, a proof with a nonce the server never gave with ``invalid_nonce``, a proof
  signed by another key than the one it names with ``invalid_proof`` (OpenID4VCI 1.0 §6.3,
  §8.3.1.2); those requests are made with fetch and jose.
- VC-API: a wallet scripted with Digital Bazaar's vc and did:key signs the DID Authentication
  presentation; the credential it gets is bound to its DID and verifies in both verifiers; a
  wrong challenge or domain, an unsigned or tampered presentation and a replay are refused.

One node process runs every wallet step (js/wallet.mjs); one more per verifier.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from badger.core import audit
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.wallets import offers
from badger.wallets import repository as wallet_repo
from tests.interop import node

pytestmark = pytest.mark.interop

STAFF = audit.Actor("user:test", "staff@cec-ouest.example")


def _seed(server, count: int) -> list[tuple[str, offers.OfferLinks]]:
    """``count`` credentials of one issuer (did:web, served by ``server``), each with an offer."""
    from badger.achievements import service as achievements

    app = server.badger
    out = []
    with app.transaction() as session:
        issuer = issuers.create_issuer(app, session, name="CEC Ouest 2023", url="https://cec-ouest.example", slug="cec")
        achievement = achievements.create_achievement(
            app, session, issuer, name="Session 1 — Montée à bord", description="Rennes, 2023.", criteria="Présence."
        )
        for i in range(count):
            row = issuing.issue(
                app,
                session,
                issuer,
                issuing.IssueRequest(
                    achievement=achievement.id,
                    email=f"learner{i}@example.org",
                    name=f"Learner {i}",
                    evidence=("https://example.org/portfolio",),
                ),
            )
            out.append((row.id, offers.create_offer(app, session, row, actor=STAFF)))
    return out


def _b64(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_openid4vci_and_vcapi_wallets(live_server):
    app = live_server.badger
    seeded = _seed(live_server, 7)
    (
        (ldp_id, ldp),
        (jwt_id, jwt),
        (expired_id, expired),
        (tx_id, _),
        (proofs_id, proofs),
        (vc_id, vcapi),
        (
            bad_id,
            bad,
        ),
    ) = seeded
    with app.transaction() as session:
        wallet_repo.current_offer(session, expired_id).expires_at = app.clock() - timedelta(minutes=1)
        issuer = issuers.get_issuer(session, "cec")
        offers.set_settings(app, session, issuer, offers_enabled=True, tx_code=True, actor=STAFF)
        tx = offers.renew(app, session, issuing.get_credential(session, tx_id), email="learner3@example.org")
        offers.set_settings(app, session, issuer, offers_enabled=True, tx_code=False, actor=STAFF)
    wrong_tx = "000000" if tx.tx_code != "000000" else "999999"

    steps = [
        {"action": "oid4vci", "uri": ldp.oid4vci_by_reference, "config": "OpenBadgeCredential", "key": "did:key"},
        {"action": "oid4vci", "uri": jwt.oid4vci_by_value, "config": "OpenBadgeCredential_jwt", "key": "jwk"},
        {"action": "token", "uri": ldp.oid4vci_by_reference},  # replayed code
        {"action": "token", "uri": expired.oid4vci_by_reference},
        {"action": "token", "uri": tx.oid4vci_by_reference, "txCode": wrong_tx},
        {
            "action": "oid4vci",
            "uri": tx.oid4vci_by_value,
            "config": "OpenBadgeCredential",
            "key": "did:key",
            "txCode": tx.tx_code,
        },
        {
            "action": "credential",
            "uri": proofs.oid4vci_by_reference,
            "config": "OpenBadgeCredential",
            "proof": "wrong-nonce",
        },
        {
            "action": "credential",
            "uri": bad.oid4vci_by_reference,
            "config": "OpenBadgeCredential",
            "proof": "other-key",
        },
        {"action": "vcapi", "url": vcapi.exchange_url, "tamper": "challenge"},
        {"action": "vcapi", "url": vcapi.exchange_url, "tamper": "domain"},
        {"action": "vcapi", "url": vcapi.exchange_url, "tamper": "unsigned"},
        {"action": "vcapi", "url": vcapi.exchange_url, "tamper": "tampered"},
        {"action": "vcapi", "url": vcapi.exchange_url, "tamper": "replay"},
    ]
    (
        got_ldp,
        got_jwt,
        replay,
        expired_token,
        wrong_tx_token,
        got_tx,
        wrong_nonce,
        other_key,
        bad_challenge,
        bad_domain,
        unsigned,
        tampered,
        replayed_vp,
    ) = node.run_node_many("wallet.mjs", steps, timeout=180)
    live_server.check_alive()

    # OpenID4VCI, Sphereon's client: ldp_vc bound to its did:key, jwt_vc_json to its JWK (did:jwk).
    assert got_ldp["ok"], got_ldp
    ldp_credential = got_ldp["credential"]
    assert ldp_credential["credentialSubject"]["id"] == got_ldp["holder"]
    assert any(i.get("identityType") == "emailAddress" for i in ldp_credential["credentialSubject"]["identifier"])
    assert ldp_credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert got_jwt["ok"], got_jwt
    header, payload = _b64(got_jwt["credential"].split(".")[0]), _b64(got_jwt["credential"].split(".")[1])
    holder_jwk = json.loads(base64.urlsafe_b64decode(payload["sub"][len("did:jwk:") :] + "=="))
    assert holder_jwk["x"] == got_jwt["holder"]["x"]
    assert got_tx["ok"], got_tx

    # Refusals, with the specification's error codes.
    assert replay["status"] == 400 and replay["body"]["error"] == "invalid_grant"
    assert expired_token["status"] == 400 and expired_token["body"]["error"] == "invalid_grant"
    assert wrong_tx_token["status"] == 400 and wrong_tx_token["body"]["error"] == "invalid_grant"
    assert wrong_nonce["status"] == 400 and wrong_nonce["body"]["error"] == "invalid_nonce"
    assert other_key["status"] == 400 and other_key["body"]["error"] == "invalid_proof"

    # VC-API: refusals, then the replay step's first answer holds the credential for its DID.
    assert bad_challenge["status"] == 400 and bad_challenge["body"]["code"] == "presentation.challenge_mismatch"
    assert bad_domain["status"] == 400 and bad_domain["body"]["code"] == "presentation.domain_mismatch"
    assert unsigned["status"] == 400 and unsigned["body"]["code"] == "presentation.proof_missing"
    assert tampered["status"] == 400
    assert replayed_vp["first"]["status"] == 200, replayed_vp["first"]
    assert replayed_vp["status"] == 409 and replayed_vp["body"]["code"] == "wallet.offer_redeemed"
    vcapi_credential = replayed_vp["first"]["body"]["verifiablePresentation"]["verifiableCredential"][0]
    assert vcapi_credential["credentialSubject"]["id"] == replayed_vp["holder"]
    assert replayed_vp["request"]["query"][0]["type"] == "DIDAuthentication"

    # The independent verifiers, live against the server (DID document, status lists).
    origin = live_server.url
    items = [{"credential": c, "live": [origin]} for c in (ldp_credential, vcapi_credential, got_tx["credential"])]
    for result in node.run_node_many("db-verify.mjs", items):
        assert result["verified"], result["errors"]
    for result in node.run_node_many("dcc-verify.mjs", items):
        assert result["verified"] and result["signatureValid"], result["errors"]
    status, _, body = live_server.get("/issuers/cec/did.json")
    assert status == 200
    jwk = next(m["publicKeyJwk"] for m in json.loads(body)["verificationMethod"] if m["id"] == header["kid"])
    [jose] = node.jose_verify_many([{"jwt": got_jwt["credential"], "jwk": jwk}])
    assert jose["verified"], jose["errors"]

    # Every redemption is in the audit log.
    with app.transaction() as session:
        actions = [e["action"] for e in audit.events(session, issuer.id, limit=200)]
    assert actions.count("wallet.redeem") == 4

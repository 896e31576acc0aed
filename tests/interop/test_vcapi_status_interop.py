"""Issue 11, "Must show" 2 (second half): generic VCs issued by Badger's VC-API
(POST /credentials/issue with ``options.credentialStatus``) verify in Digital Bazaar's
@digitalbazaar/vc with its Bitstring Status List checker (@digitalbazaar/vc-bitstring-status-list,
tests/interop/js/db-verify.mjs), which fetches the signed lists from a real Badger server
(tests/live_server.py); after each status update through the VC-API (POST /credentials/status)
that verifier refuses them on the right entry, and accepts them again when a suspension is lifted.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.interop import node

pytestmark = pytest.mark.interop

ENTRY = "BitstringStatusListEntry"


def _post(origin: str, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        origin + path,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _db(origin: str, credentials: list[dict]) -> list[dict]:
    return node.run_node_many("db-verify.mjs", [{"credential": c, "live": [origin]} for c in credentials])


def test_vc_api_credentials_and_their_status_in_digital_bazaar_vc(live_server):
    origin = live_server.url
    live_server.cli(
        "issuer", "create", "--name", "Labo de l'ESS", "--url", "https://labo-ess.example", "--slug", "labo"
    )
    token = json.loads(live_server.cli("token", "create", "--issuer", "labo", "--label", "vc-api").stdout)["token"]
    did = json.loads(live_server.get("/issuers/labo", {"Accept": "application/json"})[2])["id"]

    def issue(n: int, purposes: list[str]) -> dict:
        credential = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": f"urn:uuid:7d3f0a52-1c1e-4c55-9a51-0000000000{n:02d}",
            "type": ["VerifiableCredential"],
            "issuer": did,
            "name": "Chantier coopératif du Labo de l'ESS",
            "validFrom": "2023-10-19T09:00:00Z",
            "credentialSubject": {"id": f"did:example:participant-{n}", "name": "Participant·e du chantier"},
        }
        options = {"credentialStatus": [{"type": ENTRY, "statusPurpose": p} for p in purposes]}
        status, body = _post(origin, token, "/credentials/issue", {"credential": credential, "options": options})
        assert status == 201, body
        return body["verifiableCredential"]

    def update(credential: dict, purpose: str, value: bool) -> str:
        body = {"credentialId": credential["id"], "credentialStatus": {"type": ENTRY, "statusPurpose": purpose}}
        status, out = _post(origin, token, "/credentials/status", {**body, "status": value})
        assert status == 200, out
        return out["status"]

    both, revocable = issue(1, ["revocation", "suspension"]), issue(2, ["revocation"])
    assert [e["statusPurpose"] for e in both["credentialStatus"]] == ["revocation", "suspension"]
    assert revocable["credentialStatus"]["statusPurpose"] == "revocation"  # one object

    # Before: verified, every entry checked against the list fetched from the server.
    first, second = _db(origin, [both, revocable])
    assert first["verified"], first["errors"]
    assert sorted((s["statusPurpose"], s["status"]) for s in first["status"]) == [
        ("revocation", False),
        ("suspension", False),
    ]
    assert second["verified"] and [(s["statusPurpose"], s["status"]) for s in second["status"]] == [
        ("revocation", False)
    ], second

    # A changed character in the signed data makes it fail (the proof is really checked).
    tampered = {**both, "name": both["name"].replace("Chantier", "ChantieR")}
    [result] = _db(origin, [tampered])
    assert not result["verified"]

    # Suspended through the VC-API: refused on the suspension entry; lifted: verified again.
    assert update(both, "suspension", True) == "suspended"
    [result] = _db(origin, [both])
    assert not result["verified"] and any('"suspension" is set' in e for e in result["errors"]), result
    assert update(both, "suspension", False) == "active"
    [result] = _db(origin, [both])
    assert result["verified"], result["errors"]

    # Revoked through the VC-API: refused on the revocation entry, both credentials.
    assert update(both, "revocation", True) == "revoked"
    assert update(revocable, "revocation", True) == "revoked"
    for result in _db(origin, [both, revocable]):
        assert not result["verified"] and any('"revocation" is set' in e for e in result["errors"]), result

"""Badger's verifier against credentials and presentations secured by independent npm
implementations: Digital Bazaar's cryptosuites (eddsa-rdfc-2022, eddsa-jcs-2022,
ecdsa-rdfc-2019 and ecdsa-jcs-2019 on P-256 and P-384, ecdsa-sd-2023 derived proofs) through
@digitalbazaar/vc and @digitalbazaar/data-integrity, proof sets, proof chains, and VC-JOSE-COSE
``vc+jwt`` signed by ``jose``. Every credential is generic (not an Open Badge). Each verifies;
one changed character makes each fail.

One node process makes every fixture (js/di-fixtures.mjs), once per test session.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime

import pytest

from badger.keys import DidKeyResolver
from badger.verification import FAILED, PASSED, verify

from . import node

pytestmark = pytest.mark.interop

NOW = datetime(2024, 6, 1, tzinfo=UTC)
CHALLENGE = "8b1c4f0e-interop"
UNSIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:0c07c1ce-57cb-41af-bef2-1b932b986873",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni",
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:alumna", "alumniOf": "École d'exemple"},
}
DATA_INTEGRITY = {
    "eddsa-rdfc-2022": ["eddsa-rdfc-2022"],
    "eddsa-jcs-2022": ["eddsa-jcs-2022"],
    "ecdsa-rdfc-2019-p256": ["ecdsa-rdfc-2019"],
    "ecdsa-rdfc-2019-p384": ["ecdsa-rdfc-2019"],
    "ecdsa-jcs-2019-p256": ["ecdsa-jcs-2019"],
    "ecdsa-jcs-2019-p384": ["ecdsa-jcs-2019"],
    "ecdsa-sd-2023-derived": ["ecdsa-sd-2023"],
    "proof-set": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
    "proof-chain": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
}
JWS = ["vc+jwt-es256", "vc+jwt-eddsa"]


@pytest.fixture(scope="session")
def fixtures() -> dict:
    answer = node.run_node(
        "di-fixtures.mjs", {"credential": UNSIGNED, "created": "2024-01-02T03:04:05Z", "challenge": CHALLENGE}
    )
    return answer["fixtures"]


def _verify(data):
    return verify(data, resolver=DidKeyResolver(), now=NOW)


def _changed(document: dict) -> dict:
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["alumniOf"] = tampered["credentialSubject"]["alumniOf"].replace("É", "E", 1)
    return tampered


@pytest.mark.parametrize("name", list(DATA_INTEGRITY))
def test_data_integrity_credentials_verify(fixtures, name):
    document = fixtures[name]
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    assert [p["cryptosuite"] for p in proofs] == DATA_INTEGRITY[name]
    result = _verify(document)
    assert result.verified, result.as_dict("en")
    assert result.check("schema").code == "schema.vc_ok"
    assert result.check("issuer").status == PASSED  # the issuer is the did:key that signed
    assert result.check("proof").status == PASSED


@pytest.mark.parametrize("name", list(DATA_INTEGRITY))
def test_one_changed_character_fails(fixtures, name):
    result = _verify(_changed(fixtures[name]))
    assert not result.verified
    assert result.check("proof").status == FAILED


def test_proof_chain_names_its_previous_proof(fixtures):
    first, second = fixtures["proof-chain"]["proof"]
    assert second["previousProof"] == first["id"]
    # Dropping the proof it chains to leaves a dangling reference: refused.
    broken = {**fixtures["proof-chain"], "proof": [second]}
    result = _verify(broken)
    assert not result.verified and "proof.previous_missing" in result.codes


def _changed_jws(token: str) -> str:
    header, payload, signature = token.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    claims = json.loads(text)
    claims["credentialSubject"]["alumniOf"] = claims["credentialSubject"]["alumniOf"].replace("É", "E", 1)
    changed = base64.urlsafe_b64encode(json.dumps(claims, ensure_ascii=False).encode()).rstrip(b"=").decode()
    return ".".join([header, changed, signature])


@pytest.mark.parametrize("name", JWS)
def test_vc_jose_cose_vc_jwt_verifies_and_a_change_fails(fixtures, name):
    token = fixtures[name]["jwt"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "vc+jwt" and header["cty"] == "vc"
    result = _verify(token)
    assert result.verified, result.as_dict("en")
    assert result.check("issuer").status == PASSED
    enveloped = {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt," + token}
    assert _verify(enveloped).verified
    assert not _verify(_changed_jws(token)).verified


def test_signed_presentation_verifies_through_the_vc_api(client, fixtures):
    presentation = fixtures["presentation"]
    body = {"verifiablePresentation": presentation, "options": {"challenge": CHALLENGE}}
    response = client.post("/presentations/verify", json=body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["checks"] == ["proof", "credentials"]
    assert [r["verified"] for r in answer["credentialResults"]] == [True, True]

    wrong = client.post("/presentations/verify", json={**body, "options": {"challenge": CHALLENGE + "x"}})
    assert wrong.status_code == 422
    tampered = copy.deepcopy(presentation)
    tampered["holder"] = tampered["holder"][:-1] + ("A" if tampered["holder"][-1] != "A" else "B")
    assert client.post("/presentations/verify", json={**body, "verifiablePresentation": tampered}).status_code == 422
    inner = copy.deepcopy(presentation)
    inner["verifiableCredential"][0] = _changed(inner["verifiableCredential"][0])
    response = client.post("/presentations/verify", json={**body, "verifiablePresentation": inner})
    assert response.status_code == 422


@pytest.mark.parametrize("name", ["eddsa-jcs-2022", "ecdsa-rdfc-2019-p384"])
def test_generic_credentials_verify_through_the_web_api(client, fixtures, name):
    response = client.post("/api/v1/verify", json={"credential": fixtures[name]})
    assert response.status_code == 200 and response.get_json()["verified"] is True
    response = client.post("/credentials/verify", json={"verifiableCredential": fixtures[name]})
    assert response.status_code == 200 and response.get_json()["verified"] is True
    response = client.post("/credentials/verify", json={"verifiableCredential": _changed(fixtures[name])})
    assert response.status_code == 422

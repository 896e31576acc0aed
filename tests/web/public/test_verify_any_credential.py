"""The web verifiers accept any W3C Verifiable Credential (not only Open Badges): POST
/api/v1/verify, the /verify page, VC-API /credentials/verify and /presentations/verify; a JSON
text where a credential object is expected, and a presentation whose first @context is not the
VC context, are refused. Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import json

import pytest

from badger.keys.ecdsa import EcdsaKeyPair
from badger.proofs.data_integrity import add_proof
from tests.conftest import load_vector

VECTOR = "w3c-vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/signedECDSAP256.json"


def _generic_signed() -> dict:
    pair = EcdsaKeyPair.generate("P-256")
    did = f"did:key:{pair.public_key_multibase}"
    return add_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "ExampleMembershipCredential"],
            "issuer": did,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:member", "alumniOf": "Exemple"},
        },
        keypair=pair,
        verification_method=f"{did}#{pair.public_key_multibase}",
        created="2024-01-01T00:00:00Z",
        cryptosuite="ecdsa-jcs-2019",
    )


def _problem(response, status, code):
    assert response.status_code == status, response.data[:500]
    body = response.get_json(force=True)
    assert body["code"] == code, body
    return body


def test_api_verify_accepts_a_generic_credential(client):
    response = client.post("/api/v1/verify?lang=en", json={"credential": _generic_signed()})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True, body
    assert {c["check"]: c["code"] for c in body["checks"]}["schema"] == "schema.vc_ok"
    vector = client.post("/api/v1/verify", json={"credential": load_vector(VECTOR)}).get_json()
    assert vector["verified"] is True, vector
    tampered = load_vector(VECTOR)
    tampered["credentialSubject"]["alumniOf"] += "!"
    assert client.post("/api/v1/verify", json={"credential": tampered}).get_json()["verified"] is False


def test_api_verify_refuses_json_text_in_the_jwt_field(client):
    text = json.dumps(_generic_signed())
    _problem(client.post("/api/v1/verify", json={"jwt": text}), 400, "verify.invalid_jwt")
    _problem(client.post("/api/v1/verify", json={"credential": text}), 400, "verify.invalid_credential")


def test_vcapi_credentials_verify_accepts_generic_and_refuses_json_text(client):
    response = client.post("/credentials/verify", json={"verifiableCredential": _generic_signed()})
    assert response.status_code == 200, response.data
    assert response.get_json()["verified"] is True
    text = json.dumps(_generic_signed())
    _problem(client.post("/credentials/verify", json={"verifiableCredential": text}), 400, "verify.invalid_credential")


def _vp(*credentials, context="https://www.w3.org/ns/credentials/v2"):
    return {"@context": [context], "type": ["VerifiablePresentation"], "verifiableCredential": list(credentials)}


def test_vcapi_presentations_verify_generic_credentials(client):
    response = client.post("/presentations/verify", json={"verifiablePresentation": _vp(_generic_signed())})
    assert response.status_code == 200, response.data
    assert response.get_json()["verified"] is True
    # A JSON text inside a presentation is not a credential.
    text = json.dumps(_generic_signed())
    _problem(
        client.post("/presentations/verify", json={"verifiablePresentation": _vp(text)}),
        400,
        "verify.invalid_credential",
    )


@pytest.mark.parametrize("context", ["https://www.w3.org/ns/credentials/examples/v2", None])
def test_presentation_whose_first_context_is_not_vc_is_refused(client, context):
    vp = _vp(_generic_signed(), context=context)
    response = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert response.status_code == 422
    assert "presentation.context_order" in response.get_json()["errors"]


def test_verify_page_shows_a_generic_credential(client):
    response = client.post("/verify?lang=en", data={"credential": json.dumps(_generic_signed())})
    assert response.status_code == 200
    assert b"Verifiable Credentials data model" in response.data

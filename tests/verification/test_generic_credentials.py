"""verify() on any W3C Verifiable Credential: the new cryptosuites, proof sets and chains,
VC-JOSE-COSE vc+jwt (alone and enveloped), VC 1.1 and 2.0; Open Badges rules only for Open
Badges credentials."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import jwt
import pytest

from badger.keys import DidKeyResolver, StaticResolver
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.proofs.data_integrity import add_proof
from badger.verification import FAILED, PASSED, WARNING, is_open_badge, verify
from tests.conftest import load_vector

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ECDSA = "w3c-vc-di-ecdsa/TestVectors/"
EDDSA = "w3c-vc-di-eddsa/TestVectors/"

VECTORS = [
    ECDSA + "ecdsa-rdfc-2019-p256/signedECDSAP256.json",
    ECDSA + "ecdsa-rdfc-2019-p384/signedECDSAP384.json",
    ECDSA + "ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
    ECDSA + "ecdsa-jcs-2019-p384/signedJCSECDSAP384.json",
    EDDSA + "eddsa-jcs-2022/signedJCS.json",
    EDDSA + "eddsa-rdfc-2022/signedDataInt.json",
    EDDSA + "Ed25519Signature2020/signedEdSig.json",
    EDDSA + "proof-set-chain/signedProofSet2.json",
    EDDSA + "proof-set-chain/signedProofChain2.json",
]


def _v(path: str) -> dict:
    return load_vector(path)


@pytest.mark.parametrize("path", VECTORS, ids=[p.rsplit("/", 1)[-1] for p in VECTORS])
def test_w3c_vectors_verify_as_generic_credentials(path):
    result = verify(_v(path), resolver=DidKeyResolver(), now=NOW)
    assert result.verified, result.as_dict("en")
    assert result.check("schema").code == "schema.vc_ok"
    # The issuer (https://vc.example/issuers/5678) does not control the did:key that signed:
    # outside Open Badges that is reported, not fatal.
    assert result.check("issuer").status == WARNING
    assert result.check("issuer").code == "issuer.signer_not_issuer"


@pytest.mark.parametrize("path", VECTORS, ids=[p.rsplit("/", 1)[-1] for p in VECTORS])
def test_one_changed_character_fails(path):
    document = _v(path)
    document["credentialSubject"]["alumniOf"] = document["credentialSubject"]["alumniOf"] + "."
    result = verify(document, resolver=DidKeyResolver(), now=NOW)
    assert not result.verified
    assert result.check("proof").status == FAILED


def test_open_badges_rules_apply_to_open_badges_only():
    assert is_open_badge({"type": ["VerifiableCredential", "OpenBadgeCredential"]})
    assert is_open_badge({"type": ["VerifiableCredential", "EndorsementCredential"]})
    assert not is_open_badge(_v(VECTORS[0]))
    # An Open Badge signed by a key its issuer does not control still fails.
    pair = Ed25519KeyPair.generate()
    vm = f"did:key:{pair.public_key_multibase}#{pair.public_key_multibase}"
    badge = load_vector("ob3-spec-eddsa-rdfc-2022-vector/credential-unsigned.json")
    signed = add_proof(badge, keypair=pair, verification_method=vm, created="2024-01-01T00:00:00Z")
    result = verify(signed, resolver=DidKeyResolver(), now=NOW)
    assert result.check("issuer").status == FAILED
    assert result.check("issuer").code == "issuer.key_not_controlled"


def _generic(issuer: str, *, v1: bool = False) -> dict:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1" if v1 else "https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1b4ed8b4-5b59-4e0c-9b30-6d6cbf8a2f11",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:holder"},
    }
    doc["issuanceDate" if v1 else "validFrom"] = "2024-01-01T00:00:00Z"
    return doc


@pytest.mark.parametrize("v1", [False, True], ids=["vc-2.0", "vc-1.1"])
@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019"])
def test_generic_credentials_signed_by_their_issuer_pass_every_check(suite, v1):
    pair = Ed25519KeyPair.generate() if suite.startswith("eddsa") else EcdsaKeyPair.generate("P-384")
    did = f"did:key:{pair.public_key_multibase}"
    signed = add_proof(
        _generic(did, v1=v1),
        keypair=pair,
        verification_method=f"{did}#{pair.public_key_multibase}",
        created="2024-01-01T00:00:00Z",
        cryptosuite=suite,
    )
    result = verify(signed, resolver=DidKeyResolver(), now=NOW)
    assert result.verified, result.as_dict("en")
    assert result.check("issuer").status == PASSED


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda d: d.update(type=["AlumniCredential"]), "vc.type"),
        (lambda d: d.pop("issuer"), "vc.issuer"),
        (lambda d: d.pop("credentialSubject"), "vc.subject"),
        (lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}), "context.order"),
    ],
)
def test_vc_data_model_rules_apply_to_every_credential(mutate, code):
    document = _generic("did:example:issuer")
    mutate(document)
    result = verify(document, resolver=DidKeyResolver(), now=NOW)
    assert result.check("schema").status == FAILED
    assert code in result.codes


def test_sd_derived_open_badge_verifies():
    document = load_vector("1edtech-validator-ob30/sd/derivedcredential.json")
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    vm = proof["verificationMethod"]
    key = EcdsaKeyPair.from_multikey(vm.split("#", 1)[1])
    resolver = StaticResolver.from_methods([key.multikey_document(vm, vm.split("#", 1)[0])])
    result = verify(document, resolver=resolver, now=NOW)
    assert result.check("proof").status == PASSED, result.as_dict("en")
    assert result.check("issuer").status == PASSED


# --------------------------------------------------------------------------- VC-JOSE-COSE vc+jwt


def _vc_jwt(credential: dict, private_key, kid: str, alg: str) -> str:
    # Written with PyJWT directly (the VC-JOSE-COSE shape: the payload IS the credential).
    return jwt.encode(credential, private_key, algorithm=alg, headers={"kid": kid, "typ": "vc+jwt", "cty": "vc"})


def _p256_vc_jwt(credential=None):
    pair = EcdsaKeyPair.generate("P-256")
    did = f"did:key:{pair.public_key_multibase}"
    credential = credential or _generic(did)
    return _vc_jwt(credential, pair.private_key, f"{did}#{pair.public_key_multibase}", "ES256")


def test_vc_jwt_verifies_alone_and_enveloped():
    token = _p256_vc_jwt()
    alone = verify(token, resolver=DidKeyResolver(), now=NOW)
    assert alone.verified, alone.as_dict("en")
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["EnvelopedVerifiableCredential"],
        "id": "data:application/vc+jwt," + token,
    }
    result = verify(enveloped, resolver=DidKeyResolver(), now=NOW)
    assert result.verified, result.as_dict("en")
    assert result.check("format").code == "format.enveloped"


def test_vc_jwt_with_one_changed_character_fails():
    header, payload, signature = _p256_vc_jwt().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["credentialSubject"]["id"] = "did:example:holdes"
    forged = ".".join([header, jwt.utils.base64url_encode(json.dumps(claims).encode()).decode(), signature])
    assert not verify(forged, resolver=DidKeyResolver(), now=NOW).verified


def test_bad_envelope_is_refused():
    result = verify(
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,{}"},
        resolver=DidKeyResolver(),
        now=NOW,
    )
    assert result.check("format").code == "format.invalid_envelope"


def test_vectors_are_untouched_by_verification():
    document = _v(VECTORS[0])
    before = copy.deepcopy(document)
    verify(document, resolver=DidKeyResolver(), now=NOW)
    assert document == before

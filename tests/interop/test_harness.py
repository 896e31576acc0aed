"""Smoke tests of the interop harness itself, on published test vectors.

They prove that the independent verifiers run offline and that their
answers mean what the harness says: a valid vector verifies, a one-character
change is refused, a fresh signature round-trips, revocation and expiry are
failures. Every node process verifies a whole batch (one start per script).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from defusedxml import ElementTree
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from . import node

pytestmark = pytest.mark.interop

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def load(relative: str):
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def tampered(credential: dict) -> dict:
    """The credential with the last character of its name changed."""
    changed = copy.deepcopy(credential)
    name = changed["name"]
    changed["name"] = name[:-1] + ("x" if name[-1] != "x" else "y")
    return changed


# --- published vectors --------------------------------------------------------

# OB 3.0 Implementation Guide vector: https verification method + controller.
OB3_KEYS = load("ob3-spec-eddsa-rdfc-2022-vector/key-pair.json")
OB3_SIGNED = load("ob3-spec-eddsa-rdfc-2022-vector/credential-signed.json")
OB3_DOCUMENTS = {
    OB3_KEYS["controller"]: node.multikey_controller_document(
        OB3_KEYS["controller"], OB3_KEYS["id"], OB3_KEYS["publicKeyMultibase"]
    )
}

# W3C vc-di-eddsa vectors: did:key verification method, but the issuer is an
# https URL that is not the key's controller. That is fine for a cryptosuite
# vector, and it is exactly what the VC libraries' issuance purpose refuses
# ("issuer must match the verification method controller"): Digital Bazaar
# is run with checkIssuer=False for them; verifier-core has no such switch.
W3C_KEYS = load("w3c-vc-di-eddsa/TestVectors/keyPair.json")
W3C_SIGNED = load("w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json")
W3C_ED2020 = load("w3c-vc-di-eddsa/TestVectors/Ed25519Signature2020/signedEdSig.json")

# 1EdTech validator fixture: revoked (bit 23 set) in its signed status list.
REVOKED_1EDTECH = load("1edtech-validator-ob30/bit-string-list/credential-status-revoked.json")
REVOKED_1EDTECH_DOCUMENTS = {
    "https://1edtech.edu/issuers/565049": node.multikey_controller_document(
        "https://1edtech.edu/issuers/565049",
        "https://1edtech.edu/issuers/565049#" + OB3_KEYS["publicKeyMultibase"],
        OB3_KEYS["publicKeyMultibase"],
    ),
    REVOKED_1EDTECH["credentialStatus"]["statusListCredential"]: load(
        "1edtech-validator-ob30/bit-string-list/testlist"
    ),
}

# --- fresh credentials signed by Digital Bazaar ------------------------------

PUB = W3C_KEYS["publicKeyMultibase"]
DID_KEY = "did:key:" + PUB
DID_KEY_SIGNER = {
    "id": f"{DID_KEY}#{PUB}",
    "controller": DID_KEY,
    "publicKeyMultibase": PUB,
    "secretKeyMultibase": W3C_KEYS["privateKeyMultibase"],
}
DID_WEB = "did:web:issuer.example:badger"
DID_WEB_SIGNER = {**DID_KEY_SIGNER, "id": DID_WEB + "#key-1", "controller": DID_WEB}
DID_WEB_DOCUMENTS = {DID_WEB: node.multikey_controller_document(DID_WEB, DID_WEB + "#key-1", PUB)}

STATUS_LIST_URL = "https://issuer.example/status/1"
REVOKED_INDEX = 7
ACTIVE_INDEX = 3
CREATED = "2024-01-02T03:04:05Z"


def encoded_list(set_bits: set[int], size_bits: int = 131072) -> str:
    """Bitstring Status List encodedList: gzip, base64url, multibase 'u'."""
    bits = bytearray(size_bits // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def ob_credential(issuer: str, number: int, **extra) -> dict:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:7a9c3e4e-5a10-4c1e-9d3b-00000000{number:04d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Harness Test Issuer"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Harness smoke badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/smoke",
                "type": ["Achievement"],
                "name": "Smoke",
                "description": "Runs the interop harness.",
                "criteria": {"narrative": "Be verified by an independent verifier."},
            },
        },
    }
    credential.update(extra)
    return credential


def status_entry(index: int) -> dict:
    return {
        "id": f"{STATUS_LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": STATUS_LIST_URL,
    }


STATUS_LIST = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": STATUS_LIST_URL,
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": DID_KEY,
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {
        "id": STATUS_LIST_URL + "#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encoded_list({REVOKED_INDEX}),
    },
}

TO_SIGN = {
    "didkey": (ob_credential(DID_KEY, 1), DID_KEY_SIGNER, None),
    "didkey_2020": (ob_credential(DID_KEY, 2), DID_KEY_SIGNER, "Ed25519Signature2020"),
    "didweb": (ob_credential(DID_WEB, 3), DID_WEB_SIGNER, None),
    "status_list": (STATUS_LIST, DID_KEY_SIGNER, None),
    "active": (
        ob_credential(DID_KEY, 4, credentialStatus=status_entry(ACTIVE_INDEX)),
        DID_KEY_SIGNER,
        None,
    ),
    "revoked": (
        ob_credential(DID_KEY, 5, credentialStatus=status_entry(REVOKED_INDEX)),
        DID_KEY_SIGNER,
        None,
    ),
    "expired": (
        ob_credential(DID_KEY, 6, validFrom="2019-01-01T00:00:00Z", validUntil="2020-01-01T00:00:00Z"),
        DID_KEY_SIGNER,
        None,
    ),
}


@pytest.fixture(scope="module")
def signed() -> dict[str, dict]:
    items = []
    for credential, key, suite in TO_SIGN.values():
        item = {"credential": credential, "key": key, "created": CREATED}
        if suite:
            item["suite"] = suite
        items.append(item)
    return dict(zip(TO_SIGN, node.db_sign_many(items), strict=True))


def status_documents(signed: dict) -> dict:
    return {STATUS_LIST_URL: signed["status_list"]}


# --- Digital Bazaar -------------------------------------------------------------

# name -> (verified?, substring expected in the errors when refused)
DB_EXPECTED = {
    "ob3_vector": (True, None),
    "ob3_vector_tampered": (False, "Invalid signature"),
    "ob3_vector_no_controller_document": (False, "unknown URL"),
    "w3c_vector": (True, None),
    "w3c_vector_tampered": (False, "Invalid signature"),
    "w3c_vector_issuer_checked": (False, "issuer must match"),
    "w3c_ed25519signature2020_vector": (True, None),
    "w3c_ed25519signature2020_vector_tampered": (False, "Invalid signature"),
    "didkey": (True, None),
    "didkey_tampered": (False, "Invalid signature"),
    "didkey_2020": (True, None),
    "didkey_2020_tampered": (False, "Invalid signature"),
    "didweb": (True, None),
    "didweb_tampered": (False, "Invalid signature"),
    "active": (True, None),
    "revoked": (False, '"revocation" is set'),
    "expired": (False, "validUntil"),
    "1edtech_revoked": (False, '"revocation" is set'),
}


@pytest.fixture(scope="module")
def db_results(signed) -> dict[str, dict]:
    statuses = status_documents(signed)
    cases = {
        "ob3_vector": {"credential": OB3_SIGNED, "documents": OB3_DOCUMENTS},
        "ob3_vector_tampered": {"credential": tampered(OB3_SIGNED), "documents": OB3_DOCUMENTS},
        "ob3_vector_no_controller_document": {"credential": OB3_SIGNED},
        "w3c_vector": {"credential": W3C_SIGNED, "checkIssuer": False},
        "w3c_vector_tampered": {"credential": tampered(W3C_SIGNED), "checkIssuer": False},
        "w3c_vector_issuer_checked": {"credential": W3C_SIGNED},
        "w3c_ed25519signature2020_vector": {"credential": W3C_ED2020, "checkIssuer": False},
        "w3c_ed25519signature2020_vector_tampered": {
            "credential": tampered(W3C_ED2020),
            "checkIssuer": False,
        },
        "didkey": {"credential": signed["didkey"]},
        "didkey_tampered": {"credential": tampered(signed["didkey"])},
        "didkey_2020": {"credential": signed["didkey_2020"]},
        "didkey_2020_tampered": {"credential": tampered(signed["didkey_2020"])},
        "didweb": {"credential": signed["didweb"], "documents": DID_WEB_DOCUMENTS},
        "didweb_tampered": {
            "credential": tampered(signed["didweb"]),
            "documents": DID_WEB_DOCUMENTS,
        },
        "active": {"credential": signed["active"], "documents": statuses},
        "revoked": {"credential": signed["revoked"], "documents": statuses},
        "expired": {"credential": signed["expired"]},
        "1edtech_revoked": {
            "credential": REVOKED_1EDTECH,
            "documents": REVOKED_1EDTECH_DOCUMENTS,
        },
    }
    assert set(cases) == set(DB_EXPECTED)
    return dict(zip(cases, node.db_verify_many(cases.values()), strict=True))


@pytest.mark.parametrize("case", sorted(DB_EXPECTED))
def test_digital_bazaar(db_results, case):
    verified, error = DB_EXPECTED[case]
    result = db_results[case]
    assert result["verified"] is verified, result
    if verified:
        assert result["errors"] == []
    else:
        assert any(error in message for message in result["errors"]), result


def test_digital_bazaar_sign_shapes(signed):
    proof = signed["didkey"]["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["created"] == CREATED
    assert proof["verificationMethod"] == DID_KEY_SIGNER["id"]
    assert proof["proofValue"].startswith("z")
    legacy = signed["didkey_2020"]
    assert legacy["proof"]["type"] == "Ed25519Signature2020"
    # that suite adds its context to the credential it signs
    assert legacy["@context"][-1] == "https://w3id.org/security/suites/ed25519-2020/v1"
    # signing does not alter the credential beyond adding the proof
    unsigned = {k: v for k, v in signed["didkey"].items() if k != "proof"}
    assert unsigned == TO_SIGN["didkey"][0]


def test_db_sign_reproduces_the_ob3_vector():
    """Ed25519 is deterministic: same key, same proof options, same bytes."""
    unsigned = load("ob3-spec-eddsa-rdfc-2022-vector/credential-unsigned.json")
    key = {k: OB3_KEYS[k] for k in ("id", "controller", "publicKeyMultibase", "secretKeyMultibase")}
    result = node.db_sign(unsigned, key, created=OB3_SIGNED["proof"]["created"])
    assert result["proof"] == OB3_SIGNED["proof"]


# --- Digital Credentials Consortium verifier-core -----------------------------

# name -> (verified?, signatureValid?)
DCC_EXPECTED = {
    # The OB vector's key is an https URL with a fragment. verifier-core
    # fetches that URL like any other (the fragment never reaches a server),
    # gets the whole controller document and does not look inside it for the
    # key: it cannot verify this key form at all ("publicKeyMultibase is
    # required"), whatever the signature.
    "ob3_vector": (False, False),
    # ...and with the responder answering the key itself for the fragment URL
    # (something only this harness can do) the signature checks out.
    "ob3_vector_fragments": (True, True),
    "ob3_vector_fragments_tampered": (False, False),
    # Signed by a key the issuer does not control: refused (see W3C_SIGNED).
    "w3c_vector": (False, False),
    "didkey": (True, True),
    "didkey_tampered": (False, False),
    "didkey_2020": (True, True),
    "didkey_2020_tampered": (False, False),
    "didweb": (True, True),
    "didweb_tampered": (False, False),
    "active": (True, True),
    # Revocation and expiry: refused although the signature is valid.
    "revoked": (False, True),
    "expired": (False, True),
    "1edtech_revoked": (False, True),
}


@pytest.fixture(scope="module")
def dcc_results(signed) -> dict[str, dict]:
    statuses = status_documents(signed)
    fragments = {"dereferenceFragments": True}
    cases = {
        "ob3_vector": {"credential": OB3_SIGNED, "documents": OB3_DOCUMENTS},
        "ob3_vector_fragments": {
            "credential": OB3_SIGNED,
            "documents": OB3_DOCUMENTS,
            **fragments,
        },
        "ob3_vector_fragments_tampered": {
            "credential": tampered(OB3_SIGNED),
            "documents": OB3_DOCUMENTS,
            **fragments,
        },
        "w3c_vector": {"credential": W3C_SIGNED},
        "didkey": {"credential": signed["didkey"]},
        "didkey_tampered": {"credential": tampered(signed["didkey"])},
        "didkey_2020": {"credential": signed["didkey_2020"]},
        "didkey_2020_tampered": {"credential": tampered(signed["didkey_2020"])},
        "didweb": {"credential": signed["didweb"], "documents": DID_WEB_DOCUMENTS},
        "didweb_tampered": {
            "credential": tampered(signed["didweb"]),
            "documents": DID_WEB_DOCUMENTS,
        },
        "active": {"credential": signed["active"], "documents": statuses},
        "revoked": {"credential": signed["revoked"], "documents": statuses},
        "expired": {"credential": signed["expired"]},
        "1edtech_revoked": {
            "credential": REVOKED_1EDTECH,
            "documents": REVOKED_1EDTECH_DOCUMENTS,
            **fragments,
        },
    }
    assert set(cases) == set(DCC_EXPECTED)
    return dict(zip(cases, node.dcc_verify_many(cases.values()), strict=True))


@pytest.mark.parametrize("case", sorted(DCC_EXPECTED))
def test_dcc_verifier_core(dcc_results, case):
    verified, signature_valid = DCC_EXPECTED[case]
    result = dcc_results[case]
    assert result["verified"] is verified, result
    assert result["signatureValid"] is signature_valid, result
    # Offline, no issuer registry knows anyone: reported, never a failure.
    assert result["registeredIssuer"] is False
    if verified:
        assert result["errors"] == []
    else:
        assert result["errors"], result


def test_dcc_reasons(dcc_results):
    """The causes verifier-core hides, recovered by the harness diagnostics."""
    assert any("publicKeyMultibase" in m for m in dcc_results["ob3_vector"]["diagnostics"]), dcc_results["ob3_vector"]
    assert any("Invalid signature" in m for m in dcc_results["ob3_vector_fragments_tampered"]["diagnostics"])
    assert any("issuer must match" in m for m in dcc_results["w3c_vector"]["diagnostics"])
    assert any("revocation_status" in m for m in dcc_results["revoked"]["errors"])
    assert any("expiration" in m for m in dcc_results["expired"]["errors"])
    # OB credentials are schema-checked against the bundled 1EdTech schema
    # (fetched once per process: the compiled schema is cached).
    assert dcc_results["didkey"]["schemaValid"] is True
    fetched = {url for result in dcc_results.values() for url in result["fetched"]}
    assert "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json" in fetched
    # did:web is resolved through an https fetch of the DID document.
    assert "https://issuer.example/badger/did.json" in dcc_results["didweb"]["fetched"]


def test_dcc_uses_the_same_contexts_as_badger():
    """verifier-core answers most context URLs from npm-shipped copies:
    they must equal the project's bundle (the others come from the bundle)."""
    contexts = node.dcc_contexts()
    assert contexts, "no bundled contexts"
    different = {url for url, info in contexts.items() if not info["equal"]}
    assert not different


# --- panva/jose (VC-JWT) ------------------------------------------------------


def svg_jws() -> str:
    """The compact JWS baked into the 1EdTech validator's simple-jwt.svg
    (RS256, public key in the `jwk` header). Note: simple.jwt in the same
    folder has no `jwk` header and its key is not published."""
    tree = ElementTree.parse(VECTORS / "1edtech-validator-ob30" / "simple-jwt.svg")
    element = tree.getroot().find(".//{https://purl.imsglobal.org/ob/v3p0}credential")
    return element.get("verify")


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def tamper_jws(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    claims["name"] = claims["name"][:-1] + "x"
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, encoded, signature])


PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "key_ops"}


def public(jwk: dict) -> dict:
    """Public half of a private JWK (PyJWT marks private ones key_ops=[sign])."""
    return {k: v for k, v in jwk.items() if k not in PRIVATE_MEMBERS}


@pytest.fixture(scope="module")
def jose_keys() -> dict[str, tuple[dict, object]]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    return {
        "RS256": (RSAAlgorithm.to_jwk(rsa_key, as_dict=True), rsa_key.public_key()),
        "ES256": (ECAlgorithm.to_jwk(ec_key, as_dict=True), ec_key.public_key()),
        "EdDSA": (OKPAlgorithm.to_jwk(ed_key, as_dict=True), ed_key.public_key()),
    }


def test_jose_vector_and_round_trips(jose_keys):
    vector = svg_jws()
    vector_jwk = b64url_json(vector.split(".")[0])["jwk"]
    claims = {"iss": DID_KEY, "jti": "urn:uuid:1", "name": "Harness smoke badge"}
    algs = list(jose_keys)
    tokens = node.jose_sign_many(
        {"payload": claims, "header": {"alg": alg, "typ": "JWT"}, "jwk": jose_keys[alg][0]} for alg in algs
    )
    items = [
        {"jwt": vector},  # key from the header
        {"jwt": vector, "jwk": vector_jwk},
        {"jwt": tamper_jws(vector), "jwk": vector_jwk},
    ]
    for alg, token in zip(algs, tokens, strict=True):
        items.append({"jwt": token, "jwk": public(jose_keys[alg][0])})
        items.append({"jwt": tamper_jws(token), "jwk": public(jose_keys[alg][0])})
    results = node.jose_verify_many(items)

    assert results[0]["verified"] and results[1]["verified"], results[:2]
    assert results[0]["header"]["alg"] == "RS256"
    assert "OpenBadgeCredential" in results[0]["payload"]["type"]
    assert not results[2]["verified"]
    assert "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" in results[2]["errors"][0]
    # unusable keys are a refusal, not a harness crash: key_ops forbidding
    # verification, and a private key where the public one is expected
    rsa_jwk = jose_keys["RS256"][0]
    sign_only = {**public(rsa_jwk), "key_ops": ["sign"]}
    unusable = node.jose_verify_many([{"jwt": tokens[0], "jwk": sign_only}, {"jwt": tokens[0], "jwk": rsa_jwk}])
    assert not unusable[0]["verified"] and "key import" in unusable[0]["errors"][0]
    assert not unusable[1]["verified"] and unusable[1]["errors"]
    for i, (alg, token) in enumerate(zip(algs, tokens, strict=True)):
        good, bad = results[3 + 2 * i], results[4 + 2 * i]
        assert good["verified"], (alg, good)
        assert good["header"] == {"alg": alg, "typ": "JWT"}
        assert good["payload"] == claims
        assert not bad["verified"], (alg, bad)
        # and jose's signatures are accepted by an unrelated library (PyJWT)
        assert pyjwt.decode(token, jose_keys[alg][1], algorithms=[alg]) == claims

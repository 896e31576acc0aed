"""The W3C vc-di-ecdsa vectors (ecdsa-rdfc-2019, ecdsa-jcs-2019 on P-256 and P-384,
ecdsa-sd-2023 derived proofs) and the vc-di-eddsa eddsa-jcs-2022 and proof set / chain vectors:
canonical forms and hashes reproduced byte for byte, signatures verified, one changed
character refused."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from badger.keys import DidKeyResolver, StaticResolver
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.proofs import ecdsa_sd_2023, jcs
from badger.proofs.cryptosuites import SUITES
from badger.proofs.data_integrity import add_proof, verify_proofs
from tests.conftest import VECTORS, load_vector

ECDSA = "w3c-vc-di-ecdsa/TestVectors/"
EDDSA = "w3c-vc-di-eddsa/TestVectors/"


def _text(relative: str) -> str:
    return (VECTORS / relative).read_text("utf-8").strip()


# (directory, file suffix, suite, key pair file, unsigned document)
CASES = [
    (
        ECDSA + "ecdsa-rdfc-2019-p256/",
        "ECDSAP256",
        "ecdsa-rdfc-2019",
        ECDSA + "p256KeyPair.json",
        ECDSA + "unsigned.json",
    ),
    (
        ECDSA + "ecdsa-rdfc-2019-p384/",
        "ECDSAP384",
        "ecdsa-rdfc-2019",
        ECDSA + "p384KeyPair.json",
        ECDSA + "unsigned.json",
    ),
    (
        ECDSA + "ecdsa-jcs-2019-p256/",
        "JCSECDSAP256",
        "ecdsa-jcs-2019",
        ECDSA + "p256KeyPair.json",
        ECDSA + "unsigned.json",
    ),
    (
        ECDSA + "ecdsa-jcs-2019-p384/",
        "JCSECDSAP384",
        "ecdsa-jcs-2019",
        ECDSA + "p384KeyPair.json",
        ECDSA + "unsigned.json",
    ),
    (EDDSA + "eddsa-jcs-2022/", "JCS", "eddsa-jcs-2022", EDDSA + "keyPair.json", EDDSA + "unsigned.json"),
]
IDS = ["ecdsa-rdfc-2019-p256", "ecdsa-rdfc-2019-p384", "ecdsa-jcs-2019-p256", "ecdsa-jcs-2019-p384", "eddsa-jcs-2022"]


def _keypair(path: str):
    kp = load_vector(path)
    secret = kp.get("secretKeyMultibase") or kp.get("privateKeyMultibase")
    if kp["publicKeyMultibase"].startswith("z6Mk"):
        return Ed25519KeyPair.from_multikey(kp["publicKeyMultibase"], secret)
    return EcdsaKeyPair.from_multikey(kp["publicKeyMultibase"], secret)


def _signed_name(directory: str, suffix: str) -> str:
    return next(p.name for p in (VECTORS / directory).glob("signed*.json"))


@pytest.mark.parametrize(("directory", "suffix", "name", "keys", "unsigned"), CASES, ids=IDS)
def test_canonical_forms_hashes_and_signature(directory, suffix, name, keys, unsigned):
    suite = SUITES[name]
    pair = _keypair(keys)
    document = load_vector(unsigned)
    config = load_vector(f"{directory}proofConfig{suffix}.json")
    canon_doc = suite.transform(document)
    canon_config = suite.configure(config, document["@context"])
    # Byte for byte: the canonical forms and every hash the specification publishes.
    assert canon_doc.decode("utf-8").strip() == _text(f"{directory}canonDoc{suffix}.txt")
    assert canon_config.decode("utf-8").strip() == _text(f"{directory}proofCanon{suffix}.txt")
    assert suite.digest(canon_doc, pair).hex() == _text(f"{directory}docHash{suffix}.txt")
    assert suite.digest(canon_config, pair).hex() == _text(f"{directory}proofHash{suffix}.txt")
    data = suite.hash_data(canon_doc, canon_config, pair)
    assert data.hex() == _text(f"{directory}combinedHash{suffix}.txt")
    # The published signature verifies over those bytes (ECDSA nonces are random, so a fresh
    # signature differs from it; Ed25519 is deterministic and is reproduced exactly).
    signature = bytes.fromhex(_text(f"{directory}sigHex{suffix}.txt"))
    assert pair.verify(signature, data)
    assert ("z" + __import__("base58").b58encode(signature).decode()) == _text(f"{directory}sigBTC58{suffix}.txt")
    if isinstance(pair, Ed25519KeyPair):
        assert pair.sign(data) == signature


@pytest.mark.parametrize(("directory", "suffix", "name", "keys", "unsigned"), CASES, ids=IDS)
def test_signed_vector_verifies_and_one_changed_character_fails(directory, suffix, name, keys, unsigned):
    signed = load_vector(directory + _signed_name(directory, suffix))
    [check] = verify_proofs(signed, resolver=DidKeyResolver())
    assert check.verified, check.problems
    assert check.cryptosuite == name
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = tampered["credentialSubject"]["alumniOf"].replace("S", "s", 1)
    [bad] = verify_proofs(tampered, resolver=DidKeyResolver())
    assert not bad.verified and bad.problems[0].code == "proof.signature_mismatch"


@pytest.mark.parametrize(("directory", "suffix", "name", "keys", "unsigned"), CASES, ids=IDS)
def test_badger_signs_with_the_suite_and_verifies_it(directory, suffix, name, keys, unsigned):
    pair = _keypair(keys)
    vm = f"did:key:{pair.public_key_multibase}#{pair.public_key_multibase}"
    signed = add_proof(
        load_vector(unsigned), keypair=pair, verification_method=vm, created="2024-01-01T00:00:00Z", cryptosuite=name
    )
    [check] = verify_proofs(signed, resolver=DidKeyResolver())
    assert check.verified, check.problems


def test_jcs_module_matches_the_vector_bytes():
    document = load_vector(ECDSA + "unsigned.json")
    assert jcs.canonicalize(document).decode() == _text(ECDSA + "ecdsa-jcs-2019-p256/canonDocJCSECDSAP256.txt")
    assert jcs.canonicalize({"b": 1, "a": [1.0, "é"]}) == b'{"a":[1,"\xc3\xa9"],"b":1}'


# ------------------------------------------------------------------------------ proof sets, chains

CHAIN = EDDSA + "proof-set-chain/"


@pytest.mark.parametrize(
    "name", ["signedProofSet1.json", "signedProofSet2.json", "signedProofChain1.json", "signedProofChain2.json"]
)
def test_proof_set_and_chain_vectors_verify(name):
    checks = verify_proofs(load_vector(CHAIN + name), resolver=DidKeyResolver())
    assert checks and all(c.verified for c in checks), [c.problems for c in checks]


def test_proof_chain_with_a_broken_link_fails_along_the_chain():
    signed = load_vector(CHAIN + "signedProofChain2.json")
    # Break the first proof: it fails; the third signs over it, so its signature no longer
    # matches; the fourth signs over the (unchanged) third only: its own signature holds, but
    # it stands on a proof that fails, so it fails too.
    signed["proof"][0]["proofValue"] = signed["proof"][0]["proofValue"][:-2] + "zz"
    checks = verify_proofs(signed, resolver=DidKeyResolver())
    assert [c.verified for c in checks] == [False, True, False, False]
    assert checks[2].problems[0].code == "proof.signature_mismatch"
    assert checks[3].problems[0].code == "proof.previous_invalid"


def test_proof_chain_reference_must_resolve_within_the_set():
    signed = load_vector(CHAIN + "signedProofChain1.json")
    gone = signed["proof"][-1]["previousProof"][0]
    signed["proof"] = [p for p in signed["proof"] if p.get("id") != gone]
    checks = verify_proofs(signed, resolver=DidKeyResolver())
    assert checks[-1].problems[0].code == "proof.previous_missing"


def test_proof_chain_built_by_badger_matches_the_vector_signature():
    keys = load_vector(CHAIN + "multiKeyPairs.json")
    pairs = [
        Ed25519KeyPair.from_multikey(keys[k]["publicKeyMultibase"], keys[k]["privateKeyMultibase"])
        for k in ("keyPair1", "keyPair2", "keyPair3", "keyPair4")
    ]
    expected = load_vector(CHAIN + "signedProofChain2.json")
    document = load_vector(CHAIN + "unsigned.json")
    for pair, proof in zip(pairs, expected["proof"], strict=True):
        document = add_proof(
            document,
            keypair=pair,
            verification_method=proof["verificationMethod"],
            created=proof["created"],
            proof_id=proof.get("id"),
            previous_proof=proof.get("previousProof"),
        )
    # Ed25519 is deterministic: the same document, keys and options give the same proofs.
    assert [p["proofValue"] for p in document["proof"]] == [p["proofValue"] for p in expected["proof"]]


# ------------------------------------------------------------------------------------ ecdsa-sd-2023

SD = ECDSA + "ecdsa-sd-2023/"


@pytest.mark.parametrize("case", ["employ", "prc"])
def test_sd_derived_proof_value_parses_as_published(case):
    document = load_vector(f"{SD}{case}/derivedRevealDocument.json")
    expected = load_vector(f"{SD}{case}/verifyDerivedProofValue.json")
    parsed = ecdsa_sd_2023.parse_derived_proof_value(document["proof"]["proofValue"])
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert "z" + __import__("base58").b58encode(parsed.public_key).decode() == expected["publicKey"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert sorted(parsed.label_map.items()) == sorted(map(tuple, expected["labelMap"]))
    assert list(parsed.mandatory_indexes) == expected["mandatoryIndexes"]


@pytest.mark.parametrize("case", ["employ", "prc"])
def test_sd_verify_data_from_the_published_nquads(case):
    document = load_vector(f"{SD}{case}/derivedRevealDocument.json")
    nquads = load_vector(f"{SD}{case}/verifyNQuads.json")
    published = load_vector(f"{SD}{case}/verifyCreateVerifyData.json")
    parsed = ecdsa_sd_2023.parse_derived_proof_value(document["proof"]["proofValue"])
    indexes = set(parsed.mandatory_indexes)
    mandatory = "".join(q for i, q in enumerate(nquads) if i in indexes)
    non_mandatory = tuple(q for i, q in enumerate(nquads) if i not in indexes)
    assert list(non_mandatory) == published["nonMandatory"]
    assert hashlib.sha256(mandatory.encode()).hexdigest() == published["mandatoryHash"]
    data = ecdsa_sd_2023.VerifyData(
        proof_hash=bytes.fromhex(published["proofHash"]),
        public_key=parsed.public_key,
        base_signature=parsed.base_signature,
        signatures=parsed.signatures,
        non_mandatory=non_mandatory,
        mandatory_hash=hashlib.sha256(mandatory.encode()).digest(),
    )
    issuer = EcdsaKeyPair.from_multikey(document["proof"]["verificationMethod"].split("#", 1)[1])
    assert ecdsa_sd_2023.verify_data(data, issuer)
    changed = (
        data.non_mandatory[0].replace('"', "'", 1) if '"' in data.non_mandatory[0] else data.non_mandatory[0] + " "
    )
    tampered = ecdsa_sd_2023.VerifyData(**{**data.__dict__, "non_mandatory": (changed, *data.non_mandatory[1:])})
    assert not ecdsa_sd_2023.verify_data(tampered, issuer)


def _sd_credential():
    document = load_vector("1edtech-validator-ob30/sd/derivedcredential.json")
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    vm = proof["verificationMethod"]
    key = EcdsaKeyPair.from_multikey(vm.split("#", 1)[1])
    resolver = StaticResolver.from_methods([key.multikey_document(vm, vm.split("#", 1)[0])])
    return document, resolver


def test_sd_derived_open_badge_verifies_end_to_end():
    document, resolver = _sd_credential()
    [check] = verify_proofs(document, resolver=resolver)
    assert check.verified, check.problems
    assert check.cryptosuite == "ecdsa-sd-2023"
    tampered = json.loads(json.dumps(document).replace("Example Corp", "Example Cor", 1))
    [bad] = verify_proofs(tampered, resolver=resolver)
    assert not bad.verified


def test_sd_base_proof_is_refused_for_verification():
    document, resolver = _sd_credential()
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    raw = __import__("base64").urlsafe_b64decode(proof["proofValue"][1:] + "==")
    base = "u" + __import__("base64").urlsafe_b64encode(b"\xd9\x5d\x00" + raw[3:]).rstrip(b"=").decode()
    document = {**document, "proof": {**proof, "proofValue": base}}
    [check] = verify_proofs(document, resolver=resolver)
    assert check.problems[0].code == "proof.sd_base_proof"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda p: p.update({"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}), "proof.context_mismatch"),
        (lambda p: p.update(proofValue="z" + "0" * 20), "proof.malformed"),  # "0" is not base58
        (lambda p: p.update(proofValue=p["proofValue"][:-4]), "proof.signature_mismatch"),
        (
            lambda p: p.update(verificationMethod="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
            "proof.key_unresolved",
        ),
    ],
)
def test_jcs_proof_problems_are_reported_not_raised(mutate, code):
    signed = load_vector(ECDSA + "ecdsa-jcs-2019-p256/signedJCSECDSAP256.json")
    mutate(signed["proof"])
    [check] = verify_proofs(signed, resolver=DidKeyResolver())
    assert not check.verified and check.problems[0].code == code

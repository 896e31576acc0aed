"""Byte-for-byte reproduction of the published eddsa-rdfc-2022 vectors (acceptance tests)."""

from __future__ import annotations

import hashlib

import pytest

from badger.keys import ChainResolver, DidKeyResolver, Ed25519KeyPair, StaticResolver
from badger.proofs import eddsa_rdfc_2022 as suite
from badger.proofs.data_integrity import add_proof, verify_proofs
from tests.conftest import VECTORS, load_vector

OB = "ob3-spec-eddsa-rdfc-2022-vector/"
W3C = "w3c-vc-di-eddsa/TestVectors/"


def _text(relative: str) -> str:
    return (VECTORS / relative).read_text("utf-8")


def _ob_keypair():
    kp = load_vector(OB + "key-pair.json")
    return kp, Ed25519KeyPair.from_multikey(kp["publicKeyMultibase"], kp["secretKeyMultibase"])


def test_ob_vector_canonical_forms_hashes_and_proof_value():
    kp, pair = _ob_keypair()
    assert pair.public_bytes.hex() == kp["publicKeyHex"]
    unsigned = load_vector(OB + "credential-unsigned.json")
    options = load_vector(OB + "proof-options.json")
    hashes = load_vector(OB + "hashes.json")

    canon_doc = suite.transform(unsigned)
    canon_proof = suite.configure(options, unsigned["@context"])
    assert canon_doc == _text(OB + "document-canon.txt")
    assert canon_proof == _text(OB + "proof-canon.txt")
    assert hashlib.sha256(canon_doc.encode()).hexdigest() == hashes["documentHashHex"]
    assert hashlib.sha256(canon_proof.encode()).hexdigest() == hashes["proofHashHex"]
    data = suite.hash_data(canon_doc, canon_proof)
    assert data.hex() == hashes["dataToSignHex"]
    assert pair.sign(data).hex() == hashes["signatureHex"]

    signed = add_proof(
        unsigned, keypair=pair, verification_method=options["verificationMethod"], created=options["created"]
    )
    assert signed["proof"]["proofValue"] == hashes["proofValue"]
    assert signed == load_vector(OB + "credential-signed.json")


def test_w3c_vector_reproduced_byte_for_byte():
    keys = load_vector(W3C + "keyPair.json")
    pair = Ed25519KeyPair.from_multikey(keys["publicKeyMultibase"], keys["privateKeyMultibase"])
    unsigned = load_vector(W3C + "unsigned.json")
    config = load_vector(W3C + "eddsa-rdfc-2022/proofConfigDataInt.json")

    canon_doc = suite.transform(unsigned)
    assert canon_doc == _text(W3C + "eddsa-rdfc-2022/canonDocDataInt.txt")
    canon_proof = suite.configure({k: v for k, v in config.items() if k != "@context"}, unsigned["@context"])
    assert canon_proof == _text(W3C + "eddsa-rdfc-2022/proofCanonDataInt.txt")
    assert hashlib.sha256(canon_doc.encode()).hexdigest() == _text(W3C + "eddsa-rdfc-2022/docHashDataInt.txt").strip()
    assert (
        hashlib.sha256(canon_proof.encode()).hexdigest() == _text(W3C + "eddsa-rdfc-2022/proofHashDataInt.txt").strip()
    )
    data = suite.hash_data(canon_doc, canon_proof)
    assert data.hex() == _text(W3C + "eddsa-rdfc-2022/combinedHashDataInt.txt").strip()
    assert pair.sign(data).hex() == _text(W3C + "eddsa-rdfc-2022/sigHexDataInt.txt").strip()

    signed = add_proof(
        unsigned, keypair=pair, verification_method=config["verificationMethod"], created=config["created"]
    )
    assert signed == load_vector(W3C + "eddsa-rdfc-2022/signedDataInt.json")
    [check] = verify_proofs(signed, resolver=ChainResolver(DidKeyResolver()))
    assert check.verified and check.controller == "did:key:" + keys["publicKeyMultibase"]


def test_w3c_legacy_ed25519_signature_2020_vector_verifies():
    signed = load_vector(W3C + "Ed25519Signature2020/signedEdSig.json")
    [check] = verify_proofs(signed, resolver=ChainResolver(DidKeyResolver()))
    assert check.proof_type == "Ed25519Signature2020"
    assert check.verified, check.problems
    canon = suite.transform({k: v for k, v in signed.items() if k != "proof"})
    assert canon == _text(W3C + "Ed25519Signature2020/canonDocEdSig.txt")


def test_proof_verifies_and_any_change_breaks_it():
    kp, pair = _ob_keypair()
    signed = load_vector(OB + "credential-signed.json")
    resolver = StaticResolver.from_methods([pair.multikey_document(kp["id"], kp["controller"])])
    assert verify_proofs(signed, resolver=resolver)[0].verified
    tampered = {**signed, "name": signed["name"] + "!"}
    [check] = verify_proofs(tampered, resolver=resolver)
    assert not check.verified and check.problems[0].code == "proof.signature_mismatch"


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda p: p.pop("proofValue"), "proof.malformed"),
        (lambda p: p.update(proofValue="znotbase58!!"), "proof.malformed"),
        (lambda p: p.update(proofPurpose="authentication"), "proof.purpose_mismatch"),
        (lambda p: p.update(cryptosuite="bbs-2023"), "proof.unsupported_cryptosuite"),
        (lambda p: p.update(cryptosuite="ecdsa-rdfc-2019"), "proof.key_unresolved"),  # an Ed25519 key
        (lambda p: p.update(verificationMethod="https://unknown.example/key#1"), "proof.key_unresolved"),
        (lambda p: p.update(created="yesterday"), "proof.malformed"),
    ],
)
def test_malformed_proofs_are_reported_not_raised(mutate, code):
    kp, pair = _ob_keypair()
    signed = load_vector(OB + "credential-signed.json")
    mutate(signed["proof"])
    resolver = StaticResolver.from_methods([pair.multikey_document(kp["id"], kp["controller"])])
    [check] = verify_proofs(signed, resolver=resolver)
    assert not check.verified and check.problems[0].code == code

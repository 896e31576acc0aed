"""badger.keys: Multikey, did:key / did:web, JWT keys, resolvers and the bounded HTTP fetcher.

Spec vectors: the OB 3.0 implementation guide key (tests/vectors/ob3-spec-eddsa-rdfc-2022-vector)
and the W3C vc-di-eddsa key (tests/vectors/w3c-vc-di-eddsa). The HTTP fetcher is exercised
against a real http.server on 127.0.0.1 (an ephemeral port), which the network guard allows.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from badger.credentials.vocab import DID_V1_CONTEXT, JWK_V1_CONTEXT, MULTIKEY_V1_CONTEXT
from badger.errors import KeyMaterialError, ResolutionError
from badger.keys import (
    ChainResolver,
    DidKeyResolver,
    EcdsaKeyPair,
    Ed25519KeyPair,
    FetchingResolver,
    StaticResolver,
    VerificationMethod,
    algorithm_for,
    decode_multikey,
    did_document,
    did_key,
    did_key_document,
    did_web,
    did_web_document_url,
    encode_multikey,
    find_verification_method,
    generate_jwt_key,
    jwk_thumbprint,
    jwks,
    key_from_jwk,
    load_private_pem,
    methods_of,
    multibase_decode,
    multibase_encode,
    private_pem,
    public_jwk,
)
from badger.keys.fetch import HttpFetcher
from badger.keys.multibase import ED25519_PRIV, ED25519_PUB, P256_PUB
from tests.conftest import load_vector

OB_KEY = load_vector("ob3-spec-eddsa-rdfc-2022-vector/key-pair.json")
W3C_KEY = load_vector("w3c-vc-di-eddsa/TestVectors/keyPair.json")
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


def _raises(exc_type, code, fn, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value}"
    return info.value


# ----------------------------------------------------------------------------------- Multikey


class TestMultikey:
    def test_ob_vector_public_key_hex_and_multibase_agree(self):
        raw = bytes.fromhex(OB_KEY["publicKeyHex"])
        assert encode_multikey(ED25519_PUB, raw) == OB_KEY["publicKeyMultibase"]
        assert decode_multikey(OB_KEY["publicKeyMultibase"]) == ("ed25519-pub", raw)

    def test_ob_vector_secret_key_is_the_64_byte_seed_and_public_form(self):
        name, raw = decode_multikey(OB_KEY["secretKeyMultibase"])
        assert name == "ed25519-priv"
        assert raw == bytes.fromhex(OB_KEY["privateKeyHex"])
        assert len(raw) == 64 and raw[32:] == bytes.fromhex(OB_KEY["publicKeyHex"])

    def test_ob_vector_key_pair_loads_from_multikeys_and_from_bytes(self):
        pair = Ed25519KeyPair.from_multikey(OB_KEY["publicKeyMultibase"], OB_KEY["secretKeyMultibase"])
        assert pair.public_bytes.hex() == OB_KEY["publicKeyHex"]
        assert pair.public_key_multibase == OB_KEY["publicKeyMultibase"]
        # Badger writes the 32-byte seed form; the seed is the first half of the 64-byte form.
        assert decode_multikey(pair.secret_key_multibase) == (
            "ed25519-priv",
            bytes.fromhex(OB_KEY["privateKeyHex"])[:32],
        )
        from_64 = Ed25519KeyPair.from_private_bytes(bytes.fromhex(OB_KEY["privateKeyHex"]))
        from_32 = Ed25519KeyPair.from_private_bytes(bytes.fromhex(OB_KEY["privateKeyHex"])[:32])
        assert from_64.public_bytes == from_32.public_bytes == pair.public_bytes

    def test_ob_vector_signature_from_the_implementation_guide(self):
        hashes = load_vector("ob3-spec-eddsa-rdfc-2022-vector/hashes.json")
        pair = Ed25519KeyPair.from_multikey(OB_KEY["publicKeyMultibase"], OB_KEY["secretKeyMultibase"])
        signature = pair.sign(bytes.fromhex(hashes["dataToSignHex"]))  # Ed25519 is deterministic
        assert signature.hex() == hashes["signatureHex"]
        assert multibase_encode(signature) == hashes["proofValue"]

    def test_w3c_vector_round_trips_both_multikeys(self):
        pair = Ed25519KeyPair.from_multikey(W3C_KEY["publicKeyMultibase"], W3C_KEY["privateKeyMultibase"])
        assert pair.public_key_multibase == W3C_KEY["publicKeyMultibase"]
        assert pair.secret_key_multibase == W3C_KEY["privateKeyMultibase"]
        assert decode_multikey(W3C_KEY["privateKeyMultibase"])[0] == "ed25519-priv"
        assert len(decode_multikey(W3C_KEY["privateKeyMultibase"])[1]) == 32

    def test_sign_and_verify(self):
        pair = Ed25519KeyPair.from_multikey(W3C_KEY["publicKeyMultibase"], W3C_KEY["privateKeyMultibase"])
        signature = pair.sign(b"badge")
        public_only = Ed25519KeyPair.from_multikey(W3C_KEY["publicKeyMultibase"])
        assert public_only.verify(signature, b"badge")
        assert not public_only.verify(signature, b"badgf")
        assert not public_only.verify(bytes(64), b"badge")

    def test_generated_pair_round_trips_through_multikeys(self):
        pair = Ed25519KeyPair.generate()
        again = Ed25519KeyPair.from_multikey(pair.public_key_multibase, pair.secret_key_multibase)
        assert again.public_bytes == pair.public_bytes
        assert again.private_bytes == pair.private_bytes
        assert pair.public_key_multibase.startswith("z6Mk")

    def test_multibase_round_trip_keeps_leading_zero_bytes(self):
        for data in (b"\x00", b"\x00\x00\x01", bytes(range(256))):  # empty "z" is refused on purpose
            assert multibase_decode(multibase_encode(data)) == data

    @pytest.mark.parametrize(
        "value",
        [
            "",
            "z",
            None,
            42,
            b"z6Mk",
            "u7QE",  # base64url multibase: valid multibase, but not the base58-btc Multikey uses
            "f" + "ed01" + "00" * 32,  # base16 multibase
            "z0OIl",  # characters outside the base58-btc alphabet
            " z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        ],
    )
    def test_bad_multibase_raises(self, value):
        _raises(KeyMaterialError, "key.bad_multibase", multibase_decode, value)
        _raises(KeyMaterialError, "key.bad_multibase", decode_multikey, value)

    @pytest.mark.parametrize(
        "header, size",
        [
            (ED25519_PUB, 31),
            (ED25519_PUB, 33),
            (ED25519_PUB, 0),
            (ED25519_PRIV, 31),
            (ED25519_PRIV, 48),
            (ED25519_PRIV, 65),
            (P256_PUB, 32),
            (P256_PUB, 65),
        ],
    )
    def test_wrong_key_lengths_raise(self, header, size):
        _raises(KeyMaterialError, "key.bad_length", decode_multikey, encode_multikey(header, b"\x01" * size))

    @pytest.mark.parametrize(
        "data",
        [
            b"\xe7\x01" + b"\x02" * 33,  # secp256k1-pub
            b"\xec\x01" + b"\x01" * 32,  # x25519-pub
            b"\x82\x24" + b"\x02" * 67,  # p521-pub
            b"\x00",
            b"\xed",  # a truncated ed25519-pub header
            b"\x01\xed" + b"\x01" * 32,
        ],
    )
    def test_unknown_codecs_raise(self, data):
        _raises(KeyMaterialError, "key.unsupported_type", decode_multikey, multibase_encode(data))

    def test_key_pair_refuses_keys_of_the_wrong_kind_or_size(self):
        pub = OB_KEY["publicKeyMultibase"]
        p256 = encode_multikey(P256_PUB, _p256_compressed(ec.generate_private_key(ec.SECP256R1()).public_key()))
        _raises(KeyMaterialError, "key.unsupported_type", Ed25519KeyPair.from_multikey, p256)
        _raises(KeyMaterialError, "key.unsupported_type", Ed25519KeyPair.from_multikey, W3C_KEY["privateKeyMultibase"])
        _raises(KeyMaterialError, "key.unsupported_type", Ed25519KeyPair.from_multikey, pub, pub)
        _raises(KeyMaterialError, "key.mismatch", Ed25519KeyPair.from_multikey, pub, W3C_KEY["privateKeyMultibase"])
        _raises(KeyMaterialError, "key.bad_length", Ed25519KeyPair.from_private_bytes, b"\x01" * 31)
        _raises(KeyMaterialError, "key.bad_length", Ed25519KeyPair.from_private_bytes, b"\x01" * 48)
        _raises(KeyMaterialError, "key.bad_length", Ed25519KeyPair.from_public_bytes, b"\x01" * 33)

    def test_public_only_pair_cannot_sign(self):
        pair = Ed25519KeyPair.from_multikey(OB_KEY["publicKeyMultibase"])
        _raises(KeyMaterialError, "key.no_private_key", pair.sign, b"x")
        _raises(KeyMaterialError, "key.no_private_key", lambda: pair.private_bytes)
        _raises(KeyMaterialError, "key.no_private_key", lambda: pair.secret_key_multibase)

    def test_multikey_document(self):
        pair = Ed25519KeyPair.from_multikey(OB_KEY["publicKeyMultibase"])
        assert pair.multikey_document(OB_KEY["id"], OB_KEY["controller"]) == {
            "id": OB_KEY["id"],
            "type": "Multikey",
            "controller": OB_KEY["controller"],
            "publicKeyMultibase": OB_KEY["publicKeyMultibase"],
        }


def _p256_compressed(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


# ------------------------------------------------------------------------------------ did:key


class TestDidKey:
    def test_did_key_of_the_w3c_vector_key(self):
        pair = Ed25519KeyPair.from_multikey(W3C_KEY["publicKeyMultibase"])
        assert did_key(pair) == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"

    def test_round_trip_through_the_did_document(self):
        pair = Ed25519KeyPair.generate()
        did = did_key(pair)
        vm = f"{did}#{pair.public_key_multibase}"
        doc = did_key_document(did)
        assert doc["id"] == did
        assert doc["assertionMethod"] == [vm]
        assert doc["authentication"] == [vm]
        [method] = doc["verificationMethod"]
        assert method == {
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": pair.public_key_multibase,
        }
        assert Ed25519KeyPair.from_multikey(method["publicKeyMultibase"]).public_bytes == pair.public_bytes
        # The verification method URL resolves to the same document (the fragment is ignored).
        assert did_key_document(vm) == doc
        assert doc["@context"] == [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]

    @pytest.mark.parametrize(
        "did, code",
        [
            ("did:web:badges.example", "key.unsupported_did"),
            ("did:key:", "key.unsupported_did"),
            ("did:key:u7QE", "key.unsupported_did"),  # not base58-btc
            ("did:key:zzzz", "key.invalid_did"),
            ("did:key:z0OIl", "key.invalid_did"),
            ("did:key:" + W3C_KEY["privateKeyMultibase"], "key.invalid_did"),  # a secret key
        ],
    )
    def test_invalid_did_keys(self, did, code):
        _raises(ResolutionError, code, did_key_document, did)

    def test_did_key_of_p256_and_p384_keys_resolve(self):
        p256 = encode_multikey(P256_PUB, _p256_compressed(ec.generate_private_key(ec.SECP256R1()).public_key()))
        assert p256.startswith("zDn")
        doc = did_key_document("did:key:" + p256)
        assert doc["verificationMethod"][0]["publicKeyMultibase"] == p256
        p384 = EcdsaKeyPair.generate("P-384")
        assert p384.public_key_multibase.startswith("z82L")
        method = DidKeyResolver().resolve("did:key:" + p384.public_key_multibase)
        assert method.ecdsa().curve == "P-384"

    def test_did_key_of_an_unknown_curve_is_refused(self):
        _raises(
            ResolutionError,
            "key.invalid_did",
            did_key_document,
            "did:key:" + multibase_encode(b"\xe7\x01" + b"\x02" * 33),
        )


# ------------------------------------------------------------------------------------ did:web


class TestDidWeb:
    def test_local_origin_with_port_and_path(self):
        did = did_web("http://127.0.0.1:5000", "issuers", "cec-ouest")
        assert did == "did:web:127.0.0.1%3A5000:issuers:cec-ouest"
        assert did_web_document_url(did, scheme="http") == "http://127.0.0.1:5000/issuers/cec-ouest/did.json"
        assert did_web_document_url(did) == "https://127.0.0.1:5000/issuers/cec-ouest/did.json"

    def test_no_path_uses_well_known(self):
        did = did_web("https://badges.example")
        assert did == "did:web:badges.example"
        assert did_web_document_url(did) == "https://badges.example/.well-known/did.json"
        assert did_web_document_url(did, scheme="http") == "http://badges.example/.well-known/did.json"
        assert did_web("https://badges.example/") == did

    def test_base_url_path_and_segments_are_joined(self):
        did = did_web("https://badges.example/tenant/", "issuers", "", "x")
        assert did == "did:web:badges.example:tenant:issuers:x"
        assert did_web_document_url(did) == "https://badges.example/tenant/issuers/x/did.json"

    def test_fragment_is_ignored_for_the_document_url(self):
        assert (
            did_web_document_url("did:web:badges.example:issuers:x#key-1")
            == "https://badges.example/issuers/x/did.json"
        )

    def test_segments_are_percent_encoded_and_stay_encoded_in_the_url(self):
        # did:web §3.2 (Read): only the port's colon is percent-decoded; path segments keep their
        # encoding, which is also the right encoding for the URL path.
        did = did_web("https://badges.example", "issuers", "café ouest")
        assert did == "did:web:badges.example:issuers:caf%C3%A9%20ouest"
        assert did_web_document_url(did) == "https://badges.example/issuers/caf%C3%A9%20ouest/did.json"

    @pytest.mark.parametrize("base", ["not a url", "badges.example", "", "https://"])
    def test_origin_without_host_is_refused(self, base):
        _raises(ResolutionError, "key.invalid_did", did_web, base)

    @pytest.mark.parametrize(
        "did, code",
        [
            ("did:key:z6Mk", "key.unsupported_did"),
            ("https://badges.example", "key.unsupported_did"),
            ("did:web:", "key.invalid_did"),
            ("did:web:%2F:x", "key.invalid_did"),  # a host that decodes to a path
        ],
    )
    def test_document_url_of_invalid_dids(self, did, code):
        _raises(ResolutionError, code, did_web_document_url, did)


# ------------------------------------------------------------------------------- did document


@pytest.fixture(scope="module")
def jwt_keys():
    return {alg: generate_jwt_key(alg) for alg in ("RS256", "ES256", "EdDSA")}


class TestDidDocument:
    def test_lists_multikeys_and_json_web_keys_for_assertions(self, jwt_keys):
        did = "did:web:badges.example:issuers:x"
        old, new = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
        es256 = jwt_keys["ES256"]
        private_jwk = json.loads(ECAlgorithm.to_jwk(es256))  # carries "d": must not be published
        assert "d" in private_jwk
        doc = did_document(
            did,
            multikeys=[("#key-1", old), ("key-2", new)],
            jwks=[("#jwt-1", private_jwk), (f"{did}#jwt-2", public_jwk(jwt_keys["RS256"]))],
        )
        ids = [f"{did}#key-1", f"{did}#key-2", f"{did}#jwt-1", f"{did}#jwt-2"]
        assert doc["id"] == did
        assert [m["id"] for m in doc["verificationMethod"]] == ids
        assert doc["assertionMethod"] == ids
        assert [m["type"] for m in doc["verificationMethod"]] == ["Multikey", "Multikey", "JsonWebKey", "JsonWebKey"]
        assert all(m["controller"] == did for m in doc["verificationMethod"])
        assert doc["verificationMethod"][0]["publicKeyMultibase"] == old.public_key_multibase
        for method in doc["verificationMethod"][2:]:
            assert not set(PRIVATE_MEMBERS) & set(method["publicKeyJwk"])
        assert doc["@context"] == [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, JWK_V1_CONTEXT]

        # Every listed key resolves, for assertions, to the right public key.
        resolver = StaticResolver({did: doc})
        assert resolver.resolve(f"{did}#key-1").ed25519().public_bytes == old.public_bytes
        assert resolver.resolve(f"{did}#key-2").ed25519().public_bytes == new.public_bytes
        assert public_jwk(resolver.resolve(f"{did}#jwt-1").public_key()) == public_jwk(es256)
        assert public_jwk(resolver.resolve(f"{did}#jwt-2").public_key()) == public_jwk(jwt_keys["RS256"])
        assert [m.id for m in methods_of(doc)] == ids

    def test_without_jwks_no_jwk_context(self):
        doc = did_document("did:web:badges.example", multikeys=[("#k", Ed25519KeyPair.generate())])
        assert doc["@context"] == [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT]


# ----------------------------------------------------------------------------------- JWT keys


class TestJwtKeys:
    @pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
    def test_generate_and_public_jwk(self, jwt_keys, alg):
        key = jwt_keys[alg]
        assert algorithm_for(key) == alg
        assert algorithm_for(key.public_key()) == alg
        jwk = public_jwk(key, kid="k1")
        assert jwk["alg"] == alg and jwk["kid"] == "k1"
        assert not set(PRIVATE_MEMBERS) & set(jwk)
        assert {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}[alg] == jwk["kty"]
        assert public_jwk(key.public_key()) == public_jwk(key)
        assert "kid" not in public_jwk(key)

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
    def test_key_from_jwk_round_trip(self, jwt_keys, alg):
        key = jwt_keys[alg]
        assert public_jwk(key_from_jwk(public_jwk(key))) == public_jwk(key)

    def test_key_from_jwk_ignores_private_members(self, jwt_keys):
        for key, algo, public_type in (
            (jwt_keys["RS256"], RSAAlgorithm, rsa.RSAPublicKey),
            (jwt_keys["ES256"], ECAlgorithm, ec.EllipticCurvePublicKey),
        ):
            private = json.loads(algo.to_jwk(key))
            assert "d" in private
            loaded = key_from_jwk(private)
            assert isinstance(loaded, public_type)
            assert public_jwk(loaded) == public_jwk(key)

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
    def test_thumbprint_ignores_member_order_and_optional_members(self, jwt_keys, alg):
        jwk = public_jwk(jwt_keys[alg])
        reordered = dict(reversed(list(jwk.items())))
        assert jwk_thumbprint(jwk) == jwk_thumbprint(reordered) == jwk_thumbprint({**jwk, "kid": "x", "use": "sig"})
        other = public_jwk(generate_jwt_key(alg))
        assert jwk_thumbprint(other) != jwk_thumbprint(jwk)

    def test_thumbprint_of_the_rfc_7638_example(self):
        # RFC 7638 §3.1, the example RSA key and its SHA-256 thumbprint.
        jwk = {
            "kty": "RSA",
            "n": (
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
                "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
                "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
                "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
            ),
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29",
        }
        assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
    def test_pem_without_password(self, jwt_keys, alg):
        pem = private_pem(jwt_keys[alg])
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
        assert public_jwk(load_private_pem(pem)) == public_jwk(jwt_keys[alg])

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
    def test_pem_with_password(self, jwt_keys, alg):
        pem = private_pem(jwt_keys[alg], password=b"correct horse")
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert public_jwk(load_private_pem(pem, password=b"correct horse")) == public_jwk(jwt_keys[alg])
        _raises(KeyMaterialError, "key.bad_pem", load_private_pem, pem)
        _raises(KeyMaterialError, "key.bad_pem", load_private_pem, pem, password=b"wrong")

    def test_unencrypted_pem_with_a_password_and_garbage(self, jwt_keys):
        pem = private_pem(jwt_keys["ES256"])
        _raises(KeyMaterialError, "key.bad_pem", load_private_pem, pem, password=b"unexpected")
        garbage = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        _raises(KeyMaterialError, "key.bad_pem", load_private_pem, garbage)

    def test_unsupported_algorithms_and_keys(self):
        _raises(KeyMaterialError, "key.unsupported_type", generate_jwt_key, "HS256")
        _raises(KeyMaterialError, "key.unsupported_type", generate_jwt_key, "none")
        _raises(KeyMaterialError, "key.unsupported_type", algorithm_for, ec.generate_private_key(ec.SECP384R1()))
        _raises(KeyMaterialError, "key.unsupported_type", algorithm_for, b"not a key")

    @pytest.mark.parametrize(
        "jwk, code",
        [
            ("not an object", "key.bad_jwk"),
            (["kty", "EC"], "key.bad_jwk"),
            ({"kty": "oct", "k": "c2VjcmV0"}, "key.unsupported_type"),
            ({}, "key.unsupported_type"),
            ({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, "key.bad_jwk"),
            ({"kty": "EC", "crv": "P-256"}, "key.bad_jwk"),
            ({"kty": "RSA", "n": "!!", "e": "AQAB"}, "key.bad_jwk"),
            ({"kty": "OKP", "crv": "Ed25519"}, "key.bad_jwk"),
        ],
    )
    def test_bad_jwks(self, jwk, code):
        _raises(KeyMaterialError, code, key_from_jwk, jwk)

    def test_thumbprint_of_unsupported_jwk(self):
        _raises(KeyMaterialError, "key.unsupported_type", jwk_thumbprint, {"kty": "oct", "k": "c2VjcmV0"})

    def test_jwks_strips_private_members(self, jwt_keys):
        private = json.loads(RSAAlgorithm.to_jwk(jwt_keys["RS256"]))
        out = jwks([private, public_jwk(jwt_keys["EdDSA"])])
        assert len(out["keys"]) == 2
        for key in out["keys"]:
            assert not set(PRIVATE_MEMBERS) & set(key)
        assert jwk_thumbprint(out["keys"][0]) == jwk_thumbprint(public_jwk(jwt_keys["RS256"]))


# ---------------------------------------------------------------------------------- resolvers

ISSUER = "https://badges.example/issuers/x"


def _multikey_method(vm_id: str, controller: str, pair: Ed25519KeyPair | None = None) -> dict:
    return (pair or Ed25519KeyPair.generate()).multikey_document(vm_id, controller)


class TestStaticResolver:
    def test_from_methods_groups_methods_by_document(self):
        a, b, c = (Ed25519KeyPair.generate() for _ in range(3))
        resolver = StaticResolver.from_methods(
            [
                _multikey_method(f"{ISSUER}#key-1", ISSUER, a),
                _multikey_method(f"{ISSUER}#key-2", ISSUER, b),
                _multikey_method("https://other.example/keys/1", "https://other.example/org", c),
            ]
        )
        assert resolver.resolve(f"{ISSUER}#key-1").ed25519().public_bytes == a.public_bytes
        method = resolver.resolve(f"{ISSUER}#key-2")
        assert (method.id, method.type, method.controller) == (f"{ISSUER}#key-2", "Multikey", ISSUER)
        assert method.ed25519().public_bytes == b.public_bytes
        other = resolver.resolve("https://other.example/keys/1")
        assert other.controller == "https://other.example/org"
        assert other.ed25519().public_bytes == c.public_bytes
        assert resolver.document(f"{ISSUER}#anything")["id"] == ISSUER

    def test_unknown_methods_and_documents(self):
        resolver = StaticResolver.from_methods([_multikey_method(f"{ISSUER}#key-1", ISSUER)])
        _raises(ResolutionError, "key.method_not_found", resolver.resolve, f"{ISSUER}#key-9")
        _raises(ResolutionError, "key.method_not_found", resolver.resolve, "https://unknown.example/#key-1")
        _raises(ResolutionError, "key.method_not_found", resolver.document, "https://unknown.example/")

    def test_add(self):
        resolver = StaticResolver()
        pair = Ed25519KeyPair.generate()
        resolver.add(f"{ISSUER}#ignored", {"id": ISSUER, "verificationMethod": [_multikey_method("#k", ISSUER, pair)]})
        assert resolver.resolve(f"{ISSUER}#k").ed25519().public_bytes == pair.public_bytes


class TestFindVerificationMethod:
    def _doc(self, **relations):
        pair = Ed25519KeyPair.generate()
        doc = {
            "id": ISSUER,
            "verificationMethod": [
                {
                    "id": "#key-1",
                    "type": "Multikey",
                    "controller": ISSUER,
                    "publicKeyMultibase": pair.public_key_multibase,
                },
                {
                    "id": f"{ISSUER}#key-2",
                    "type": "Multikey",
                    "controller": ISSUER,
                    "publicKeyMultibase": Ed25519KeyPair.generate().public_key_multibase,
                },
            ],
        }
        doc.update(relations)
        return doc, pair

    def test_relative_ids(self):
        doc, pair = self._doc(assertionMethod=["#key-1", f"{ISSUER}#key-2"])
        method = find_verification_method(doc, f"{ISSUER}#key-1")
        assert method.id == f"{ISSUER}#key-1" and method.controller == ISSUER
        assert method.ed25519().public_bytes == pair.public_bytes
        assert find_verification_method(doc, f"{ISSUER}#key-2").id == f"{ISSUER}#key-2"

    def test_purpose_not_authorised(self):
        doc, _ = self._doc(assertionMethod=["#key-2"], authentication=["#key-1"])
        _raises(ResolutionError, "key.purpose_not_authorised", find_verification_method, doc, f"{ISSUER}#key-1")
        assert find_verification_method(doc, f"{ISSUER}#key-1", purpose="authentication").id == f"{ISSUER}#key-1"
        assert find_verification_method(doc, f"{ISSUER}#key-1", purpose=None).id == f"{ISSUER}#key-1"
        # Through a resolver too: the proof purpose is assertionMethod.
        _raises(ResolutionError, "key.purpose_not_authorised", StaticResolver({ISSUER: doc}).resolve, f"{ISSUER}#key-1")

    def test_single_string_relationship_and_embedded_methods(self):
        doc, _ = self._doc(assertionMethod="#key-2")
        _raises(ResolutionError, "key.purpose_not_authorised", find_verification_method, doc, f"{ISSUER}#key-1")
        pair = Ed25519KeyPair.generate()
        embedded = {"id": ISSUER, "assertionMethod": [_multikey_method(f"{ISSUER}#key-3", ISSUER, pair)]}
        assert find_verification_method(embedded, f"{ISSUER}#key-3").ed25519().public_bytes == pair.public_bytes

    def test_document_without_the_relationship_accepts_listed_methods(self):
        # Documented leniency (static documents built by from_methods list no relationships).
        doc, pair = self._doc()
        assert find_verification_method(doc, f"{ISSUER}#key-1").ed25519().public_bytes == pair.public_bytes

    def test_method_not_found(self):
        doc, _ = self._doc(assertionMethod=["#key-1"])
        _raises(ResolutionError, "key.method_not_found", find_verification_method, doc, f"{ISSUER}#key-9")
        elsewhere = "https://other.example/issuers/x#key-1"
        _raises(ResolutionError, "key.method_not_found", find_verification_method, doc, elsewhere)

    @pytest.mark.parametrize(
        "vtype", ["EcdsaSecp256k1VerificationKey2019", "X25519KeyAgreementKey2020", None, "multikey"]
    )
    def test_unsupported_method_types(self, vtype):
        method = {"id": "#k", "type": vtype, "controller": ISSUER, "publicKeyMultibase": "z6Mk"}
        doc = {"id": ISSUER, "verificationMethod": [method]}
        _raises(ResolutionError, "key.unsupported_type", find_verification_method, doc, f"{ISSUER}#k")

    def test_document_that_is_the_method_itself(self):
        pair = Ed25519KeyPair.generate()
        vm = "https://badges.example/keys/1"
        method = find_verification_method(pair.multikey_document(vm, ISSUER), vm)
        assert method.controller == ISSUER
        assert method.ed25519().public_bytes == pair.public_bytes

    def test_controller_defaults_to_the_document_id(self):
        doc = {
            "id": ISSUER,
            "verificationMethod": [
                {"id": "#k", "type": "Multikey", "publicKeyMultibase": Ed25519KeyPair.generate().public_key_multibase}
            ],
        }
        assert find_verification_method(doc, f"{ISSUER}#k").controller == ISSUER

    @pytest.mark.parametrize("doc", [None, [], "x", 1])
    def test_not_a_document(self, doc):
        _raises(ResolutionError, "key.bad_document", find_verification_method, doc, f"{ISSUER}#k")


class TestVerificationMethodKeys:
    def test_public_key_forms(self, jwt_keys):
        pair = Ed25519KeyPair.generate()
        import base58

        legacy = VerificationMethod(
            "x#1", "Ed25519VerificationKey2018", "x", {"publicKeyBase58": base58.b58encode(pair.public_bytes).decode()}
        )
        assert legacy.ed25519().public_bytes == pair.public_bytes
        es256 = jwt_keys["ES256"]
        p256 = VerificationMethod(
            "x#2",
            "Multikey",
            "x",
            {"publicKeyMultibase": encode_multikey(P256_PUB, _p256_compressed(es256.public_key()))},
        )
        assert public_jwk(p256.public_key()) == public_jwk(es256)
        jwk = VerificationMethod("x#3", "JsonWebKey", "x", {"publicKeyJwk": public_jwk(es256)})
        assert public_jwk(jwk.public_key()) == public_jwk(es256)
        _raises(KeyMaterialError, "key.unsupported_type", jwk.ed25519)
        _raises(KeyMaterialError, "key.unsupported_type", p256.ed25519)
        _raises(KeyMaterialError, "key.no_public_key", VerificationMethod("x#4", "Multikey", "x", {}).public_key)
        secret = VerificationMethod("x#5", "Multikey", "x", {"publicKeyMultibase": W3C_KEY["privateKeyMultibase"]})
        _raises(KeyMaterialError, "key.unsupported_type", secret.public_key)

    @pytest.mark.parametrize(
        "document",
        [
            {"publicKeyMultibase": encode_multikey(P256_PUB, b"\x05" + b"\x00" * 32)},  # not a point encoding
            {"publicKeyMultibase": encode_multikey(P256_PUB, b"\x02" + b"\xff" * 32)},  # x outside the field
            {"publicKeyBase58": "0OIl"},  # not base58
        ],
    )
    def test_malformed_key_material_raises_key_material_error(self, document):
        with pytest.raises(KeyMaterialError):
            VerificationMethod("x#1", "Multikey", "x", document).public_key()


class TestDidKeyResolver:
    def test_resolves_offline(self):
        pair = Ed25519KeyPair.generate()
        did = did_key(pair)
        vm = f"{did}#{pair.public_key_multibase}"
        method = DidKeyResolver().resolve(vm)
        assert (method.id, method.type, method.controller) == (vm, "Multikey", did)
        assert method.ed25519().public_bytes == pair.public_bytes
        assert DidKeyResolver().resolve(did).id == vm  # no fragment: the one method
        assert DidKeyResolver().document(vm)["id"] == did

    def test_refusals(self):
        pair = Ed25519KeyPair.generate()
        did = did_key(pair)
        other = Ed25519KeyPair.generate().public_key_multibase
        _raises(ResolutionError, "key.method_not_found", DidKeyResolver().resolve, f"{did}#{other}")
        _raises(ResolutionError, "key.unsupported_did", DidKeyResolver().resolve, "did:web:badges.example#k")
        _raises(ResolutionError, "key.unsupported_did", DidKeyResolver().resolve, f"{ISSUER}#k")
        _raises(ResolutionError, "key.invalid_did", DidKeyResolver().resolve, "did:key:z0OIl#z0OIl")


class _Spy:
    """A resolver that records calls and answers from a function."""

    def __init__(self, answer):
        self.calls: list[str] = []
        self._answer = answer

    def resolve(self, vm_id):
        self.calls.append(vm_id)
        return self._answer(vm_id)

    def document(self, url):
        self.calls.append(url)
        return self._answer(url)


def _fail_with(code):
    def answer(_):
        raise ResolutionError("no", code=code)

    return answer


class TestChainResolver:
    def test_falls_through_to_the_resolver_that_knows(self):
        pair = Ed25519KeyPair.generate()
        did = did_key(pair)
        vm = f"{did}#{pair.public_key_multibase}"
        static_pair = Ed25519KeyPair.generate()
        static = StaticResolver.from_methods([_multikey_method(f"{ISSUER}#key-1", ISSUER, static_pair)])
        for chain in (ChainResolver(static, DidKeyResolver()), ChainResolver(DidKeyResolver(), static)):
            assert chain.resolve(vm).ed25519().public_bytes == pair.public_bytes
            assert chain.resolve(f"{ISSUER}#key-1").ed25519().public_bytes == static_pair.public_bytes
            assert chain.document(vm)["id"] == did
            assert chain.document(ISSUER)["id"] == ISSUER

    @pytest.mark.parametrize("code", ["key.method_not_found", "key.unsupported_did", "key.unsupported_scheme"])
    def test_fall_through_codes(self, code):
        first, second = _Spy(_fail_with(code)), _Spy(lambda vm: "answer")
        assert ChainResolver(first, second).resolve("x#1") == "answer"
        assert first.calls == second.calls == ["x#1"]

    @pytest.mark.parametrize(
        "code", ["key.purpose_not_authorised", "key.did_mismatch", "key.fetch_failed", "key.invalid_did"]
    )
    def test_other_errors_stop_the_chain(self, code):
        first, second = _Spy(_fail_with(code)), _Spy(lambda vm: "answer")
        _raises(ResolutionError, code, ChainResolver(first, second).resolve, "x#1")
        _raises(ResolutionError, code, ChainResolver(first, second).document, "x")
        assert second.calls == []

    def test_nobody_knows(self):
        chain = ChainResolver(_Spy(_fail_with("key.unsupported_did")), _Spy(_fail_with("key.method_not_found")))
        _raises(ResolutionError, "key.method_not_found", chain.resolve, "x#1")
        _raises(ResolutionError, "key.method_not_found", ChainResolver().resolve, "x#1")


class _FakeFetcher:
    """fetch(url) -> bytes from a dict; records the URLs asked for."""

    def __init__(self, pages: dict[str, bytes]):
        self.pages = pages
        self.urls: list[str] = []

    def __call__(self, url):
        self.urls.append(url)
        if url not in self.pages:
            raise ResolutionError(f"404 {url}", code="key.fetch_failed")
        return self.pages[url]


def _did_doc_bytes(did: str, pair: Ed25519KeyPair, fragment: str = "key-1") -> bytes:
    return json.dumps(did_document(did, multikeys=[(f"#{fragment}", pair)])).encode()


class TestFetchingResolver:
    def test_did_web_over_https(self):
        pair = Ed25519KeyPair.generate()
        did = "did:web:badges.example:issuers:x"
        fetch = _FakeFetcher({"https://badges.example/issuers/x/did.json": _did_doc_bytes(did, pair)})
        method = FetchingResolver(fetch).resolve(f"{did}#key-1")
        assert method.controller == did
        assert method.ed25519().public_bytes == pair.public_bytes
        assert fetch.urls == ["https://badges.example/issuers/x/did.json"]

    def test_did_web_without_path_uses_well_known(self):
        pair = Ed25519KeyPair.generate()
        fetch = _FakeFetcher(
            {"https://badges.example/.well-known/did.json": _did_doc_bytes("did:web:badges.example", pair)}
        )
        assert FetchingResolver(fetch).document("did:web:badges.example#key-1")["id"] == "did:web:badges.example"

    def test_http_only_for_allowed_hosts(self):
        pair = Ed25519KeyPair.generate()
        did = did_web("http://127.0.0.1:5000", "issuers", "cec-ouest")
        pages = {
            "http://127.0.0.1:5000/issuers/cec-ouest/did.json": _did_doc_bytes(did, pair),
            "https://127.0.0.1:5000/issuers/cec-ouest/did.json": _did_doc_bytes(did, pair),
        }
        local = _FakeFetcher(pages)
        assert FetchingResolver(local, http_hosts=["127.0.0.1:5000"]).resolve(f"{did}#key-1").controller == did
        assert local.urls == ["http://127.0.0.1:5000/issuers/cec-ouest/did.json"]
        strict = _FakeFetcher(pages)
        FetchingResolver(strict).resolve(f"{did}#key-1")
        FetchingResolver(strict, http_hosts=["127.0.0.1"]).resolve(f"{did}#key-1")  # the port is part of the host
        assert strict.urls == ["https://127.0.0.1:5000/issuers/cec-ouest/did.json"] * 2

    def test_https_and_http_urls(self):
        pair = Ed25519KeyPair.generate()
        doc = {
            "id": ISSUER,
            "verificationMethod": [_multikey_method("#key-1", ISSUER, pair)],
            "assertionMethod": ["#key-1"],
        }
        local_doc = {**doc, "id": "http://127.0.0.1:5000/issuers/x"}
        fetch = _FakeFetcher(
            {ISSUER: json.dumps(doc).encode(), "http://127.0.0.1:5000/issuers/x": json.dumps(local_doc).encode()}
        )
        resolver = FetchingResolver(fetch, http_hosts=["127.0.0.1:5000"])
        assert resolver.resolve(f"{ISSUER}#key-1").ed25519().public_bytes == pair.public_bytes
        assert resolver.resolve("http://127.0.0.1:5000/issuers/x#key-1").controller == ISSUER
        assert fetch.urls == [ISSUER, "http://127.0.0.1:5000/issuers/x"]
        # Plain http for any other host is refused before anything is fetched.
        _raises(ResolutionError, "key.unsupported_scheme", resolver.resolve, "http://badges.example/issuers/x#key-1")
        local = "http://127.0.0.1:5000/issuers/x"
        _raises(ResolutionError, "key.unsupported_scheme", FetchingResolver(fetch).document, local)
        assert len(fetch.urls) == 2

    def test_did_document_id_mismatch_is_refused(self):
        pair = Ed25519KeyPair.generate()
        served = _did_doc_bytes("did:web:evil.example:issuers:x", pair)
        fetch = _FakeFetcher({"https://badges.example/issuers/x/did.json": served})
        vm = "did:web:badges.example:issuers:x#key-1"
        _raises(ResolutionError, "key.did_mismatch", FetchingResolver(fetch).resolve, vm)

    @pytest.mark.parametrize("body", [b"<html>not json</html>", b"", b"\xff\xfe\xfa", b"[1, 2]", b'"did"', b"null"])
    def test_non_json_or_non_object_is_refused(self, body):
        fetch = _FakeFetcher({"https://badges.example/issuers/x/did.json": body, ISSUER: body})
        vm = "did:web:badges.example:issuers:x#key-1"
        _raises(ResolutionError, "key.bad_document", FetchingResolver(fetch).resolve, vm)
        _raises(ResolutionError, "key.bad_document", FetchingResolver(fetch).resolve, f"{ISSUER}#key-1")

    @pytest.mark.parametrize(
        "url",
        ["did:key:z6Mk#z6Mk", "ftp://badges.example/k", "file:///etc/passwd", "urn:uuid:1", "HTTPS://badges.example/k"],
    )
    def test_unsupported_schemes(self, url):
        fetch = _FakeFetcher({})
        _raises(ResolutionError, "key.unsupported_scheme", FetchingResolver(fetch).resolve, url)
        assert fetch.urls == []

    def test_fetch_errors_propagate_and_stop_a_chain(self):
        fetch = _FakeFetcher({})
        chain = ChainResolver(DidKeyResolver(), FetchingResolver(fetch), StaticResolver())
        _raises(ResolutionError, "key.fetch_failed", chain.resolve, "did:web:badges.example#key-1")

    def test_in_a_chain_with_did_key(self):
        pair, web_pair = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
        did = "did:web:badges.example"
        fetch = _FakeFetcher({"https://badges.example/.well-known/did.json": _did_doc_bytes(did, web_pair)})
        chain = ChainResolver(DidKeyResolver(), FetchingResolver(fetch))
        assert chain.resolve(f"{did}#key-1").ed25519().public_bytes == web_pair.public_bytes
        assert chain.resolve(f"{did_key(pair)}#{pair.public_key_multibase}").ed25519().public_bytes == pair.public_bytes
        assert len(fetch.urls) == 1


# ------------------------------------------------------------------------ HttpFetcher (real)

MAX_BYTES = 4096
SLOW_SECONDS = 1.5
TIMEOUT = 0.3


class _Handler(BaseHTTPRequestHandler):
    seen_accept: list[str] = []
    documents: dict[str, bytes] = {}

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/did+json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        type(self).seen_accept.append(self.headers.get("Accept", ""))
        path = self.path
        if path in self.documents:
            self._send(200, self.documents[path])
        elif path == "/ok.json":
            self._send(200, json.dumps({"id": "did:web:x"}).encode())
        elif path == "/exact.json":
            self._send(200, b" " * MAX_BYTES)
        elif path == "/big.json":
            self._send(200, b"{" + b" " * (MAX_BYTES * 4) + b"}")
        elif path == "/big-chunked.json":
            # No Content-Length: the body size is only known by reading it.
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 1024
            for _ in range(MAX_BYTES // 1024 + 4):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/slow.json":
            time.sleep(SLOW_SECONDS)
            self._send(200, b"{}")
        elif path == "/drip.json":
            # Each byte arrives within the socket timeout, the whole body far beyond it.
            body = b"{" + b" " * 6 + b"}"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(TIMEOUT / 2)
        elif path == "/garbage.json":
            self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
        elif path == "/redirect.json":
            self.send_response(302)
            self.send_header("Location", "/ok.json")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/error.json":
            self._send(500, b"{}")
        else:
            self._send(404, b"not found", "text/plain")


@pytest.fixture(scope="module")
def http_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True  # a handler still sleeping must not hold the shutdown
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class TestHttpFetcher:
    def test_fetches_json_and_asks_for_did_media_types(self, http_origin):
        _Handler.seen_accept.clear()
        body = HttpFetcher(timeout=2, max_bytes=MAX_BYTES)(f"{http_origin}/ok.json")
        assert json.loads(body) == {"id": "did:web:x"}
        assert "application/did+json" in _Handler.seen_accept[-1]

    def test_body_of_exactly_max_bytes_is_accepted(self, http_origin):
        assert len(HttpFetcher(timeout=2, max_bytes=MAX_BYTES)(f"{http_origin}/exact.json")) == MAX_BYTES

    @pytest.mark.parametrize("path", ["/big.json", "/big-chunked.json"])
    def test_size_limit(self, http_origin, path):
        _raises(
            ResolutionError, "key.fetch_too_large", HttpFetcher(timeout=2, max_bytes=MAX_BYTES), f"{http_origin}{path}"
        )

    def test_timeout(self, http_origin):
        started = time.monotonic()
        fetcher = HttpFetcher(timeout=TIMEOUT, max_bytes=MAX_BYTES)
        _raises(ResolutionError, "key.fetch_failed", fetcher, f"{http_origin}/slow.json")
        assert time.monotonic() - started < SLOW_SECONDS

    def test_timeout_bounds_the_whole_fetch(self, http_origin):
        started = time.monotonic()
        try:
            HttpFetcher(timeout=TIMEOUT, max_bytes=MAX_BYTES)(f"{http_origin}/drip.json")
        except ResolutionError as exc:
            assert exc.code == "key.fetch_failed"
        assert time.monotonic() - started < 2 * TIMEOUT

    @pytest.mark.parametrize("path", ["/missing.json", "/error.json", "/garbage.json"])
    def test_http_errors(self, http_origin, path):
        _raises(
            ResolutionError, "key.fetch_failed", HttpFetcher(timeout=2, max_bytes=MAX_BYTES), f"{http_origin}{path}"
        )

    def test_redirects_are_followed(self, http_origin):
        assert (
            json.loads(HttpFetcher(timeout=2, max_bytes=MAX_BYTES)(f"{http_origin}/redirect.json"))["id"] == "did:web:x"
        )

    def test_connection_refused(self):
        with socket.socket() as sock:  # a port that was free a moment ago, now closed
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        _raises(ResolutionError, "key.fetch_failed", HttpFetcher(timeout=2), f"http://127.0.0.1:{port}/did.json")

    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "ftp://127.0.0.1/did.json",
            "data:application/json,{}",
            "did:web:127.0.0.1",
            "127.0.0.1/did.json",
            "",
        ],
    )
    def test_other_schemes_are_refused(self, url):
        _raises(ResolutionError, "key.unsupported_scheme", HttpFetcher(timeout=2), url)

    def test_with_the_fetching_resolver(self, http_origin):
        # End to end: a did:web of the local origin, fetched over http because its host is allowed.
        pair = Ed25519KeyPair.generate()
        did = did_web(http_origin, "issuers", "x")
        _Handler.documents["/issuers/x/did.json"] = _did_doc_bytes(did, pair)
        host = http_origin.removeprefix("http://")
        resolver = FetchingResolver(HttpFetcher(timeout=2, max_bytes=MAX_BYTES), http_hosts=[host])
        method = ChainResolver(DidKeyResolver(), resolver).resolve(f"{did}#key-1")
        assert method.controller == did
        assert method.ed25519().public_bytes == pair.public_bytes
        # Without the host in http_hosts the resolver insists on https, which this server does not speak.
        _raises(ResolutionError, "key.fetch_failed", FetchingResolver(HttpFetcher(timeout=2)).resolve, f"{did}#key-1")


def test_public_only_fetcher_refuses_the_servers_own_network():
    """A public verify endpoint must not fetch loopback / private addresses for a stranger."""
    from badger.errors import ResolutionError
    from badger.keys.fetch import HttpFetcher

    fetcher = HttpFetcher(timeout=1, public_only=True)
    for url in (
        "http://127.0.0.1:9/x.json",
        "http://10.0.0.1/x.json",
        "http://[::1]:9/x",
        "http://169.254.169.254/latest",
    ):
        with pytest.raises(ResolutionError) as err:
            fetcher(url)
        assert err.value.code == "key.fetch_refused", url
    allowed = HttpFetcher(timeout=1, public_only=True, allowed_hosts=("127.0.0.1:9",))
    with pytest.raises(ResolutionError) as err:
        allowed("http://127.0.0.1:9/x.json")  # allowed, so it is tried (and the closed port fails)
    assert err.value.code == "key.fetch_failed"

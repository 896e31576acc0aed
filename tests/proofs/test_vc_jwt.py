"""VC-JWT (OB 3.0 §8.2): 1EdTech validator fixtures, round trips per algorithm, hostile tokens."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

from badger.errors import ProofError
from badger.keys import StaticResolver, generate_jwt_key, public_jwk
from badger.proofs.vc_jwt import MAX_TOKEN_LENGTH, JwtVerification, decode, sign, verify

FIXTURES = Path(__file__).resolve().parents[1] / "vectors" / "1edtech-validator-ob30"

ISSUER = "https://badges.tiers-lieux-occitanie.example/issuers/reseau"
VM = ISSUER + "#cle-2025"
SALT = "sel-de-guérande-42"
EMAIL = "helene.dupre@example.fr"


# --------------------------------------------------------------------------------------------
# helpers


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value) -> str:
    return b64url(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def png_credential(data: bytes) -> str:
    """Text of the iTXt chunk keyword 'openbadgecredential' (PNG spec §11.3.4.5)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"iTXt":
            keyword, rest = body.split(b"\x00", 1)
            if keyword == b"openbadgecredential":
                assert rest[0] == 0  # OB 3.0 baking: uncompressed
                _language, rest = rest[2:].split(b"\x00", 1)
                _translated, text = rest.split(b"\x00", 1)
                return text.decode("utf-8")
    raise AssertionError("no openbadgecredential iTXt chunk")


def svg_credential(data: bytes) -> str:
    """The 'verify' attribute of <openbadges:credential> (OB 3.0 baking, SVG)."""
    root = ElementTree.fromstring(data)
    element = root.find("{https://purl.imsglobal.org/ob/v3p0}credential")
    assert element is not None
    return element.get("verify")


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def make_credential(**changes) -> dict:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6c1b1f0e-5d0a-4f63-9a5e-2f7d3c9b8e41",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Réseau des Tiers-Lieux d'Occitanie"},
        "validFrom": "2025-03-14T09:30:00+01:00",
        "name": "Médiatrice numérique — niveau 1",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(EMAIL, SALT),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": SALT,
                }
            ],
            "achievement": {
                "id": "https://badges.tiers-lieux-occitanie.example/achievements/mediation-numerique-1",
                "type": ["Achievement"],
                "name": "Médiation numérique — niveau 1",
                "description": "Accompagner les habitants vers l'autonomie numérique, à l'atelier comme à l'accueil.",
                "criteria": {"narrative": "A animé trois ateliers « Premiers pas » et rédigé un retour d'expérience."},
                "achievementType": "Badge",
            },
        },
    }
    credential.update(changes)
    return credential


def resolver_for(key, vm: str = VM, controller: str = ISSUER) -> StaticResolver:
    """A controller document publishing ``key`` as a JsonWebKey verification method."""
    method = {"id": vm, "type": "JsonWebKey", "controller": controller, "publicKeyJwk": public_jwk(key)}
    document = {"id": controller, "verificationMethod": [method], "assertionMethod": [vm]}
    return StaticResolver({controller: document})


def raw_jws(header: dict, payload: dict, key, alg: str) -> str:
    """A JWS with an arbitrary header and payload, bypassing sign()'s checks."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return jwt.PyJWS(algorithms=[alg]).encode(body, key, algorithm=alg, headers=header)


def codes(result: JwtVerification) -> set[str]:
    return {p.code for p in result.problems}


@pytest.fixture(scope="module")
def keys() -> dict:
    return {alg: generate_jwt_key(alg) for alg in ("RS256", "ES256", "EdDSA")}


@pytest.fixture(scope="module")
def rsa_key(keys):
    return keys["RS256"]


# --------------------------------------------------------------------------------------------
# 1EdTech validator fixtures


def test_simple_jwt_decodes_as_vc11_vc_claim():
    header, payload, credential = decode((FIXTURES / "simple.jwt").read_text())
    # Surprise: the header carries no key at all, neither kid nor jwk.
    assert header == {"alg": "RS256", "typ": "JWT"}
    assert credential is payload["vc"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["type"] == ["AchievementSubject"]
    assert credential["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert payload["iss"] == credential["issuer"]["id"] == "https://example.edu/issuers/565049"
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2010, 1, 1, tzinfo=UTC).timestamp())


def test_simple_jwt_cannot_be_verified_without_a_key():
    result = verify((FIXTURES / "simple.jwt").read_text(), resolver=StaticResolver())
    assert not result.verified
    # Only the key is missing; every claim agrees with the credential (issuanceDate for nbf).
    assert codes(result) == {"jwt.key_unresolved"}
    assert result.warnings == []
    assert result.credential["name"] == "Example University Degree"


@pytest.mark.parametrize(
    "name, extract, shape",
    [
        ("simple-jwt.png", png_credential, "top-level"),
        ("simple-jwt.svg", svg_credential, "top-level"),
        ("simple-jwt_v1.png", png_credential, "vc"),
        ("simple-jwt_v1.svg", svg_credential, "vc"),
    ],
)
def test_baked_fixtures_verify_with_their_jwk_header(name, extract, shape):
    token = extract((FIXTURES / name).read_bytes())
    header, payload, credential = decode(token)
    assert set(header) == {"alg", "jwk"} and header["alg"] == "RS256"
    assert ("vc" in payload) == (shape == "vc")

    result = verify(token, resolver=StaticResolver())
    assert result.verified, result.problems
    assert result.problems == []
    # A jwk header names no verification method: binding it to the issuer is the caller's job.
    assert result.verification_method is None and result.controller is None
    assert "OpenBadgeCredential" in result.credential["type"]
    assert result.credential["issuer"]["id"] == payload["iss"]
    # The fixtures put the subject in "aud" and omit "sub": reported, not fatal.
    assert [w.code for w in result.warnings] == ["jwt.claim_missing"]
    assert result.warnings[0].path == "payload.sub"
    if shape == "top-level":
        assert not {"iss", "jti", "nbf", "iat", "aud"} & set(result.credential)
        assert result.credential["validFrom"] == "2010-01-01T00:00:00Z"


def test_velocity_jwt_is_a_third_party_vc11_token_with_a_did_velocity_kid():
    token = (FIXTURES / "velocity.jwt").read_text()
    header, payload, credential = decode(token)
    assert header["alg"] == "RS256"
    assert header["kid"].startswith("did:velocity:v2:")
    assert credential is payload["vc"]
    assert credential["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert credential["credentialStatus"]["type"] == "VelocityRevocationListJan2021"
    assert credential["credentialSubject"]["id"].startswith("did:jwk:")

    result = verify(token, resolver=StaticResolver())
    assert not result.verified
    assert codes(result) == {"jwt.key_unresolved"}
    assert result.problems[0].path == "header.kid"
    # nbf follows issuanceDate (VC 1.1 context), not the validFrom it also carries.
    assert result.warnings == []


# --------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_round_trip(keys, alg):
    credential = make_credential()
    original = copy.deepcopy(credential)
    token = sign(credential, private_key=keys[alg], kid=VM)
    assert credential == original  # sign() does not modify its input

    header, payload, decoded = decode(token)
    assert header == {"alg": alg, "kid": VM, "typ": "JWT"}
    assert "vc" not in payload  # OB 3.0 §8.2.4.1 shape
    assert payload["iss"] == ISSUER
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(datetime(2025, 3, 14, 8, 30, tzinfo=UTC).timestamp())
    assert "sub" not in payload and "exp" not in payload  # no subject id, no validUntil
    assert decoded == credential

    result = verify(token, resolver=resolver_for(keys[alg]))
    assert result.verified, result.problems
    assert result.problems == [] and result.warnings == []
    assert result.verification_method == VM
    assert result.controller == ISSUER
    assert result.credential == credential
    assert result.credential["credentialSubject"]["achievement"]["name"] == "Médiation numérique — niveau 1"


def test_round_trip_with_subject_id_valid_until_and_jwk(keys):
    credential = make_credential(validUntil="2028-03-14T09:30:00.250+01:00")
    credential["credentialSubject"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    token = sign(credential, private_key=keys["ES256"], kid=None, embed_jwk=True)
    header, payload, _ = decode(token)
    assert "kid" not in header and header["jwk"]["kty"] == "EC" and "d" not in header["jwk"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["exp"] == int(datetime(2028, 3, 14, 8, 30, tzinfo=UTC).timestamp())

    result = verify(token, resolver=StaticResolver())
    assert result.verified, result.problems
    assert result.controller is None and result.verification_method is None


def test_kid_and_matching_jwk(keys):
    token = sign(make_credential(), private_key=keys["EdDSA"], kid=VM, embed_jwk=True)
    result = verify(token, resolver=resolver_for(keys["EdDSA"]))
    assert result.verified and result.controller == ISSUER


def test_kid_and_a_different_jwk_are_refused(keys):
    other = generate_jwt_key("EdDSA")
    header = {"alg": "EdDSA", "kid": VM, "jwk": public_jwk(other)}
    token = raw_jws(header, _payload_for(make_credential()), keys["EdDSA"], "EdDSA")
    result = verify(token, resolver=resolver_for(keys["EdDSA"]))
    assert not result.verified and codes(result) == {"jwt.header_invalid"}


def _payload_for(credential: dict) -> dict:
    _, payload, _ = decode(sign(credential, private_key=generate_jwt_key("EdDSA"), kid=VM))
    return payload


# --------------------------------------------------------------------------------------------
# sign() refuses bad input


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda c: c.update(proof={"type": "DataIntegrityProof"}), "jwt.credential_invalid"),
        (lambda c: c["issuer"].pop("id"), "jwt.credential_invalid"),
        (lambda c: c.pop("issuer"), "jwt.credential_invalid"),
        (lambda c: c.pop("id"), "jwt.credential_invalid"),
        (lambda c: c.pop("validFrom"), "jwt.credential_invalid"),
        (lambda c: c.update(credentialSubject=[{"id": "did:example:1"}]), "jwt.credential_invalid"),
        (lambda c: c.update(iss="https://autre.example"), "jwt.credential_invalid"),
        (lambda c: c.update(vc={}), "jwt.credential_invalid"),
        (lambda c: c.update(validFrom="14/03/2025"), "jwt.bad_date"),
        (lambda c: c.update(validFrom="2025-03-14T09:30:00"), "jwt.bad_date"),  # no timezone
        (lambda c: c.update(validFrom="2025-02-30T09:30:00Z"), "jwt.bad_date"),
        (lambda c: c.update(validFrom="2025-03-14T09:30:00+15:00"), "jwt.bad_date"),
        (lambda c: c.update(validFrom=1741941000), "jwt.bad_date"),
        (lambda c: c.update(validUntil="demain"), "jwt.bad_date"),
    ],
)
def test_sign_rejects_bad_credentials(rsa_key, change, code):
    credential = make_credential()
    change(credential)
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=rsa_key, kid=VM)
    assert info.value.code == code


def test_sign_rejects_bad_keys_and_headers(keys, rsa_key):
    credential = make_credential()
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=rsa_key, kid=VM, alg="ES256")
    assert info.value.code == "jwt.key_type_mismatch"
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=rsa_key, kid=VM, alg="HS256")
    assert info.value.code == "jwt.alg_not_allowed"
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=rsa_key.public_key(), kid=VM)
    assert info.value.code == "jwt.key_type_mismatch"
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=ec.generate_private_key(ec.SECP384R1()), kid=VM)
    assert info.value.code == "jwt.key_type_mismatch"
    with pytest.raises(ProofError) as info:
        sign(credential, private_key=keys["EdDSA"], kid=None)
    assert info.value.code == "jwt.header_invalid"
    with pytest.raises(ProofError) as info:
        sign("not a credential", private_key=keys["EdDSA"], kid=VM)
    assert info.value.code == "jwt.credential_invalid"


def test_numeric_dates_follow_the_timezone(keys):
    for value, expected in [
        ("2025-03-14T09:30:00Z", datetime(2025, 3, 14, 9, 30, tzinfo=UTC)),
        ("2025-03-14T09:30:00-05:30", datetime(2025, 3, 14, 15, 0, tzinfo=UTC)),
        ("2025-03-14T00:15:00.999999999+01:00", datetime(2025, 3, 13, 23, 15, tzinfo=UTC)),
    ]:
        token = sign(make_credential(validFrom=value), private_key=keys["EdDSA"], kid=VM)
        assert decode(token)[1]["nbf"] == int(expected.timestamp())
        assert verify(token, resolver=resolver_for(keys["EdDSA"])).verified


# --------------------------------------------------------------------------------------------
# hostile and broken tokens: verified False, the right code, never an exception


def test_alg_none(rsa_key):
    good = sign(make_credential(), private_key=rsa_key, kid=VM)
    payload = good.split(".")[1]
    for alg in ("none", "None", "NONE"):
        token = f"{b64url_json({'alg': alg, 'kid': VM})}.{payload}."
        result = verify(token, resolver=resolver_for(rsa_key))
        assert not result.verified and codes(result) == {"jwt.alg_not_allowed"}
        assert result.header["alg"] == alg  # the header is reported even though it is refused


def test_hs256_with_the_public_key_as_secret(rsa_key):
    """Algorithm confusion: an HMAC 'signed' with the issuer's public key, which anyone has."""
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url_json({"alg": "HS256", "kid": VM, "typ": "JWT"})
    payload = b64url_json(_payload_for(make_credential()))
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    result = verify(f"{header}.{payload}.{b64url(mac)}", resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {"jwt.alg_not_allowed"}


def test_tampered_payload(rsa_key):
    token = sign(make_credential(), private_key=rsa_key, kid=VM)
    header, payload, signature = token.split(".")
    text = unb64url(payload).decode("utf-8")
    tampered_text = text.replace("niveau 1", "niveau 2", 1)  # one character
    assert len(tampered_text) == len(text) and tampered_text != text
    tampered = f"{header}.{b64url(tampered_text.encode('utf-8'))}.{signature}"
    result = verify(tampered, resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {"jwt.signature_mismatch"}


def test_one_character_flipped_anywhere_never_verifies(rsa_key):
    token = sign(make_credential(), private_key=rsa_key, kid=VM)
    resolver = resolver_for(rsa_key)
    for position in range(0, len(token), 97):
        if token[position] == ".":
            continue
        flipped = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        result = verify(flipped, resolver=resolver)
        assert not result.verified and result.problems


def test_non_canonical_base64_in_the_signature_is_refused(keys):
    # A 64-byte Ed25519 signature ends with a character carrying 4 spare bits: setting one would
    # decode to the same bytes, giving a second token string with a "valid" signature.
    token = sign(make_credential(), private_key=keys["EdDSA"], kid=VM)
    header, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    assert last % 16 == 0
    variant = f"{header}.{payload}.{signature[:-1]}{alphabet[last + 1]}"
    assert unb64url(variant.split(".")[2]) == unb64url(signature)
    result = verify(variant, resolver=resolver_for(keys["EdDSA"]))
    assert not result.verified and codes(result) == {"jwt.malformed"}


def test_swapped_signature(rsa_key):
    first = sign(make_credential(), private_key=rsa_key, kid=VM)
    second = sign(make_credential(name="Autre badge"), private_key=rsa_key, kid=VM)
    swapped = ".".join(first.split(".")[:2] + second.split(".")[2:])
    result = verify(swapped, resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {"jwt.signature_mismatch"}


def test_signed_by_another_key(keys):
    token = sign(make_credential(), private_key=generate_jwt_key("ES256"), kid=VM)
    result = verify(token, resolver=resolver_for(keys["ES256"]))
    assert not result.verified and codes(result) == {"jwt.signature_mismatch"}


def test_kid_unresolvable(rsa_key):
    token = sign(make_credential(), private_key=rsa_key, kid="https://inconnu.example/keys#1")
    result = verify(token, resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {"jwt.key_unresolved"}
    assert result.controller is None and result.credential is not None


def test_kid_not_authorised_for_assertions(rsa_key):
    method = {"id": VM, "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": public_jwk(rsa_key)}
    document = {"id": ISSUER, "verificationMethod": [method], "assertionMethod": [], "authentication": [VM]}
    token = sign(make_credential(), private_key=rsa_key, kid=VM)
    result = verify(token, resolver=StaticResolver({ISSUER: document}))
    assert not result.verified and codes(result) == {"jwt.key_unresolved"}


def test_key_type_mismatch(keys):
    # Header says ES256, the kid resolves to an RSA key.
    token = sign(make_credential(), private_key=keys["ES256"], kid=VM)
    result = verify(token, resolver=resolver_for(keys["RS256"]))
    assert not result.verified and codes(result) == {"jwt.key_type_mismatch"}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_short_rsa_key_is_refused():
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    token = raw_jws({"alg": "RS256", "kid": VM}, _payload_for(make_credential()), weak, "RS256")
    result = verify(token, resolver=resolver_for(weak))
    assert not result.verified and codes(result) == {"jwt.key_type_mismatch"}


@pytest.mark.parametrize(
    "claim, value",
    [
        ("iss", "https://usurpateur.example/issuers/1"),
        ("jti", "urn:uuid:00000000-0000-4000-8000-000000000000"),
        ("sub", "did:example:quelqu-un-d-autre"),
        ("nbf", 946684800),
        ("nbf", "2025-03-14T08:30:00Z"),
        ("exp", 4102444800),
    ],
)
def test_claims_mismatch(keys, claim, value):
    payload = _payload_for(make_credential())
    payload[claim] = value
    token = raw_jws({"alg": "EdDSA", "kid": VM}, payload, keys["EdDSA"], "EdDSA")
    result = verify(token, resolver=resolver_for(keys["EdDSA"]))
    assert not result.verified
    assert codes(result) == {"jwt.claims_mismatch"}
    assert result.problems[0].path == f"payload.{claim}"


def test_claims_mismatch_in_vc_claim_shape(keys):
    credential = make_credential()
    payload = {"vc": credential, "iss": "https://usurpateur.example", "jti": credential["id"], "nbf": 1741941000}
    token = raw_jws({"alg": "EdDSA", "kid": VM}, payload, keys["EdDSA"], "EdDSA")
    result = verify(token, resolver=resolver_for(keys["EdDSA"]))
    assert not result.verified and codes(result) == {"jwt.claims_mismatch"}
    assert result.problems[0].path == "payload.iss"


def test_missing_claims_are_warnings(keys):
    payload = _payload_for(make_credential())
    del payload["nbf"]
    token = raw_jws({"alg": "EdDSA", "kid": VM}, payload, keys["EdDSA"], "EdDSA")
    result = verify(token, resolver=resolver_for(keys["EdDSA"]))
    assert result.verified
    assert [(w.code, w.path) for w in result.warnings] == [("jwt.claim_missing", "payload.nbf")]


@pytest.mark.parametrize(
    "header, code",
    [
        ({"alg": "RS256", "kid": VM, "typ": "vc+sd-jwt"}, "jwt.header_invalid"),
        ({"alg": "RS256", "kid": VM, "crit": ["exp"], "exp": 1}, "jwt.header_invalid"),
        ({"alg": "RS256", "kid": 7}, "jwt.header_invalid"),
        ({"alg": "RS256", "jwk": "not an object"}, "jwt.header_invalid"),
        ({"alg": "PS256", "kid": VM}, "jwt.alg_not_allowed"),
        ({"alg": "ES384", "kid": VM}, "jwt.alg_not_allowed"),
        ({"kid": VM}, "jwt.alg_not_allowed"),
    ],
)
def test_bad_headers(rsa_key, header, code):
    payload = b64url_json(_payload_for(make_credential()))
    token = f"{b64url_json(header)}.{payload}.{b64url(b'x' * 256)}"
    result = verify(token, resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {code}
    with pytest.raises(ProofError) as info:
        decode(token)
    assert info.value.code == code


def test_private_jwk_in_header_is_refused(rsa_key):
    private = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key, as_dict=True)
    token = raw_jws({"alg": "RS256", "jwk": private}, _payload_for(make_credential()), rsa_key, "RS256")
    result = verify(token, resolver=StaticResolver())
    assert not result.verified and codes(result) == {"jwt.header_invalid"}


def test_payload_without_credential(rsa_key):
    for payload in ({"iss": ISSUER, "nbf": 1}, {"vc": "texte"}, {"vc": {}, "@context": []}):
        token = raw_jws({"alg": "RS256", "kid": VM}, payload, rsa_key, "RS256")
        result = verify(token, resolver=resolver_for(rsa_key))
        assert not result.verified and codes(result) == {"jwt.no_credential"}
        assert result.credential is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "   ",
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",  # JWE shape
        "...",
        "€.€.€",
        "e30.e30.e30",  # {} header: no alg
        b64url_json({"alg": "RS256"}) + ".bm90IGpzb24." + b64url(b"sig"),  # payload not JSON
        b64url_json({"alg": "RS256"}) + "." + b64url_json([1, 2]) + "." + b64url(b"sig"),  # not an object
        b64url_json({"alg": "RS256"}) + "." + b64url_json({"@context": []}) + ".",  # empty signature
        b64url_json({"alg": "RS256"}) + "." + b64url(b'{"a":1,"a":2}') + "." + b64url(b"sig"),  # duplicates
        b64url_json({"alg": "RS256"}) + "." + b64url(b'{"nbf":1e999}') + "." + b64url(b"sig"),  # infinity
        b64url_json({"alg": "RS256"}) + "." + b64url(b'{"nbf":NaN}') + "." + b64url(b"sig"),
        b64url_json({"alg": "RS256"}) + "." + b64url(b"\xff\xfe") + "." + b64url(b"sig"),  # not UTF-8
        b64url_json({"alg": "RS256"}) + "." + b64url(b"[" * 100_000) + "." + b64url(b"sig"),  # deep nesting
        "eyJhbGciOiJSUzI1NiJ9=.e30.c2ln",  # padding
        "eyJhbGciOiJSUzI1NiJ9.e3 0.c2ln",  # whitespace inside
        "eyJhbGciOiJSUzI1NiJ9.e30+.c2ln",  # standard base64 alphabet
        None,
        b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        12,
    ],
)
def test_garbage_never_raises(rsa_key, token):
    result = verify(token, resolver=resolver_for(rsa_key))
    assert not result.verified
    assert result.problems and result.problems[0].code in {"jwt.malformed", "jwt.alg_not_allowed", "jwt.no_credential"}
    assert result.credential is None


def test_huge_token(rsa_key):
    good = sign(make_credential(), private_key=rsa_key, kid=VM)
    header, _, signature = good.split(".")
    payload = _payload_for(make_credential())
    payload["description"] = "x" * MAX_TOKEN_LENGTH
    huge = f"{header}.{b64url_json(payload)}.{signature}"
    result = verify(huge, resolver=resolver_for(rsa_key))
    assert not result.verified and codes(result) == {"jwt.malformed"}
    assert not verify("a" * (8 * MAX_TOKEN_LENGTH), resolver=resolver_for(rsa_key)).verified


def test_resolver_is_not_called_for_malformed_tokens():
    class Exploding:
        def resolve(self, vm_id):
            raise AssertionError("must not be called")

    assert not verify("a.b.c", resolver=Exploding()).verified


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_text_never_raises(text):
    result = verify(text, resolver=StaticResolver())
    assert result.verified is False and result.problems


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120), st.binary(max_size=120), st.binary(max_size=80))
def test_fuzz_segments_never_raise(header, payload, signature):
    token = ".".join(b64url(part) for part in (header, payload, signature))
    result = verify(token, resolver=StaticResolver())
    assert result.verified is False and result.problems

"""VC-JWT: an OpenBadgeCredential secured as a Compact JWS (Open Badges 3.0 §8.2).

Spec: 1EdTech Open Badges 3.0, §8.2 "JSON Web Token Proof Format"
(https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof), with RFC 7515 (JWS), RFC 7519 (JWT) and
RFC 7518 (algorithms) underneath.

Which payload shape
-------------------
OB 3.0 as published (§8.2.4.1 "JWT Payload Format") says the JWT payload *is* the JSON object
of the OpenBadgeCredential, with the registered claims added beside its members. The older
VC 1.1 shape kept the credential in a ``vc`` claim; §8.2.6 step 6 tells verifiers to accept it
("Credentials created following [VC-DATA-MODEL-1.1] store the OpenBadgeCredential in the vc
claim"). So:

* :func:`sign` writes the §8.2.4.1 shape: credential members + ``iss``/``jti``/``sub``/``nbf``/``exp``.
* :func:`decode` and :func:`verify` accept both: a ``vc`` object, or a top-level credential
  (recognised by its ``@context``; the same shape VC-JOSE-COSE uses), from which the seven
  RFC 7519 §4.1 registered claims are removed to give back the credential.

Claim mapping (§8.2.4.1, checked as §8.2.6.1 says)
---------------------------------------------------
====== ============================== ==============================================
claim  credential (VC 2.0 contexts)   credential with the VC 1.1 context first (§9.1 note)
====== ============================== ==============================================
iss    issuer.id (or issuer string)   same
jti    id                             same
sub    credentialSubject.id           same (omitted when the subject has no id)
nbf    validFrom, as NumericDate      issuanceDate
exp    validUntil, when present       expirationDate
====== ============================== ==============================================

NumericDates are whole seconds (RFC 7519 §2 allows fractions, JWT libraries commonly do not),
so dates are compared at one-second precision, fractions truncated.

Problem codes
-------------
``jwt.malformed``         not a compact JWS: size, segments, base64url, JSON objects.
``jwt.alg_not_allowed``   ``alg`` outside RS256 / ES256 / EdDSA ("none" and HS* included).
``jwt.header_invalid``    ``typ``, ``crit``, ``b64``, a private ``jwk``, a ``jwk`` that
                          disagrees with the key its ``kid`` resolves to.
``jwt.no_credential``     the payload carries no credential (or two).
``jwt.key_unresolved``    no ``kid``/``jwk``, the resolver cannot resolve ``kid``, unusable key.
``jwt.key_type_mismatch`` the key does not fit ``alg`` (type, curve, RSA below 2048 bits).
``jwt.signature_mismatch`` the signature does not verify.
``jwt.claims_mismatch``   a claim disagrees with the credential it wraps.
``jwt.claim_missing``     a claim §8.2.4.1 lists is absent: a *warning* only. The credential
                          itself is what was signed and carries the value, so an absent claim
                          cannot contradict it; 1EdTech's own fixtures omit ``sub``.

:func:`sign` raises :class:`ProofError` with ``jwt.credential_invalid``, ``jwt.bad_date``,
``jwt.alg_not_allowed``, ``jwt.key_type_mismatch`` or ``jwt.header_invalid``.

Nothing here reads the clock or opens a socket: whether ``nbf``/``exp`` have passed is the
verifier's business with its injected clock, and keys come through the injected resolver.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from badger.credentials.access import issuer_id
from badger.credentials.dates import parse_datetime
from badger.credentials.problems import Problem
from badger.credentials.vocab import VC_V1_CONTEXT
from badger.errors import KeyMaterialError, ProofError, ResolutionError
from badger.keys.jwk import (
    PRIVATE_JWK_MEMBERS,
    algorithm_for,
    jwk_thumbprint,
    key_from_jwk,
    public_jwk,
)
from badger.keys.resolver import KeyResolver

__all__ = ["ALLOWED_ALGORITHMS", "MAX_TOKEN_LENGTH", "JwtVerification", "sign", "decode", "verify"]

# §8.2.3: RS256 is the one every verifier must accept; ES256 and EdDSA are "permitted". An
# explicit allow-list, never the token's word, picks the algorithm: "none" and the HMAC family
# are out, which shuts the door on RFC 8725 §2.1 / §3.1 algorithm substitution attacks.
ALLOWED_ALGORITHMS = ("RS256", "ES256", "EdDSA")

# A badge is a few kilobytes; a limit far above any real credential stops memory and CPU abuse
# before base64 or JSON decoding runs.
MAX_TOKEN_LENGTH = 1024 * 1024

_MIN_RSA_BITS = 2048  # NIST SP 800-131A; PyJWT's own minimum too

# RFC 7519 §4.1: the registered claim names, stripped from a top-level credential payload.
_REGISTERED_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")

# §8.2.3 says typ, "if present, MUST be set to 'JWT'". VC-JOSE-COSE tokens say "vc+jwt" (older
# drafts "vc+ld+json+jwt"); they are accepted since their payload shape is accepted too. RFC
# 7515 §4.1.9: compare case-insensitively and allow the omitted "application/" prefix.
_ACCEPTED_TYP = {"jwt", "vc+jwt", "vc+ld+json+jwt"}

_B64URL = re.compile(r"[A-Za-z0-9_-]*")

# XML Schema dateTime with a mandatory timezone (VC 2.0 "Validity Period" uses xsd:dateTimeStamp).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)


@dataclass(frozen=True)
class JwtVerification:
    """The outcome of :func:`verify`.

    ``credential`` is the decoded credential (None when the token could not be decoded); it is
    only trustworthy when ``verified`` is True. ``verification_method`` and ``controller`` come
    from the resolved ``kid``; both are None for a key taken from a ``jwk`` header, where the
    caller decides whether that key is bound to the issuer. ``warnings`` never affect
    ``verified``.
    """

    credential: dict[str, Any] | None
    header: dict[str, Any]
    verified: bool
    problems: list[Problem]
    verification_method: str | None = None
    controller: str | None = None
    warnings: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# sign


def sign(
    credential: dict[str, Any],
    *,
    private_key: Any,
    kid: str | None,
    alg: str | None = None,
    embed_jwk: bool = False,
) -> str:
    """Secure an unsigned credential as a VC-JWT (OB 3.0 §8.2.3 – §8.2.5).

    Input: the credential dict (left untouched), without an embedded ``proof``; a private key
    (RSA ≥ 2048 bits, P-256 or Ed25519); ``kid``, the verification method URL put in the JOSE
    header; ``alg`` (defaults to the key's: RS256, ES256 or EdDSA); ``embed_jwk`` to put the
    public key in a ``jwk`` header as well. §8.2.3 needs ``kid`` or ``jwk``.

    Output: the Compact JWS string. Header ``{"alg", "kid"?, "jwk"?, "typ": "JWT"}``; payload
    the credential's members plus ``iss``, ``jti``, ``sub`` (when the subject has an ``id``),
    ``nbf`` and ``exp`` (when ``validUntil`` is present), per §8.2.4.1.

    Raises ProofError: ``jwt.credential_invalid`` (not an object, has ``proof``, no issuer id,
    no ``id``, no ``validFrom``, a member named like a registered claim or ``vc``, several
    subjects), ``jwt.bad_date`` (``validFrom``/``validUntil`` not an XML Schema dateTime with a
    timezone), ``jwt.alg_not_allowed``, ``jwt.key_type_mismatch`` (``alg`` does not fit the key,
    not a private key, RSA too short), ``jwt.header_invalid`` (neither ``kid`` nor ``jwk``).
    """
    if not isinstance(credential, dict):
        raise ProofError("the credential must be a JSON object", code="jwt.credential_invalid")
    # Badger secures a credential one way: a JWT around a credential that already carries a
    # Data Integrity proof would make two signatures to keep consistent (§8.2.2 allows it).
    if "proof" in credential:
        raise ProofError("the credential already has an embedded proof", code="jwt.credential_invalid")
    clashes = sorted(k for k in (*_REGISTERED_CLAIMS, "vc") if k in credential)
    if clashes:
        # The claims sit beside the credential's members (§8.2.4.1); a member with the same
        # name would be overwritten or make the payload ambiguous.
        raise ProofError(
            f"credential members clash with JWT claims: {', '.join(clashes)}", code="jwt.credential_invalid"
        )

    iss = issuer_id(credential)
    if not iss:
        raise ProofError("the credential has no issuer id", code="jwt.credential_invalid")
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        raise ProofError("the credential has no id (the jti claim)", code="jwt.credential_invalid")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ProofError("credentialSubject must be a single object", code="jwt.credential_invalid")
    if "validFrom" not in credential:
        raise ProofError("the credential has no validFrom (the nbf claim)", code="jwt.credential_invalid")

    claims: dict[str, Any] = {"iss": iss, "jti": credential_id}
    subject_id = subject.get("id")
    if subject_id is not None:
        if not isinstance(subject_id, str) or not subject_id:
            raise ProofError("credentialSubject.id must be a non-empty string", code="jwt.credential_invalid")
        claims["sub"] = subject_id
    claims["nbf"] = _numeric_date_or_raise(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        claims["exp"] = _numeric_date_or_raise(credential["validUntil"], "validUntil")

    if not isinstance(private_key, _PRIVATE_KEY_TYPES):
        raise ProofError("a private RSA, P-256 or Ed25519 key is required", code="jwt.key_type_mismatch")
    try:
        key_alg = algorithm_for(private_key)
    except KeyMaterialError as exc:
        raise ProofError(str(exc), code="jwt.key_type_mismatch") from exc
    alg = key_alg if alg is None else alg
    if alg not in ALLOWED_ALGORITHMS:
        raise ProofError(f"alg {alg!r} is not one of {ALLOWED_ALGORITHMS}", code="jwt.alg_not_allowed")
    if alg != key_alg:
        raise ProofError(f"alg {alg} does not fit a key for {key_alg}", code="jwt.key_type_mismatch")
    if isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size < _MIN_RSA_BITS:
        raise ProofError(f"RSA keys below {_MIN_RSA_BITS} bits are refused", code="jwt.key_type_mismatch")

    # §8.2.3: alg, kid and/or jwk, typ "JWT"; "Additional JOSE Headers are NOT allowed".
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise ProofError("kid must be a non-empty string", code="jwt.header_invalid")
        header["kid"] = kid
    if embed_jwk:
        header["jwk"] = public_jwk(private_key)  # public members only, never "d" (§8.2.3)
    if "kid" not in header and "jwk" not in header:
        raise ProofError("the JOSE header needs a kid or a jwk (§8.2.3)", code="jwt.header_invalid")

    payload = {**credential, **claims}
    # UTF-8 without \u escapes: RFC 7519 §7.1 signs the octets of the JSON text.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jwt.PyJWS(algorithms=[alg]).encode(body, private_key, algorithm=alg, headers=header)


def _numeric_date_or_raise(value: Any, name: str) -> int:
    seconds = _numeric_date(value)
    if seconds is None:
        raise ProofError(f"{name} is not an XML Schema dateTime with a timezone: {value!r}", code="jwt.bad_date")
    return seconds


def _numeric_date(value: Any) -> int | None:
    """XML Schema dateTime with timezone -> NumericDate (whole seconds, fraction truncated)."""
    moment = parse_datetime(value)
    # timedelta floor division keeps whole-second integers exact, with no float rounding.
    return None if moment is None else (moment - _EPOCH) // timedelta(seconds=1)


# --------------------------------------------------------------------------------------------
# decode


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Parse a Compact JWS VC-JWT strictly, without checking its signature (OB 3.0 §8.2.6 steps 1, 5, 6).

    Input: the token string (surrounding whitespace is ignored).
    Output: ``(header, payload, credential)``: the JOSE header, the whole JWT payload and the
    credential, taken from the ``vc`` claim or, for the §8.2.4.1 shape, the payload without
    the RFC 7519 registered claims.

    Raises ProofError: ``jwt.malformed`` (longer than MAX_TOKEN_LENGTH, not three non-empty
    base64url segments, not UTF-8 JSON objects, duplicate member names, non-finite numbers),
    ``jwt.alg_not_allowed``, ``jwt.header_invalid``, ``jwt.no_credential``.
    """
    return _decode(token, {})


def _decode(token: Any, seen_header: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """:func:`decode`, copying the header into ``seen_header`` as soon as it is known."""
    if not isinstance(token, str):
        raise ProofError("a VC-JWT is a string", code="jwt.malformed")
    if len(token) > MAX_TOKEN_LENGTH:
        raise ProofError(f"token longer than {MAX_TOKEN_LENGTH} characters", code="jwt.malformed")
    parts = token.strip().split(".")
    if len(parts) != 3:
        # Five segments would be a JWE (RFC 7516): encrypted credentials are not supported.
        raise ProofError(f"a compact JWS has 3 segments, not {len(parts)}", code="jwt.malformed")
    header = _json_object(_b64decode(parts[0], "header"), "header")
    seen_header.update(header)
    _check_header(header)
    payload = _json_object(_b64decode(parts[1], "payload"), "payload")
    signature = _b64decode(parts[2], "signature")
    if not signature:
        raise ProofError("empty signature", code="jwt.malformed")
    return header, payload, _credential_from(payload)


def _b64decode(segment: str, name: str) -> bytes:
    # RFC 7515 §2 base64url: no padding, no whitespace, URL-safe alphabet only.
    if not segment or not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise ProofError(f"the {name} segment is not base64url", code="jwt.malformed")
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    # Refuse non-zero spare bits in the last character: otherwise several strings decode to the
    # same bytes and a token could be altered while its signature still verifies.
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != segment:
        raise ProofError(f"the {name} segment is not canonical base64url", code="jwt.malformed")
    return data


def _no_duplicates(pairs: list[Any]) -> dict[str, Any]:
    # RFC 7515 §4 / RFC 7519 §4 let parsers reject duplicate member names; we do, so that no two
    # parsers can read different headers or claims out of the same signed bytes.
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # "1e999" parses to inf
        raise ValueError("number out of range")
    return value


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_finite,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProofError(f"the {name} is not JSON: {exc}", code="jwt.malformed") from exc
    if not isinstance(value, dict):
        raise ProofError(f"the {name} is not a JSON object", code="jwt.malformed")
    return value


def _check_header(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise ProofError(f"alg {alg!r} is not one of {ALLOWED_ALGORITHMS}", code="jwt.alg_not_allowed")
    typ = header.get("typ")
    if typ is not None:
        normalised = typ.lower().removeprefix("application/") if isinstance(typ, str) else None
        if normalised not in _ACCEPTED_TYP:
            raise ProofError(f"typ {typ!r} is not 'JWT' (OB 3.0 §8.2.3)", code="jwt.header_invalid")
    # RFC 7515 §4.1.11: a recipient MUST reject a crit extension it does not understand, and
    # this profile understands none. b64=false (RFC 7797) would change what is signed.
    if "crit" in header:
        raise ProofError("critical header extensions are not supported", code="jwt.header_invalid")
    if "b64" in header and header["b64"] is not True:
        raise ProofError("unencoded payloads (b64) are not supported", code="jwt.header_invalid")
    if "kid" in header and (not isinstance(header["kid"], str) or not header["kid"]):
        raise ProofError("kid must be a non-empty string", code="jwt.header_invalid")
    if "jwk" in header:
        jwk_value = header["jwk"]
        if not isinstance(jwk_value, dict):
            raise ProofError("jwk must be a JSON object", code="jwt.header_invalid")
        if any(member in jwk_value for member in PRIVATE_JWK_MEMBERS):
            # §8.2.3: "The JWK MUST never contain 'd'": whoever made this leaked a private key.
            raise ProofError("the jwk header holds private key material", code="jwt.header_invalid")
    # Other parameters (x5u, jku, ...) are ignored as RFC 7515 §4 says; in particular key URLs
    # chosen by the token are never fetched: keys come from the kid through the resolver.


def _credential_from(payload: dict[str, Any]) -> dict[str, Any]:
    has_vc = "vc" in payload
    has_top = "@context" in payload
    if has_vc and has_top:
        raise ProofError("the payload holds both a vc claim and a top-level credential", code="jwt.no_credential")
    if has_vc:
        # VC 1.1 shape (§8.2.6 step 6, note).
        if not isinstance(payload["vc"], dict):
            raise ProofError("the vc claim is not a JSON object", code="jwt.no_credential")
        return payload["vc"]
    if has_top:
        # OB 3.0 §8.2.4.1 shape: the claims sit beside the credential's own members.
        return {k: v for k, v in payload.items() if k not in _REGISTERED_CLAIMS}
    raise ProofError("the payload holds no credential (no vc claim, no @context)", code="jwt.no_credential")


# --------------------------------------------------------------------------------------------
# verify


def verify(token: str, *, resolver: KeyResolver) -> JwtVerification:
    """Verify a VC-JWT's signature and its claims against the credential (OB 3.0 §8.2.6, §8.2.6.1).

    Input: the token; ``resolver`` turns the header's ``kid`` into a verification method
    (§8.5 "Dereferencing the Public Key"). A token with only a ``jwk`` header is checked
    against that key, and ``controller`` stays None: binding that key to the issuer is the
    caller's decision.

    Output: a :class:`JwtVerification`; ``verified`` is True when the signature verifies with
    an allowed algorithm and a fitting key and no claim contradicts the credential. Validity
    dates are not compared with any clock here.

    Errors: none for a bad token; every failure is a Problem (codes in the module docstring).
    """
    header: dict[str, Any] = {}
    try:
        header, payload, credential = _decode(token, header)
    except ProofError as exc:
        return JwtVerification(None, dict(header), False, [Problem(exc.code, str(exc))])

    problems: list[Problem] = []
    warnings: list[Problem] = []
    alg = header["alg"]

    key, vm_id, controller = _select_key(header, resolver, problems)
    if key is not None and _key_fits(key, alg, header, problems):
        _check_signature(token.strip(), key, alg, problems)
    _check_claims(payload, credential, problems, warnings)

    return JwtVerification(
        credential=credential,
        header=header,
        verified=not problems,
        problems=problems,
        verification_method=vm_id,
        controller=controller,
        warnings=warnings,
    )


def _select_key(header: dict[str, Any], resolver: KeyResolver, problems: list[Problem]) -> Any:
    """-> (public key or None, verification method id, controller), per §8.2.6 steps 2-3."""
    kid = header.get("kid")
    jwk_value = header.get("jwk")
    if kid is None and jwk_value is None:
        problems.append(Problem("jwt.key_unresolved", "the header has neither kid nor jwk (§8.2.3)", "header"))
        return None, None, None
    if kid is not None:
        # kid first: it names a verification method whose controller can be checked against
        # the issuer, which a bare jwk cannot do.
        try:
            method = resolver.resolve(kid)
            key = method.public_key()
        except (ResolutionError, KeyMaterialError, ValueError) as exc:
            problems.append(Problem("jwt.key_unresolved", f"cannot resolve kid {kid!r}: {exc}", "header.kid"))
            return None, None, None
        if jwk_value is not None and not _same_key(jwk_value, key):
            problems.append(
                Problem("jwt.header_invalid", "the jwk header is not the key the kid resolves to", "header.jwk")
            )
            return None, method.id, method.controller
        return key, method.id, method.controller
    try:
        return key_from_jwk(jwk_value), None, None
    except KeyMaterialError as exc:
        problems.append(Problem("jwt.key_unresolved", f"unusable jwk header: {exc}", "header.jwk"))
        return None, None, None


def _same_key(jwk_value: dict[str, Any], key: Any) -> bool:
    try:
        return jwk_thumbprint(jwk_value) == jwk_thumbprint(public_jwk(key))
    except (KeyError, KeyMaterialError):
        return False


def _key_fits(key: Any, alg: str, header: dict[str, Any], problems: list[Problem]) -> bool:
    # The key, not the token, decides the algorithm family (RFC 8725 §3.1): an RS256 header with
    # an Ed25519 key, or a P-384 key under ES256, is refused before any verification.
    try:
        key_alg = algorithm_for(key)
    except KeyMaterialError as exc:
        problems.append(Problem("jwt.key_type_mismatch", str(exc), "header.alg"))
        return False
    if key_alg != alg:
        problems.append(Problem("jwt.key_type_mismatch", f"alg {alg} with a key for {key_alg}", "header.alg"))
        return False
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
        problems.append(
            Problem("jwt.key_type_mismatch", f"RSA key of {key.key_size} bits (minimum {_MIN_RSA_BITS})", "header")
        )
        return False
    declared = header.get("jwk", {}).get("alg") if isinstance(header.get("jwk"), dict) else None
    if declared is not None and declared != alg:
        problems.append(Problem("jwt.key_type_mismatch", f"the jwk is for {declared!r}, not {alg}", "header.jwk"))
        return False
    return True


def _check_signature(token: str, key: Any, alg: str, problems: list[Problem]) -> None:
    # PyJWS checks the signature only; the claim-checking jwt.decode() is deliberately not used,
    # since it would compare exp/nbf with the real clock (§8.2.6.1 dates are the verifier's
    # business, with its injected clock). RFC 7515 §5.2 step 8.
    jws = jwt.PyJWS(algorithms=[alg], options={"verify_signature": True, "enforce_minimum_key_length": True})
    try:
        jws.decode_complete(token, key=key, algorithms=[alg])
    except jwt.exceptions.InvalidSignatureError:
        problems.append(Problem("jwt.signature_mismatch", "the signature does not verify", "signature"))
    except (jwt.exceptions.InvalidKeyError, jwt.exceptions.InvalidAlgorithmError) as exc:
        problems.append(Problem("jwt.key_type_mismatch", str(exc), "header.alg"))
    except jwt.exceptions.DecodeError as exc:
        problems.append(Problem("jwt.malformed", str(exc)))
    except (jwt.exceptions.PyJWTError, ValueError, TypeError) as exc:
        problems.append(Problem("jwt.signature_mismatch", f"signature check failed: {exc}", "signature"))


def _check_claims(
    payload: dict[str, Any], credential: dict[str, Any], problems: list[Problem], warnings: list[Problem]
) -> None:
    """§8.2.6.1: each claim present must match the credential; an absent one is a warning."""

    def compare(claim: str, expected: Any, where: str, required: bool = True) -> None:
        if claim not in payload:
            if required and expected is not None:
                warnings.append(Problem("jwt.claim_missing", f"no {claim} claim for {where}", f"payload.{claim}"))
            return
        if payload[claim] != expected:
            problems.append(
                Problem(
                    "jwt.claims_mismatch",
                    f"{claim} is {payload[claim]!r} but {where} is {expected!r}",
                    f"payload.{claim}",
                )
            )

    compare("iss", issuer_id(credential), "issuer.id")
    compare("jti", credential.get("id"), "id")
    subject = credential.get("credentialSubject")
    compare("sub", subject.get("id") if isinstance(subject, dict) else None, "credentialSubject.id")

    # §9.1 note: VC 1.1 credentials name the dates issuanceDate / expirationDate.
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    start, end = ("issuanceDate", "expirationDate") if first == VC_V1_CONTEXT else ("validFrom", "validUntil")
    _compare_date(payload, "nbf", credential, start, problems, warnings)
    _compare_date(payload, "exp", credential, end, problems, warnings)


def _compare_date(
    payload: dict[str, Any], claim: str, credential: dict[str, Any], prop: str, problems: Any, warnings: Any
) -> None:
    has_claim, has_prop = claim in payload, prop in credential
    if not has_claim:
        if has_prop:  # nbf always required; exp "Required if the credential has a validUntil"
            warnings.append(Problem("jwt.claim_missing", f"no {claim} claim for {prop}", f"payload.{claim}"))
        return
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(Problem("jwt.claims_mismatch", f"{claim} is not a NumericDate: {value!r}", f"payload.{claim}"))
        return
    if not has_prop:
        problems.append(
            Problem("jwt.claims_mismatch", f"{claim} is set but the credential has no {prop}", f"payload.{claim}")
        )
        return
    expected = _numeric_date(credential[prop])
    if expected is None:
        problems.append(Problem("jwt.claims_mismatch", f"{prop} is not a dateTime: {credential[prop]!r}", prop))
    elif math.floor(value) != expected:
        problems.append(
            Problem(
                "jwt.claims_mismatch",
                f"{claim} {value} is not {prop} {credential[prop]} ({expected})",
                f"payload.{claim}",
            )
        )

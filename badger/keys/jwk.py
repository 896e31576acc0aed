"""Keys for VC-JWT: RSA (RS256), P-256 (ES256) and Ed25519 (EdDSA); JWK and PEM forms.

OB 3.0 §8.2.3 (VC-JWT): RS256 is the algorithm every verifier must accept; ES256 is widely
supported. PyJWT does the JWK conversion; this module only chooses algorithms and thumbprints.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from badger.errors import KeyMaterialError

__all__ = [
    "JWT_ALGORITHMS",
    "generate_jwt_key",
    "algorithm_for",
    "public_jwk",
    "key_from_jwk",
    "jwk_thumbprint",
    "PRIVATE_JWK_MEMBERS",
    "public_members",
    "private_pem",
    "load_private_pem",
]

JWT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
# Members of a JWK that belong to the private key (RFC 7518 §6.2.2, §6.3.2; "k" is a symmetric key).
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def public_members(jwk: dict[str, Any]) -> dict[str, Any]:
    """The JWK without its private members: what may be published."""
    return {k: v for k, v in jwk.items() if k not in PRIVATE_JWK_MEMBERS}


def generate_jwt_key(alg: str = "RS256") -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey:
    """A fresh private key for ``alg`` (RS256: RSA 2048, ES256: P-256, EdDSA: Ed25519)."""
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise KeyMaterialError(f"unsupported JWT algorithm {alg!r}", code="key.unsupported_type")


def algorithm_for(key: Any) -> str:
    """The JWS ``alg`` that goes with a private or public key."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RS256"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name != "secp256r1":
            raise KeyMaterialError("only P-256 EC keys are supported", code="key.unsupported_type")
        return "ES256"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "EdDSA"
    raise KeyMaterialError("unsupported key type", code="key.unsupported_type")


def _algo(alg: str) -> Any:
    return {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[alg]


def public_jwk(key: Any, *, kid: str | None = None) -> dict[str, Any]:
    """Public JWK (RFC 7517) of a private or public key, with ``alg`` and optional ``kid``."""
    alg = algorithm_for(key)
    public = key.public_key() if hasattr(key, "public_key") else key
    jwk = _algo(alg).to_jwk(public, as_dict=True)
    jwk = {k: v for k, v in jwk.items() if k not in ("key_ops",)}
    jwk["alg"] = alg
    if kid:
        jwk["kid"] = kid
    return jwk


def key_from_jwk(jwk: object) -> Any:
    """Public key object from a JWK dict. Raises KeyMaterialError; private members are ignored."""
    if not isinstance(jwk, dict):
        raise KeyMaterialError("a JWK must be a JSON object", code="key.bad_jwk")
    public = public_members(jwk)
    kty = public.get("kty")
    try:
        if kty == "RSA":
            return RSAAlgorithm.from_jwk(public)
        if kty == "EC":
            return ECAlgorithm.from_jwk(public)
        if kty == "OKP":
            return OKPAlgorithm.from_jwk(public)
    except Exception as exc:  # PyJWT raises several types for malformed members
        raise KeyMaterialError(f"invalid JWK: {exc}", code="key.bad_jwk") from exc
    raise KeyMaterialError(f"unsupported JWK key type {kty!r}", code="key.unsupported_type")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url): a stable ``kid`` for a key."""
    members: dict[Any, tuple[str, ...]] = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }
    required = members.get(jwk.get("kty"))
    if not required:
        raise KeyMaterialError("unsupported JWK key type", code="key.unsupported_type")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def private_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, password: bytes | None = None
) -> bytes:
    """PKCS#8 PEM of a private key, encrypted with ``password`` when given."""
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def load_private_pem(data: bytes, password: bytes | None = None) -> Any:
    try:
        return serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(f"cannot load private key: {exc}", code="key.bad_pem") from exc

"""ECDSA key pairs on P-256 and P-384 for Data Integrity proofs (W3C VC Data Integrity ECDSA
Cryptosuites v1.0: ecdsa-rdfc-2019, ecdsa-jcs-2019, ecdsa-sd-2023).

vc-di-ecdsa §2.1 (Multikey): the public key is the compressed point (33 bytes on P-256, 49 on
P-384) behind the multicodec header p256-pub / p384-pub; the secret key the raw scalar behind
p256-priv / p384-priv. §3.x "Proof Serialization": the signature is IEEE P1363 ``r || s``
(64 or 96 bytes), not DER; the message is hashed with SHA-256 on P-256 and SHA-384 on P-384.
``cryptography`` does the curve arithmetic; this module converts encodings only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from badger.errors import KeyMaterialError
from badger.keys.multibase import P256_PRIV, P256_PUB, P384_PRIV, P384_PUB, decode_multikey, encode_multikey

__all__ = ["EcdsaKeyPair", "CURVES"]

# curve name -> (cryptography curve, hash, scalar size, public header, secret header)
CURVES: dict[str, tuple[Any, Any, int, bytes, bytes]] = {
    "P-256": (ec.SECP256R1(), hashes.SHA256(), 32, P256_PUB, P256_PRIV),
    "P-384": (ec.SECP384R1(), hashes.SHA384(), 48, P384_PUB, P384_PRIV),
}
_BY_CODEC = {"p256-pub": "P-256", "p384-pub": "P-384", "p256-priv": "P-256", "p384-priv": "P-384"}
_BY_CURVE_NAME = {"secp256r1": "P-256", "secp384r1": "P-384"}


@dataclass(frozen=True)
class EcdsaKeyPair:
    """A P-256 or P-384 public key with, optionally, its private key."""

    public_key: ec.EllipticCurvePublicKey
    private_key: ec.EllipticCurvePrivateKey | None = None

    @classmethod
    def generate(cls, curve: str = "P-256") -> EcdsaKeyPair:
        private = ec.generate_private_key(CURVES[curve][0])
        return cls(private.public_key(), private)

    @classmethod
    def from_public_key(cls, key: Any) -> EcdsaKeyPair:
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _BY_CURVE_NAME:
            raise KeyMaterialError("not a P-256 or P-384 public key", code="key.unsupported_type")
        return cls(key)

    @classmethod
    def from_public_bytes(cls, curve: str, raw: bytes) -> EcdsaKeyPair:
        try:
            return cls(ec.EllipticCurvePublicKey.from_encoded_point(CURVES[curve][0], raw))
        except ValueError as exc:
            raise KeyMaterialError(f"invalid {curve} point: {exc}", code="key.invalid") from exc

    @classmethod
    def from_multikey(cls, public_multibase: str, secret_multibase: str | None = None) -> EcdsaKeyPair:
        """Multikey strings (``zDna...`` P-256, ``z82L...`` P-384; secret ``z42t...``) -> key pair."""
        name, raw = decode_multikey(public_multibase)
        curve = _BY_CODEC.get(name)
        if curve is None or not name.endswith("-pub"):
            raise KeyMaterialError("not a P-256 or P-384 public key", code="key.unsupported_type")
        pair = cls.from_public_bytes(curve, raw)
        if secret_multibase is None:
            return pair
        secret_name, scalar = decode_multikey(secret_multibase)
        if _BY_CODEC.get(secret_name) != curve or not secret_name.endswith("-priv"):
            raise KeyMaterialError(f"not a {curve} secret key", code="key.unsupported_type")
        private = ec.derive_private_key(int.from_bytes(scalar, "big"), CURVES[curve][0])
        if private.public_key().public_numbers() != pair.public_key.public_numbers():
            raise KeyMaterialError("secret key does not match public key", code="key.mismatch")
        return cls(private.public_key(), private)

    @property
    def curve(self) -> str:
        return _BY_CURVE_NAME[self.public_key.curve.name]

    @property
    def size(self) -> int:
        """Bytes of one scalar: r and s each take this many bytes in a signature."""
        return CURVES[self.curve][2]

    @property
    def public_bytes(self) -> bytes:
        """The compressed point (SEC 1 §2.3.3)."""
        return self.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)

    @property
    def public_key_multibase(self) -> str:
        return encode_multikey(CURVES[self.curve][3], self.public_bytes)

    @property
    def secret_key_multibase(self) -> str:
        if self.private_key is None:
            raise KeyMaterialError("no private key", code="key.no_private_key")
        scalar = self.private_key.private_numbers().private_value.to_bytes(self.size, "big")
        return encode_multikey(CURVES[self.curve][4], scalar)

    def _hash(self, hash_name: str | None) -> Any:
        if hash_name is None:
            return CURVES[self.curve][1]
        return {"SHA-256": hashes.SHA256(), "SHA-384": hashes.SHA384()}[hash_name]

    def sign(self, data: bytes, *, hash_name: str | None = None) -> bytes:
        """ECDSA over ``data`` (hashed with the curve's hash unless told), as raw ``r || s``.

        Deterministic only in its format: ECDSA draws a fresh nonce, so signatures differ from
        run to run and from the spec vectors' (which are checked by verifying them)."""
        if self.private_key is None:
            raise KeyMaterialError("no private key", code="key.no_private_key")
        der = self.private_key.sign(data, ec.ECDSA(self._hash(hash_name)))
        r, s = decode_dss_signature(der)
        return r.to_bytes(self.size, "big") + s.to_bytes(self.size, "big")

    def verify(self, signature: bytes, data: bytes, *, hash_name: str | None = None) -> bool:
        """True when ``signature`` (raw ``r || s``) is this key's ECDSA signature of ``data``."""
        if len(signature) != 2 * self.size:
            return False
        r = int.from_bytes(signature[: self.size], "big")
        s = int.from_bytes(signature[self.size :], "big")
        try:
            self.public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(self._hash(hash_name)))
            return True
        except InvalidSignature:
            return False

    def multikey_document(self, vm_id: str, controller: str) -> dict[str, Any]:
        """The verification method as a Multikey (Controlled Identifiers 1.0 §2.2.2)."""
        return {
            "id": vm_id,
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": self.public_key_multibase,
        }

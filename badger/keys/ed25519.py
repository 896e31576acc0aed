"""Ed25519 key pairs for Data Integrity proofs (eddsa-rdfc-2022, Ed25519Signature2020)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from badger.errors import KeyMaterialError
from badger.keys.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    decode_multikey,
    encode_multikey,
)

__all__ = ["Ed25519KeyPair"]

_RAW: dict[str, Any] = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Ed25519KeyPair:
    """An Ed25519 public key with, optionally, its private key."""

    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None = None

    @classmethod
    def generate(cls) -> Ed25519KeyPair:
        private = Ed25519PrivateKey.generate()
        return cls(private.public_key(), private)

    @classmethod
    def from_private_bytes(cls, seed: bytes) -> Ed25519KeyPair:
        """32-byte seed (or the 64-byte seed||public form some tools print) -> key pair."""
        if len(seed) == 64:
            seed = seed[:32]
        if len(seed) != 32:
            raise KeyMaterialError("an Ed25519 private key is 32 bytes", code="key.bad_length")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        return cls(private.public_key(), private)

    @classmethod
    def from_multikey(cls, public_multibase: str, secret_multibase: str | None = None) -> Ed25519KeyPair:
        """Multikey strings (``z6Mk...`` public, ``z3u2...`` secret) -> key pair."""
        if secret_multibase is None and cls is Ed25519KeyPair:
            return _public_key_pair(public_multibase)
        name, raw = decode_multikey(public_multibase)
        if name != "ed25519-pub":
            raise KeyMaterialError("not an Ed25519 public key", code="key.unsupported_type")
        public = Ed25519PublicKey.from_public_bytes(raw)
        if secret_multibase is None:
            return cls(public)
        name, seed = decode_multikey(secret_multibase)
        if name != "ed25519-priv":
            raise KeyMaterialError("not an Ed25519 secret key", code="key.unsupported_type")
        pair = cls.from_private_bytes(seed)
        if pair.public_bytes != raw:
            raise KeyMaterialError("secret key does not match public key", code="key.mismatch")
        return pair

    @classmethod
    def from_public_bytes(cls, raw: bytes) -> Ed25519KeyPair:
        try:
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except ValueError as exc:
            raise KeyMaterialError(str(exc), code="key.bad_length") from exc

    @property
    def public_bytes(self) -> bytes:
        return self.public_key.public_bytes(**_RAW)

    @property
    def private_bytes(self) -> bytes:
        if self.private_key is None:
            raise KeyMaterialError("no private key", code="key.no_private_key")
        return self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    @property
    def public_key_multibase(self) -> str:
        return encode_multikey(ED25519_PUB, self.public_bytes)

    @property
    def secret_key_multibase(self) -> str:
        return encode_multikey(ED25519_PRIV, self.private_bytes)

    def sign(self, data: bytes) -> bytes:
        if self.private_key is None:
            raise KeyMaterialError("no private key", code="key.no_private_key")
        return self.private_key.sign(data)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public_key.verify(signature, data)
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


# Verifying a credential reads its issuer's public key from a multikey string two or three
# times (the DID document, the verification method); the pair is immutable (a frozen dataclass
# around a public key), so the parsed pairs of the last keys seen are kept.
@lru_cache(maxsize=1024)
def _public_key_pair(public_multibase: str) -> Ed25519KeyPair:
    name, raw = decode_multikey(public_multibase)
    if name != "ed25519-pub":
        raise KeyMaterialError("not an Ed25519 public key", code="key.unsupported_type")
    return Ed25519KeyPair(Ed25519PublicKey.from_public_bytes(raw))

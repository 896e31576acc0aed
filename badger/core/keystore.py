"""Private keys encrypted at rest: AES-256-GCM with a key derived from BADGER_SECRET_KEY (HKDF).

The key id (the IssuerKey row id) is the associated data, so an encrypted key cannot be moved
to another row unnoticed.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from badger.errors import KeyMaterialError

__all__ = ["KeyStore"]

_VERSION = b"\x01"


class KeyStore:
    def __init__(self, secret_key: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"badger-keystore-v1", info=b"private keys").derive(
            secret_key.encode("utf-8")
        )
        self._aead = AESGCM(derived)

    def seal(self, plaintext: bytes, key_id: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, key_id.encode())

    def open(self, sealed: bytes, key_id: str) -> bytes:
        if not sealed or sealed[:1] != _VERSION:
            raise KeyMaterialError("unknown key encryption format", code="key.sealed_format")
        try:
            return self._aead.decrypt(sealed[1:13], sealed[13:], key_id.encode())
        except InvalidTag as exc:
            raise KeyMaterialError(
                "cannot decrypt the private key: wrong BADGER_SECRET_KEY?", code="key.sealed_wrong_secret"
            ) from exc

"""The Data Integrity cryptosuites Badger verifies (and, except ecdsa-sd-2023, can sign).

One table, one set of steps. Every suite here follows the same four steps of its
specification: transformation (canonicalize the unsecured document), proof configuration
(canonicalize the proof options with the document's ``@context``), hashing
(``H(proof config) || H(document)``) and a signature over that, multibase base58-btc encoded.
They differ only in the canonicalization and the key:

============================ ============= ======= ==========================================
suite                        canonical     key     spec
============================ ============= ======= ==========================================
eddsa-rdfc-2022 (eddsa-2022) RDFC-1.0      Ed25519 vc-di-eddsa §3.3
eddsa-jcs-2022               JCS           Ed25519 vc-di-eddsa §3.4
Ed25519Signature2020         RDFC-1.0      Ed25519 vc-di-eddsa §4 (legacy)
ecdsa-rdfc-2019              RDFC-1.0      P-256   vc-di-ecdsa §3.2 (SHA-256; P-384: SHA-384)
ecdsa-jcs-2019               JCS           P-256   vc-di-ecdsa §3.3 (idem)
============================ ============= ======= ==========================================

ecdsa-sd-2023 (selective disclosure) is in :mod:`badger.proofs.ecdsa_sd_2023`.
The JCS suites (vc-di-eddsa §3.4.2 / vc-di-ecdsa §3.3.2 "Verify Proof"): when the proof carries
``@context``, the document's ``@context`` must start with it, and the document is then hashed
with the proof's ``@context``; the proof configuration keeps ``@context``. The RDFC suites
drop a proof ``@context`` (it is only the prefix check) and configure with the document's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from badger.errors import KeyMaterialError
from badger.jsonld import canonicalize as rdfc
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.keys.multibase import multibase_decode, multibase_encode
from badger.proofs import jcs

__all__ = [
    "Cryptosuite",
    "SUITES",
    "suite_for",
    "EDDSA_RDFC_2022",
    "EDDSA_JCS_2022",
    "ECDSA_RDFC_2019",
    "ECDSA_JCS_2019",
    "ECDSA_SD_2023",
    "ED25519_SIGNATURE_2020",
]

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_JCS_2022 = "eddsa-jcs-2022"
ECDSA_RDFC_2019 = "ecdsa-rdfc-2019"
ECDSA_JCS_2019 = "ecdsa-jcs-2019"
ECDSA_SD_2023 = "ecdsa-sd-2023"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"

KeyPair = Ed25519KeyPair | EcdsaKeyPair


@dataclass(frozen=True)
class Cryptosuite:
    name: str
    canonicalization: str  # "rdfc" or "jcs"
    algorithm: str  # "Ed25519" or "ECDSA"

    @property
    def is_jcs(self) -> bool:
        return self.canonicalization == "jcs"

    # -- transformation and configuration ------------------------------------------------------

    def transform(self, unsecured: dict[str, Any], *, loader: Any = None) -> bytes:
        """Canonical bytes of the unsecured document (no ``proof``)."""
        if self.is_jcs:
            return jcs.canonicalize(unsecured)
        return rdfc(unsecured, loader=loader).encode("utf-8")

    def configure(self, options: dict[str, Any], document_context: Any, *, loader: Any = None) -> bytes:
        """Canonical bytes of the proof configuration: the options without ``proofValue``, with
        ``@context`` set to the document's (when the document has one)."""
        config = {k: v for k, v in options.items() if k != "proofValue"}
        if self.is_jcs:
            if document_context is not None:
                config["@context"] = document_context
            return jcs.canonicalize(config)
        config.pop("@context", None)
        config["@context"] = document_context
        return rdfc(config, loader=loader).encode("utf-8")

    # -- hashing and signatures -----------------------------------------------------------------

    def digest(self, data: bytes, key: KeyPair) -> bytes:
        """SHA-256, or SHA-384 for a P-384 key (vc-di-ecdsa §3.2.4 / §3.3.4)."""
        if isinstance(key, EcdsaKeyPair) and key.curve == "P-384":
            return hashlib.sha384(data).digest()
        return hashlib.sha256(data).digest()

    def hash_data(self, canonical_document: bytes, canonical_config: bytes, key: KeyPair) -> bytes:
        return self.digest(canonical_config, key) + self.digest(canonical_document, key)

    def key_of(self, method: Any) -> KeyPair:
        """The verification method's key as this suite needs it. Raises KeyMaterialError."""
        if self.algorithm == "Ed25519":
            return method.ed25519()  # type: ignore[no-any-return]
        return method.ecdsa()  # type: ignore[no-any-return]

    def sign(self, data: bytes, key: KeyPair) -> str:
        if not isinstance(key, Ed25519KeyPair if self.algorithm == "Ed25519" else EcdsaKeyPair):
            raise KeyMaterialError(f"{self.name} needs an {self.algorithm} key", code="key.unsupported_type")
        return multibase_encode(key.sign(data))

    def verify(self, data: bytes, proof_value: str, key: KeyPair) -> bool:
        """Raises KeyMaterialError when ``proof_value`` is not base58-btc multibase."""
        signature = multibase_decode(proof_value)
        return key.verify(signature, data)


SUITES: dict[str, Cryptosuite] = {
    EDDSA_RDFC_2022: Cryptosuite(EDDSA_RDFC_2022, "rdfc", "Ed25519"),
    # "eddsa-2022": the 2022 drafts' name of eddsa-rdfc-2022; the 1EdTech validator accepts it.
    "eddsa-2022": Cryptosuite("eddsa-2022", "rdfc", "Ed25519"),
    EDDSA_JCS_2022: Cryptosuite(EDDSA_JCS_2022, "jcs", "Ed25519"),
    ECDSA_RDFC_2019: Cryptosuite(ECDSA_RDFC_2019, "rdfc", "ECDSA"),
    ECDSA_JCS_2019: Cryptosuite(ECDSA_JCS_2019, "jcs", "ECDSA"),
}
LEGACY_ED25519_2020 = Cryptosuite(ED25519_SIGNATURE_2020, "rdfc", "Ed25519")


def suite_for(proof_type: Any, cryptosuite: Any) -> Cryptosuite | None:
    """The suite of a proof (``type`` and ``cryptosuite``), or None when unsupported."""
    if proof_type == ED25519_SIGNATURE_2020:
        return LEGACY_ED25519_2020
    if proof_type == "DataIntegrityProof" and isinstance(cryptosuite, str):
        return SUITES.get(cryptosuite)
    return None

"""The ``eddsa-rdfc-2022`` cryptosuite (W3C VC Data Integrity EdDSA Cryptosuites v1.0 §3.3).

Four small pieces, separate from the proof envelope (badger.proofs.data_integrity):
transformation (§3.3.3: RDFC-1.0 canonical N-Quads), proof configuration (§3.3.5: the proof
options with the document's ``@context``, canonicalized), hashing (§3.3.4:
SHA-256(proof config) || SHA-256(document)), and the Ed25519 signature (§3.3.6 / §3.3.7).
The legacy ``Ed25519Signature2020`` suite hashes and signs the same way with its own proof type,
so it reuses these functions.
"""

from __future__ import annotations

import hashlib
from typing import Any

from badger.jsonld import canonicalize
from badger.jsonld.template import canonicalize_by_template
from badger.keys.ed25519 import Ed25519KeyPair
from badger.keys.multibase import multibase_decode, multibase_encode

__all__ = ["CRYPTOSUITE", "transform", "configure", "hash_data", "config_hash", "document_hash", "sign", "verify"]

CRYPTOSUITE = "eddsa-rdfc-2022"


def transform(unsecured_document: dict[str, Any], *, loader: Any = None) -> str:
    """§3.3.3 Transformation: the RDFC-1.0 canonical N-Quads of the document (without proof).
    By template once a document shape has been seen twice (badger.jsonld.template): same bytes."""
    return canonicalize_by_template(unsecured_document, loader=loader, learn=False)


def configure(proof_options: dict[str, Any], document_context: Any, *, loader: Any = None) -> str:
    """§3.3.5 Proof Configuration: canonical N-Quads of the proof options (no proofValue) with
    ``@context`` set to the document's ``@context``."""
    config = {k: v for k, v in proof_options.items() if k != "proofValue"}
    config["@context"] = document_context
    return canonicalize(config, loader=loader)


def hash_data(transformed_document: str, canonical_proof_config: str) -> bytes:
    """§3.3.4 Hashing: SHA-256 of the proof configuration, then SHA-256 of the document (64 bytes)."""
    return config_hash(canonical_proof_config) + document_hash(transformed_document)


def config_hash(canonical_proof_config: str) -> bytes:
    """SHA-256 of a canonical proof configuration (shared by a batch with one ``created``)."""
    return hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()


def document_hash(transformed_document: str) -> bytes:
    """SHA-256 of the transformed (canonical) document."""
    return hashlib.sha256(transformed_document.encode("utf-8")).digest()


def sign(data: bytes, keypair: Ed25519KeyPair) -> str:
    """§3.3.6 Proof Serialization: Ed25519 signature as multibase base58-btc (``z...``)."""
    return multibase_encode(keypair.sign(data))


def verify(data: bytes, proof_value: str, keypair: Ed25519KeyPair) -> bool:
    """§3.3.7 Proof Verification: True when ``proof_value`` is a valid signature of ``data``.

    Raises KeyMaterialError when ``proof_value`` is not a base58-btc multibase string.
    """
    signature = multibase_decode(proof_value)
    if len(signature) != 64:
        return False
    return keypair.verify(signature, data)

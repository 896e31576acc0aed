"""ecdsa-sd-2023: verifying a DERIVED (selectively disclosed) proof (vc-di-ecdsa §3.4, §3.5).

A holder derives, from the issuer's base proof, a proof over the statements it reveals. The
derived ``proofValue`` is ``u`` + base64url(no padding) of the header ``0xd9 0x5d 0x01`` then a
CBOR array (§3.5.7 serializeDerivedProofValue):

    [baseSignature, publicKey, signatures, compressedLabelMap, mandatoryIndexes]

Verification (§3.5.6 createVerifyData, §3.6.x verifyDerivedProof):
1. proofHash = SHA-256(RDFC-1.0 of the proof options with the document's ``@context``);
2. canonicalize the revealed document (RDFC-1.0) and replace each canonical blank node label
   ``c14nN`` by the HMAC-derived label the label map gives, then sort the N-Quads (the labels
   the issuer signed: di-sd-primitives "labelReplacementCanonicalizeJsonLd");
3. the N-Quads at ``mandatoryIndexes`` are mandatory: mandatoryHash = SHA-256 of their
   concatenation; the others are non-mandatory, one ``signatures`` entry each, in order;
4. the issuer's key verifies ``baseSignature`` over proofHash || publicKey || mandatoryHash
   (publicKey: the ephemeral Multikey bytes), and the ephemeral P-256 key verifies each
   non-mandatory N-Quad's signature (ECDSA P-256 / SHA-256, raw r||s).

A base proof (header ``0xd9 0x5d 0x00``) is meant for the holder, not for a verifier: it is
refused with ``proof.sd_base_proof``. CBOR decoding is cbor2's (a maintained library).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import cbor2

from badger.errors import KeyMaterialError, ProofError
from badger.jsonld import canonicalize
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.multibase import decode_multikey, multibase_encode

__all__ = [
    "DerivedProof",
    "VerifyData",
    "parse_derived_proof_value",
    "create_verify_data",
    "verify_data",
    "label_replaced_nquads",
]

BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_LABEL = re.compile(r"_:c14n(\d+)(?=[ \n])")


@dataclass(frozen=True)
class DerivedProof:
    base_signature: bytes
    public_key: bytes  # Multikey bytes (multicodec header + compressed point) of the ephemeral key
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]  # canonical label "c14nN" -> HMAC label "u..."
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True)
class VerifyData:
    proof_hash: bytes
    public_key: bytes
    base_signature: bytes
    signatures: tuple[bytes, ...]
    non_mandatory: tuple[str, ...]
    mandatory_hash: bytes


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_derived_proof_value(proof_value: Any) -> DerivedProof:
    """§3.5.8 parseDerivedProofValue. Raises ProofError (``proof.malformed``, ``proof.sd_base_proof``)."""
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise ProofError("an ecdsa-sd-2023 proofValue is base64url multibase ('u...')", code="proof.malformed")
    try:
        raw = base64.urlsafe_b64decode(proof_value[1:] + "=" * (-len(proof_value[1:]) % 4))
    except ValueError as exc:
        raise ProofError(f"proofValue is not base64url: {exc}", code="proof.malformed") from exc
    if raw.startswith(BASE_HEADER):
        raise ProofError("this is a base proof: a holder must derive a proof to present", code="proof.sd_base_proof")
    if not raw.startswith(DERIVED_HEADER):
        raise ProofError("not an ecdsa-sd-2023 derived proof value", code="proof.malformed")
    try:
        components = cbor2.loads(raw[3:])
    except Exception as exc:  # cbor2 raises several types for broken input
        raise ProofError(f"proofValue is not CBOR: {exc}", code="proof.malformed") from exc
    if not isinstance(components, list) or len(components) != 5:
        raise ProofError("a derived proof value is a CBOR array of five items", code="proof.malformed")
    base_signature, public_key, signatures, label_map, mandatory = components
    if (
        not isinstance(base_signature, bytes)
        or not isinstance(public_key, bytes)
        or not isinstance(signatures, list)
        or not all(isinstance(s, bytes) for s in signatures)
        or not isinstance(label_map, dict)
        or not all(isinstance(k, int) and isinstance(v, bytes) for k, v in label_map.items())
        or not isinstance(mandatory, list)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in mandatory)
    ):
        raise ProofError("a derived proof value item has the wrong type", code="proof.malformed")
    return DerivedProof(
        base_signature=base_signature,
        public_key=public_key,
        signatures=tuple(signatures),
        label_map={f"c14n{k}": "u" + _b64url(v) for k, v in label_map.items()},
        mandatory_indexes=tuple(mandatory),
    )


def _relabel(line: str, label_map: dict[str, str]) -> str:
    # A quad holds at most one literal, between its first and last double quote: blank node
    # labels are replaced outside it only, so text that merely looks like a label stays.
    def swap(segment: str) -> str:
        def one(match: re.Match[str]) -> str:
            label = label_map.get(f"c14n{match.group(1)}")
            if label is None:
                raise ProofError(f"no label for _:c14n{match.group(1)} in the label map", code="proof.malformed")
            return "_:" + label

        return _LABEL.sub(one, segment)

    first, last = line.find('"'), line.rfind('"')
    if first == -1:
        return swap(line)
    return swap(line[:first]) + line[first : last + 1] + swap(line[last + 1 :])


def label_replaced_nquads(document: dict[str, Any], label_map: dict[str, str], *, loader: Any = None) -> list[str]:
    """The canonical N-Quads of ``document`` with the label map applied, sorted (each ends in ``\\n``)."""
    canonical = canonicalize(document, loader=loader)
    lines = [line + "\n" for line in canonical.split("\n") if line]
    return sorted(_relabel(line, label_map) for line in lines)


def create_verify_data(document: dict[str, Any], proof: dict[str, Any], *, loader: Any = None) -> VerifyData:
    """§3.5.6 createVerifyData for a secured document's derived proof. Raises ProofError,
    JsonLdError."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    options["@context"] = unsecured.get("@context")
    proof_hash = hashlib.sha256(canonicalize(options, loader=loader).encode("utf-8")).digest()
    derived = parse_derived_proof_value(proof.get("proofValue"))
    nquads = label_replaced_nquads(unsecured, derived.label_map, loader=loader)
    indexes = set(derived.mandatory_indexes)
    if any(i < 0 or i >= len(nquads) for i in indexes):
        raise ProofError("a mandatory index is out of range", code="proof.malformed")
    mandatory = [q for i, q in enumerate(nquads) if i in indexes]
    non_mandatory = tuple(q for i, q in enumerate(nquads) if i not in indexes)
    return VerifyData(
        proof_hash=proof_hash,
        public_key=derived.public_key,
        base_signature=derived.base_signature,
        signatures=derived.signatures,
        non_mandatory=non_mandatory,
        mandatory_hash=hashlib.sha256("".join(mandatory).encode("utf-8")).digest(),
    )


def verify_data(data: VerifyData, issuer_key: EcdsaKeyPair) -> bool:
    """§3.6.x verifyDerivedProof, last steps: base signature, then one signature per
    non-mandatory statement. Raises ProofError for an unusable ephemeral key."""
    if len(data.signatures) != len(data.non_mandatory):
        return False
    try:
        name, raw = decode_multikey(multibase_encode(data.public_key))
        if name != "p256-pub":
            raise ProofError("the ephemeral key must be a P-256 Multikey", code="proof.malformed")
        ephemeral = EcdsaKeyPair.from_public_bytes("P-256", raw)
    except KeyMaterialError as exc:
        raise ProofError(f"ephemeral key: {exc}", code="proof.malformed") from exc
    to_verify = data.proof_hash + data.public_key + data.mandatory_hash
    if not issuer_key.verify(data.base_signature, to_verify, hash_name="SHA-256"):
        return False
    return all(
        ephemeral.verify(signature, statement.encode("utf-8"), hash_name="SHA-256")
        for signature, statement in zip(data.signatures, data.non_mandatory, strict=True)
    )

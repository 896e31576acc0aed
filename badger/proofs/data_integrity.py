"""The Data Integrity proof envelope (W3C VC Data Integrity 1.0 §4): add and verify proofs.

Dict in, new dict out; key, verification method and ``created`` are arguments (never the clock).
Cryptosuites: ``DataIntegrityProof`` + ``eddsa-rdfc-2022`` (what Badger signs), and the legacy
``Ed25519Signature2020`` (verified, for credentials of other issuers still in circulation),
which canonicalizes, hashes and signs exactly like eddsa-rdfc-2022.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from badger.credentials.dates import parse_datetime
from badger.credentials.problems import Problem
from badger.credentials.vocab import (
    DATA_INTEGRITY_PROOF,
    DATA_INTEGRITY_V2_CONTEXT,
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    VC_V2_CONTEXT,
)
from badger.errors import BadgerError, JsonLdError, KeyMaterialError, ResolutionError
from badger.keys.ed25519 import Ed25519KeyPair
from badger.proofs import eddsa_rdfc_2022 as suite

__all__ = ["ProofCheck", "add_proof", "verify_proofs", "proofs_of"]


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of verifying one proof of a proof set."""

    proof_type: str
    verified: bool
    problems: tuple[Problem, ...] = ()
    verification_method: str | None = None
    controller: str | None = None
    created: str | None = None
    cryptosuite: str | None = None
    supported: bool = True
    proof: dict[str, Any] = field(default_factory=dict, repr=False)


def _contexts(document: dict[str, Any]) -> list[Any]:
    ctx = document.get("@context", [])
    return list(ctx) if isinstance(ctx, list) else [ctx]


def _with_proof_context(document: dict[str, Any]) -> dict[str, Any]:
    """VC 1.1 documents do not define DataIntegrityProof terms: add the DI context (as Digital
    Bazaar's suites do), so the proof is not dropped by JSON-LD processing."""
    contexts = _contexts(document)
    if VC_V2_CONTEXT in contexts or DATA_INTEGRITY_V2_CONTEXT in contexts:
        return document
    return {**document, "@context": contexts + [DATA_INTEGRITY_V2_CONTEXT]}


@lru_cache(maxsize=256)
def _config_hash(options_json: str, context_json: str) -> bytes:
    # A batch signed with one key and one `created` shares its proof configuration: its
    # canonicalization (a full JSON-LD round) is done once, not once per credential.
    canonical = suite.configure(json.loads(options_json), json.loads(context_json))
    return suite.config_hash(canonical)


def add_proof(
    document: dict[str, Any],
    *,
    keypair: Ed25519KeyPair,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    loader: Any = None,
) -> dict[str, Any]:
    """Sign ``document`` with a ``DataIntegrityProof`` / ``eddsa-rdfc-2022`` proof (§4.2 Add Proof).

    Input: the unsecured document (a ``proof`` already present is kept: the new proof joins the
    proof set, §2.1.1). Output: a new dict with ``proof``. ``created`` is an XML Schema dateTime.
    Raises JsonLdError (unknown context, dropped term, canonicalization limit), KeyMaterialError.
    """
    document = _with_proof_context(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": EDDSA_RDFC_2022,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    transformed = suite.transform(unsecured, loader=loader)
    data = _proof_config_hash(options, unsecured["@context"], loader) + suite.document_hash(transformed)
    proof = {**options, "proofValue": suite.sign(data, keypair)}
    existing = document.get("proof")
    if existing is None:
        return {**unsecured, "proof": proof}
    proofs = existing if isinstance(existing, list) else [existing]
    return {**unsecured, "proof": [*proofs, proof]}


def _proof_config_hash(options: dict[str, Any], context: Any, loader: Any) -> bytes:
    if loader is None:  # only the default, immutable loader may share cached results
        return _config_hash(json.dumps(options, sort_keys=True), json.dumps(context))
    return suite.config_hash(suite.configure(options, context, loader=loader))


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def verify_proofs(
    document: dict[str, Any], *, resolver: Any, loader: Any = None, expected_purpose: str = "assertionMethod"
) -> list[ProofCheck]:
    """Verify every proof of ``document`` (§4.4 Verify Proof, once per proof of the set).

    Input: a secured document; ``resolver.resolve(vm_id)`` gives the verification method.
    Output: one ProofCheck per proof (unsupported proof types are reported with
    ``supported=False``). Never raises for a bad document.
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return [
        _verify_one(unsecured, p, resolver=resolver, loader=loader, purpose=expected_purpose)
        for p in proofs_of(document)
    ]


def _fail(proof: dict[str, Any], code: str, detail: str, **extra: Any) -> ProofCheck:
    return ProofCheck(
        proof_type=str(proof.get("type")) if isinstance(proof, dict) else "?",
        verified=False,
        problems=(Problem(code, detail, "/proof"),),
        proof=proof if isinstance(proof, dict) else {},
        cryptosuite=proof.get("cryptosuite") if isinstance(proof, dict) else None,
        **extra,
    )


def _verify_one(unsecured: dict[str, Any], proof: Any, *, resolver: Any, loader: Any, purpose: str) -> ProofCheck:
    if not isinstance(proof, dict):
        return _fail({}, "proof.malformed", "a proof must be a JSON object")
    ptype = proof.get("type")
    if ptype == DATA_INTEGRITY_PROOF:
        # "eddsa-2022" is the draft name of the same algorithm (vc-di-eddsa 2022 drafts); the
        # 1EdTech validator accepts credentials signed under it, and so do we.
        if proof.get("cryptosuite") not in (EDDSA_RDFC_2022, "eddsa-2022"):
            return _fail(
                proof,
                "proof.unsupported_cryptosuite",
                f"unsupported cryptosuite {proof.get('cryptosuite')!r}",
                supported=False,
            )
    elif ptype != ED25519_SIGNATURE_2020:
        return _fail(proof, "proof.unsupported_type", f"unsupported proof type {ptype!r}", supported=False)

    vm_id = proof.get("verificationMethod")
    created = proof.get("created")
    value = proof.get("proofValue")
    if not isinstance(vm_id, str) or not vm_id:
        return _fail(proof, "proof.malformed", "verificationMethod is missing")
    if not isinstance(value, str) or not value:
        return _fail(proof, "proof.malformed", "proofValue is missing", verification_method=vm_id)
    if created is not None and parse_datetime(created) is None:
        return _fail(proof, "proof.malformed", f"created is not a dateTime: {created!r}", verification_method=vm_id)
    if proof.get("proofPurpose") != purpose:
        return _fail(proof, "proof.purpose_mismatch", f"proofPurpose must be {purpose}", verification_method=vm_id)

    # eddsa-rdfc-2022 §3.3.2 step 3: the document's @context must start with the proof's one.
    document_context = _contexts(unsecured)
    if "@context" in proof:
        proof_context = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        if document_context[: len(proof_context)] != proof_context:
            return _fail(
                proof,
                "proof.context_mismatch",
                "proof @context does not prefix the document's",
                verification_method=vm_id,
            )

    try:
        method = resolver.resolve(vm_id)
        keypair = method.ed25519()
    except (ResolutionError, KeyMaterialError) as exc:
        return _fail(proof, "proof.key_unresolved", f"{exc} [{exc.code}]", verification_method=vm_id)

    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    try:
        transformed = suite.transform(unsecured, loader=loader)
        data = _proof_config_hash(options, unsecured.get("@context"), loader) + suite.document_hash(transformed)
        ok = suite.verify(data, value, keypair)
    except JsonLdError as exc:
        return _fail(proof, exc.code, str(exc), verification_method=vm_id, controller=method.controller)
    except KeyMaterialError as exc:
        return _fail(
            proof, "proof.malformed", f"proofValue: {exc}", verification_method=vm_id, controller=method.controller
        )
    except BadgerError as exc:  # defensive: never raise out of verification
        return _fail(proof, "proof.error", str(exc), verification_method=vm_id, controller=method.controller)
    if not ok:
        return _fail(
            proof,
            "proof.signature_mismatch",
            "the signature does not match the document",
            verification_method=vm_id,
            controller=method.controller,
            created=created,
        )
    return ProofCheck(
        proof_type=ptype,
        verified=True,
        verification_method=vm_id,
        controller=method.controller,
        created=created,
        cryptosuite=proof.get("cryptosuite"),
        proof=proof,
    )

"""The Data Integrity proof envelope (W3C VC Data Integrity 1.0 §4): add and verify proofs.

Dict in, new dict out; key, verification method and ``created`` are arguments (never the clock).
Cryptosuites: ``DataIntegrityProof`` + ``eddsa-rdfc-2022`` (what Badger signs), and for
verifying what others sign: eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019 on P-256 and
P-384 (:mod:`badger.proofs.cryptosuites`), ecdsa-sd-2023 derived proofs
(:mod:`badger.proofs.ecdsa_sd_2023`) and the legacy ``Ed25519Signature2020``, which
canonicalizes, hashes and signs exactly like eddsa-rdfc-2022. Proof sets and proof chains
(``previousProof``) follow §4.3 and §4.5.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
from badger.errors import BadgerError, JsonLdError, KeyMaterialError, ProofError, ResolutionError
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.proofs import ecdsa_sd_2023
from badger.proofs import eddsa_rdfc_2022 as suite
from badger.proofs.cryptosuites import ECDSA_SD_2023, SUITES, Cryptosuite, suite_for

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


# A batch signed with one key and one `created` shares its proof configuration: its
# canonicalization (a full JSON-LD round) is done once, not once per credential. Keyed by the
# options and @context themselves, made hashable (_flat), or by their JSON when they hold more
# than strings (a str key never equals a tuple key).
_CONFIG_HASHES: dict[Any, bytes] = {}


def _flat(value: Any) -> Any:
    """A hashable form of a JSON value of strings only (a string, a list of strings, an object
    of strings: what proof options and @context are), else None."""
    if type(value) is str:
        return value
    if type(value) is list and all(type(v) is str for v in value):
        return ("[", *value)
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return ("{", *sorted(value.items()))
    return None


def add_proof(
    document: dict[str, Any],
    *,
    keypair: Ed25519KeyPair | EcdsaKeyPair,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    loader: Any = None,
    cryptosuite: str = EDDSA_RDFC_2022,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    extra: dict[str, Any] | None = None,
    transformed: str | None = None,
) -> dict[str, Any]:
    """Sign ``document`` with a ``DataIntegrityProof`` (§4.2 Add Proof; §4.3 Add Proof Set/Chain).

    Input: the unsecured document (a ``proof`` already present is kept: the new proof joins the
    proof set, §2.1.1); ``cryptosuite`` one of eddsa-rdfc-2022 (default, what Badger issues),
    eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 with a fitting key; ``previous_proof``
    the id(s) of proofs of the set this one chains to (signed over with the document, §4.3);
    ``extra`` more proof options (``challenge``, ``domain``). Output: a new dict with ``proof``.
    ``created`` is an XML Schema dateTime. ``transformed``: the eddsa-rdfc-2022 transformation
    (§3.3.3, the canonical N-Quads) of ``document`` without its proof, when the caller computed
    it already (issuance, by template with the shape key its validation computed); used only
    for a first eddsa-rdfc-2022 proof, default loader, on a document that needs no extra
    context. Raises JsonLdError (unknown context, dropped term, canonicalization limit),
    KeyMaterialError, ProofError.
    """
    if cryptosuite not in SUITES:
        raise ProofError(f"cannot sign with {cryptosuite!r}", code="proof.unsupported_cryptosuite")
    given = document
    document = _with_proof_context(document)
    existing = proofs_of(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {"type": DATA_INTEGRITY_PROOF, "cryptosuite": cryptosuite}
    if proof_id is not None:
        options["id"] = proof_id
    options.update(
        {"created": created, "verificationMethod": verification_method, "proofPurpose": proof_purpose, **(extra or {})}
    )
    if previous_proof is not None:
        options["previousProof"] = previous_proof
        unsecured_input = {**unsecured, "proof": _matching_proofs(existing, previous_proof)}
    else:
        unsecured_input = unsecured
    if (
        cryptosuite == EDDSA_RDFC_2022
        and previous_proof is None
        and extra is None
        and isinstance(keypair, Ed25519KeyPair)
    ):
        if transformed is None or document is not given or existing or loader is not None:
            transformed = suite.transform(unsecured, loader=loader)
        data = _proof_config_hash(options, unsecured["@context"], loader) + suite.document_hash(transformed)
        proof = {**options, "proofValue": suite.sign(data, keypair)}
    else:
        cs = SUITES[cryptosuite]
        if cs.is_jcs:
            options = {**options, "@context": unsecured.get("@context")}
        data = cs.hash_data(
            cs.transform(unsecured_input, loader=loader),
            cs.configure(options, unsecured.get("@context"), loader=loader),
            keypair,
        )
        proof = {**options, "proofValue": cs.sign(data, keypair)}
    if not existing:
        return {**unsecured, "proof": proof}
    return {**unsecured, "proof": [*existing, proof]}


def _matching_proofs(proofs: list[Any], previous: Any) -> list[Any]:
    """§4.3 / §4.5: the proofs of the set that ``previousProof`` names, in its order.
    Raises ProofError (``proof.previous_missing``) for an id no proof of the set carries."""
    wanted = [previous] if isinstance(previous, str) else previous
    if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
        raise ProofError("previousProof must be a proof id or a list of them", code="proof.malformed")
    found = []
    for ref in wanted:
        match = next((p for p in proofs if isinstance(p, dict) and p.get("id") == ref), None)
        if match is None:
            raise ProofError(f"previousProof {ref!r} is not a proof of this set", code="proof.previous_missing")
        found.append(match)
    return found


def _proof_config_hash(options: dict[str, Any], context: Any, loader: Any) -> bytes:
    if loader is not None:  # only the default, immutable loader may share cached results
        return suite.config_hash(suite.configure(options, context, loader=loader))
    key = (_flat(options), _flat(context))
    if key[0] is None or key[1] is None:
        key = (json.dumps(options, sort_keys=True), json.dumps(context))
    found = _CONFIG_HASHES.get(key)
    if found is None:
        found = suite.config_hash(suite.configure(options, context))
        if len(_CONFIG_HASHES) >= 256:
            _CONFIG_HASHES.clear()
        _CONFIG_HASHES[key] = found
    return found


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def verify_proofs(
    document: dict[str, Any], *, resolver: Any, loader: Any = None, expected_purpose: str = "assertionMethod"
) -> list[ProofCheck]:
    """Verify every proof of ``document`` (§4.5 Verify Proof Sets and Chains, §4.4 per proof).

    Input: a secured document; ``resolver.resolve(vm_id)`` gives the verification method.
    Output: one ProofCheck per proof (unsupported proof types are reported with
    ``supported=False``). A proof with ``previousProof`` is verified over the document with
    ``proof`` set to the proofs it names (each must be in the set, else
    ``proof.previous_missing``); a proof it names that fails makes it fail too
    (``proof.previous_invalid``). Never raises for a bad document.
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proofs = proofs_of(document)
    checks = [
        _verify_one(unsecured, p, proofs, resolver=resolver, loader=loader, purpose=expected_purpose) for p in proofs
    ]
    return _chain_outcomes(proofs, checks)


def _chain_outcomes(proofs: list[Any], checks: list[ProofCheck]) -> list[ProofCheck]:
    """A chained proof stands only if every proof it names (transitively) verified."""
    ids = [p.get("id") if isinstance(p, dict) else None for p in proofs]
    out = list(checks)
    changed = True
    while changed:  # at most len(proofs) rounds: each round fails at least one more proof
        changed = False
        state = {i: c.verified for i, c in zip(ids, out, strict=True) if isinstance(i, str)}
        for index, proof in enumerate(proofs):
            if not out[index].verified or not isinstance(proof, dict):
                continue
            previous = proof.get("previousProof")
            refs = [previous] if isinstance(previous, str) else previous if isinstance(previous, list) else []
            broken = [r for r in refs if isinstance(r, str) and state.get(r) is False]
            if broken:
                out[index] = _fail(
                    proof,
                    "proof.previous_invalid",
                    f"the previous proof {broken[0]!r} does not verify",
                    verification_method=out[index].verification_method,
                    controller=out[index].controller,
                )
                changed = True
    return out


def _fail(proof: dict[str, Any], code: str, detail: str, **extra: Any) -> ProofCheck:
    return ProofCheck(
        proof_type=str(proof.get("type")) if isinstance(proof, dict) else "?",
        verified=False,
        problems=(Problem(code, detail, "/proof"),),
        proof=proof if isinstance(proof, dict) else {},
        cryptosuite=proof.get("cryptosuite") if isinstance(proof, dict) else None,
        **extra,
    )


def _verify_one(
    unsecured: dict[str, Any], proof: Any, proofs: list[Any], *, resolver: Any, loader: Any, purpose: str
) -> ProofCheck:
    if not isinstance(proof, dict):
        return _fail({}, "proof.malformed", "a proof must be a JSON object")
    ptype = proof.get("type")
    cryptosuite = proof.get("cryptosuite")
    sd = ptype == DATA_INTEGRITY_PROOF and cryptosuite == ECDSA_SD_2023
    cs = suite_for(ptype, cryptosuite)
    if cs is None and not sd:
        if ptype == DATA_INTEGRITY_PROOF:
            return _fail(
                proof, "proof.unsupported_cryptosuite", f"unsupported cryptosuite {cryptosuite!r}", supported=False
            )
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

    # vc-di-eddsa §3.3.2 / §3.4.2 and vc-di-ecdsa §3.x.2 "Verify Proof": the document's
    # @context must start with the proof's own @context when the proof carries one.
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
        key: Any = method.ecdsa() if sd else cs.key_of(method)  # type: ignore[union-attr]
    except (ResolutionError, KeyMaterialError) as exc:
        return _fail(proof, "proof.key_unresolved", f"{exc} [{exc.code}]", verification_method=vm_id)

    done = dict(verification_method=vm_id, controller=method.controller)
    try:
        # §4.5 step 3-7: a chained proof signs over the document plus the proofs it names.
        document = unsecured
        if "previousProof" in proof:
            document = {**unsecured, "proof": _matching_proofs(proofs, proof["previousProof"])}
        if sd:
            ok = ecdsa_sd_2023.verify_data(ecdsa_sd_2023.create_verify_data(document, proof, loader=loader), key)
        else:
            ok = _verify_signature(cs, document, proof, key, loader)  # type: ignore[arg-type]
    except (JsonLdError, ProofError) as exc:
        return _fail(proof, exc.code, str(exc), **done)
    except KeyMaterialError as exc:
        return _fail(proof, "proof.malformed", f"proofValue: {exc}", **done)
    except BadgerError as exc:  # defensive: never raise out of verification
        return _fail(proof, "proof.error", str(exc), **done)
    if not ok:
        return _fail(
            proof, "proof.signature_mismatch", "the signature does not match the document", created=created, **done
        )
    return ProofCheck(
        proof_type=str(ptype),
        verified=True,
        verification_method=vm_id,
        controller=method.controller,
        created=created,
        cryptosuite=cryptosuite,
        proof=proof,
    )


def _verify_signature(cs: Cryptosuite, document: dict[str, Any], proof: dict[str, Any], key: Any, loader: Any) -> bool:
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if cs.name == EDDSA_RDFC_2022 or cs.name == "eddsa-2022" or cs.name == ED25519_SIGNATURE_2020:
        # Badger's own suite: the shared (cached) proof configuration hash.
        options.pop("@context", None)
        transformed = suite.transform(document, loader=loader)
        data = _proof_config_hash(options, document.get("@context"), loader) + suite.document_hash(transformed)
        return suite.verify(data, proof["proofValue"], key)
    if cs.is_jcs and "@context" in proof:
        # JCS suites hash the document under the proof's @context (checked as a prefix above).
        document = {**document, "@context": proof["@context"]}
    data = cs.hash_data(
        cs.transform(document, loader=loader), cs.configure(options, document.get("@context"), loader=loader), key
    )
    return cs.verify(data, proof["proofValue"], key)

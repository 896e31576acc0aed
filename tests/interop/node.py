"""Run the independent (npm) credential verifiers and signers in ``js/``.

Each script reads one JSON object on stdin and writes one JSON object on
stdout; see the header comment of each ``js/*.mjs`` file for its contract.
A batch ``{"items": [...]}`` answers ``{"results": [...]}`` from a single
node process, which saves the ~0.5-1 s of node start-up and module loading
per call.

Nothing here skips: if node or the npm packages are missing, the call fails
loudly, because these checks are the project's proof of interoperability.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent / "js"
INSTALL_HINT = "install them with `make install` (or `cd tests/interop/js && npm ci --no-audit --no-fund`)"


class NodeHarnessError(RuntimeError):
    """The node side failed (not a verification result: a harness error)."""


def _node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise NodeHarnessError("`node` (Node.js >= 20) is not on PATH; the interop tests need it.")
    return node


def check_installed() -> None:
    """Raise unless node and the pinned npm packages are installed."""
    _node_executable()
    if not (JS_DIR / "node_modules").is_dir():
        raise NodeHarnessError(
            f"{JS_DIR / 'node_modules'} is missing: the interop npm packages are not installed; {INSTALL_HINT}."
        )


def run_node(script: str, payload: Mapping[str, Any], timeout: float = 60, *, cpus: str | None = None) -> dict:
    """Run ``node <script>`` in ``js/`` with ``payload`` as JSON on stdin. ``cpus``: the CPU list
    node may run on (``taskset -c``), for benchmarks that compare it with a pinned process."""
    check_installed()
    if not (JS_DIR / script).is_file():
        raise NodeHarnessError(f"no such interop script: {JS_DIR / script}")
    pinned = ["taskset", "-c", cpus] if cpus is not None and shutil.which("taskset") else []
    try:
        proc = subprocess.run(
            [*pinned, _node_executable(), script],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=JS_DIR,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise NodeHarnessError(f"node {script} timed out after {timeout} s; stderr:\n{exc.stderr or ''}") from exc
    if proc.returncode != 0:
        raise NodeHarnessError(f"node {script} exited with {proc.returncode}; stderr:\n{proc.stderr}")
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise NodeHarnessError(
            f"node {script} wrote no JSON object on stdout:\n{proc.stdout!r}\nstderr:\n{proc.stderr}"
        ) from exc
    if not isinstance(result, dict):
        raise NodeHarnessError(f"node {script} wrote {type(result).__name__}, not an object")
    return result


def run_node_many(script: str, payloads: Iterable[Mapping[str, Any]], timeout: float = 120) -> list[dict]:
    """Run ``script`` once over a batch; one result per payload, in order."""
    items = list(payloads)
    if not items:
        return []
    results = run_node(script, {"items": items}, timeout=timeout).get("results")
    if not isinstance(results, list) or len(results) != len(items):
        raise NodeHarnessError(f"node {script} returned a malformed batch answer")
    return results


# --- Digital Bazaar: @digitalbazaar/vc ------------------------------------


def _verify_payload(credential, documents, extra) -> dict:
    payload = {"credential": credential, "documents": dict(documents or {})}
    payload.update({k: v for k, v in extra.items() if v is not None})
    return payload


def db_verify(
    credential: Mapping[str, Any],
    documents: Mapping[str, Any] | None = None,
    *,
    now: str | None = None,
    check_issuer: bool | None = None,
    check_status: bool | None = None,
) -> dict:
    """``{"verified", "errors", "status"?}`` from @digitalbazaar/vc."""
    return run_node(
        "db-verify.mjs",
        _verify_payload(
            credential,
            documents,
            {"now": now, "checkIssuer": check_issuer, "checkStatus": check_status},
        ),
    )


def db_verify_many(items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Batch of db-verify payloads (``{"credential", "documents"?, ...}``)."""
    return run_node_many("db-verify.mjs", items)


def db_sign(
    credential: Mapping[str, Any],
    key: Mapping[str, Any],
    created: str | None = None,
    *,
    suite: str | None = None,
) -> dict:
    """Sign with @digitalbazaar/vc ``issue`` (eddsa-rdfc-2022 by default).

    ``key``: ``{"id", "controller", "publicKeyMultibase", "secretKeyMultibase"}``;
    ``suite``: ``"eddsa-rdfc-2022"`` or ``"Ed25519Signature2020"``.
    """
    payload: dict[str, Any] = {"credential": credential, "key": dict(key)}
    if created is not None:
        payload["created"] = created
    if suite is not None:
        payload["suite"] = suite
    return run_node("db-sign.mjs", payload)


def db_sign_many(items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Batch of db-sign payloads (``{"credential", "key", "created"?, "suite"?}``)."""
    return run_node_many("db-sign.mjs", items)


# --- Digital Credentials Consortium: @digitalcredentials/verifier-core ----


def dcc_verify(
    credential: Mapping[str, Any],
    documents: Mapping[str, Any] | None = None,
    *,
    dereference_fragments: bool | None = None,
) -> dict:
    """``{"verified", "signatureValid", "errors", "registeredIssuer",
    "schemaValid", "schemaErrors", "fetched", "diagnostics", "raw"}``."""
    return run_node(
        "dcc-verify.mjs",
        _verify_payload(credential, documents, {"dereferenceFragments": dereference_fragments}),
    )


def dcc_verify_many(items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Batch of dcc-verify payloads (``{"credential", "documents"?, ...}``).

    One process: verifier-core's did:web resolver caches DID documents and
    ajv caches compiled JSON Schemas for the whole batch, so do not give the
    same did:web two different DID documents in one batch."""
    return run_node_many("dcc-verify.mjs", items)


# --- panva/jose: VC-JWT ---------------------------------------------------


def jose_verify(jwt: str, jwk: Mapping[str, Any] | None = None, **options: Any) -> dict:
    """``{"verified", "header", "payload", "errors"}``; ``jwk=None`` uses the
    ``jwk`` embedded in the JWS header. ``check_claims=True`` also checks
    ``exp``/``nbf`` against the clock."""
    payload: dict[str, Any] = {"jwt": jwt}
    if jwk is not None:
        payload["jwk"] = dict(jwk)
    if options.pop("check_claims", False):
        payload["checkClaims"] = True
    if options:
        raise TypeError(f"unknown options: {sorted(options)}")
    return run_node("jose-verify.mjs", payload)


def jose_verify_many(items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Batch of jose-verify payloads (``{"jwt", "jwk"?}``)."""
    return run_node_many("jose-verify.mjs", items)


def jose_sign(payload: Mapping[str, Any], header: Mapping[str, Any], jwk: Mapping[str, Any]) -> str:
    """Compact JWS over ``payload`` (JSON) with protected ``header`` (needs ``alg``)."""
    return run_node("jose-sign.mjs", {"payload": payload, "header": dict(header), "jwk": dict(jwk)})["jwt"]


def jose_sign_many(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Batch of jose-sign payloads (``{"payload", "header", "jwk"}``)."""
    return [r["jwt"] for r in run_node_many("jose-sign.mjs", items)]


def dcc_contexts() -> dict:
    """``{url: {"source": "npm"|"bundle", "equal": bool}}`` for every bundled
    context: where verifier-core gets it and whether it equals the bundle."""
    return run_node("dcc-contexts.mjs", {})["contexts"]


# --- payload helpers --------------------------------------------------------

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def multikey_controller_document(controller: str, key_id: str, public_key_multibase: str) -> dict:
    """A controller (or DID) document authorising one Ed25519 Multikey for
    ``assertionMethod``, in the shape both verifier stacks accept without
    extra contexts (DID v1 context first, then Multikey v1)."""
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
        "assertionMethod": [key_id],
    }

"""did:key and did:web identifiers and DID documents.

did:key (W3C CCG did:key v0.7): ``did:key:`` + the Multikey of the public key; its one
verification method is ``did#<multikey>``. did:web (W3C CCG did:web §3.2): the host (a port's
colon percent-encoded as %3A) then path segments joined by ``:``; the document lives at
``https://host/path/did.json`` or ``https://host/.well-known/did.json`` without a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from badger.credentials.vocab import DID_V1_CONTEXT, JWK_V1_CONTEXT, MULTIKEY_V1_CONTEXT
from badger.errors import ResolutionError
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.keys.jwk import public_members
from badger.keys.multibase import decode_multikey

__all__ = ["did_key", "did_key_document", "did_web", "did_web_document_url", "did_document"]


def did_key(keypair: Ed25519KeyPair | EcdsaKeyPair) -> str:
    return "did:key:" + keypair.public_key_multibase


def did_key_document(did: str) -> dict[str, Any]:
    """Resolve a did:key offline into its DID document (Ed25519, P-256 and P-384 keys: the
    did:key method's ``z6Mk``, ``zDna`` and ``z82L`` forms)."""
    if not did.startswith("did:key:z"):
        raise ResolutionError(f"not a did:key: {did}", code="key.unsupported_did")
    multikey = did[len("did:key:") :].split("#", 1)[0]
    pair: Ed25519KeyPair | EcdsaKeyPair
    try:
        name, _ = decode_multikey(multikey)
        pair = Ed25519KeyPair.from_multikey(multikey) if name == "ed25519-pub" else EcdsaKeyPair.from_multikey(multikey)
    except Exception as exc:
        raise ResolutionError(f"invalid did:key: {exc}", code="key.invalid_did") from exc
    did = "did:key:" + multikey
    vm_id = f"{did}#{multikey}"
    return {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": did,
        "verificationMethod": [pair.multikey_document(vm_id, did)],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
    }


def did_web(base_url: str, *path: str) -> str:
    """did:web for an origin (``http://127.0.0.1:5000``) and path segments (``issuers``, ``x``)."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ResolutionError(f"no host in {base_url!r}", code="key.invalid_did")
    host = quote(parts.netloc, safe="")
    segments = [s for s in parts.path.split("/") if s] + [s for s in path if s]
    return ":".join(["did:web", host, *(quote(s, safe="") for s in segments)])


def did_web_document_url(did: str, *, scheme: str = "https") -> str:
    """The URL of a did:web's DID document (``scheme`` is https except for local test origins)."""
    if not did.startswith("did:web:"):
        raise ResolutionError(f"not a did:web: {did}", code="key.unsupported_did")
    body = did[len("did:web:") :].split("#", 1)[0]
    host, *segments = body.split(":")
    host = unquote(host)
    if not host or "/" in host:
        raise ResolutionError(f"invalid did:web host in {did}", code="key.invalid_did")
    path = "/".join(segments)  # did:web §3.2 Read: only the port's colon is percent-decoded
    return f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"


def did_document(
    did: str, *, multikeys: Sequence[tuple[str, Ed25519KeyPair]] = (), jwks: Sequence[tuple[str, dict[str, Any]]] = ()
) -> dict[str, Any]:
    """A DID document listing Ed25519 Multikeys and JsonWebKeys, all usable for assertions.

    ``multikeys`` / ``jwks`` are (fragment or full id, key) pairs; old keys stay listed after a
    rotation so that credentials signed with them keep verifying.
    """
    methods = []
    for vm, pair in multikeys:
        methods.append(pair.multikey_document(_absolute(did, vm), did))
    for vm, jwk in jwks:
        methods.append(
            {"id": _absolute(did, vm), "type": "JsonWebKey", "controller": did, "publicKeyJwk": public_members(jwk)}
        )
    ids = [m["id"] for m in methods]
    contexts = [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT] + ([JWK_V1_CONTEXT] if jwks else [])
    return {
        "@context": contexts,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def _absolute(did: str, vm: str) -> str:
    if vm.startswith("#"):
        return did + vm
    return vm if ":" in vm else f"{did}#{vm}"

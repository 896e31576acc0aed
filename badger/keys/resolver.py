"""Resolving a verification method URL into a public key and its controller.

Controlled Identifiers 1.0 §3.3 (retrieve verification method): dereference the URL without its
fragment, find the method whose ``id`` equals the URL, and take its ``controller``. did:key is
resolved offline; did:web and https go through an injected fetcher (see
:class:`badger.keys.fetch.HttpFetcher`) so the domain never opens a socket on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badger.errors import KeyMaterialError, ResolutionError
from badger.keys.did import did_key_document, did_web_document_url
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.keys.jwk import key_from_jwk
from badger.keys.multibase import decode_multikey

__all__ = [
    "VerificationMethod",
    "KeyResolver",
    "StaticResolver",
    "DidKeyResolver",
    "FetchingResolver",
    "ChainResolver",
    "find_verification_method",
    "methods_of",
]

_KEY_TYPES = ("Multikey", "Ed25519VerificationKey2020", "Ed25519VerificationKey2018", "JsonWebKey", "JsonWebKey2020")


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its id, type, controller and the raw JSON."""

    id: str
    type: str
    controller: str
    document: dict[str, Any] = field(repr=False)

    def public_key(self) -> Any:
        """The cryptography public key object. Raises KeyMaterialError."""
        try:
            return self._public_key()
        except KeyMaterialError:
            raise
        except (ValueError, TypeError) as exc:  # an invalid point, bad base58, ...
            raise KeyMaterialError(f"invalid public key: {exc}", code="key.invalid") from exc

    def _public_key(self) -> Any:
        doc = self.document
        if "publicKeyMultibase" in doc:
            name, raw = decode_multikey(doc["publicKeyMultibase"])
            if name == "ed25519-pub":
                return Ed25519KeyPair.from_public_bytes(raw).public_key
            if name == "p256-pub":
                return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            if name == "p384-pub":
                return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), raw)
            raise KeyMaterialError(f"unsupported key {name}", code="key.unsupported_type")
        if "publicKeyJwk" in doc:
            return key_from_jwk(doc["publicKeyJwk"])
        if "publicKeyBase58" in doc:  # Ed25519VerificationKey2018
            return Ed25519KeyPair.from_public_bytes(base58.b58decode(doc["publicKeyBase58"])).public_key
        raise KeyMaterialError("verification method carries no public key", code="key.no_public_key")

    def ecdsa(self) -> EcdsaKeyPair:
        """The key as a P-256 / P-384 pair (public only). Raises KeyMaterialError for other types."""
        return EcdsaKeyPair.from_public_key(self.public_key())

    def ed25519(self) -> Ed25519KeyPair:
        """The key as an Ed25519 pair (public only). Raises KeyMaterialError for other types."""
        key = self.public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise KeyMaterialError("not an Ed25519 key", code="key.unsupported_type")
        return Ed25519KeyPair(key)


class KeyResolver(Protocol):
    def resolve(self, vm_id: str) -> VerificationMethod:
        """Verification method URL -> method. Raises ResolutionError when it cannot."""
        ...

    def document(self, url: str) -> dict[str, Any]:
        """Controller (DID) document at ``url`` (fragment ignored). Raises ResolutionError."""
        ...


def methods_of(doc: dict[str, Any]) -> list[VerificationMethod]:
    """Every key-bearing verification method listed for assertions in a controller document."""
    out = []
    for m in _entries(doc):
        vm_id = _absolute(doc.get("id", ""), m.get("id", ""))
        if m.get("type") in _KEY_TYPES and vm_id:
            try:
                out.append(find_verification_method(doc, vm_id))
            except ResolutionError:
                continue
    return out


def _entries(doc: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for rel in ("verificationMethod", "assertionMethod", "authentication"):
        value = doc.get(rel)
        for item in value if isinstance(value, list) else [value] if value else []:
            if isinstance(item, dict):
                yield item


def _absolute(base: str, value: str) -> str:
    return base.split("#", 1)[0] + value if isinstance(value, str) and value.startswith("#") else value


def find_verification_method(
    doc: dict[str, Any], vm_id: str, *, purpose: str | None = "assertionMethod"
) -> VerificationMethod:
    """Find ``vm_id`` in a controller (DID) document, or accept the document as the method itself.

    When ``purpose`` is given and the document lists that relationship, the method must be in it
    (Data Integrity §4.5 "verify proof": the method must be authorised for the proof purpose).
    Raises ResolutionError.
    """
    if not isinstance(doc, dict):
        raise ResolutionError("controller document is not a JSON object", code="key.bad_document")
    base = doc.get("id") or vm_id
    if doc.get("id") == vm_id and doc.get("type") in _KEY_TYPES:
        method = doc
    else:
        found = next((m for m in _entries(doc) if _absolute(base, m.get("id", "")) == vm_id), None)
        if found is None:
            raise ResolutionError(f"{vm_id} is not in its controller document", code="key.method_not_found")
        method = found
        if purpose and purpose in doc:
            listed = doc[purpose] if isinstance(doc[purpose], list) else [doc[purpose]]
            ids = {_absolute(base, x if isinstance(x, str) else x.get("id", "")) for x in listed}
            if vm_id not in ids:
                raise ResolutionError(f"{vm_id} is not authorised for {purpose}", code="key.purpose_not_authorised")
    vtype = method.get("type")
    if vtype not in _KEY_TYPES:
        raise ResolutionError(f"unsupported verification method type {vtype!r}", code="key.unsupported_type")
    controller = method.get("controller") or doc.get("id")
    if not isinstance(controller, str):
        raise ResolutionError("verification method has no controller", code="key.no_controller")
    return VerificationMethod(id=vm_id, type=vtype, controller=controller, document=method)


class StaticResolver:
    """Resolves from documents known in advance: {url without fragment: controller document}.

    Used for offline verification (tests, spec fixtures) and for our own issuers' keys.
    """

    def __init__(self, documents: Mapping[str, dict[str, Any]] | Iterable[tuple[str, dict[str, Any]]] = ()):
        self._documents = dict(documents)

    @classmethod
    def from_methods(cls, methods: Iterable[dict[str, Any]]) -> StaticResolver:
        """Build from verification method dicts (each with ``id`` and ``controller``)."""
        docs: dict[str, dict[str, Any]] = {}
        for m in methods:
            url = m["id"].split("#", 1)[0]
            doc = docs.setdefault(url, {"id": m.get("controller", url), "verificationMethod": []})
            doc["verificationMethod"].append(m)
        return cls(docs)

    def add(self, url: str, document: dict[str, Any]) -> None:
        self._documents[url.split("#", 1)[0]] = document

    def document(self, url: str) -> dict[str, Any]:
        doc = self._documents.get(url.split("#", 1)[0])
        if doc is None:
            raise ResolutionError(f"unknown document {url}", code="key.method_not_found")
        return doc

    def resolve(self, vm_id: str) -> VerificationMethod:
        return find_verification_method(self.document(vm_id), vm_id)


class DidKeyResolver:
    """did:key, resolved offline from the identifier itself."""

    def document(self, url: str) -> dict[str, Any]:
        if not url.startswith("did:key:"):
            raise ResolutionError(f"not a did:key: {url}", code="key.unsupported_did")
        return did_key_document(url)

    def resolve(self, vm_id: str) -> VerificationMethod:
        doc = self.document(vm_id)
        if "#" not in vm_id:
            vm_id = doc["verificationMethod"][0]["id"]
        return find_verification_method(doc, vm_id)


Fetcher = Callable[[str], bytes]


class FetchingResolver:
    """did:web and https(/http for allowed local origins) verification methods, through a fetcher.

    ``fetch(url) -> bytes`` must enforce its own timeout and size limit and raise
    ResolutionError on failure. ``http_hosts`` lists hosts (``host:port`` when there is a port)
    whose did:web documents and http URLs are fetched over plain http (local test servers only;
    did:web mandates https); plain http anywhere else is refused.
    """

    def __init__(self, fetch: Fetcher, *, http_hosts: Iterable[str] = ()):
        self._fetch = fetch
        self._http_hosts = set(http_hosts)

    def _document(self, url: str) -> dict[str, Any]:
        body = self._fetch(url)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ResolutionError(f"{url} did not answer JSON", code="key.bad_document") from exc
        if not isinstance(doc, dict):
            raise ResolutionError(f"{url} did not answer a JSON object", code="key.bad_document")
        return doc

    def document(self, url: str) -> dict[str, Any]:
        if url.startswith("did:web:"):
            host = unquote(url[len("did:web:") :].split(":", 1)[0].split("#", 1)[0])
            scheme = "http" if host in self._http_hosts else "https"
            doc = self._document(did_web_document_url(url, scheme=scheme))
            if doc.get("id") != url.split("#", 1)[0]:
                raise ResolutionError("DID document id does not match the DID", code="key.did_mismatch")
            return doc
        if url.startswith("https://") or (url.startswith("http://") and urlsplit(url).netloc in self._http_hosts):
            return self._document(url.split("#", 1)[0])
        raise ResolutionError(f"unsupported verification method scheme: {url}", code="key.unsupported_scheme")

    def resolve(self, vm_id: str) -> VerificationMethod:
        return find_verification_method(self.document(vm_id), vm_id)


class ChainResolver:
    """Try resolvers in order; the first that knows the method answers."""

    def __init__(self, *resolvers: KeyResolver):
        self._resolvers = resolvers

    def document(self, url: str) -> dict[str, Any]:
        return cast("dict[str, Any]", self._first(lambda r: r.document(url), url))

    def resolve(self, vm_id: str) -> VerificationMethod:
        return cast(VerificationMethod, self._first(lambda r: r.resolve(vm_id), vm_id))

    def _first(self, call: Callable[[KeyResolver], Any], vm_id: str) -> Any:
        last: ResolutionError | None = None
        for resolver in self._resolvers:
            try:
                return call(resolver)
            except ResolutionError as exc:
                if exc.code not in ("key.method_not_found", "key.unsupported_did", "key.unsupported_scheme"):
                    raise
                last = exc
        raise last or ResolutionError(f"cannot resolve {vm_id}", code="key.method_not_found")

"""Is a credential's issuer linked to the web site it names? DIF Well Known DID Configuration,
checked by the verifier (the other half of badger.issuers.linkage).

Spec: DIF "Well Known DID Configuration" v1.0, §"DID Configuration Resource Verification": fetch
``<origin>/.well-known/did-configuration.json``; a Domain Linkage Credential links the DID when
``credentialSubject.origin`` is the origin it was fetched from, its ``issuer`` and
``credentialSubject.id`` are the DID, it is within its validity dates, and its proof verifies
with a key of the DID's assertionMethod. The fetch goes through the container's fetcher
(badger.keys.fetch: SSRF guard, deadline, size cap); only the Linked Data Proof form of the
credential is checked (a JWT entry counts as "not this DID").

Outcome ``{"status", "origin", "detail"?}``, ``status`` one of:
    linked        a valid Domain Linkage Credential for this DID is published at the origin
    not_linked    the resource is there but holds no credential for this DID
    invalid       a credential for this DID is there but does not verify (tampered, expired,
                  another origin, signed by another key)
    unreachable   no resource could be fetched (or it is not JSON)
    no_origin     the credential's issuer names no http(s) web site (``url``)
"""

from __future__ import annotations

import json
from typing import Any

from badger.core.app import Badger
from badger.errors import BadgerError, InvalidInput
from badger.issuers.linkage import DOMAIN_LINKAGE_TYPE, origin_of
from badger.proofs.data_integrity import verify_proofs
from badger.verification.verifier import dates_check

__all__ = ["domain_linkage", "issuer_linkage", "WELL_KNOWN_PATH"]

WELL_KNOWN_PATH = "/.well-known/did-configuration.json"


def _types(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def _verdict(app: Badger, resolver: Any, entry: Any, did: str, origin: str) -> str | None:
    """'linked', 'invalid' (a credential for this DID that fails), or None (not about this DID)."""
    if not isinstance(entry, dict) or DOMAIN_LINKAGE_TYPE not in _types(entry.get("type")):
        return None
    subject = entry.get("credentialSubject")
    issuer = entry.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(subject, dict) or did not in (subject.get("id"), issuer):
        return None
    if subject.get("id") != did or issuer != did or subject.get("origin") != origin:
        return "invalid"
    if dates_check(entry, app.clock()).status != "passed":
        return "invalid"
    checks = verify_proofs(entry, resolver=resolver)
    if not checks or not all(c.verified for c in checks) or checks[0].controller != did:
        return "invalid"
    return "linked"


def domain_linkage(app: Badger, resolver: Any, did: str, origin: str) -> dict[str, Any]:
    """Fetch ``origin``'s DID Configuration and say whether it links ``did`` (module docstring)."""
    out: dict[str, Any] = {"origin": origin}
    try:
        body = app.fetcher(origin + WELL_KNOWN_PATH)
        resource = json.loads(body)
    except (BadgerError, ValueError) as exc:
        return {**out, "status": "unreachable", "detail": str(exc)}
    entries = resource.get("linked_dids") if isinstance(resource, dict) else None
    verdicts = [_verdict(app, resolver, e, did, origin) for e in entries] if isinstance(entries, list) else []
    if "linked" in verdicts:
        return {**out, "status": "linked"}
    if "invalid" in verdicts:
        return {**out, "status": "invalid", "detail": "a Domain Linkage Credential for this DID does not verify"}
    return {**out, "status": "not_linked"}


def issuer_linkage(app: Badger, credential: Any, resolver: Any) -> dict[str, Any] | None:
    """Domain linkage of a credential's issuer and the web site its profile names (``issuer.url``);
    None when the credential names no issuer DID."""
    if not isinstance(credential, dict):
        return None
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(did, str) or not did.startswith("did:"):
        return None
    url = issuer.get("url") if isinstance(issuer, dict) else None
    try:
        origin = origin_of(url) if isinstance(url, str) else None
    except InvalidInput:
        origin = None
    if origin is None:
        return {"status": "no_origin", "origin": None}
    return domain_linkage(app, resolver, did, origin)

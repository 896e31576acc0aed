"""DIF Well Known DID Configuration: the ``did-configuration.json`` a partner publishes at
``https://<its domain>/.well-known/did-configuration.json`` to prove that its website and its
Badger DID belong to the same organisation.

Spec: DIF "Well Known DID Configuration" v1.0 (https://identity.foundation/.well-known/resources/
did-configuration/): the resource is ``{"@context":
"https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": [...]}``; each
entry a Domain Linkage Credential, here the Linked Data Proof form: a VC Data Model 1.1
credential (the spec's contexts: VC 1.1 then the DID Configuration context) of type
DomainLinkageCredential whose ``issuer`` and ``credentialSubject.id`` are the DID and whose
``credentialSubject.origin`` is the website's origin, with ``issuanceDate`` and
``expirationDate``, signed by a key of the DID's assertionMethod (Badger's eddsa-rdfc-2022 Data
Integrity proof). Verification: badger.verifying.linkage.

The origin is the issuer's profile ``url`` (its web site), reduced to scheme://host[:port].
Signed when asked (dashboard or the public route), valid for LINKAGE_DAYS; a partner re-downloads
it before it expires, or after a key rotation.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from badger.core.app import Badger, xsd_datetime
from badger.credentials.vocab import VC_TYPE, VC_V1_CONTEXT
from badger.errors import InvalidInput
from badger.issuers.models import Issuer
from badger.issuers.service import signing_key
from badger.proofs.data_integrity import add_proof

__all__ = ["did_configuration", "origin_of", "DID_CONFIGURATION_CONTEXT", "DOMAIN_LINKAGE_TYPE", "LINKAGE_DAYS"]

DID_CONFIGURATION_CONTEXT = "https://identity.foundation/.well-known/did-configuration/v1"
DOMAIN_LINKAGE_TYPE = "DomainLinkageCredential"
LINKAGE_DAYS = 365


def origin_of(url: str) -> str:
    """The RFC 6454 origin of an http(s) URL: ``scheme://host[:port]``. Raises InvalidInput."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not an http(s) web site", code="linkage.no_origin")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def did_configuration(app: Badger, issuer: Issuer) -> dict:
    """The DID Configuration resource for ``issuer``'s web site, with one freshly signed Domain
    Linkage Credential. Raises InvalidInput when the issuer has no http(s) web site."""
    origin = origin_of(issuer.url)
    now = app.clock()
    credential = {
        "@context": [VC_V1_CONTEXT, DID_CONFIGURATION_CONTEXT],
        "issuer": issuer.did,
        "issuanceDate": xsd_datetime(now),
        "expirationDate": xsd_datetime(now + timedelta(days=LINKAGE_DAYS)),
        "type": [VC_TYPE, DOMAIN_LINKAGE_TYPE],
        "credentialSubject": {"id": issuer.did, "origin": origin},
    }
    vm, pair = signing_key(app, issuer)
    signed = add_proof(credential, keypair=pair, verification_method=vm, created=xsd_datetime(now))
    return {"@context": DID_CONFIGURATION_CONTEXT, "linked_dids": [signed]}

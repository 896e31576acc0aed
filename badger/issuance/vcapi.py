"""The W3C VC-API "Issue Credential" use case: sign a caller's credential as one of our issuers.

VC-API (w3c-ccg/vc-api, issuer.yml ``POST /credentials/issue``; Editor's draft §"Issue
Credential"): the request is ``{"credential": UnsecuredCredential, "options":
IssueCredentialOptions}``; the answer is 201 with ``{"verifiableCredential": ...}``; 400 when
"the provided value of 'issuer' does not match the expected configuration" or for any other bad
request. An issuer instance here is the issuer the API token acts for; its DID is the only
``issuer`` it signs as.

Nothing is stored: the caller keeps the credential (a VC-API credential has no badge class row,
and no status entry is allocated for it).
"""

from __future__ import annotations

from badger.core.app import Badger, xsd_datetime
from badger.credentials.dates import parse_datetime
from badger.credentials.validation import check
from badger.credentials.vocab import (
    ENDORSEMENT_CREDENTIAL_TYPE,
    OB_CONTEXTS,
    OB_CREDENTIAL_TYPES,
    VC_TYPE,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
)
from badger.errors import InvalidInput
from badger.issuers.models import Issuer
from badger.issuers.service import signing_key
from badger.proofs.data_integrity import add_proof

__all__ = ["issue_credential"]


def _types(value) -> list:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _with_issuer(credential: dict, did: str) -> dict:
    """The credential with ``issuer`` set to ``did``; refuse another issuer (VC-API: 400)."""
    issuer = credential.get("issuer")
    if issuer is None:
        return {**credential, "issuer": did}
    if isinstance(issuer, str):
        given: object = issuer
    elif isinstance(issuer, dict):
        given = issuer.get("id")
        if given is None:
            return {**credential, "issuer": {**issuer, "id": did}}
    else:
        raise InvalidInput(
            "issuer must be a DID or an object with an id", code="vcapi.invalid_issuer", field="credential.issuer"
        )
    if given != did:
        raise InvalidInput(
            f"this token issues as {did}, not as {given!r}", code="vcapi.issuer_mismatch", field="credential.issuer"
        )
    return credential


def issue_credential(app: Badger, session, issuer: Issuer, credential: dict, options: dict | None = None) -> dict:
    """Sign ``credential`` as ``issuer`` with its active Ed25519 key (DataIntegrityProof,
    eddsa-rdfc-2022).

    Input: an unsecured VC 2.0 (``@context`` starts with https://www.w3.org/ns/credentials/v2) or
    VC 1.1 credential, and the VC-API options (``credentialId``, ``mandatoryPointers``).
    ``issuer`` is set to the issuer's DID when absent. VC 1.1 credentials get ``issuanceDate``
    (now) when absent, as VC 1.1 requires it. Open Badges credentials are validated like the
    verifier does (OB 3.0 §"Verification" step 1, mode "verify": VC 1.1 forms accepted).
    Output: the signed credential (a new dict).
    Errors: InvalidInput (not a credential, another issuer, a proof already present, selective
    disclosure asked, a bad date), InvalidCredential (OB 3.0 problems), JsonLdError (unknown
    context, a term that would be dropped from the signed data, canonicalization limits).
    Spec: VC-API "Issue Credential"; VC Data Model 2.0 §4 (contexts, types, issuer, validity);
    VC Data Integrity 1.0 §4.2 (Add Proof); vc-di-eddsa eddsa-rdfc-2022.
    """
    options = options or {}
    if options.get("mandatoryPointers"):
        raise InvalidInput(
            "mandatoryPointers is for selective disclosure; eddsa-rdfc-2022 signs everything",
            code="vcapi.unsupported_option",
            field="options.mandatoryPointers",
        )
    contexts = _types(credential.get("@context"))
    if not contexts or contexts[0] not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        raise InvalidInput(
            f"the first @context entry must be {VC_V2_CONTEXT} (or the VC 1.1 context)",
            code="vcapi.not_a_credential",
            field="credential",
        )
    if not all(isinstance(c, (str, dict)) for c in contexts):
        raise InvalidInput("@context entries are URLs or objects", code="vcapi.not_a_credential", field="credential")
    types = _types(credential.get("type"))
    if VC_TYPE not in types:
        raise InvalidInput(f"type must include {VC_TYPE}", code="vcapi.not_a_credential", field="credential")
    if not isinstance(credential.get("credentialSubject"), (dict, list)) or not credential["credentialSubject"]:
        raise InvalidInput("credentialSubject is required", code="vcapi.not_a_credential", field="credential")
    if "proof" in credential:
        # VC-API leaves existing proofs to the instance's configuration; this one signs only
        # credentials it is the first to secure, so nobody else's proof travels under its name.
        raise InvalidInput("the credential already has a proof", code="vcapi.proof_present", field="credential.proof")

    document = _with_issuer(credential, issuer.did)
    now = xsd_datetime(app.clock())
    legacy = contexts[0] == VC_V1_CONTEXT
    if legacy and "issuanceDate" not in document:
        document = {**document, "issuanceDate": now}
    for key in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if key in document and parse_datetime(document[key]) is None:
            raise InvalidInput(
                f"{key} must be a date-time with a timezone", code="vcapi.invalid_date", field="credential"
            )
    if any(t in OB_CREDENTIAL_TYPES or t == ENDORSEMENT_CREDENTIAL_TYPE for t in types) or any(
        c in OB_CONTEXTS for c in contexts
    ):
        check(document, mode="verify")  # raises InvalidCredential with every problem

    verification_method, keypair = signing_key(app, issuer)
    return add_proof(document, keypair=keypair, verification_method=verification_method, created=now)

"""The W3C VC-API issuer and status service: sign a caller's credential as one of our issuers,
with a Bitstring Status List entry when asked, and update that status later.

VC-API (w3c-ccg/vc-api, issuer.yml): ``POST /credentials/issue`` takes ``{"credential":
UnsecuredCredential, "options": IssueCredentialOptions}`` and answers 201 with
``{"verifiableCredential": ...}``; 400 when "the provided value of 'issuer' does not match the
expected configuration" or for any other bad request. ``POST /credentials/status``
(operationId updateCredentialStatus) takes ``{"credentialId", "credentialStatus": {"type",
"statusPurpose", ...}, "status": bool}``; 200, 400, 404. An issuer instance here is the issuer
the API token acts for; its DID is the only ``issuer`` it signs as.

Nothing is filled in: the credential must already satisfy the VC Data Model 2.0 MUSTs
(`badger.credentials.validation.validate`; the problem's code names the rule), its ``issuer``
must be the token's issuer's DID (a URL or an object with that ``id``; absent or null is
refused). What Badger adds by design, said in the OpenAPI document: the proof; with the VC 2.0
context nothing else; a VC 1.1 credential without ``issuanceDate`` gets the signing time (VC 1.1
requires one), and the Data Integrity context is appended to a VC 1.1 ``@context`` (the proof's
terms are not in the VC 1.1 context); and ``credentialStatus`` when ``options.credentialStatus``
asks for it.

Status (``options.credentialStatus``: one object or a list, each ``{"type":
"BitstringStatusListEntry", "statusPurpose"?: "revocation" | "suspension"}``; the earlier VC-API
IssueCredentialOptions had ``credentialStatus: {type}``, the current draft leaves status to the
instance's configuration, and this instance is configured by that option). The credential gets a
revocation entry, and a suspension entry when asked, on the issuer's Bitstring Status Lists (the
lists its Open Badges use, served at /status/<id> as before): one object, or the array of both
(VC Data Model 2.0 §4.10). To update that status later, a VC-API credential issued with a status
is stored as a `VcApiCredential` row: the name the caller gave it (``options.credentialId``, else
the credential's ``id``, one of them is required then), its indexes and state; not the document,
which the caller keeps. A credential issued without a status option is not stored at all.
"""

from __future__ import annotations

from typing import Any

from badger.core import audit
from badger.core import db as core_db
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.credentials.dates import parse_datetime
from badger.credentials.validation import validate
from badger.credentials.vcdm import is_presentation, vcdm_problems
from badger.credentials.vocab import (
    ENDORSEMENT_CREDENTIAL_TYPE,
    OB_CONTEXTS,
    OB_CREDENTIAL_TYPES,
    VC_V1_CONTEXT,
)
from badger.errors import Conflict, InvalidCredential, InvalidInput, NotFound
from badger.issuance import repository as issuance_repo
from badger.issuance import revocation
from badger.issuance.models import Credential, VcApiCredential
from badger.issuance.revocation import ACTIVE, REVOKED, SUSPENDED
from badger.issuance.status_lists import allocate_purposes, entry_for, set_status
from badger.issuers.models import Issuer
from badger.issuers.service import signing_key
from badger.proofs.data_integrity import add_proof

__all__ = ["issue_credential", "update_status", "STATUS_ENTRY_TYPE"]

STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
# The VC-API example names the list type ("BitstringStatusList") where the entry type is meant.
_STATUS_TYPES = (STATUS_ENTRY_TYPE, "BitstringStatusList")
_PURPOSES = ("revocation", "suspension")


def _types(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _refuse(problems: list) -> None:
    first = problems[0]
    raise InvalidCredential(
        f"{len(problems)} problem(s), first: {first.code} at {first.path or '/'}: {first.detail}",
        problems=problems,
        code=first.code,
    )


def _check_issuer(credential: dict, did: str) -> None:
    """VC-API 400 when ``issuer`` is not this instance's (its presence and shape are VC DM rules)."""
    issuer = credential["issuer"]
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    if given != did:
        raise InvalidInput(
            f"this token issues as {did}, not as {given!r}", code="vcapi.issuer_mismatch", field="credential.issuer"
        )


def _status_purposes(option: Any, credential: dict) -> tuple[str, ...]:
    """The purposes ``options.credentialStatus`` asks for: revocation, plus suspension if named."""
    if option is None:
        return ()
    items = option if isinstance(option, list) else [option]
    purposes = {"revocation"}
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in _STATUS_TYPES:
            raise InvalidInput(
                f"options.credentialStatus entries are {{'type': '{STATUS_ENTRY_TYPE}', 'statusPurpose'?}}",
                code="vcapi.unsupported_status",
                field="options.credentialStatus",
            )
        purpose = item.get("statusPurpose", "revocation")
        if purpose not in _PURPOSES:
            raise InvalidInput(
                f"statusPurpose is 'revocation' or 'suspension', not {purpose!r}",
                code="vcapi.unsupported_status",
                field="options.credentialStatus",
            )
        purposes.add(purpose)
    if "credentialStatus" in credential:
        raise InvalidInput(
            "the credential has its own credentialStatus; options.credentialStatus would add another",
            code="vcapi.status_present",
            field="credential.credentialStatus",
        )
    return tuple(p for p in _PURPOSES if p in purposes)


def issue_credential(
    app: Badger,
    session: Session,
    issuer: Issuer,
    credential: dict,
    options: dict | None = None,
    *,
    actor: audit.Actor = audit.SYSTEM,
) -> dict:
    """Sign ``credential`` as ``issuer`` with its active Ed25519 key (DataIntegrityProof,
    eddsa-rdfc-2022), with a status entry when ``options.credentialStatus`` asks for one.

    Input: an unsecured VC 2.0 (or VC 1.1) credential whose ``issuer`` is the issuer's DID, and
    the VC-API options (``credentialId``, ``mandatoryPointers``, ``credentialStatus``).
    Output: the signed credential (a new dict). With a status: a `VcApiCredential` row, flushed.
    Errors: InvalidCredential whose code is the first broken VC Data Model 2.0 MUST (or OB 3.0
    rule for an Open Badge) with every problem; InvalidInput (a presentation, another issuer,
    a proof already present, selective disclosure asked, a bad VC 1.1 date, a status option
    Badger cannot honour or without a credential id); Conflict (a status already issued for that
    credential id); JsonLdError (unknown context, a term that would be dropped from the signed
    data, canonicalization limits).
    Spec: VC-API "Issue Credential"; VC Data Model 2.0 §4 and §5; Bitstring Status List §2.1;
    VC Data Integrity 1.0 §4.2 (Add Proof); vc-di-eddsa eddsa-rdfc-2022.
    """
    options = options or {}
    if options.get("mandatoryPointers"):
        raise InvalidInput(
            "mandatoryPointers is for selective disclosure; eddsa-rdfc-2022 signs everything",
            code="vcapi.unsupported_option",
            field="options.mandatoryPointers",
        )
    if is_presentation(credential):
        raise InvalidInput(
            "this is a presentation, not a credential", code="vcapi.not_a_credential", field="credential"
        )
    types, contexts = _types(credential.get("type")), _types(credential.get("@context"))
    open_badge = any(t in OB_CREDENTIAL_TYPES or t == ENDORSEMENT_CREDENTIAL_TYPE for t in types) or any(
        c in OB_CONTEXTS for c in contexts
    )
    # Open Badges: the OB 3.0 rules as the verifier applies them (VC 1.1 forms accepted), which
    # include the VC Data Model ones; any other credential: the VC Data Model 2.0 rules.
    problems = validate(credential, mode="verify") if open_badge else vcdm_problems(credential)
    if problems:
        _refuse(problems)
    if "proof" in credential:
        # VC-API leaves existing proofs to the instance's configuration; this one signs only
        # credentials it is the first to secure, so nobody else's proof travels under its name.
        raise InvalidInput("the credential already has a proof", code="vcapi.proof_present", field="credential.proof")
    _check_issuer(credential, issuer.did)

    now = xsd_datetime(app.clock())
    document = dict(credential)
    if contexts[0] == VC_V1_CONTEXT:
        for key in ("issuanceDate", "expirationDate"):
            if key in document and parse_datetime(document[key]) is None:
                raise InvalidInput(
                    f"{key} must be a date-time with a timezone", code="vcapi.invalid_date", field="credential"
                )
        document.setdefault("issuanceDate", now)  # by design, said in the OpenAPI document

    purposes = _status_purposes(options.get("credentialStatus"), credential)
    row = None
    if purposes:
        name = options.get("credentialId") or credential.get("id")
        if not isinstance(name, str) or not name:
            raise InvalidInput(
                "a credential issued with a status needs an id (credential.id or options.credentialId)",
                code="vcapi.credential_id_required",
                field="options.credentialId",
            )
        if issuance_repo.vcapi_credential(session, issuer.id, name) is not None:
            raise Conflict(
                f"a credential named {name!r} was already issued with a status", code="vcapi.duplicate_credential"
            )
        allocated = allocate_purposes(app, session, issuer, purposes)
        entries = [allocated[p][1] for p in purposes]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        row = VcApiCredential(
            id=app.new_id(),
            issuer_id=issuer.id,
            credential_id=name,
            status=ACTIVE,
            status_index=allocated["revocation"][0],
            suspension_index=allocated["suspension"][0] if "suspension" in allocated else None,
            issued_at=app.clock(),
        )
        # What we add must not break what we checked (an OB credential must stay valid).
        added = validate(document, mode="verify") if open_badge else vcdm_problems(document)
        if added:
            _refuse(added)

    verification_method, keypair = signing_key(app, issuer)
    signed = add_proof(document, keypair=keypair, verification_method=verification_method, created=now)
    if row is not None:
        core_db.insert_unique(session, row)
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="vcapi.issue",
            target=row.credential_id,
            detail={"purposes": list(purposes)},
        )
    return signed


def update_status(
    app: Badger,
    session: Session,
    issuer: Issuer,
    *,
    credential_id: str,
    credential_status: dict,
    status: bool,
    actor: audit.Actor,
) -> dict:
    """VC-API updateCredentialStatus: set (``status`` true) or clear the bit of one of the
    credential's status entries.

    ``credential_id`` names a VC-API credential (as issued) or one of the issuer's Open Badges
    (its URL or uuid: the same transitions as /api/v1/credentials/<id>/revoke, /suspend,
    /unsuspend). ``credential_status`` is ``{"type": "BitstringStatusListEntry",
    "statusPurpose": "revocation" | "suspension", "statusListCredential"?, "statusListIndex"?}``;
    the optional two must match the credential's entry. Revocation is final (Bitstring Status
    List §2.1: "not reversible"). Output: ``{"credentialId", "status"}`` (active, revoked,
    suspended). Errors: NotFound (no such credential of this issuer), InvalidInput (a bad entry),
    Conflict (``status.revoked_final``, ``status.no_entry``).
    """
    purpose = credential_status.get("statusPurpose")
    if credential_status.get("type") not in _STATUS_TYPES or purpose not in _PURPOSES:
        raise InvalidInput(
            f"credentialStatus is {{'type': '{STATUS_ENTRY_TYPE}', 'statusPurpose': 'revocation' | 'suspension'}}",
            code="vcapi.unsupported_status",
            field="credentialStatus",
        )
    row = issuance_repo.vcapi_credential(session, issuer.id, credential_id, lock=True)
    if row is None:
        return _update_open_badge(app, session, issuer, credential_id, credential_status, purpose, status, actor)
    index = row.status_index if purpose == "revocation" else row.suspension_index
    _same_entry(app, session, issuer, credential_status, purpose, index)
    if row.status == REVOKED and not (purpose == "revocation" and status):
        raise Conflict("this credential is revoked; a revocation is final", code="status.revoked_final")
    set_status(session, row, status, purpose)
    if purpose == "revocation" and status and row.suspension_index is not None and row.status == SUSPENDED:
        set_status(session, row, False, "suspension")
    new = REVOKED if purpose == "revocation" and status else SUSPENDED if status else ACTIVE
    if new != row.status:
        previous, row.status, row.status_changed_at = row.status, new, app.clock()
        session.flush()
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="vcapi.status",
            target=row.credential_id,
            detail={"from": previous, "to": new},
        )
    return {"credentialId": row.credential_id, "status": row.status}


def _same_entry(app: Badger, session: Session, issuer: Issuer, given: dict, purpose: str, stored: int | None) -> None:
    entry = entry_for(app, session, issuer.id, purpose, stored)
    for key in ("statusListCredential", "statusListIndex"):
        value = entry[key]
        if key in given and given[key] != value:
            raise InvalidInput(
                f"{key} is not this credential's", code="vcapi.status_mismatch", field=f"credentialStatus.{key}"
            )


def _update_open_badge(
    app: Badger, session: Session, issuer: Issuer, credential_id: str, given: dict, purpose: str, status: bool, actor
) -> dict:
    own = app.url("credentials") + "/"
    key = credential_id[len(own) :] if credential_id.startswith(own) else credential_id
    row = session.get(Credential, key) if key and "/" not in key else None
    if row is None or row.issuer_id != issuer.id:
        raise NotFound("no credential of this issuer has this id", code="credential.not_found")
    _same_entry(
        app, session, issuer, given, purpose, row.status_index if purpose == "revocation" else row.suspension_index
    )
    if purpose == "revocation" and not status:
        if row.status == REVOKED:
            raise Conflict("this credential is revoked; a revocation is final", code="status.revoked_final")
    elif purpose == "revocation":
        if row.status != REVOKED:
            revocation.revoke(app, session, row, reason=None, actor=actor, require_reason=False)
    elif status and row.status != SUSPENDED:
        revocation.suspend(app, session, row, reason=None, actor=actor, require_reason=False)
    elif not status and row.status == SUSPENDED:
        revocation.unsuspend(app, session, row, actor=actor)
    return {"credentialId": credential_id, "status": row.status}

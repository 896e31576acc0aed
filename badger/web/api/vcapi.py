"""W3C VC-API issuer: ``POST /credentials/issue`` and ``POST /credentials/status`` for the same
bearer tokens as /api/v1.

VC-API (w3c-ccg/vc-api issuer.yml, operationIds issueCredential and updateCredentialStatus):
issue answers 201 with ``{"verifiableCredential": {...}}``, status 200; both 400 for a bad
request, including an ``issuer`` that does not match the issuer instance (here: the token's
issuer), and status 404 for an unknown credential. VC-API answers 400, not 422, for a credential
it refuses, so document problems are 400 here too: the problem's ``code`` is the first broken
rule (a VC Data Model 2.0 MUST, ``vcdm.*``, or an OB 3.0 rule) and ``errors`` lists them all.
Conflicts VC-API has no code for (a revocation is final, no such entry) are 400 too.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from badger.errors import Conflict, InvalidCredential
from badger.issuance import vcapi
from badger.web.api.openapi import registry
from badger.web.api.schemas import VcApiIssueIn, VcApiIssueOut, VcApiStatusIn, VcApiStatusOut
from badger.web.api.views import (
    authenticated_issuer,
    read_json,
    request_actor,
    service_fields,
    validated,
)
from badger.web.current import badger_app
from badger.web.errors import problem

__all__ = ["bp"]

bp = Blueprint("vcapi", __name__)


@registry.route(
    bp,
    "/credentials/issue",
    "POST",
    summary="VC-API: issue (sign) a credential",
    tags=("vc-api",),
    operation_id="vcapi_issue_credential",
    description=(
        "W3C VC-API Issue Credential. Signs the credential with the token's issuer's "
        "Ed25519 key (DataIntegrityProof, eddsa-rdfc-2022). The credential must satisfy the VC "
        "Data Model 2.0 MUSTs (refusals are 400 with the rule's code, `vcdm.*`, and every "
        "problem in `errors`) and name the token's issuer as `issuer` (absent, null or another "
        "issuer: 400); nothing is filled in, except what the request body's description lists. "
        "With `options.credentialStatus`, the credential gets BitstringStatusListEntry entries on "
        "the issuer's lists and is stored (its name, indexes and state, not the document) so that "
        "POST /credentials/status can change it; without it, nothing is stored."
    ),
    request=VcApiIssueIn,
    responses=[(201, "The signed credential", VcApiIssueOut)],
)
def issue():
    app = badger_app()
    try:  # outside the transaction: a refusal rolls back whatever was begun
        with app.transaction() as session:
            issuer = authenticated_issuer(session)
            body = validated(VcApiIssueIn, read_json())
            options = body.options.model_dump(exclude_none=True) if body.options else {}
            with service_fields(VcApiIssueIn):
                signed = vcapi.issue_credential(app, session, issuer, body.credential, options, actor=request_actor())
    except InvalidCredential as exc:
        return problem(400, exc.code, str(exc), errors=[p.as_dict() for p in exc.problems])
    response = jsonify({"verifiableCredential": signed})
    response.status_code = 201
    return response


@registry.route(
    bp,
    "/credentials/status",
    "POST",
    summary="VC-API: update the status of an issued credential",
    tags=("vc-api",),
    operation_id="vcapi_update_credential_status",
    description=(
        "W3C VC-API Update Credential Status. `credentialId` names a credential issued through "
        "/credentials/issue with a status option, or one of the issuer's Open Badges; "
        "`credentialStatus.statusPurpose` picks the entry (revocation or suspension) and `status` "
        "sets (true) or clears (false) its bit on the served status list. Revocation is final "
        "(400 `status.revoked_final`); 404 for a credential this token's issuer did not issue."
    ),
    request=VcApiStatusIn,
    responses=[(200, "The credential's status now", VcApiStatusOut)],
    errors=(404,),
)
def update_status():
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = authenticated_issuer(session)
            body = validated(VcApiStatusIn, read_json())
            with service_fields(VcApiStatusIn):
                out = vcapi.update_status(
                    app,
                    session,
                    issuer,
                    credential_id=body.credentialId,
                    credential_status=body.credentialStatus.model_dump(exclude_none=True),
                    status=body.status,
                    actor=request_actor(),
                )
    except Conflict as exc:
        return problem(400, exc.code, str(exc))
    return jsonify(out)

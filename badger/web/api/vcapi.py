"""W3C VC-API: ``POST /credentials/issue`` for the same bearer tokens as /api/v1.

VC-API (w3c-ccg/vc-api issuer.yml, operationId issueCredential): body ``{"credential": {...},
"options": {...}}``; 201 with ``{"verifiableCredential": {...}}``; 400 for a bad request,
including an ``issuer`` that does not match the issuer instance (here: the token's issuer).
VC-API answers 400, not 422, for a credential it refuses, so document problems (OB 3.0
validation) are 400 here too, with the same ``errors`` list as elsewhere.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from badger.errors import InvalidCredential
from badger.issuance import vcapi
from badger.web.api.openapi import registry
from badger.web.api.schemas import VcApiIssueIn, VcApiIssueOut
from badger.web.api.views import (
    authenticated_issuer,
    read_json,
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
        "Ed25519 key (DataIntegrityProof, eddsa-rdfc-2022); `issuer` is set to the issuer's "
        "DID, and any other issuer is refused (400). Nothing is stored."
    ),
    request=VcApiIssueIn,
    responses=[(201, "The signed credential", VcApiIssueOut)],
)
def issue():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        body = validated(VcApiIssueIn, read_json())
        options = body.options.model_dump(exclude_none=True) if body.options else {}
        try:
            with service_fields(VcApiIssueIn):
                signed = vcapi.issue_credential(app, session, issuer, body.credential, options)
        except InvalidCredential as exc:
            return problem(400, exc.code, str(exc), errors=[p.as_dict() for p in exc.problems])
    response = jsonify({"verifiableCredential": signed})
    response.status_code = 201
    return response

"""A token acts for one issuer only (must-show 4).

Every authenticated operation of the OpenAPI registry is called with no token, with malformed
or unknown tokens, and with another issuer's token. Without a valid token: 401 problem+json and
a WWW-Authenticate challenge. With another issuer's token: 404 for the other issuer's resources
(their existence is not even confirmed), 400 for a VC-API credential in the other issuer's
name, and collections that hold none of the other issuer's data. In every case the database is
unchanged: rows and stored documents are compared before and after.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from badger.accounts.models import ApiToken
from badger.achievements.models import Achievement
from badger.issuance import issuing
from badger.issuance.models import Credential, StatusList, VcApiCredential
from badger.issuers import service as issuers
from badger.issuers.models import Issuer, IssuerKey
from badger.web.api.openapi import registry

PROBLEM = "application/problem+json"


def snapshot(badger, issuer_id: str | None = None) -> dict:
    """Every row that matters, with its stored document (only ``issuer_id``'s when given)."""

    def rows(model, *columns):
        query = select(model.id, *columns).order_by(model.id)
        if issuer_id is not None and hasattr(model, "issuer_id"):
            query = query.where(model.issuer_id == issuer_id)
        return [tuple(row) for row in session.execute(query)]

    with badger.transaction() as session:
        return {
            "issuers": rows(Issuer, Issuer.did, Issuer.name),
            "keys": rows(IssuerKey, IssuerKey.public_key, IssuerKey.active),
            "tokens": rows(ApiToken, ApiToken.token_hash, ApiToken.revoked_at),
            "achievements": rows(Achievement, Achievement.document, Achievement.image, Achievement.updated_at),
            "credentials": rows(Credential, Credential.document, Credential.jwt, Credential.status),
            "status_lists": rows(StatusList, StatusList.bits),
            "vcapi_credentials": rows(VcApiCredential, VcApiCredential.credential_id, VcApiCredential.status),
        }


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    """Issuer A with a badge class and a credential; issuer B with its own token."""
    a, token_a = create_issuer("Territoire apprenant pays de Vannes", slug="vannes")
    b, token_b = create_issuer("Labo de l'ESS", slug="labo-ess")
    achievement = create_achievement(a)
    with badger.transaction() as session:
        credential = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "vannes"),
            issuing.IssueRequest(achievement=achievement.id, email="camille@exemple.fr"),
        )
    return {
        "a": a,
        "b": b,
        "token_a": token_a,
        "token_b": token_b,
        "achievement": achievement.id,
        "credential": credential.id,
        "job": _bulk_job(badger, achievement.id),
    }  # "job"


def _bulk_job(badger, achievement_id) -> str:
    """A finished bulk job of A's (run here, synchronously)."""
    from badger.bulk import runner as jobs
    from badger.bulk import service as bulk
    from badger.core import audit

    with badger.transaction() as session:
        job_id = bulk.start(
            badger,
            session,
            issuers.get_issuer(session, "vannes"),
            achievement_id,
            [bulk.BulkRow("yann@exemple.fr", "Yann", line=1)],
            actor=audit.CLI,
            dispatch=False,
        ).id
    jobs.run(badger, job_id)
    return job_id


OPERATIONS = (
    "list_achievements",
    "create_achievement",
    "get_achievement",
    "update_achievement",
    "issue_credential",
    "list_credentials",
    "vcapi_issue_credential",
)
OPERATIONS += ("suspend_credential", "unsuspend_credential", "revoke_credential", "vcapi_update_credential_status")
OPERATIONS += ("bulk_issue_credentials", "get_job", "get_job_result_csv")


def _requests(w) -> dict:
    """One request per authenticated operation, each aimed at issuer A's data."""
    ach = w["achievement"]
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": w["a"].did,
        "credentialSubject": {"id": "did:example:learner"},
    }
    return {
        "list_achievements": ("GET", "/api/v1/achievements", {}),
        "create_achievement": (
            "POST",
            "/api/v1/achievements",
            {"json": {"name": "Intrus", "description": "D", "criteria": "C"}},
        ),
        "get_achievement": ("GET", f"/api/v1/achievements/{ach}", {}),
        "update_achievement": ("PATCH", f"/api/v1/achievements/{ach}", {"json": {"name": "Piraté"}}),
        "issue_credential": (
            "POST",
            "/api/v1/credentials",
            {"json": {"achievement": ach, "recipient": {"email": "intrus@exemple.fr"}}},
        ),
        "list_credentials": ("GET", f"/api/v1/credentials?achievement={ach}", {}),
        "vcapi_issue_credential": ("POST", "/credentials/issue", {"json": {"credential": vc}}),
        # In this order, so that A's own token passes each transition in turn.
        "suspend_credential": (
            "POST",
            f"/api/v1/credentials/{w['credential']}/suspend",
            {"json": {"reason": "Intrus"}},
        ),
        "unsuspend_credential": ("POST", f"/api/v1/credentials/{w['credential']}/unsuspend", {"json": {}}),
        "revoke_credential": ("POST", f"/api/v1/credentials/{w['credential']}/revoke", {"json": {"reason": "Intrus"}}),
        "vcapi_update_credential_status": (
            "POST",
            "/credentials/status",
            {
                "json": {
                    "credentialId": w["credential"],
                    "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                    "status": True,
                }
            },
        ),
        "bulk_issue_credentials": (
            "POST",
            f"/api/v1/credentials/bulk?achievement={ach}",
            {"data": b"intrus@exemple.fr;Intrus\n", "content_type": "text/csv"},
        ),
        "get_job": ("GET", f"/api/v1/jobs/{w['job']}", {}),
        "get_job_result_csv": ("GET", f"/api/v1/jobs/{w['job']}/result.csv", {}),
    }


def _secured_operations(app) -> set[str]:
    return {op.operation_id for op in registry.served_by(app) if op.secured}


def test_the_matrix_covers_every_authenticated_operation(app, world):
    assert _secured_operations(app) == set(OPERATIONS) == set(_requests(world)), "add it to OPERATIONS and _requests()"


BAD_AUTHORIZATION = {
    "no header": None,
    "empty": "",
    "scheme only": "Bearer",
    "basic": "Basic dXNlcjpwYXNzd29yZA==",
    "token scheme": "Token {token_a}",
    "unknown token": "Bearer bdg_thisTokenWasNeverIssued0123456789abcdefgh",
    "altered token": "Bearer {altered}",
    "two tokens": "Bearer {token_a} {token_a}",
    "token too long": "Bearer " + "x" * 300,
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_without_a_valid_token_nothing_happens(client, badger, world, operation):
    method, path, kwargs = _requests(world)[operation]
    token = world["token_a"]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = snapshot(badger)
    for case, header in BAD_AUTHORIZATION.items():  # one world for all cases: keys are slow to make
        headers = {} if header is None else {"Authorization": header.format(token_a=token, altered=altered)}
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == 401, (case, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM, case
        body = response.get_json()
        assert body["status"] == 401 and body["type"].endswith(body["code"]) and body["code"].startswith("auth."), case
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), case
        assert snapshot(badger) == before, case


@pytest.mark.parametrize("operation", OPERATIONS)
def test_another_issuers_token_sees_and_changes_nothing_of_theirs(client, badger, world, operation):
    method, path, kwargs = _requests(world)[operation]
    before_a = snapshot(badger, world["a"].id)
    before = snapshot(badger)
    response = client.open(path, method=method, headers={"Authorization": f"Bearer {world['token_b']}"}, **kwargs)
    text = response.get_data(as_text=True)
    if operation in ("get_achievement", "update_achievement", "issue_credential", "bulk_issue_credentials"):
        assert response.status_code == 404, text
        assert response.mimetype == PROBLEM and response.get_json()["code"] == "achievement.not_found"
    elif operation in (
        "suspend_credential",
        "unsuspend_credential",
        "revoke_credential",
        "vcapi_update_credential_status",
    ):
        assert response.status_code == 404, text
        assert response.mimetype == PROBLEM and response.get_json()["code"] == "credential.not_found"
    elif operation in ("get_job", "get_job_result_csv"):
        assert response.status_code == 404, text
        assert response.mimetype == PROBLEM and response.get_json()["code"] == "job.not_found"
    elif operation == "vcapi_issue_credential":
        assert response.status_code == 400, text
        assert response.get_json()["code"] == "vcapi.issuer_mismatch"
    elif operation in ("list_achievements", "list_credentials"):
        assert response.status_code == 200 and response.get_json() == []
    else:  # create_achievement: B creates its own badge class, in its own name
        assert response.status_code == 201, text
        assert response.get_json()["creator"]["id"] == world["b"].did
    # Nothing of A's leaks into the answer (the VC-API request itself names A's DID), and A's rows
    # and documents are exactly as they were.
    assert world["achievement"] not in text and world["credential"] not in text
    if operation != "vcapi_issue_credential":
        assert world["a"].did not in text
    assert snapshot(badger, world["a"].id) == before_a
    if operation != "create_achievement":
        assert snapshot(badger) == before


def test_the_owners_token_does_reach_those_resources(client, world):
    """The same requests with A's token succeed: the 404s above are isolation, not bugs."""
    headers = {"Authorization": f"Bearer {world['token_a']}"}
    expected = {
        "list_achievements": 200,
        "create_achievement": 201,
        "get_achievement": 200,
        "update_achievement": 200,
        "issue_credential": 201,
        "list_credentials": 200,
        "vcapi_issue_credential": 201,
        "suspend_credential": 200,
        "unsuspend_credential": 200,
        "revoke_credential": 200,
        "vcapi_update_credential_status": 200,
    }
    expected.update(bulk_issue_credentials=202, get_job=200, get_job_result_csv=200)
    for operation, (method, path, kwargs) in _requests(world).items():
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == expected[operation], (operation, response.get_data(as_text=True))


def test_the_bearer_scheme_is_case_insensitive(client, world):
    response = client.get("/api/v1/achievements", headers={"Authorization": f"bearer {world['token_a']}"})
    assert response.status_code == 200 and len(response.get_json()) == 1


def test_a_token_in_the_query_string_is_not_accepted(client, badger, world):
    before = snapshot(badger)
    response = client.get(f"/api/v1/credentials?access_token={world['token_a']}")
    assert response.status_code == 401
    assert snapshot(badger) == before


def test_vc_api_signs_only_as_the_tokens_issuer(client, badger, world):
    """B's token signs as B, never as A; without an issuer nothing is filled in (VC Data Model
    2.0 §4.7: issuer is required), so the request is refused rather than signed as anyone."""
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner"},
    }
    auth = {"Authorization": f"Bearer {world['token_b']}"}
    before = snapshot(badger)
    for issuer, code in ((None, "vcdm.issuer_missing"), (world["a"].did, "vcapi.issuer_mismatch")):
        body = vc if issuer is None else {**vc, "issuer": issuer}
        response = client.post("/credentials/issue", json={"credential": body}, headers=auth)
        assert response.status_code == 400 and response.get_json()["code"] == code
    assert snapshot(badger) == before
    response = client.post("/credentials/issue", json={"credential": {**vc, "issuer": world["b"].did}}, headers=auth)
    assert response.status_code == 201
    signed = response.get_json()["verifiableCredential"]
    assert signed["issuer"] == world["b"].did
    assert signed["proof"]["verificationMethod"].startswith(world["b"].did + "#")

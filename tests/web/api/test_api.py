"""The authenticated API and the VC-API issue endpoint, end to end on both databases."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from badger.achievements import service as achievements
from badger.achievements.models import Achievement
from badger.achievements.svg_safety import sanitize_svg
from badger.credentials import builders
from badger.credentials.identity import identity_object
from badger.issuance.models import Credential
from badger.issuers import service as issuers
from badger.verifying import service as verifying
from badger.web.api.openapi import registry
from tests.web.test_isolation import snapshot

PROBLEM = "application/problem+json"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    '<circle cx="32" cy="32" r="30" fill="#1d6f8a"/><text x="32" y="38" text-anchor="middle">CEC</text></svg>'
)


def png_bytes(size=(64, 64), color=(29, 111, 138)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def issuer(create_issuer):
    return create_issuer("CEC Ouest 2023", slug="cec-ouest")


@pytest.fixture
def auth(issuer):
    return {"Authorization": f"Bearer {issuer[1]}"}


@pytest.fixture
def achievement_id(client, auth):
    response = client.post(
        "/api/v1/achievements",
        headers=auth,
        json={
            "name": "Session 1 — Montée à bord",
            "description": "Camp de base à Rennes, 20-21 janvier 2023.",
            "criteria": "Présence aux deux journées.",
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"].rsplit("/", 1)[-1]


def count(badger, model) -> int:
    with badger.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def verify(badger, data, email=None):
    with badger.transaction() as session:
        return verifying.verify_credential(
            badger, session, data if isinstance(data, str) else json.dumps(data), email=email
        )


# ---------------------------------------------------------------------------------------------
# Badge classes


def test_create_an_achievement_from_json(client, auth, issuer, badger):
    body = {
        "name": "Session 2 — Cap sur la coopération",
        "description": "Deux jours à Nantes.",
        "criteria": "Avoir animé un atelier.",
        "achievementType": "Competency",
        "tags": ["coopération", "CEC"],
        "alignments": [
            {
                "targetName": "Coopérer",
                "targetUrl": "https://referentiel.example/cooperer",
                "targetCode": "C1",
                "targetFramework": "Référentiel CEC",
            }
        ],
    }
    response = client.post("/api/v1/achievements", headers=auth, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    document = response.get_json()
    achievement_id = document["id"].rsplit("/", 1)[-1]
    assert document["id"] == f"{badger.base_url}/achievements/{achievement_id}"
    assert response.headers["Location"] == f"{badger.base_url}/api/v1/achievements/{achievement_id}"
    assert document["type"] == ["Achievement"] and document["name"] == body["name"]
    assert document["criteria"] == {"narrative": "Avoir animé un atelier."}
    assert document["achievementType"] == "Competency" and document["tag"] == ["coopération", "CEC"]
    assert document["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "Coopérer",
            "targetUrl": "https://referentiel.example/cooperer",
            "targetCode": "C1",
            "targetFramework": "Référentiel CEC",
        }
    ]
    assert document["creator"]["id"] == issuer[0].did
    assert "image" not in document

    got = client.get(f"/api/v1/achievements/{achievement_id}", headers=auth)
    assert got.status_code == 200 and got.get_json() == document
    listed = client.get("/api/v1/achievements", headers=auth)
    assert listed.status_code == 200 and listed.get_json() == [document]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_create_an_achievement_with_an_image_upload(client, auth, badger, kind):
    data = png_bytes() if kind == "png" else SVG.encode()
    form = {
        "name": "Session 3 — Escale à Brest",
        "description": "Le port, les communs.",
        "criteria": "Présence.",
        "achievementType": "Badge",
        "tags": ["brest", "communs"],
        "alignments": json.dumps([{"targetName": "Communs", "targetUrl": "https://ref.example/communs"}]),
        "image": (io.BytesIO(data), f"badge.{kind}"),
    }
    response = client.post("/api/v1/achievements", headers=auth, data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    document = response.get_json()
    assert document["image"] == {"id": document["id"] + "/image", "type": "Image", "caption": form["name"]}
    assert document["tag"] == ["brest", "communs"] and document["alignment"][0]["targetName"] == "Communs"
    with badger.transaction() as session:
        row = achievements.get_achievement(session, document["id"])
        # An SVG is stored as rebuilt from the allow-list (same pixels: tests/security/test_svg.py).
        assert row.image == (data if kind == "png" else sanitize_svg(data))
        assert row.image_type == ("image/png" if kind == "png" else "image/svg+xml")


def test_patch_an_achievement(client, auth, achievement_id, badger):
    before = client.get(f"/api/v1/achievements/{achievement_id}", headers=auth).get_json()
    response = client.patch(
        f"/api/v1/achievements/{achievement_id}",
        headers=auth,
        json={"name": "Session 1 — Montée à bord (Rennes)", "tags": ["rennes"]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    after = response.get_json()
    assert after["name"] == "Session 1 — Montée à bord (Rennes)" and after["tag"] == ["rennes"]
    assert after["id"] == before["id"] and after["description"] == before["description"]
    assert after["criteria"] == before["criteria"]
    assert client.get(f"/api/v1/achievements/{achievement_id}", headers=auth).get_json() == after

    # achievementType set, then removed with null; the image added by a multipart PATCH.
    typed = client.patch(f"/api/v1/achievements/{achievement_id}", headers=auth, json={"achievementType": "Course"})
    assert typed.get_json()["achievementType"] == "Course" and typed.get_json()["tag"] == ["rennes"]
    untyped = client.patch(f"/api/v1/achievements/{achievement_id}", headers=auth, json={"achievementType": None})
    assert "achievementType" not in untyped.get_json()
    with_image = client.patch(
        f"/api/v1/achievements/{achievement_id}",
        headers=auth,
        data={"image": (io.BytesIO(png_bytes()), "b.png")},
        content_type="multipart/form-data",
    )
    assert with_image.status_code == 200, with_image.get_data(as_text=True)
    assert with_image.get_json()["image"]["id"].endswith("/image")
    assert with_image.get_json()["name"] == after["name"]


def test_patch_cannot_remove_a_required_field(client, auth, achievement_id, badger):
    before = snapshot(badger)
    response = client.patch(f"/api/v1/achievements/{achievement_id}", headers=auth, json={"name": None})
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert snapshot(badger) == before


# ---------------------------------------------------------------------------------------------
# Credentials


def test_issue_ldp(client, auth, achievement_id, badger, issuer):
    response = client.post(
        "/api/v1/credentials",
        headers=auth,
        json={"achievement": achievement_id, "recipient": {"email": "Élodie@Exemple.fr", "name": "Élodie"}},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "url", "credential"}
    assert body["url"] == f"{badger.base_url}/credentials/{body['id']}" == response.headers["Location"]
    credential = body["credential"]
    assert credential["id"] == body["url"] and credential["issuer"]["id"] == issuer[0].did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialSubject"]["achievement"]["id"].endswith(achievement_id)
    assert "élodie@exemple.fr" not in json.dumps(credential).lower()  # only the salted hash
    result = verify(badger, credential, email="ÉLODIE@exemple.fr")
    assert result.verified, result.as_dict("en")
    with badger.transaction() as session:
        stored = session.get(Credential, body["id"])
        assert json.loads(stored.document) == credential  # the answer is the stored signed document


def test_issue_jwt_to_a_did_with_evidence_and_valid_until(client, auth, achievement_id, badger):
    response = client.post(
        "/api/v1/credentials",
        headers=auth,
        json={
            "achievement": f"{badger.base_url}/achievements/{achievement_id}",  # the URL works as well as the id
            "recipient": {"did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
            "format": "jwt",
            "validUntil": "2030-06-30T23:59:59Z",
            "evidence": ["https://portfolio.example/atelier", {"narrative": "A animé l'atelier « Communs »."}],
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    token = response.get_json()["credential"]
    assert isinstance(token, str) and re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
    result = verify(badger, token)
    assert result.verified, result.as_dict("en")
    with badger.transaction() as session:
        row = session.get(Credential, response.get_json()["id"])
        document = json.loads(row.document)
    assert row.jwt == token and row.format == "jwt"
    assert document["validUntil"] == "2030-06-30T23:59:59Z"
    assert document["credentialSubject"]["id"].startswith("did:key:")
    assert [e.get("id") for e in document["evidence"]] == ["https://portfolio.example/atelier", None]


def test_idempotency_key(client, auth, achievement_id, badger):
    body = {"achievement": achievement_id, "recipient": {"email": "camille@exemple.fr"}}
    headers = {**auth, "Idempotency-Key": "import-2023-01-21-camille"}
    first = client.post("/api/v1/credentials", headers=headers, json=body)
    again = client.post("/api/v1/credentials", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count(badger, Credential) == 1

    # The draft's structured-field form ("...") names the same key.
    quoted = client.post(
        "/api/v1/credentials", headers={**auth, "Idempotency-Key": '"import-2023-01-21-camille"'}, json=body
    )
    assert quoted.get_json()["id"] == first.get_json()["id"]

    before = snapshot(badger)
    other = client.post(
        "/api/v1/credentials", headers=headers, json={**body, "recipient": {"email": "dominique@exemple.fr"}}
    )
    assert other.status_code == 409 and other.mimetype == PROBLEM
    assert other.get_json()["code"] == "idempotency.mismatch"
    assert other.get_json()["type"].endswith("/idempotency.mismatch")
    assert snapshot(badger) == before

    # Without a key, or with another one, the same body is a new credential.
    assert client.post("/api/v1/credentials", headers=auth, json=body).status_code == 201
    assert client.post("/api/v1/credentials", headers={**auth, "Idempotency-Key": "k2"}, json=body).status_code == 201
    assert count(badger, Credential) == 3


def test_idempotency_keys_are_per_issuer(client, auth, achievement_id, create_issuer, badger):
    _, other_token = create_issuer("Labo de l'ESS", slug="labo-ess")
    other_auth = {"Authorization": f"Bearer {other_token}"}
    other_achievement = client.post(
        "/api/v1/achievements", headers=other_auth, json={"name": "N", "description": "D", "criteria": "C"}
    ).get_json()["id"]
    key = {"Idempotency-Key": "same-key"}
    mine = client.post(
        "/api/v1/credentials",
        headers={**auth, **key},
        json={"achievement": achievement_id, "recipient": {"email": "a@exemple.fr"}},
    )
    theirs = client.post(
        "/api/v1/credentials",
        headers={**other_auth, **key},
        json={"achievement": other_achievement, "recipient": {"email": "a@exemple.fr"}},
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_list_credentials_with_filters(client, auth, achievement_id, create_issuer, badger):
    second = client.post(
        "/api/v1/achievements", headers=auth, json={"name": "Session 2", "description": "D", "criteria": "C"}
    ).get_json()["id"]
    issued = {}
    for name, ach, email in (
        ("a1", achievement_id, "camille@exemple.fr"),
        ("a2", second, "camille@exemple.fr"),
        ("b1", achievement_id, "dominique@exemple.fr"),
    ):
        response = client.post(
            "/api/v1/credentials", headers=auth, json={"achievement": ach, "recipient": {"email": email}}
        )
        assert response.status_code == 201
        issued[name] = response.get_json()["id"]
    # Another issuer's credential to the same person never shows up.
    _, other_token = create_issuer("Labo de l'ESS", slug="labo-ess")
    other_auth = {"Authorization": f"Bearer {other_token}"}
    other_ach = client.post(
        "/api/v1/achievements", headers=other_auth, json={"name": "N", "description": "D", "criteria": "C"}
    ).get_json()["id"]
    assert (
        client.post(
            "/api/v1/credentials",
            headers=other_auth,
            json={"achievement": other_ach, "recipient": {"email": "camille@exemple.fr"}},
        ).status_code
        == 201
    )

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/credentials{query}", headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {item["id"] for item in response.get_json()}

    assert ids("") == set(issued.values())
    assert ids("?email=CAMILLE@exemple.fr") == {issued["a1"], issued["a2"]}
    assert ids(f"?achievement={achievement_id}") == {issued["a1"], issued["b1"]}
    assert ids(f"?achievement={second}") == {issued["a2"]}  # the badge class URL works as well as its id
    assert ids(f"?email=dominique@exemple.fr&achievement={achievement_id}") == {issued["b1"]}
    assert ids("?status=active") == set(issued.values())
    assert ids("?status=revoked") == set()
    assert ids("?email=personne@exemple.fr") == set()

    item = next(i for i in client.get("/api/v1/credentials?email=dominique@exemple.fr", headers=auth).get_json())
    assert item == {
        "id": issued["b1"],
        "url": f"{badger.base_url}/credentials/{issued['b1']}",
        "achievement": achievement_id,
        "status": "active",
    }


# ---------------------------------------------------------------------------------------------
# VC-API

VC2 = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner", "name": "Camille"},
}


def test_vc_api_issue_vc2(client, auth, issuer, badger):
    credential = {**VC2, "issuer": issuer[0].did}
    response = client.post("/credentials/issue", headers=auth, json={"credential": credential, "options": {}})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.get_json()["verifiableCredential"]
    assert signed["issuer"] == issuer[0].did
    assert signed["proof"]["type"] == "DataIntegrityProof" and signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert {k: v for k, v in signed.items() if k != "proof"} == credential  # nothing added but the proof
    result = verify(badger, signed)
    assert result.check("proof").status == "passed", result.as_dict("en")
    assert result.check("issuer").status == "passed", result.as_dict("en")


def test_vc_api_issue_vc11_gets_an_issuance_date(client, auth, issuer, badger):
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer[0].did},
        "credentialSubject": {"id": "did:example:x"},
    }
    response = client.post("/credentials/issue", headers=auth, json={"credential": credential})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.get_json()["verifiableCredential"]
    assert signed["issuanceDate"].endswith("Z") and signed["issuer"] == {"id": issuer[0].did}
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert verify(badger, signed).check("proof").status == "passed"


def test_vc_api_issue_an_open_badge_that_verifies(client, auth, issuer, badger, achievement_id):
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer[0].slug)
        profile = issuers.profile_document(row)
        achievement = json.loads(session.get(Achievement, achievement_id).document)
    credential = builders.achievement_credential(
        id="urn:uuid:0b7d8a70-3b1a-4a35-9b07-6a8f4c1f2d11",
        issuer=profile,
        achievement=achievement,
        recipient=[identity_object("camille@exemple.fr", "sel-de-guerande")],
        valid_from="2023-01-21T17:00:00Z",
    )
    response = client.post("/credentials/issue", headers=auth, json={"credential": credential})
    assert response.status_code == 201, response.get_data(as_text=True)
    result = verify(badger, response.get_json()["verifiableCredential"], email="camille@exemple.fr")
    assert result.verified, result.as_dict("en")
    assert count(badger, Credential) == 0  # VC-API credentials are not stored


# ---------------------------------------------------------------------------------------------
# Errors and the description


def test_problem_title_follows_the_request_language(client, auth):
    body = {"achievement": "nope", "recipient": {"email": "x@exemple.fr"}}
    fr = client.post("/api/v1/credentials", headers=auth, json=body)
    en = client.post("/api/v1/credentials", headers={**auth, "Accept-Language": "en"}, json=body)
    assert fr.get_json()["title"] == "Requête invalide" and en.get_json()["title"] == "Bad request"
    assert fr.get_json()["type"] == en.get_json()["type"] == "https://badger.example/problems/input.invalid_fields"
    assert en.get_json()["errors"] == [{"field": "achievement", "message": en.get_json()["errors"][0]["message"]}]


def _resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_describes_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    bearer = document["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")

    # Every API route the app serves is described, with each of its methods.
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/credentials/issue":
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((path, method.lower()))
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served <= described, served - described
    assert ("/api/v1/verify", "post") in described  # declared for public.py
    for path, method in {
        ("/api/v1/achievements", "get"),
        ("/api/v1/achievements", "post"),
        ("/api/v1/achievements/{achievement_id}", "get"),
        ("/api/v1/achievements/{achievement_id}", "patch"),
        ("/api/v1/credentials", "post"),
        ("/api/v1/credentials", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/credentials/issue", "post"),
    }:
        assert (path, method) in described

    operation_ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], (path, method)
            if operation["security"]:
                assert operation["responses"]["401"]["content"]["application/problem+json"]
    issue = document["paths"]["/api/v1/credentials"]["post"]
    assert {"201", "400", "401", "404", "409", "413", "415", "422"} <= set(issue["responses"])
    assert [p["name"] for p in issue["parameters"]] == ["Idempotency-Key"]
    create = document["paths"]["/api/v1/achievements"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    listing = document["paths"]["/api/v1/credentials"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"email", "achievement", "status"}
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []

    # Every $ref resolves; the request models are there, with their camelCase names.
    for ref in set(_refs(document)):
        assert _resolve(document, ref), ref
    schemas = document["components"]["schemas"]
    assert "validUntil" in schemas["IssueCredentialIn"]["properties"]
    assert set(schemas["RecipientIn"]["properties"]) == {"email", "did", "name"}
    assert {"targetName", "targetUrl"} <= set(schemas["AlignmentIn"]["properties"])


def test_openapi_is_valid_openapi_3_1(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/v1/openapi.json").get_json())


def test_the_registry_has_one_entry_per_method_and_path():
    keys = [(op.method, op.path) for op in registry.operations]
    assert len(keys) == len(set(keys))


def test_changes_made_with_a_token_are_audited_as_that_token(client, auth, achievement_id, badger, issuer):
    """The audit log names the API token that created, edited and issued (not "system")."""
    from badger.core import audit

    client.patch(f"/api/v1/achievements/{achievement_id.rsplit('/', 1)[-1]}", headers=auth, json={"name": "Renamed"})
    client.post(
        "/api/v1/credentials",
        headers=auth,
        json={"achievement": achievement_id, "recipient": {"email": "camille@example.org"}},
    )
    with badger.transaction() as session:
        events = audit.events(session, None, limit=None)
    actions = {e["action"]: e["actor"] for e in events}
    assert {"achievement.create", "achievement.update", "credential.issue"} <= set(actions)
    assert all(
        actions[a].startswith("token:") for a in ("achievement.create", "achievement.update", "credential.issue")
    )

"""Issue 11, "Must show" 3: one test per VC Data Model 2.0 MUST that a request can break.

For each rule: the VC-API issuer (POST /credentials/issue) answers 400 with the rule's problem
code and stores nothing; the same document, given to the verifier (validate in mode "verify",
and POST /api/v1/verify), is reported with the same rule. The cases start from one valid generic
(non-Open-Badges) credential, which the issuer signs and the verifier accepts; each breaks one
MUST of VC Data Model 2.0 §4 or §5 (https://www.w3.org/TR/vc-data-model-2.0/).
"""

from __future__ import annotations

import copy

import pytest

from badger.credentials.validation import validate
from tests.web.test_isolation import snapshot

V2 = "https://www.w3.org/ns/credentials/v2"
# The W3C examples context (@vocab): the claims and types below are then defined terms.
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
SRI = "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW"


def valid(did: str) -> dict:
    return {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "name": "Fresquathon du pays de Vannes",
        "validFrom": "2023-10-14T09:00:00Z",
        "validUntil": "2033-10-14T09:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "animated": "10 fresques"},
        "credentialSchema": {"id": "https://schemas.example/fresque.json", "type": "JsonSchema"},
        "termsOfUse": {"type": "IssuerPolicy", "id": "https://cec-ouest.example/policy"},
        "evidence": [{"type": "Evidence", "id": "https://cec-ouest.example/fresquathon"}],
        "refreshService": {"type": "ManualRefreshService", "id": "https://cec-ouest.example/refresh"},
        "relatedResource": [{"id": "https://cec-ouest.example/logo.png", "digestSRI": SRI}],
    }


def _set(path: str, value):
    def change(doc):
        node, keys = doc, path.split("/")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[keys[-1]] = value

    return change


def _drop(key: str):
    return lambda doc: doc.pop(key)


# rule (section) -> (change to the valid credential, expected code, expected path)
RULES = {
    "§4.3 @context is required": (_drop("@context"), "vcdm.context_missing", "/@context"),
    "§4.3 the VC context comes first": (
        _set("@context", [EXAMPLES, V2]),
        "vcdm.context_first",
        "/@context/0",
    ),
    "§4.3 context entries are URLs or objects": (
        _set("@context", [V2, EXAMPLES, 42]),
        "vcdm.context_invalid",
        "/@context/2",
    ),
    "§4.4 the credential id is a URL": (_set("id", "fresquathon-1"), "vcdm.id_not_url", "/id"),
    "§4.4 an object's id is a URL": (
        _set("credentialSubject/id", "learner"),
        "vcdm.id_not_url",
        "/credentialSubject/id",
    ),
    "§4.5 type includes VerifiableCredential": (_set("type", ["Diploma"]), "vcdm.type_missing", "/type"),
    "§4.5 type values are terms or URLs": (_set("type", ["VerifiableCredential", 7]), "vcdm.type_invalid", "/type"),
    "§4.6 name is text or language values": (_set("name", 42), "vcdm.name_invalid", "/name"),
    "§4.7 issuer is required": (_drop("issuer"), "vcdm.issuer_missing", "/issuer"),
    "§4.7 issuer is not null": (_set("issuer", None), "vcdm.issuer_invalid", "/issuer"),
    "§4.7 issuer is a URL": (_set("issuer", "CEC Ouest"), "vcdm.issuer_invalid", "/issuer"),
    "§4.7 an issuer object has an id": (_set("issuer", {"name": "CEC Ouest"}), "vcdm.issuer_invalid", "/issuer/id"),
    "§4.8 credentialSubject is required": (_drop("credentialSubject"), "vcdm.subject_missing", "/credentialSubject"),
    "§4.8 no empty subject in a set": (
        _set("credentialSubject", [{"id": "did:example:learner", "animated": "10"}, {}]),
        "vcdm.subject_empty",
        "/credentialSubject/1",
    ),
    "§4.8 a subject is an object": (
        _set("credentialSubject", "did:example:x"),
        "vcdm.subject_invalid",
        "/credentialSubject",
    ),
    "§4.9 validFrom is a dateTimeStamp": (_set("validFrom", "2023-10-14T09:00:00"), "vcdm.date_invalid", "/validFrom"),
    "§4.9 validUntil is a dateTimeStamp": (_set("validUntil", "2033-10-14"), "vcdm.date_invalid", "/validUntil"),
    "§4.9 validFrom is not after validUntil": (
        _set("validUntil", "2020-01-01T00:00:00Z"),
        "dates.inverted",
        "/validUntil",
    ),
    "§4.10 credentialStatus has a type": (
        _set("credentialStatus", {"id": "https://cec-ouest.example/status/1#4"}),
        "vcdm.type_required",
        "/credentialStatus/type",
    ),
    "§4.10 credentialStatus is an object": (
        _set("credentialStatus", "https://cec-ouest.example/status/1"),
        "vcdm.object_required",
        "/credentialStatus",
    ),
    "§4.11 credentialSchema has a type": (
        _set("credentialSchema", {"id": "https://schemas.example/fresque.json"}),
        "vcdm.type_required",
        "/credentialSchema/type",
    ),
    "§4.11 credentialSchema has an id": (
        _set("credentialSchema", {"type": "JsonSchema"}),
        "vcdm.schema_id_missing",
        "/credentialSchema/id",
    ),
    "§5.3 relatedResource has an id": (
        _set("relatedResource", [{"digestSRI": SRI}]),
        "vcdm.related_resource_id",
        "/relatedResource/0/id",
    ),
    "§5.3 relatedResource ids are unique": (
        _set(
            "relatedResource",
            [
                {"id": "https://cec-ouest.example/a", "digestSRI": SRI},
                {"id": "https://cec-ouest.example/a", "digestSRI": SRI},
            ],
        ),
        "vcdm.related_resource_duplicate",
        "/relatedResource/1/id",
    ),
    "§5.3 relatedResource has a digest": (
        _set("relatedResource", [{"id": "https://cec-ouest.example/logo.png", "mediaType": "image/png"}]),
        "vcdm.related_resource_digest",
        "/relatedResource/0",
    ),
    "§5.4 refreshService has a type": (
        _set("refreshService", {"id": "https://cec-ouest.example/refresh"}),
        "vcdm.type_required",
        "/refreshService/type",
    ),
    "§5.5 termsOfUse has a type": (
        _set("termsOfUse", [{"id": "https://cec-ouest.example/policy"}]),
        "vcdm.type_required",
        "/termsOfUse/0/type",
    ),
    "§5.6 evidence has a type": (
        _set("evidence", [{"id": "https://cec-ouest.example/fresquathon"}]),
        "vcdm.type_required",
        "/evidence/0/type",
    ),
}


@pytest.fixture
def world(badger, create_issuer):
    issuer, token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    return {"did": issuer.did, "auth": {"Authorization": f"Bearer {token}"}}


def test_the_valid_credential_is_signed_and_verifies(client, world):
    response = client.post("/credentials/issue", headers=world["auth"], json={"credential": valid(world["did"])})
    assert response.status_code == 201, response.get_json()
    signed = response.get_json()["verifiableCredential"]
    assert {k: v for k, v in signed.items() if k != "proof"} == valid(world["did"])
    result = client.post("/api/v1/verify", json={"credential": signed}).get_json()
    checks = {c["check"]: c for c in result["checks"]}
    assert result["verified"] and checks["proof"]["status"] == "passed", result
    # passed, or a warning that the named credentialSchema was not consulted: never a VC DM problem
    assert checks["schema"]["status"] in ("passed", "warning") and not checks["schema"].get("problems"), result


def _reported(result: dict) -> set[tuple[str, str | None]]:
    out = set()
    for check in result["checks"]:
        out.add((check["code"], None))
        for p in check.get("problems") or ():
            out.add((p["code"], p.get("path")))
    return out


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_vcdm_must_is_refused_by_the_issuer_and_reported_by_the_verifier(client, badger, world, rule):
    change, code, path = RULES[rule]
    document = copy.deepcopy(valid(world["did"]))
    change(document)

    before = snapshot(badger)
    response = client.post("/credentials/issue", headers=world["auth"], json={"credential": document})
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code and body["type"].endswith("/" + code), body
    assert {"code": code, "path": path} in [{"code": e["code"], "path": e.get("path")} for e in body["errors"]], body
    assert snapshot(badger) == before  # nothing stored

    # The same rule from the verifier: the library call and the public API.
    assert (code, path) in {(p.code, p.path) for p in validate(document, mode="verify")}
    result = client.post("/api/v1/verify?lang=en", json={"credential": document}).get_json()
    assert result["verified"] is False
    assert (code, path) in _reported(result), result


def test_with_a_status_option_nothing_is_stored_when_a_rule_is_broken(client, badger, world):
    document = valid(world["did"])
    del document["issuer"]
    before = snapshot(badger)
    response = client.post(
        "/credentials/issue",
        headers=world["auth"],
        json={"credential": document, "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}}},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "vcdm.issuer_missing"
    assert snapshot(badger) == before


# ------------------------------------------------------------------------------ presentations


def _vp(did: str) -> dict:
    return {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:learner",
        "verifiableCredential": [valid(did)],
    }


PRESENTATION_RULES = {
    "§4.13 VP @context comes first": (
        _set("@context", [EXAMPLES]),
        "vcdm.context_first",
        "/@context/0",
    ),
    "§4.13 VP type includes VerifiablePresentation": (
        _set("type", ["Presentation"]),
        "vcdm.type_missing",
        "/type",
    ),
    "§4.13 holder is a URL or an object with an id": (
        _set("holder", {"name": "Camille"}),
        "vcdm.holder_invalid",
        "/holder/id",
    ),
    "§4.13 a credential in a VP is an object": (
        _set("verifiableCredential", ["eyJhbGciOi..."]),
        "vcdm.presentation_credential",
        "/verifiableCredential/0",
    ),
    "§4.13 credentials in a VP follow the credential rules": (
        _set("verifiableCredential/0/credentialSubject", [{}]),
        "vcdm.subject_empty",
        "/verifiableCredential/0/credentialSubject/0",
    ),
}


@pytest.mark.parametrize("rule", sorted(PRESENTATION_RULES))
def test_presentation_musts_are_reported_and_the_issuer_signs_no_presentation(client, world, rule):
    change, code, path = PRESENTATION_RULES[rule]
    document = _vp(world["did"])
    assert validate(document, mode="verify") == []
    change(document)
    assert (code, path) in {(p.code, p.path) for p in validate(document, mode="verify")}
    response = client.post("/credentials/issue", headers=world["auth"], json={"credential": document})
    assert response.status_code == 400

"""The W3C VC-API issuer and status service (issue 11): ``options.credentialStatus`` on
POST /credentials/issue gives BitstringStatusListEntry entries on the issuer's lists, and
POST /credentials/status (VC-API updateCredentialStatus) flips their bits on the served lists.
Badger's own verifier sees each change; the independent one is in
tests/interop/test_vcapi_status_interop.py."""

from __future__ import annotations

import json

import pytest

from badger.issuance.models import VcApiCredential
from badger.status import decode_list, get_bit
from badger.verifying import service as verifying
from tests.web.test_isolation import snapshot

V2 = "https://www.w3.org/ns/credentials/v2"
ENTRY = "BitstringStatusListEntry"


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    return {"issuer": issuer, "did": issuer.did, "auth": {"Authorization": f"Bearer {token}"}}


def _vc(did: str, n: int = 1) -> dict:
    return {
        "@context": [V2],
        "id": f"urn:uuid:5b0c3b55-0000-4000-8000-00000000000{n}",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2023-01-21T17:00:00Z",
        "credentialSubject": {"id": "did:example:camille", "name": "Camille"},
    }


def _issue(client, world, credential, status, **options):
    body = {"credential": credential, "options": {**options, "credentialStatus": status}}
    return client.post("/credentials/issue", headers=world["auth"], json=body)


def _update(client, world, credential_id, purpose, value):
    body = {
        "credentialId": credential_id,
        "credentialStatus": {"type": ENTRY, "statusPurpose": purpose},
        "status": value,
    }
    return client.post("/credentials/status", headers=world["auth"], json=body)


def _bit(badger, client, entry) -> int:
    response = client.get(entry["statusListCredential"][len(badger.base_url) :])
    assert response.status_code == 200
    subject = json.loads(response.data)["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    return get_bit(decode_list(subject["encodedList"]), int(entry["statusListIndex"]))


def _status(badger, credential) -> str:
    with badger.transaction() as session:
        return verifying.verify_credential(badger, session, json.dumps(credential)).check("status").code


def test_revocation_and_suspension_through_the_vc_api(badger, client, world):
    response = _issue(
        client, world, _vc(world["did"]), [{"type": ENTRY}, {"type": ENTRY, "statusPurpose": "suspension"}]
    )
    assert response.status_code == 201, response.get_json()
    signed = response.get_json()["verifiableCredential"]
    revocation, suspension = signed["credentialStatus"]
    assert (revocation["type"], revocation["statusPurpose"]) == (ENTRY, "revocation")
    assert suspension["statusPurpose"] == "suspension"
    assert revocation["statusListCredential"] != suspension["statusListCredential"]  # the issuer's two lists
    assert _status(badger, signed) == "status.ok"
    with badger.transaction() as session:
        [row] = session.query(VcApiCredential).all()
        assert row.credential_id == signed["id"] and row.status_index == int(revocation["statusListIndex"])

    out = _update(client, world, signed["id"], "suspension", True)
    assert out.status_code == 200 and out.get_json() == {"credentialId": signed["id"], "status": "suspended"}
    assert (_bit(badger, client, suspension), _bit(badger, client, revocation)) == (1, 0)
    assert _status(badger, signed) == "status.suspended"
    assert _update(client, world, signed["id"], "suspension", False).get_json()["status"] == "active"
    assert _status(badger, signed) == "status.ok"

    assert _update(client, world, signed["id"], "revocation", True).get_json()["status"] == "revoked"
    assert _bit(badger, client, revocation) == 1 and _status(badger, signed) == "status.revoked"
    final = _update(client, world, signed["id"], "revocation", False)
    assert final.status_code == 400 and final.get_json()["code"] == "status.revoked_final"
    assert _bit(badger, client, revocation) == 1


def test_one_revocation_object_by_default_and_credential_id_option(badger, client, world):
    credential = _vc(world["did"], 2)
    del credential["id"]
    response = _issue(client, world, credential, {"type": ENTRY}, credentialId="fresque-2023-42")
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()["verifiableCredential"]["credentialStatus"]
    assert isinstance(entry, dict) and entry["statusPurpose"] == "revocation"
    assert _update(client, world, "fresque-2023-42", "revocation", True).get_json()["status"] == "revoked"
    assert _bit(badger, client, entry) == 1
    no_entry = _update(client, world, "fresque-2023-42", "suspension", True)
    assert no_entry.status_code == 400


def test_without_a_status_option_nothing_is_stored(badger, client, world):
    before = snapshot(badger)
    response = client.post("/credentials/issue", headers=world["auth"], json={"credential": _vc(world["did"])})
    assert response.status_code == 201 and "credentialStatus" not in response.get_json()["verifiableCredential"]
    assert snapshot(badger) == before


@pytest.mark.parametrize(
    ("credential", "options", "code"),
    [
        ("no id", {"credentialStatus": {"type": ENTRY}}, "vcapi.credential_id_required"),
        ("own status", {"credentialStatus": {"type": ENTRY}}, "vcapi.status_present"),
        ("valid", {"credentialStatus": {"type": "StatusList2021Entry"}}, "input.invalid_fields"),
        ("valid", {"credentialStatus": {"type": ENTRY, "statusPurpose": "message"}}, "input.invalid_fields"),
    ],
)
def test_status_options_badger_cannot_honour_are_refused(badger, client, world, credential, options, code):
    document = _vc(world["did"])
    if credential == "no id":
        del document["id"]
    elif credential == "own status":
        document["credentialStatus"] = {"type": ENTRY, "id": "https://elsewhere.example/status/1#3"}
    before = snapshot(badger)
    response = client.post(
        "/credentials/issue", headers=world["auth"], json={"credential": document, "options": options}
    )
    assert response.status_code == 400 and response.get_json()["code"] == code, response.get_json()
    assert snapshot(badger) == before


def test_a_name_is_issued_with_a_status_once(client, world):
    assert _issue(client, world, _vc(world["did"]), {"type": ENTRY}).status_code == 201
    again = _issue(client, world, _vc(world["did"]), {"type": ENTRY})
    assert again.status_code == 409 and again.get_json()["code"] == "vcapi.duplicate_credential"


def test_status_updates_of_unknown_or_foreign_credentials(badger, client, world, create_issuer):
    assert _update(client, world, "urn:uuid:nobody", "revocation", True).status_code == 404
    other, token = create_issuer("Labo de l'ESS", slug="labo-ess")
    vc = _vc(other.did)
    response = client.post(
        "/credentials/issue",
        headers={"Authorization": f"Bearer {token}"},
        json={"credential": vc, "options": {"credentialStatus": {"type": ENTRY}}},
    )
    assert response.status_code == 201
    assert _update(client, world, vc["id"], "revocation", True).status_code == 404  # not this token's issuer
    bad = client.post(
        "/credentials/status",
        headers=world["auth"],
        json={"credentialId": vc["id"], "credentialStatus": {"type": ENTRY, "statusPurpose": "revocation"}},
    )
    assert bad.status_code == 400 and bad.get_json()["code"] == "input.invalid_fields"  # status is required


def test_an_open_badge_status_through_the_vc_api(badger, client, world, create_achievement):
    achievement = create_achievement(world["issuer"])
    issued = client.post(
        "/api/v1/credentials",
        headers=world["auth"],
        json={"achievement": achievement.id, "recipient": {"email": "camille@exemple.fr"}},
    ).get_json()
    credential = issued["credential"]
    assert _update(client, world, credential["id"], "suspension", True).get_json()["status"] == "suspended"
    assert _status(badger, credential) == "status.suspended"  # a Badger state: ob3 form, one entry
    assert _update(client, world, issued["id"], "suspension", False).get_json()["status"] == "active"
    assert _update(client, world, credential["id"], "revocation", True).get_json()["status"] == "revoked"
    assert _bit(badger, client, credential["credentialStatus"]) == 1
    assert _status(badger, credential) == "status.revoked"

"""Issue 14, must show 3: an endorsement of a learner's credential (an OB 3.0
EndorsementCredential about that credential), by a partner (signed with its issuer key) or by
another learner (signed with the key Badger holds for their account, a did:web), verifies in
Digital Bazaar's vc and DCC's verifier-core; until its holder accepts it (learner link or
learner account) it is shown nowhere (neither on the credential page nor as JSON)."""

from __future__ import annotations

import json
import re

import pytest

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.keys import did_web_document_url
from badger.learners import endorsements as learner_endorsements
from badger.learners import service as learner_accounts
from badger.programmes import learners
from badger.recognition import endorsements
from badger.recognition.models import CredentialEndorsement
from badger.verifying import service as verifying

from . import node

pytestmark = pytest.mark.interop

LEARNER = "anne@ticoop.example"


@pytest.mark.parametrize("database", ["sqlite"])
def test_partner_endorsement_of_a_credential(badger, client, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    partner, _ = create_issuer(name="Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    badge = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        credential = issuing.issue(
            badger, session, row, issuing.IssueRequest(achievement=badge.id, email=LEARNER, name="Anne")
        )
        credential_id = credential.id
        credential_url = json.loads(credential.document)["id"]
        endorser = issuers.get_issuer(session, "labo-ess")
        endorsement = endorsements.endorse_credential(
            badger, session, endorser, credential_url, comment="Anne a porté la démarche de sa coopérative."
        )
        endorsement_id, document = endorsement.id, json.loads(endorsement.document)
        did_document = issuers.issuer_did_document(endorser)
        did = endorser.did
        token = learners.link_token(badger, session, email=LEARNER)

    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["credentialSubject"]["id"] == credential_url
    assert document["credentialSubject"]["endorsementComment"].startswith("Anne a porté")
    assert document["issuer"]["id"] == did

    # Not accepted: shown nowhere.
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert "Labo de l'ESS" not in page and "Labo de l&#39;ESS" not in page
    assert client.get(f"/credentials/{credential_id}/endorsements/{endorsement_id}").status_code == 404

    # The holder accepts it on their private page.
    holder = client.get(f"/learners/{token}/endorsements").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', holder).group(1)
    answer = client.post(
        f"/learners/{token}/endorsements",
        data={"csrf_token": csrf, "endorsement": endorsement_id, "decision": "accept"},
    )
    assert answer.status_code == 303
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert 'id="credential-endorsements"' in page and "sa coopérative" in page
    served = client.get(f"/credentials/{credential_id}/endorsements/{endorsement_id}")
    assert served.status_code == 200 and served.get_json() == document

    # Verifiable independently, and by Badger.
    documents = {did: did_document, did_web_document_url(did, scheme="http"): did_document}
    db = node.db_verify(document, documents)
    assert db["verified"], db["errors"]
    dcc = node.dcc_verify(document, documents)
    assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]
    with badger.transaction() as session:
        assert verifying.verify_credential(badger, session, json.dumps(document)).verified

    # One changed character fails in both independent verifiers.
    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["endorsementComment"] += "!"
    assert not node.db_verify(tampered, documents)["verified"]
    assert not node.dcc_verify(tampered, documents)["verified"]


def _account(app, email: str) -> str:
    with app.transaction() as session:
        url = learner_accounts.request_sign_in(app, session, email)
    with app.transaction() as session:
        return learner_accounts.complete_sign_in(app, session, url.rsplit("/", 1)[1]).id


def _signed_in(flask_app, learner_id: str):
    client = flask_app.test_client()
    with client.session_transaction() as cookie:
        cookie["learner_id"] = learner_id
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("database", ["sqlite"])
def test_learner_endorsement_of_a_credential(badger, app, create_issuer, create_achievement):
    """Must show 3, by a learner: Bruno (an account) endorses Anne's credential from its page;
    the EndorsementCredential's issuer is Bruno's did:web, whose DID document Badger serves at
    /learners/<id>/did.json; it verifies in both independent verifiers with that document and
    in Badger's; it is shown and served only once Anne accepts it in her space."""
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    badge = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        credential = issuing.issue(
            badger, session, row, issuing.IssueRequest(achievement=badge.id, email=LEARNER, name="Anne")
        )
        credential_id, credential_url = credential.id, json.loads(credential.document)["id"]
    anne, bruno = _account(badger, LEARNER), _account(badger, "bruno@ticoop.example")
    holder, peer, anonymous = _signed_in(app, anne), _signed_in(app, bruno), app.test_client()

    form = peer.get(f"/credentials/{credential_id}/endorse").get_data(as_text=True)
    answer = peer.post(
        f"/credentials/{credential_id}/endorse",
        data={"csrf_token": _csrf(form), "name": "Bruno Martin", "comment": "Anne a fédéré six structures."},
    )
    assert answer.status_code == 303
    with badger.transaction() as session:
        (endorsement,) = endorsements.for_lookups(
            session, learner_endorsements.lookups(session, learner_accounts.get(session, anne))
        )
        endorsement_id = endorsement["id"]
        stored = session.get(CredentialEndorsement, endorsement_id)
        document, did = json.loads(stored.document), stored.endorser_did

    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["credentialSubject"]["id"] == credential_url
    assert document["issuer"] == {"id": did, "type": ["Profile"], "name": "Bruno Martin"}
    assert did.startswith("did:web:") and ":learners:" in did

    # Pending: shown nowhere, served nowhere.
    assert "six structures" not in anonymous.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert anonymous.get(f"/credentials/{credential_id}/endorsements/{endorsement_id}").status_code == 404

    # Anne accepts it in her space.
    me = holder.get("/me").get_data(as_text=True)
    assert "six structures" in me
    decided = holder.post(
        "/me/endorsements", data={"csrf_token": _csrf(me), "endorsement": endorsement_id, "decision": "accept"}
    )
    assert decided.status_code == 303
    assert "six structures" in anonymous.get(f"/credentials/{credential_id}").get_data(as_text=True)
    served = anonymous.get(f"/credentials/{credential_id}/endorsements/{endorsement_id}")
    assert served.status_code == 200 and served.get_json() == document

    # The DID document as Badger publishes it (did:web §3.2: host, then path, then /did.json).
    url = did_web_document_url(did, scheme="http")
    published = anonymous.get(url[len("http://127.0.0.1:5000") :])
    assert published.status_code == 200 and published.mimetype == "application/did+json"
    did_document = published.get_json()
    documents = {did: did_document, url: did_document}
    db = node.db_verify(document, documents)
    assert db["verified"], db["errors"]
    dcc = node.dcc_verify(document, documents)
    assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]
    with badger.transaction() as session:
        assert verifying.verify_credential(badger, session, json.dumps(document)).verified

    # One changed character fails in both independent verifiers and in Badger's.
    tampered = json.loads(json.dumps(document))
    tampered["issuer"]["name"] = "Bruno Martine"
    assert not node.db_verify(tampered, documents)["verified"]
    assert not node.dcc_verify(tampered, documents)["verified"]
    with badger.transaction() as session:
        assert not verifying.verify_credential(badger, session, json.dumps(tampered)).verified

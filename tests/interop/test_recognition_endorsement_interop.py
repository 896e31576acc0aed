"""Issue 14, must show 3: a partner's endorsement of a learner's credential (an OB 3.0
EndorsementCredential about that credential, signed with the partner's issuer key) verifies in
Digital Bazaar's vc and DCC's verifier-core; until its holder accepts it through their learner
link it is shown nowhere (neither on the credential page nor as JSON)."""

from __future__ import annotations

import json
import re

import pytest

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.keys import did_web_document_url
from badger.programmes import learners
from badger.recognition import endorsements
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

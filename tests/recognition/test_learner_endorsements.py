"""A learner with an account endorses another learner's credential (SQLite and PostgreSQL):
the key Badger holds for the account (created on first need, sealed at rest, published as
did:web), the form's refusals, the holder's choice in their space, the rate limit, the audit
log, and what the account's deletion does (endorsements erased, DID document 410)."""

from __future__ import annotations

import json
import threading

import pytest

from badger.core import audit
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing, revocation
from badger.issuers import held_keys
from badger.issuers import service as issuers
from badger.keys import Ed25519KeyPair
from badger.learners import endorsements as learner_endorsements
from badger.learners import service as learners
from badger.recognition.models import CredentialEndorsement
from badger.verifying import service as verifying

HOLDER = "anne@ticoop.example"
PEER = "bruno@ticoop.example"


def account(app, email):
    with app.transaction() as session:
        url = learners.request_sign_in(app, session, email)
    with app.transaction() as session:
        return learners.complete_sign_in(app, session, url.rsplit("/", 1)[1]).id


def signed_in(flask_app, learner_id):
    client = flask_app.test_client()
    with client.session_transaction() as s:
        s["learner_id"] = learner_id
    return client


@pytest.fixture
def setting(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    badge = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        ids = [
            issuing.issue(badger, session, row, issuing.IssueRequest(achievement=badge.id, email=email, name=name)).id
            for email, name in ((HOLDER, "Anne"), (PEER, "Bruno"), ("carla@ticoop.example", "Carla"))
        ]
    return {"anne_credential": ids[0], "bruno_credential": ids[1], "revocable": ids[2]}


def _learner(app, learner_id):
    with app.transaction() as session:
        return learners.get(session, learner_id)


def test_key_endorsement_refusals_and_holder_choice(badger, setting):
    anne, bruno = account(badger, HOLDER), account(badger, PEER)
    credential = setting["anne_credential"]
    with badger.transaction() as session:
        learner = learners.get(session, bruno)
        # Refused before any key exists: own badge, empty, too long, no name, unknown badge.
        with pytest.raises(InvalidInput) as own:
            learner_endorsements.endorse(badger, session, learner, setting["bruno_credential"], comment="x", name="B")
        assert own.value.code == "endorsement.own"
        for comment, name, code in (
            ("  ", "Bruno", "endorsement.missing_comment"),
            ("x" * 1001, "Bruno", "endorsement.comment_too_long"),
            ("Bien.", " ", "endorsement.missing_name"),
            ("Bien.", "B" * 201, "endorsement.name_too_long"),
        ):
            with pytest.raises(InvalidInput) as refused:
                learner_endorsements.endorse(badger, session, learner, credential, comment=comment, name=name)
            assert refused.value.code == code
        with pytest.raises(NotFound):
            learner_endorsements.endorse(badger, session, learner, "not-a-credential", comment="Bien.", name="B")
        assert learner_endorsements.did_of(session, learner) is None  # no key yet

    with badger.transaction() as session:
        learner = learners.get(session, bruno)
        row = learner_endorsements.endorse(
            badger, session, learner, credential, comment="Anne anime très bien.", name="Bruno M."
        )
        endorsement_id, document = row.id, json.loads(row.document)
        key = held_keys.find_held_key(session, f"learner:{bruno}")
        did = key.did
        # Sealed at rest: the stored bytes are not the key, and open to the published one.
        pair = Ed25519KeyPair.from_private_bytes(badger.keystore.open(key.private_key, key.id))
        assert pair.private_bytes not in key.private_key
        assert pair.public_key_multibase == key.public_key
        with pytest.raises(Conflict):
            learner_endorsements.endorse(badger, session, learner, credential, comment="Encore.", name="Bruno")
        revocation.revoke(
            badger, session, issuing.get_credential(session, setting["revocable"]), reason="test", actor=audit.SYSTEM
        )
        with pytest.raises(InvalidInput) as revoked:
            learner_endorsements.endorse(badger, session, learner, setting["revocable"], comment="Bien.", name="B")
        assert revoked.value.code == "endorsement.revoked"

    assert did == "did:web:127.0.0.1%3A5000:learners:" + key.id
    assert document["issuer"] == {"id": did, "type": ["Profile"], "name": "Bruno M."}
    assert document["proof"]["verificationMethod"] == did + "#key-1"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["credentialSubject"]["id"].endswith(credential)
    with badger.transaction() as session:
        assert verifying.verify_credential(badger, session, json.dumps(document)).verified
        assert session.get(CredentialEndorsement, endorsement_id).state == "pending"
        # Another learner cannot decide on Anne's endorsements.
        with pytest.raises(NotFound):
            learner_endorsements.decide(badger, session, learners.get(session, bruno), endorsement_id, accept=True)
        learner_endorsements.decide(badger, session, learners.get(session, anne), endorsement_id, accept=True)
        assert session.get(CredentialEndorsement, endorsement_id).state == "accepted"
        issuer_id = issuing.get_credential(session, credential).issuer_id
        logged = {(e["action"], e["actor"]) for e in audit.events(session, issuer_id, prefix="endorsement")}
    assert logged == {("endorsement.credential", f"learner:{bruno}"), ("endorsement.accept", f"learner:{anne}")}


def test_pages_form_errors_rate_limit_and_deletion(badger, app, setting):
    anne, bruno = account(badger, HOLDER), account(badger, PEER)
    credential = setting["anne_credential"]
    app.config["WTF_CSRF_ENABLED"] = False
    anonymous, holder, peer = app.test_client(), signed_in(app, anne), signed_in(app, bruno)
    page = f"/credentials/{credential}"

    # The action shows to a signed-in learner who is not the holder, in French by default.
    assert 'id="endorse-action"' not in anonymous.get(page).get_data(as_text=True)
    assert 'id="endorse-action"' not in holder.get(page).get_data(as_text=True)
    shown = peer.get(page).get_data(as_text=True)
    assert 'id="endorse-action"' in shown and "Recommander ce badge" in shown
    assert "Recommander ce badge" in peer.get(f"{page}/endorse").get_data(as_text=True)
    assert anonymous.get(f"{page}/endorse").status_code == 200  # the sign-in page
    assert holder.get(f"{page}/endorse").status_code == 400

    # Bad input: a readable page, nothing written.
    empty = peer.post(f"{page}/endorse", data={"comment": " ", "name": "Bruno"})
    assert empty.status_code == 400 and "Écrivez quelques mots" in empty.get_data(as_text=True)
    long = peer.post(f"{page}/endorse", data={"comment": "x" * 1001, "name": "Bruno"})
    assert long.status_code == 400 and "1000" in long.get_data(as_text=True)
    assert holder.post(f"{page}/endorse", data={"comment": "Moi.", "name": "Anne"}).status_code == 400
    assert peer.post("/credentials/nope/endorse", data={"comment": "Bien.", "name": "B"}).status_code == 404

    done = peer.post(f"{page}/endorse", data={"comment": "Anne sait **fédérer**.", "name": "Bruno"})
    assert done.status_code == 303
    again = peer.post(f"{page}/endorse", data={"comment": "Encore.", "name": "Bruno"})
    assert again.status_code == 409
    assert "Vous avez recommandé ce badge" in peer.get(page).get_data(as_text=True)
    with badger.transaction() as session:
        rows = session.query(CredentialEndorsement).all()
        assert len(rows) == 1
        endorsement_id, did = rows[0].id, rows[0].endorser_did

    # The DID document is published where did:web says; pending: shown nowhere.
    key_id = did.rsplit(":", 1)[1]
    published = anonymous.get(f"/learners/{key_id}/did.json")
    assert published.status_code == 200 and published.mimetype == "application/did+json"
    assert published.get_json()["id"] == did
    assert anonymous.get("/learners/00000000-0000-0000-0000-000000000000/did.json").status_code == 404
    assert "fédérer" not in anonymous.get(page).get_data(as_text=True)
    assert anonymous.get(f"{page}/endorsements/{endorsement_id}").status_code == 404

    # The holder accepts it in their space.
    me = holder.get("/me").get_data(as_text=True)
    assert "fédérer" in me and "Recommandations de mes badges" in me
    assert peer.post("/me/endorsements", data={"endorsement": endorsement_id, "decision": "accept"}).status_code == 404
    assert holder.post("/me/endorsements", data={"endorsement": endorsement_id, "decision": "x"}).status_code == 400
    assert (
        holder.post("/me/endorsements", data={"endorsement": endorsement_id, "decision": "accept"}).status_code == 303
    )
    shown = anonymous.get(page).get_data(as_text=True)
    assert "<strong>fédérer</strong>" in shown and "Bruno" in shown
    assert anonymous.get(f"{page}/endorsements/{endorsement_id}").status_code == 200

    # Rate limit: 10 a minute (the earlier POSTs count).
    codes = [peer.post(f"{page}/endorse", data={"comment": "Encore.", "name": "B"}).status_code for _ in range(8)]
    assert codes[-1] == 429 and 409 in codes

    # Deletion: the endorsement is erased, the DID answers 410, the signed copy no longer verifies.
    signed = anonymous.get(f"{page}/endorsements/{endorsement_id}").get_data(as_text=True)
    assert peer.post("/me/delete", data={"confirm": "yes"}).status_code == 200
    assert anonymous.get(f"/learners/{key_id}/did.json").status_code == 410
    assert anonymous.get(f"{page}/endorsements/{endorsement_id}").status_code == 404
    assert "fédérer" not in anonymous.get(page).get_data(as_text=True)
    with badger.transaction() as session:
        assert session.query(CredentialEndorsement).count() == 0
        assert not verifying.verify_credential(badger, session, signed).verified


def test_two_endorsements_at_once_make_one(badger, setting):
    """The same learner sends the form twice at once (two tabs): one endorsement, one key; the
    other answers Conflict, never a server error."""
    bruno = account(badger, PEER)
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def tab(n):
        try:
            with badger.transaction() as session:
                barrier.wait(5)
                learner = learners.get(session, bruno)
                learner_endorsements.endorse(
                    badger, session, learner, setting["anne_credential"], comment=f"Bien ({n}).", name="Bruno"
                )
            outcomes.append("signed")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(outcomes) == ["endorsement.exists", "signed"]
    with badger.transaction() as session:
        assert session.query(CredentialEndorsement).count() == 1
        assert held_keys.find_held_key(session, f"learner:{bruno}") is not None

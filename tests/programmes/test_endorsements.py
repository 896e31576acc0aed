"""Endorsements: a signed OB 3.0 EndorsementCredential, valid against the 1EdTech schema,
embedded in Achievement.endorsement (credentials issued afterwards carry it) and in the issuer's
Profile.endorsement, and refused when it makes no sense."""

from __future__ import annotations

import json

import pytest

from badger.credentials.validation import validate
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import endorsements
from badger.verifying import service as verifying


@pytest.fixture
def partners(badger, create_issuer, create_achievement):
    cec, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest-2023")
    labo, _ = create_issuer(name="Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    badge = create_achievement(cec, name="Parcours CEC Ouest 2023 complet").id
    return {"badge": badge}


def test_endorse_a_badge_class_and_an_issuer(badger, partners, client):
    with badger.transaction() as session:
        before = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest-2023"),
            issuing.IssueRequest(achievement=partners["badge"], email="avant@example.org"),
        )
        labo = issuers.get_issuer(session, "labo-ess")
        row = endorsements.endorse(
            badger, session, labo, comment="Un parcours **exigeant** et coopératif.", achievement_id=partners["badge"]
        )
        document = json.loads(row.document)
        profile_row = endorsements.endorse(
            badger, session, labo, comment="Un partenaire sérieux.", issuer_slug="cec-ouest-2023"
        )
    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["name"] == "Recommandé par Labo de l'ESS"
    assert document["issuer"]["id"] == labo.did
    assert document["credentialSubject"] == {
        "id": badger.url("achievements", partners["badge"]),
        "type": ["EndorsementSubject"],
        "endorsementComment": "Un parcours **exigeant** et coopératif.",
    }
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"].startswith(labo.did + "#")
    assert validate(document, mode="verify") == []
    with badger.transaction() as session:
        assert verifying.verify_credential(badger, session, row.document).verified

    # The Achievement document embeds it; so do credentials issued afterwards, not before.
    achievement = client.get(f"/achievements/{partners['badge']}", headers={"Accept": "application/ld+json"}).get_json()
    assert achievement["endorsement"] == [document]
    with badger.transaction() as session:
        after = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest-2023"),
            issuing.IssueRequest(achievement=partners["badge"], email="apres@example.org"),
        )
        assert verifying.verify_credential(badger, session, after.document).verified
    assert json.loads(after.document)["credentialSubject"]["achievement"]["endorsement"] == [document]
    assert "endorsement" not in json.loads(before.document)["credentialSubject"]["achievement"]

    # The issuer profile document embeds the one about the issuer.
    profile = client.get("/issuers/cec-ouest-2023", headers={"Accept": "application/ld+json"}).get_json()
    assert [e["credentialSubject"]["id"] for e in profile["endorsement"]] == [profile["id"]]
    assert profile["endorsement"][0] == json.loads(profile_row.document)
    page = client.get("/issuers/cec-ouest-2023", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Labo de l" in page
    with badger.transaction() as session:
        cec = issuers.get_issuer(session, "cec-ouest-2023")
        assert {e["kind"] for e in endorsements.received(session, cec)} == {"achievement", "profile"}
        # Editing the badge class keeps its endorsements.
        from badger.achievements import service as achievements

        edited = achievements.update_achievement(
            badger, session, cec, partners["badge"], {"description": "Six camps de base et une feuille de route."}
        )
        assert json.loads(edited.document)["endorsement"] == [document]
        assert len(endorsements.given(session, issuers.get_issuer(session, "labo-ess"))) == 2


def test_refusals(badger, partners):
    with badger.transaction() as session:
        labo = issuers.get_issuer(session, "labo-ess")
        cec = issuers.get_issuer(session, "cec-ouest-2023")
        for kwargs, error in [
            (dict(comment="", achievement_id=partners["badge"]), InvalidInput),
            (dict(comment="x" * 5001, achievement_id=partners["badge"]), InvalidInput),
            (dict(comment="ok"), InvalidInput),
            (dict(comment="ok", achievement_id=partners["badge"], issuer_slug="cec-ouest-2023"), InvalidInput),
            (dict(comment="ok", achievement_id="00000000-0000-4000-8000-000000000000"), NotFound),
            (dict(comment="ok", issuer_slug="nobody"), NotFound),
        ]:
            with pytest.raises(error):
                endorsements.endorse(badger, session, labo, **kwargs)
        with pytest.raises(InvalidInput):
            endorsements.endorse(badger, session, cec, comment="moi", achievement_id=partners["badge"])
        endorsements.endorse(badger, session, labo, comment="ok", achievement_id=partners["badge"])
        with pytest.raises(Conflict):
            endorsements.endorse(badger, session, labo, comment="encore", achievement_id=partners["badge"])

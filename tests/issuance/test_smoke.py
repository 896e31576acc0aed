"""The service on both databases: issue (ldp and jwt), verify, health."""

from __future__ import annotations

import pytest

from badger.errors import InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.verifying import service as verifying


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_issue_and_verify(badger, create_issuer, create_achievement, fmt):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, issuer.slug),
            issuing.IssueRequest(achievement=achievement.id, email="élodie@exemple.fr", name="Élodie", format=fmt),
        )
    with badger.transaction() as session:
        result = verifying.verify_credential(badger, session, row.jwt or row.document, email="ÉLODIE@Exemple.FR")
    assert result.verified, result.as_dict("en")
    assert result.check("status").code == "status.ok"


def test_other_issuers_achievement_is_not_found_and_nothing_is_written(badger, create_issuer, create_achievement):
    a, _ = create_issuer("Territoire apprenant pays de Vannes", slug="vannes")
    b, _ = create_issuer("Labo de l'ESS", slug="labo-ess")
    achievement = create_achievement(a)
    with pytest.raises(NotFound):
        with badger.transaction() as session:
            issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, "labo-ess"),
                issuing.IssueRequest(achievement=achievement.id, email="x@exemple.fr"),
            )
    with badger.transaction() as session:
        assert issuing.list_credentials(badger, session) == []


def test_bad_email_is_refused(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    with pytest.raises(InvalidInput):
        with badger.transaction() as session:
            issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, issuer.slug),
                issuing.IssueRequest(achievement=achievement.id, email="not-an-email"),
            )


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_key_rotation_keeps_old_credentials_verifying(badger, create_issuer, create_achievement, client):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)

    def issue(fmt):
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, issuer.slug),
                issuing.IssueRequest(achievement=achievement.id, email="a@exemple.fr", format=fmt),
            )

    old = [issue("ldp"), issue("jwt")]
    with badger.transaction() as session:
        issuers.rotate_keys(badger, session, issuers.get_issuer(session, issuer.slug))
    new = [issue("ldp"), issue("jwt")]
    assert new[0].document.count("#key-2") == 1 and old[0].document.count("#key-1") == 1
    did = client.get(f"/issuers/{issuer.slug}/did.json").get_json()
    assert {m["id"].rsplit("#", 1)[1] for m in did["verificationMethod"]} == {"key-1", "jwt-1", "key-2", "jwt-2"}
    with badger.transaction() as session:
        for row in old + new:
            assert verifying.verify_credential(badger, session, row.jwt or row.document).verified


def test_badge_class_validity_period_sets_valid_until(badger, create_issuer, client):
    from datetime import timedelta

    from badger.credentials.dates import parse_datetime

    issuer, token = create_issuer()
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/achievements",
        headers=auth,
        json={
            "name": "Animer une fresque du climat",
            "description": "Animer un atelier de trois heures.",
            "criteria": "Avoir animé deux fresques observées.",
            "validForDays": 730,
        },
    )
    assert created.status_code == 201, created.get_json()
    issued = client.post(
        "/api/v1/credentials",
        headers=auth,
        json={"achievement": created.get_json()["id"], "recipient": {"email": "a@exemple.fr"}},
    ).get_json()
    credential = issued["credential"]
    span = parse_datetime(credential["validUntil"]) - parse_datetime(credential["validFrom"])
    assert span == timedelta(days=730)
    bad = client.post(
        "/api/v1/achievements", headers=auth, json={"name": "X", "description": "Y", "criteria": "Z", "validForDays": 0}
    )
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"

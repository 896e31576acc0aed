"""The service on both databases: issue (ldp and jwt), verify, health."""

from __future__ import annotations

import pytest

from badger.errors import InvalidInput, NotFound
from badger.services import issuers, issuing, verifying


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_issue_and_verify(badger, create_issuer, create_achievement, fmt):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuing.issue(badger, session, issuers.get_issuer(session, issuer.slug),
                            issuing.IssueRequest(achievement=achievement.id, email="élodie@exemple.fr", name="Élodie",
                                                 format=fmt))
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
            issuing.issue(badger, session, issuers.get_issuer(session, "labo-ess"),
                          issuing.IssueRequest(achievement=achievement.id, email="x@exemple.fr"))
    with badger.transaction() as session:
        assert issuing.list_credentials(badger, session) == []


def test_bad_email_is_refused(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    with pytest.raises(InvalidInput):
        with badger.transaction() as session:
            issuing.issue(badger, session, issuers.get_issuer(session, issuer.slug),
                          issuing.IssueRequest(achievement=achievement.id, email="not-an-email"))


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}

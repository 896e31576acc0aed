"""Migration 0018: the recipient's name gets its own column (searched and sorted by the
dashboard in SQL), filled at issuance and, for credentials issued before, from the signed
document. On SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from badger.core.migrate import alembic_config
from badger.issuance import issuing
from badger.issuers import service as issuers


def _migrate(badger, target: str, direction: str) -> None:
    config = alembic_config(str(badger.engine.url))
    with badger.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, target)


def test_issuance_fills_the_name_and_the_migration_fills_it_for_older_credentials(
    badger, create_issuer, create_achievement
):
    issuer, _token = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    achievement = create_achievement(issuer).id
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        rows = issuing.issue_batch(
            badger,
            session,
            issuer,
            [
                issuing.IssueRequest(achievement=achievement, email="elodie@example.org", name="Élodie Kerjean"),
                issuing.IssueRequest(achievement=achievement, email="anonyme@example.org"),
            ],
        )
        named, anonymous = rows[0].id, rows[1].id
        assert rows[0].recipient_name == "Élodie Kerjean" and rows[1].recipient_name is None

    # Back to 0017 (no column) and up again: the name comes back from the signed document.
    _migrate(badger, "0017", "downgrade")
    _migrate(badger, "head", "upgrade")
    with badger.engine.connect() as connection:
        names = dict(connection.execute(text("SELECT id, recipient_name FROM credentials")).all())
    assert names == {named: "Élodie Kerjean", anonymous: None}


def test_search_ignores_case_in_every_script(badger, create_issuer, create_achievement):
    """ "élodie" finds "Élodie" on SQLite too (its own lower() folds ASCII letters only)."""
    from sqlalchemy import select

    from badger.core.db import contains
    from badger.issuance.models import Credential

    issuer, _token = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    achievement = create_achievement(issuer).id
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        [elodie, oscar] = issuing.issue_batch(
            badger,
            session,
            issuer,
            [
                issuing.IssueRequest(achievement=achievement, email="elodie@example.org", name="Élodie Kerjean"),
                issuing.IssueRequest(achievement=achievement, email="oscar@example.org", name="ØSCAR Ñúñez"),
            ],
        )
    with badger.transaction() as session:

        def found(text: str) -> set[str]:
            return set(session.scalars(select(Credential.id).where(contains(Credential.recipient_name, text))))

        assert found("élodie") == found("ÉLODIE") == found("Élo") == {elodie.id}
        assert found("øscar ñ") == found("ÑÚÑEZ") == {oscar.id}
        assert found("e") == {elodie.id, oscar.id} and found("%") == set() and found("_") == set()

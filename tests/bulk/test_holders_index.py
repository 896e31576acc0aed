"""Who already holds a badge class, asked once per bulk chunk (bulk.repository.holders), through
the (badge class, recipient lookup) index of migration 0020: on SQLite, without it, the planner
walked every credential of the badge class for each chunk."""

from __future__ import annotations

from sqlalchemy import text

from badger.bulk import repository as repo
from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.fixtures import make_badger


def test_holders_answers_by_recipient_and_uses_the_index(badger, database, create_issuer, create_achievement):
    issuer, _token = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    first, second = create_achievement(issuer).id, create_achievement(issuer).id
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        issued = issuing.issue_batch(
            badger,
            session,
            issuer,
            [issuing.IssueRequest(achievement=first, email=f"p{i}@exemple.fr", name=f"P {i}") for i in range(3)]
            + [issuing.IssueRequest(achievement=second, email="p9@exemple.fr", name="P 9")],
        )
    lookups = {f"p{i}@exemple.fr": issuing.recipient_lookup(badger, f"p{i}@exemple.fr") for i in (0, 1, 2, 9)}
    with badger.transaction() as session:
        held = repo.holders(session, first, lookups.values())
        assert held == {lookups[f"p{i}@exemple.fr"]: (issued[i].id, "active") for i in range(3)}
        assert repo.holders(session, second, [lookups["p0@exemple.fr"]]) == {}
        if database == "sqlite":
            plan = session.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM credentials"
                    " WHERE achievement_id = :a AND recipient_lookup IN (:x, :y)"
                ),
                {"a": first, "x": "x", "y": "y"},
            ).all()
            assert any("ix_credentials_achievement_lookup" in str(row) for row in plan), plan


def test_postgresql_plans_every_execution_with_its_parameters(tmp_path):
    """A generic plan made while the table was empty walked every credential of the badge class
    for each chunk (badger.core.db.make_engine): each execution is planned with its values."""
    app, close = make_badger("postgresql", tmp_path)
    try:
        with app.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
    finally:
        close()

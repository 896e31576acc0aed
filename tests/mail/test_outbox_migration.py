"""Migration 0017: the e-mails already in the outbox get the credential they are about, so the
dashboard shows their delivery (SQLite; the column and index on PostgreSQL are exercised by
every test that builds a container there)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from badger.core.migrate import alembic_config


def test_existing_badge_e_mails_get_their_credential(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0016")
        insert = sa.text(
            "INSERT INTO mail_outbox (template, lang, context, message_id, state, attempts, next_attempt_at,"
            " created_at) VALUES (:t, 'fr', :c, '<m@x>', 'sent', 1, '2026-01-01', '2026-01-01')"
        )
        connection.execute(
            insert, {"t": "credential_issued", "c": '{"credential": "4f6c1f0e-0000-4000-8000-000000000001"}'}
        )
        connection.execute(insert, {"t": "credential_issued", "c": "not json"})
        connection.execute(insert, {"t": "invitation", "c": '{"partner": "p", "role": "viewer"}'})
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        rows = connection.execute(sa.text("SELECT template, credential_id FROM mail_outbox ORDER BY id")).all()
    assert rows == [
        ("credential_issued", "4f6c1f0e-0000-4000-8000-000000000001"),
        ("credential_issued", None),
        ("invitation", None),
    ]
    assert "ix_mail_outbox_credential" in {i["name"] for i in sa.inspect(engine).get_indexes("mail_outbox")}

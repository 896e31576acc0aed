"""Service and web fixtures, run against BOTH databases: SQLite (the embedded default) and
PostgreSQL (127.0.0.1:5432, database ``test``, a fresh schema per test)."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import sqlalchemy

from badger.application import build
from badger.config import load_settings
from badger.core.app import Badger

PG_SERVER = os.environ.get("BADGER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-for-the-suite-0123456789"


def _postgres_schema_url() -> tuple[str, callable]:
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = sqlalchemy.create_engine(PG_SERVER)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop():
        # A background thread of the test's container may still hold a lock in the schema for a
        # moment (PostgreSQL then reports a deadlock against DROP SCHEMA): try again shortly.
        for attempt in range(5):
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                break
            except sqlalchemy.exc.OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        engine.dispose()

    return f"{PG_SERVER}?options=-csearch_path%3D{schema}", drop


def make_badger(database: str, tmp_path, **overrides) -> tuple[Badger, callable]:
    def cleanup():
        return None

    if database == "postgresql":
        url, cleanup = _postgres_schema_url()
    else:
        url = f"sqlite:///{tmp_path / 'badger.sqlite3'}"
    settings = load_settings(
        {
            "database_url": url,
            "instance_path": str(tmp_path),
            "secret_key": TEST_SECRET,
            "base_url": overrides.pop("base_url", "http://127.0.0.1:5000"),
            **overrides,
        },
        environ={},
    )
    app = build(settings)
    app.upgrade_database()

    def close():
        # Background work of this container (in-process jobs, e-mail delivery) ends before its
        # database goes away (dropping a PostgreSQL schema under a running thread deadlocks).
        from badger.core import queue
        from badger.mail import outbox as mail

        queue.wait_idle(app, 60)
        mail.drain(app, 30)
        app.engine.dispose()
        cleanup()

    return app, close


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request) -> str:
    return request.param


@pytest.fixture
def badger(database, tmp_path):
    app, close = make_badger(database, tmp_path)
    yield app
    close()


@pytest.fixture
def app(badger):
    from badger.web import create_app

    flask_app = create_app(badger=badger)
    flask_app.testing = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def create_issuer(badger):
    """Factory: an issuer (with keys) and an API token for it."""
    return issuer_factory(badger)


def issuer_factory(badger):
    """``make(name=..., slug=..., **kw) -> (issuer, token)`` on ``badger`` (create_issuer)."""
    from badger.accounts import tokens
    from badger.issuers import service as issuers

    def make(name="CEC Ouest 2023", slug=None, **kw):
        with badger.transaction() as session:
            issuer = issuers.create_issuer(
                badger, session, name=name, url=kw.pop("url", "https://cec-ouest.example"), slug=slug, **kw
            )
            token = tokens.create_token(badger, session, issuer, "tests")
            return issuer, token

    return make


@pytest.fixture
def create_achievement(badger):
    """Factory: a published badge class of an issuer."""
    return achievement_factory(badger)


def achievement_factory(badger):
    """``make(issuer, name=..., **kw) -> Achievement`` on ``badger`` (create_achievement)."""
    from badger.achievements import service as achievements
    from badger.issuers import service as issuers

    def make(issuer, name="Session 1 — Montée à bord (CEC Ouest 2023, Rennes)", **kw):
        with badger.transaction() as session:
            row = issuers.get_issuer(session, issuer.slug)
            return achievements.create_achievement(
                badger,
                session,
                row,
                name=name,
                description=kw.pop("description", "Camp de base à Rennes, 20-21 janvier 2023."),
                criteria=kw.pop("criteria", "Présence aux deux journées."),
                **kw,
            )

    return make

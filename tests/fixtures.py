"""Service and web fixtures, run against BOTH databases: SQLite (the embedded default) and
PostgreSQL (127.0.0.1:5432, database ``test``, a schema of its own per test).

Migrating a database for every test was most of the suite's time: each worker migrates once
(a SQLite template file copied per test; PostgreSQL schemas emptied and reused, _SchemaPool)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy

from badger.application import build
from badger.config import load_settings
from badger.core.app import Badger
from badger.core.db import make_engine
from badger.core.migrate import upgrade

PG_SERVER = os.environ.get("BADGER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-for-the-suite-0123456789"


def _postgres_schema_url() -> tuple[str, callable]:
    """A new empty schema -> (its URL, a function that drops it); for tests that migrate it
    themselves (the CLI, a server in a subprocess)."""
    schema = _new_schema()
    return _schema_url(schema), lambda: _drop_schema(schema)


def _admin_engine() -> sqlalchemy.Engine:
    global _ADMIN
    if _ADMIN is None:
        _ADMIN = sqlalchemy.create_engine(PG_SERVER, pool_size=2)
    return _ADMIN


_ADMIN: sqlalchemy.Engine | None = None


def _schema_url(schema: str) -> str:
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}"


def _new_schema() -> str:
    schema = "t_" + uuid.uuid4().hex[:12]
    with _admin_engine().begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    return schema


def _drop_schema(schema: str) -> None:
    # A background thread of the test's container may still hold a lock in the schema for a
    # moment (PostgreSQL then reports a deadlock against DROP SCHEMA): try again shortly.
    for attempt in range(5):
        try:
            with _admin_engine().begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            return
        except sqlalchemy.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from badger.core.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


# Everything that makes up a schema's structure (tables, columns and their types, defaults,
# indexes, constraints), with the schema's own name taken out: two schemas migrated the same
# way have the same fingerprint.
_STRUCTURE = """
SELECT c.relname || ':' || c.relkind::text || ':' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
       || ':' || a.attnotnull::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE n.nspname = %(schema)s
UNION ALL
SELECT 'index:' || indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = %(schema)s
UNION ALL
SELECT 'constraint:' || c.conname || ':' || pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %(schema)s
UNION ALL
SELECT 'object:' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(schema)s
UNION ALL
SELECT 'type:' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(schema)s
"""


class _SchemaPool:
    """Migrated PostgreSQL schemas of this process (one pytest-xdist worker), reused by the
    tests one after the other: a test gets a schema of its own at head with no rows in it,
    as if just migrated, without running the migrations again.

    A schema comes back to the pool only when nothing of the test can still touch it (its
    container's engine had no connection checked out, no row of it is still locked) and it is
    at head with the structure the migrations make. Only Alembic changes a schema (neither
    Badger nor the tests run DDL of their own), and it rewrites the ``alembic_version`` row
    whenever it runs: an unchanged row (same ``xmin``) means the structure is the migrated
    one; a changed row (a test migrated down and up) has the whole structure compared with
    the reference (_STRUCTURE). Then every table but ``alembic_version`` is emptied and the
    sequences restarted, in one round trip. Any doubt or error: the schema is dropped."""

    def __init__(self) -> None:
        self.free: list[str] = []
        self.head: str | None = None
        self.fingerprint: str | None = None
        self.tables: list[str] = []
        self.sequences: list[str] = []
        self.stamps: dict[str, str] = {}  # schema -> xmin of its alembic_version row once migrated

    def acquire(self) -> tuple[str, bool]:
        """-> (schema, fresh): a fresh schema is empty and still needs the migrations."""
        if self.free:
            return self.free.pop(), False
        return _new_schema(), True

    def _structure(self, conn, schema: str) -> str:
        rows = sorted(r[0] for r in conn.exec_driver_sql(_STRUCTURE, {"schema": schema}))
        return hashlib.sha256("\n".join(rows).replace(schema, "<schema>").encode()).hexdigest()

    def _stamp(self, conn, schema: str) -> list[tuple]:
        return conn.exec_driver_sql(f"SELECT version_num, xmin::text FROM {schema}.alembic_version").all()

    def migrated(self, schema: str) -> None:
        """Note a schema the migrations just made (the first one is the reference)."""
        with _admin_engine().connect() as conn:
            if self.fingerprint is None:
                self.head = _head_revision()
                self.fingerprint = self._structure(conn, schema)
                names = "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                names += " WHERE n.nspname = %(schema)s AND c.relkind = %(kind)s ORDER BY relname"
                self.tables = [
                    t for (t,) in conn.exec_driver_sql(names, {"schema": schema, "kind": "r"}) if t != "alembic_version"
                ]
                self.sequences = [q for (q,) in conn.exec_driver_sql(names, {"schema": schema, "kind": "S"})]
            [(version, xmin)] = self._stamp(conn, schema)
            if version == self.head:
                self.stamps[schema] = xmin

    def _emptying(self, schema: str) -> str:
        # Foreign-key checks off for this transaction (superuser, as the test database's
        # owner is): each table is emptied on its own, in any order; DELETE on these few rows
        # is much cheaper than TRUNCATE, which makes and syncs new files for every table.
        return "; ".join(
            [
                "SET LOCAL lock_timeout = '2s'",  # a row still locked: something of the test is alive
                "SET LOCAL session_replication_role = replica",
                *(f'DELETE FROM {schema}."{table}"' for table in self.tables),
                # As new: each sequence back to its start (setval makes no new file, as RESTART does).
                *(
                    f"SELECT setval('{schema}.\"{sequence}\"', start_value, false) FROM pg_sequences"
                    f" WHERE schemaname = '{schema}' AND sequencename = '{sequence}'"
                    for sequence in self.sequences
                ),
            ]
        )

    def release(self, schema: str, reusable: bool) -> None:
        stamp = self.stamps.pop(schema, None)
        if reusable and stamp is not None:
            try:
                with _admin_engine().begin() as conn:
                    [(version, xmin)] = self._stamp(conn, schema)
                    same = version == self.head and (xmin == stamp or self._structure(conn, schema) == self.fingerprint)
                    if same:
                        conn.exec_driver_sql(self._emptying(schema))
                if same:
                    self.stamps[schema] = xmin
                    self.free.append(schema)
                    return
            except (sqlalchemy.exc.SQLAlchemyError, ValueError):
                pass
        _drop_schema(schema)

    def close(self) -> None:
        while self.free:
            _drop_schema(self.free.pop())


_SCHEMAS = _SchemaPool()


class _SqliteTemplate:
    """A SQLite database migrated once per process (one pytest-xdist worker); each test gets a
    copy of the file, which is the same as migrating a new database."""

    def __init__(self) -> None:
        self.directory: Path | None = None

    def path(self) -> Path:
        if self.directory is None:
            directory = Path(tempfile.mkdtemp(prefix="badger-template-"))
            path = directory / "badger.sqlite3"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            engine.dispose()
            # Everything in the main file, no -wal beside it: the file alone is the database.
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.directory = directory
        return self.directory / "badger.sqlite3"

    def copy_to(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path(), target)

    def close(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


_SQLITE = _SqliteTemplate()


def copy_sqlite_template(target: Path) -> None:
    """Write a SQLite database at head to ``target`` (a copy of the one this worker migrated)."""
    _SQLITE.copy_to(Path(target))


def pytest_sessionfinish(session):
    _SCHEMAS.close()
    _SQLITE.close()
    if _ADMIN is not None:
        _ADMIN.dispose()


def make_badger(database: str, tmp_path, **overrides) -> tuple[Badger, callable]:
    """A container on a new database at head: a PostgreSQL schema of its own, or a SQLite
    file in ``tmp_path`` (a database already there is kept and migrated)."""
    schema = None
    migrate = False
    if database == "postgresql":
        schema, migrate = _SCHEMAS.acquire()
        url = _schema_url(schema)
    else:
        path = Path(tmp_path) / "badger.sqlite3"
        url = f"sqlite:///{path}"
        if path.exists():
            migrate = True
        else:
            copy_sqlite_template(path)
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
    try:
        app = build(settings)
        if migrate:
            app.upgrade_database()
            if schema is not None:
                _SCHEMAS.migrated(schema)
    except BaseException:
        if schema is not None:
            _drop_schema(schema)
        raise

    def close():
        # Background work of this container (in-process jobs, e-mail delivery) ends before its
        # database goes away (dropping a PostgreSQL schema under a running thread deadlocks).
        from badger.core import queue
        from badger.mail import outbox as mail

        queue.wait_idle(app, 60)
        mail.drain(app, 30)
        idle = app.engine.pool.checkedout() == 0
        app.engine.dispose()
        if schema is not None:
            _SCHEMAS.release(schema, reusable=idle)

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

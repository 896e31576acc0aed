"""Engine and sessions. SQLite (the embedded default) gets WAL, foreign keys and a busy
timeout so concurrent writers wait instead of failing; PostgreSQL goes through psycopg 3.

Two kinds of session: the unit of work (``make_session_factory``: on SQLite its transaction
takes the write lock at BEGIN) and the read-only one (``make_read_session_factory``: a deferred
``BEGIN`` on SQLite, which under WAL takes no lock a writer or another reader waits for, and
``BEGIN READ ONLY`` on PostgreSQL; a flush with pending changes raises ``ReadOnlySession``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import ARRAY, Select, String, Table, any_, bindparam, create_engine, event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql.functions import GenericFunction

from badger.errors import Conflict


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLite's own lower() folds ASCII letters only ("Élodie" stays "Élodie").
            dbapi_connection.create_function(_SQLITE_LOWER, 1, _unicode_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            if connection.get_execution_options().get(READ_ONLY):
                # A reader (make_read_session_factory): a deferred BEGIN takes a snapshot at its
                # first SELECT and no write lock, so readers run side by side and beside a writer.
                connection.exec_driver_sql("BEGIN")
                return
            # BEGIN IMMEDIATE: take the write lock at the start, so two writers queue instead of
            # one failing on upgrade from a read lock (SQLite "database is locked").
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _postgres_session(dbapi_connection, _record):
        # psycopg prepares a statement after five executions, and PostgreSQL may then keep one
        # *generic* plan for it, costed while a table was empty: a bulk job's "which of these 250
        # keys are used" became a walk of every credential of the issuer, filtered by the keys
        # (147 ms a chunk at 10,000 credentials, growing with the table; measured). Every
        # execution is planned with its own parameters instead (PostgreSQL "plan_cache_mode";
        # statements stay prepared, so they are still parsed once).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# The execution option that marks a reader's connection (see _sqlite_begin).
READ_ONLY = "badger_read_only"


class ReadOnlySession(RuntimeError):
    """A change was flushed in a read-only session: a programming error (a view that writes must
    open ``app.transaction()``), never an answer to a request."""


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads only (``Badger.reading``): no write lock on SQLite, a READ ONLY
    transaction on PostgreSQL, and a flush with pending changes refused."""
    options: dict = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    factory = sessionmaker(bind=engine.execution_options(**options), expire_on_commit=False)

    @event.listens_for(factory, "before_flush")
    def _refuse(session: Session, _context, _instances) -> None:
        raise ReadOnlySession("a read-only session cannot write: open app.transaction() instead")

    return factory


class Base(DeclarativeBase):
    pass


def insert_unique(session: Session, row) -> None:
    """Insert ``row`` in a savepoint; a unique-constraint clash (a concurrent request with the
    same Idempotency-Key, a status list a concurrent issuance created) raises Conflict and
    leaves the transaction usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("a concurrent request wrote the same unique value", code="store.unique_conflict") from exc


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction: an error inside undoes only what was done inside."""
    with session.begin_nested():
        yield


def on_commit(session: Session, callback: Callable[[], None], *, key: str | None = None) -> None:
    """Run ``callback`` once after this session's outermost transaction commits, never when it
    rolls back (savepoints do not count). Callbacks registered under one ``key`` run once (the
    first one registered); without a key each callback runs."""
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True

        def run(_session: Session) -> None:
            for fn in list(session.info.pop(_PENDING, {}).values()):
                fn()

        def end(_session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:  # the outermost transaction ended: forget what is left
                session.info.pop(_PENDING, None)

        event.listen(session, "after_commit", run)
        event.listen(session, "after_transaction_end", end)
    session.info.setdefault(_PENDING, {}).setdefault(key if key is not None else object(), callback)


_HOOKED, _PENDING = "badger_on_commit_hooked", "badger_on_commit"


def on_postgresql(session: Session) -> bool:
    """Whether ``session`` talks to PostgreSQL (else SQLite): for the few statements written
    differently on each."""
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def autonomous(session: Session) -> Iterator[Connection]:
    """A connection for a statement that must neither wait for ``session``'s transaction nor be
    undone with it (a counter that concurrent transactions advance). On PostgreSQL, another
    connection of the pool in autocommit: each statement commits at once, so a row it updates
    stays locked for that statement only. On SQLite, the session's own connection: its
    transaction holds the database's one write lock, which a second connection would wait for,
    and writers take turns anyway."""
    if not on_postgresql(session):
        yield session.connection()
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def copy_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows of ``table`` (column values, every row with the same columns) at once,
    all or nothing. COPY on PostgreSQL: no statement per row, whose per-statement work on the
    server was most of what these inserts cost (50,000 job rows: 3.2 s with executemany, 1.4 s
    with COPY; a bulk chunk's credentials and audit rows: about half the time). One executemany
    on SQLite. A unique value already taken raises
    Conflict (on PostgreSQL once the transaction that wrote it has ended); the caller's
    savepoint or transaction then undoes the rows already written."""
    if not rows:
        return
    session.flush()  # what the session holds goes first (the rows may refer to it)
    columns = list(rows[0])  # our own column names, never input
    if not on_postgresql(session):
        try:
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])
        except IntegrityError as exc:
            raise Conflict("a concurrent request wrote the same unique value", code="store.unique_conflict") from exc
        return
    from psycopg import IntegrityError as UniqueTaken  # the driver is loaded: we are on PostgreSQL

    connection = session.connection().connection  # the DB-API connection, in this transaction
    cursor = connection.cursor()
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
    except UniqueTaken as exc:
        raise Conflict("a concurrent request wrote the same unique value", code="store.unique_conflict") from exc
    finally:
        cursor.close()


def among(session: Session, column, values):
    """``column IN values``. On PostgreSQL, ``column = ANY(:values)`` with one array parameter:
    psycopg parses a statement of more than 50 parameters again at every execution (only short
    ones are cached), which a bulk chunk's hundreds of recipients made a measurable cost; the
    planner treats both forms alike."""
    values = list(values)
    if on_postgresql(session):
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


_SQLITE_LOWER = "badger_lower"


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


class unicode_lower(GenericFunction):
    """SQL lower() of every letter: PostgreSQL's own; on SQLite, Python's (registered on each
    connection by make_engine), as SQLite's lower() folds ASCII letters only."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _lower_sql(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _lower_sqlite(element, compiler, **kw):
    return f"{_SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


def contains(column, text: str):
    """``column`` contains ``text``, ignoring case in every script (SQL LIKE with % and _
    escaped; lower() of every letter on both databases: unicode_lower)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return unicode_lower(column).like(f"%{escaped}%", escape="\\")


def page_of(session: Session, query: Select, *, order: list, offset: int = 0, limit: int | None = None):
    """One page of ``query`` (already filtered) in ``order`` and the total count of rows it
    matches -> (rows, total). ``limit=None``: every row (an export). The rows are what the
    query selects: entities when it selects one entity, else Row tuples."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    paged = query.order_by(*order).offset(offset)
    if limit is not None:
        paged = paged.limit(limit)
    result = session.execute(paged)
    entities = len(query.column_descriptions) == 1 and isinstance(query.column_descriptions[0]["expr"], type)
    rows = list(result.scalars()) if entities else list(result)
    return rows, int(total)

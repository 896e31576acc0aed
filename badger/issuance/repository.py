"""Queries, so that no other package writes SQL or imports SQLAlchemy. They flush, never commit."""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Table, case, event, func, inspect, or_, select, text
from sqlalchemy.orm import Session

from badger.achievements.models import Achievement
from badger.core.db import among, autonomous, contains, copy_rows, page_of
from badger.issuance.models import Credential, StatusList, VcApiCredential


def inserted_credential_ids(session: Session) -> set[str]:
    """Ids of the credentials this session has INSERTed (not merely loaded) so far, through the
    ORM or ``insert_credentials``: tells a credential just issued from one a concurrent
    transaction committed first."""
    ids = session.info.get(_INSERTED)
    if ids is None:
        ids = session.info[_INSERTED] = set()

        @event.listens_for(session, "pending_to_persistent")
        def _track(_session, instance):
            if isinstance(instance, Credential):
                ids.add(instance.id)

    return ids


_INSERTED = "badger.inserted_credentials"
_COLUMNS = tuple(c.key for c in cast(Table, Credential.__table__).columns)


def insert_credentials(session: Session, values: list[dict[str, Any]]) -> list[Credential]:
    """Store many credentials (their column values) at once, all or nothing
    (core.db.copy_rows): no ORM unit of work. Raises Conflict when one of them has an
    Idempotency-Key a concurrent transaction took (status indexes never clash, ids are new).
    Returns read-only snapshots of the rows, in the order given (not in the session; reading
    one by id loads it)."""
    copy_rows(session, cast(Table, Credential.__table__), values)
    inserted_credential_ids(session).update(v["id"] for v in values)
    manager = inspect(Credential).class_manager
    rows = []
    for v in values:
        row = manager.new_instance()  # a transient instance; its columns set without change events
        row.__dict__.update({column: v.get(column) for column in _COLUMNS})
        rows.append(row)
    return rows


def status_list(session: Session, issuer_id: str, purpose: str) -> StatusList | None:
    """The issuer's current list for ``purpose`` (the last of its sequence), or None."""
    # Remembered for the session. A second SELECT would hand back the same
    # identity-mapped object anyway (its loaded columns are not refreshed), so this only saves the
    # round trip and the 16 KB of bits that every issuance paid twice.
    remembered = session.info.setdefault("badger.status_lists", {})
    row = remembered.get((issuer_id, purpose))
    if row is None or row not in session:
        row = session.scalar(
            select(StatusList)
            .where(StatusList.issuer_id == issuer_id, StatusList.purpose == purpose)
            .order_by(StatusList.sequence.desc())
            .limit(1)
        )
        if row is not None:
            remember_status_list(session, row)
    return row


def remember_status_list(session: Session, row: StatusList) -> None:
    """``row`` is now the issuer's current list for its purpose (status_list)."""
    session.info.setdefault("badger.status_lists", {})[(row.issuer_id, row.purpose)] = row


def status_list_at(
    session: Session, issuer_id: str, purpose: str, sequence: int, *, lock: bool = False
) -> StatusList | None:
    """The issuer's list of ``sequence`` for ``purpose``; with ``lock``, re-read and locked (its
    bits are about to change)."""
    query = select(StatusList).where(
        StatusList.issuer_id == issuer_id, StatusList.purpose == purpose, StatusList.sequence == sequence
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


# One statement on both databases (SQLite >= 3.35 and PostgreSQL know ON CONFLICT and RETURNING).
_TAKE = text(
    "INSERT INTO status_list_counters (list_id, taken) VALUES (:list_id, :count)"
    " ON CONFLICT (list_id) DO UPDATE SET taken = status_list_counters.taken + excluded.taken"
    " RETURNING taken"
)


def take_positions(session: Session, list_id: str, count: int) -> range:
    """Advance the list's counter by ``count`` -> the positions taken (the caller keeps those
    below the list's size). On PostgreSQL the statement commits at once (core.db.autonomous):
    concurrent transactions never wait for each other here, and the positions of a transaction
    that rolls back are skipped, never given out twice."""
    with autonomous(session) as connection:
        taken = connection.execute(_TAKE, {"list_id": list_id, "count": count}).scalar_one()
    return range(taken - count, taken)


def credentials_by_idempotency_keys(session: Session, issuer_id: str, keys: list[str]) -> dict[str, Credential]:
    """{key: credential} for those of ``keys`` already used by the issuer."""
    out: dict[str, Credential] = {}
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        for row in session.scalars(
            select(Credential).where(
                Credential.issuer_id == issuer_id, among(session, Credential.idempotency_key, part)
            )
        ):
            out[cast(str, row.idempotency_key)] = row
    return out


def add_credentials(session: Session, rows: list[Credential]) -> None:
    """Insert a batch of credentials; SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues")."""
    session.add_all(rows)
    session.flush()


def credential_by_idempotency_key(session: Session, issuer_id: str, key: str) -> Credential | None:
    return session.scalar(
        select(Credential).where(Credential.issuer_id == issuer_id, Credential.idempotency_key == key)
    )


def credentials(
    session: Session,
    *,
    issuer_id: str | None = None,
    recipient_lookup: str | None = None,
    achievement_id: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[Credential]:
    query = select(Credential).order_by(Credential.issued_at.desc(), Credential.id).limit(limit)
    if issuer_id is not None:
        query = query.where(Credential.issuer_id == issuer_id)
    if recipient_lookup is not None:
        query = query.where(Credential.recipient_lookup == recipient_lookup)
    if achievement_id is not None:
        query = query.where(Credential.achievement_id == achievement_id)
    if status is not None:
        query = query.where(Credential.status == status)
    return list(session.scalars(query))


log = logging.getLogger("badger.store")


def lock_credential(session: Session, credential_id: str) -> Credential | None:
    """The credential row, re-read from the database and locked until the transaction ends."""
    return session.scalar(
        select(Credential)
        .where(Credential.id == credential_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def vcapi_credential(
    session: Session, issuer_id: str, credential_id: str, *, lock: bool = False
) -> VcApiCredential | None:
    """A VC-API credential by the name its caller gave it; ``lock``: FOR UPDATE until the end."""
    query = select(VcApiCredential).where(
        VcApiCredential.issuer_id == issuer_id, VcApiCredential.credential_id == credential_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def credential_counts(session: Session, issuer_id: str) -> list[tuple]:
    """(achievement id, name, created_at, issued, active, revoked, suspended) for each of the
    issuer's badge classes, also those with no credential, oldest badge class first."""

    def count(status: str):
        return func.coalesce(func.sum(case((Credential.status == status, 1), else_=0)), 0)

    query = (
        select(
            Achievement.id,
            Achievement.name,
            Achievement.created_at,
            func.count(Credential.id),
            count("active"),
            count("revoked"),
            count("suspended"),
        )
        .outerjoin(Credential, Credential.achievement_id == Achievement.id)
        .where(Achievement.issuer_id == issuer_id)
        .group_by(Achievement.id, Achievement.name, Achievement.created_at)
        .order_by(Achievement.created_at, Achievement.id)
    )
    return [tuple(row) for row in session.execute(query)]


# A holder is a distinct recipient (hashed e-mail lookup or DID) of a credential that is not
# revoked; a credential with neither (never the case for Badger's own) counts on its own.
_HOLDER = func.coalesce(Credential.recipient_lookup, Credential.recipient_did, Credential.id)


def holder_count(session: Session, achievement_id: str) -> int:
    query = select(func.count(func.distinct(_HOLDER))).where(
        Credential.achievement_id == achievement_id, Credential.status != "revoked"
    )
    return int(session.scalar(query) or 0)


def holder_counts(session: Session, issuer_id: str) -> dict[str, int]:
    """{achievement id: holders} for every badge class of the issuer that has holders."""
    query = (
        select(Credential.achievement_id, func.count(func.distinct(_HOLDER)))
        .where(Credential.issuer_id == issuer_id, Credential.status != "revoked")
        .group_by(Credential.achievement_id)
    )
    return {achievement_id: int(count) for achievement_id, count in session.execute(query)}


# Sortable columns of the dashboard's credentials list (an allow-list: core.listing).
CREDENTIAL_SORTS = {
    "issued": Credential.issued_at,
    "recipient": Credential.recipient_name,
    "badge": Achievement.name,
    "status": Credential.status,
}


def credential_page(
    session: Session,
    issuer_id: str,
    *,
    search: str = "",
    search_lookup: str | None = None,
    achievement_id: str | None = None,
    status: str | None = None,
    ids: list[str] | None = None,
    sort: str = "issued",
    desc: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[tuple[Credential, str]], int]:
    """(credential, badge class name) rows of one issuer's credentials and their total count.
    ``search``: in the recipient's name or DID (contains, any case), or the recipient whose
    e-mail has the keyed hash ``search_lookup`` (addresses are not stored); ``ids``: only
    those credentials; ``sort``: a key of CREDENTIAL_SORTS, ties newest first."""
    query = (
        select(Credential, Achievement.name)
        .join(Achievement, Achievement.id == Credential.achievement_id)
        .where(Credential.issuer_id == issuer_id)
    )
    if search:
        found = [contains(Credential.recipient_name, search), contains(Credential.recipient_did, search)]
        if search_lookup:
            found.append(Credential.recipient_lookup == search_lookup)
        query = query.where(or_(*found))
    if achievement_id is not None:
        query = query.where(Credential.achievement_id == achievement_id)
    if status is not None:
        query = query.where(Credential.status == status)
    if ids is not None:
        query = query.where(Credential.id.in_(ids))
    column = CREDENTIAL_SORTS.get(sort, Credential.issued_at)
    order = [column.desc() if desc else column.asc(), Credential.issued_at.desc(), Credential.id]
    rows, total = page_of(session, query, order=order, offset=offset, limit=limit)
    return [(row[0], row[1]) for row in rows], total


def credentials_by_ids(session: Session, issuer_id: str, ids: list[str]) -> list[Credential]:
    """Those of ``ids`` that are the issuer's credentials (500 per query)."""
    out: list[Credential] = []
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        out.extend(
            session.scalars(select(Credential).where(Credential.issuer_id == issuer_id, Credential.id.in_(part)))
        )
    return out


def credentials_of_recipients(
    session: Session, issuer_id: str, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], list[Credential]]:
    """{(recipient lookup, achievement id): the issuer's credentials} for ``pairs``."""
    out: dict[tuple[str, str], list[Credential]] = {}
    lookups = sorted({lookup for lookup, _a in pairs})
    wanted = set(pairs)
    for start in range(0, len(lookups), 500):
        part = lookups[start : start + 500]
        for row in session.scalars(
            select(Credential)
            .where(Credential.issuer_id == issuer_id, Credential.recipient_lookup.in_(part))
            .order_by(Credential.issued_at.desc())
        ):
            key = (cast(str, row.recipient_lookup), row.achievement_id)
            if key in wanted:
                out.setdefault(key, []).append(row)
    return out


def issued_per_period(session: Session, issuer_id: str, bounds: list) -> list[int]:
    """How many of the issuer's credentials were issued in each period [bounds[i], bounds[i + 1])
    (whatever their status now): one row, one conditional count per period (the same SQL on
    SQLite and PostgreSQL)."""
    if len(bounds) < 2:
        return []
    column = Credential.issued_at
    counts = [
        func.coalesce(func.sum(case(((column >= start) & (column < end), 1), else_=0)), 0)
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    query = select(*counts).where(Credential.issuer_id == issuer_id, column >= bounds[0], column < bounds[-1])
    return [int(n) for n in session.execute(query).one()]

"""Status indexes (issue 16): each list gives its positions out in turn through a secret order,
a full list is followed by the next one, concurrent transactions on PostgreSQL neither wait for
each other nor get the same index, and lists from before migration 0021 keep their credentials
while new ones go to a new list. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from badger.core import audit
from badger.core.migrate import alembic_config
from badger.issuance import issuing, revocation
from badger.issuance.status_lists import LIST_SIZE
from badger.issuers import service as issuers
from badger.status import decode_list, get_bit, index_order
from badger.verifying import service as verifying

OPS = audit.Actor("user:test", "camille@cec-ouest.example")


# ------------------------------------------------------------------------------- the order


@settings(max_examples=60, deadline=None)
@given(seed=st.binary(min_size=16, max_size=64), size=st.integers(min_value=1, max_value=3000))
def test_the_order_is_a_permutation_that_the_seed_alone_decides(seed, size):
    order = index_order(seed, size)
    assert sorted(order) == list(range(size))
    assert index_order(bytes(seed), size) == order


def test_the_order_stays_the_same_from_one_version_to_the_next():
    """Known answers: a list's order must never change once it gives out indexes (another
    order would hand out indexes already held)."""
    assert list(index_order(bytes(32), LIST_SIZE)[:6]) == KNOWN_ZERO_SEED
    assert list(index_order(b"\x01" * 32, 10)) == KNOWN_ONES_SEED_10


def test_two_seeds_give_unrelated_orders():
    first, second = index_order(b"a" * 32, LIST_SIZE), index_order(b"b" * 32, LIST_SIZE)
    same = sum(1 for a, b in zip(first, second, strict=True) if a == b)
    assert same < 10  # about one expected for two independent permutations
    # Consecutive positions land anywhere in the list: the order hides the order of issuance.
    gaps = [abs(first[p + 1] - first[p]) for p in range(1000)]
    assert sum(gaps) / len(gaps) > LIST_SIZE / 4


KNOWN_ZERO_SEED = [99003, 37029, 94121, 48975, 105889, 56176]
KNOWN_ONES_SEED_10 = [2, 8, 4, 9, 7, 1, 3, 5, 6, 0]


# ------------------------------------------------------------------------------ issuing


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, _token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    with badger.transaction() as session:
        issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "vc2", actor=OPS)
    return {"achievement": create_achievement(issuer).id}


def _issue(badger, world, count: int, tag: str, session=None):
    def run(session):
        issuer = issuers.get_issuer(session, "cec-ouest")
        requests = [
            issuing.IssueRequest(achievement=world["achievement"], email=f"{tag}-{n}@exemple.fr") for n in range(count)
        ]
        return issuing.issue_batch(badger, session, issuer, requests)

    if session is not None:
        return run(session)
    with badger.transaction() as session:
        return run(session)


def _entries(row) -> dict[str, dict]:
    return {e["statusPurpose"]: e for e in json.loads(row.document)["credentialStatus"]}


def _lists(badger) -> dict[tuple[str, int], str]:
    with badger.engine.connect() as connection:
        rows = connection.execute(text("SELECT purpose, sequence, id FROM status_lists")).all()
    return {(purpose, sequence): list_id for purpose, sequence, list_id in rows}


def _bit(badger, client, entry) -> int:
    response = client.get(entry["statusListCredential"][len(badger.base_url) :])
    assert response.status_code == 200
    return get_bit(
        decode_list(json.loads(response.data)["credentialSubject"]["encodedList"]), int(entry["statusListIndex"])
    )


def test_positions_go_out_in_turn_through_the_secret_order(badger, world):
    rows = _issue(badger, world, 40, "lot")
    lists = _lists(badger)
    with badger.engine.connect() as connection:
        seeds = dict(connection.execute(text("SELECT purpose, seed FROM status_lists")).all())
        taken = dict(connection.execute(text("SELECT list_id, taken FROM status_list_counters")).all())
    assert taken == {lists[("revocation", 0)]: 40, lists[("suspension", 0)]: 40}
    for purpose in ("revocation", "suspension"):
        order = index_order(seeds[purpose], LIST_SIZE)
        given_out = [int(_entries(r)[purpose]["statusListIndex"]) for r in rows]
        assert sorted(given_out) == sorted(order[:40])
        stored = [r.status_index if purpose == "revocation" else r.suspension_index for r in rows]
        assert stored == given_out  # list 0: the slot is the index
    # The two lists' orders are their own: a credential's two indexes differ.
    assert sum(r.status_index == r.suspension_index for r in rows) < 3


def test_a_full_list_is_followed_by_the_next_one(badger, world, client):
    _issue(badger, world, 1, "premier")
    lists = _lists(badger)
    with badger.transaction() as session:
        session.execute(
            text("UPDATE status_list_counters SET taken = :n WHERE list_id = :id"),
            {"n": LIST_SIZE - 2, "id": lists[("revocation", 0)]},
        )
    rows = _issue(badger, world, 5, "débordement")
    lists = _lists(badger)
    assert set(lists) == {("revocation", 0), ("revocation", 1), ("suspension", 0)}
    urls = [_entries(r)["revocation"]["statusListCredential"] for r in rows]
    first, second = (badger.url("status", lists[("revocation", s)]) for s in (0, 1))
    assert urls.count(first) == 2 and urls.count(second) == 3
    for row in rows:
        entry = _entries(row)["revocation"]
        sequence = 0 if entry["statusListCredential"] == first else 1
        assert row.status_index == sequence * LIST_SIZE + int(entry["statusListIndex"])
    # A credential of the second list: its bit changes in that list, verifiers see it.
    later = next(r for r in rows if r.status_index >= LIST_SIZE)
    with badger.transaction() as session:
        result = verifying.verify_credential(badger, session, later.document)
    assert result.verified, result.as_dict("en")
    with badger.transaction() as session:
        revocation.revoke(badger, session, issuing.get_credential(session, later.id), reason="Erreur", actor=OPS)
    assert _bit(badger, client, _entries(later)["revocation"]) == 1
    assert _bit(badger, client, _entries(later)["suspension"]) == 0
    with badger.transaction() as session:
        result = verifying.verify_credential(badger, session, later.document)
    assert not result.verified
    # Its neighbour in the first list is untouched.
    neighbour = next(r for r in rows if r.status_index < LIST_SIZE)
    assert _bit(badger, client, _entries(neighbour)["revocation"]) == 0


@pytest.mark.parametrize("database", ["postgresql"])  # SQLite writers take turns by design
def test_transactions_on_postgresql_neither_wait_nor_share_an_index(badger, world):
    """Two transactions issue at once: the second commits while the first is still open, and a
    rolled-back batch's positions are skipped, never given again."""
    _issue(badger, world, 1, "avant")
    done = threading.Event()
    second: list = []

    def other():
        second.extend(_issue(badger, world, 10, "autre"))
        done.set()

    with badger.transaction() as session:
        first = _issue(badger, world, 10, "premier", session=session)
        worker = threading.Thread(target=other)
        worker.start()
        assert done.wait(30), "the second transaction waited for the first"
    worker.join()
    with pytest.raises(RuntimeError), badger.transaction() as session:
        _issue(badger, world, 7, "annulé", session=session)
        raise RuntimeError("rolled back")
    third = _issue(badger, world, 5, "après")
    rows = first + second + third
    for purpose in ("revocation", "suspension"):
        assert len({int(_entries(r)[purpose]["statusListIndex"]) for r in rows}) == 25
    lists = _lists(badger)
    with badger.engine.connect() as connection:
        taken = connection.scalar(
            text("SELECT taken FROM status_list_counters WHERE list_id = :id"), {"id": lists[("revocation", 0)]}
        )
    assert taken == 1 + 10 + 10 + 7 + 5


def _migrate(badger, target: str, direction: str) -> None:
    config = alembic_config(str(badger.engine.url))
    with badger.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, target)


def test_lists_from_before_the_order_keep_their_credentials_and_take_no_new_ones(badger, world, client):
    older = _issue(badger, world, 3, "ancien")
    _migrate(badger, "0020", "downgrade")  # the lists of before: no seed, no sequence
    _migrate(badger, "head", "upgrade")
    with badger.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM status_lists WHERE seed IS NULL")) == 2
    newer = _issue(badger, world, 3, "nouveau")
    lists = _lists(badger)
    assert set(lists) == {(p, s) for p in ("revocation", "suspension") for s in (0, 1)}
    for row in newer:
        assert row.status_index >= LIST_SIZE and row.suspension_index >= LIST_SIZE
        assert _entries(row)["revocation"]["statusListCredential"] == badger.url("status", lists[("revocation", 1)])
    with badger.transaction() as session:
        revocation.suspend(badger, session, issuing.get_credential(session, older[0].id), reason="Contrôle", actor=OPS)
        revocation.revoke(badger, session, issuing.get_credential(session, newer[0].id), reason="Erreur", actor=OPS)
    assert _bit(badger, client, _entries(older[0])["suspension"]) == 1
    assert _bit(badger, client, _entries(newer[0])["revocation"]) == 1
    assert _bit(badger, client, _entries(older[1])["revocation"]) == 0
    for row, verified in ((older[0], False), (older[1], True), (newer[0], False), (newer[1], True)):
        with badger.transaction() as session:
            assert verifying.verify_credential(badger, session, row.document).verified is verified
    with pytest.raises(RuntimeError, match="more than one status list"):
        _migrate(badger, "0020", "downgrade")


def test_a_batch_whose_idempotency_key_was_taken_writes_nothing_and_leaves_the_transaction_usable(badger, world):
    """The batch's rows go in at once (COPY on PostgreSQL): a key already used makes the whole
    batch raise Conflict inside its savepoint, and the rest of the transaction goes on."""
    from badger.core.db import savepoint
    from badger.errors import Conflict
    from badger.issuance import repository as issuance_repo
    from badger.issuance.models import Credential

    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        request = issuing.IssueRequest(achievement=world["achievement"], email="cle@exemple.fr")
        [held] = issuing.issue_batch(badger, session, issuer, [request], idempotency_keys=["clé-1"])
    columns = [c.key for c in Credential.__table__.columns]
    with badger.transaction() as session:
        stored = session.get(Credential, held.id)
        clash = {c: getattr(stored, c) for c in columns} | {"id": badger.new_id(), "status_index": None}
        fresh = clash | {"id": badger.new_id(), "idempotency_key": "clé-2", "suspension_index": None}
        clash["suspension_index"] = None
        with pytest.raises(Conflict), savepoint(session):
            issuance_repo.insert_credentials(session, [fresh, clash])
        assert session.get(Credential, fresh["id"]) is None
        _issue(badger, world, 2, "ensuite", session=session)
    with badger.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM credentials")) == 3

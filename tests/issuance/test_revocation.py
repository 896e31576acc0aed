"""Issue 5: revocation and suspension through W3C Bitstring Status List v1.0, on both databases.

Here the issuer opted in to the VC 2.0 status form (issuers.set_status_form "vc2"), so each
credential carries two BitstringStatusListEntry objects (§2.1), revocation and suspension;
the service moves it between active, suspended and revoked (final), flips the bit in the right
list, records the reason and an audit event, and the served list credential (§2.2), Badger's
verifier, the API and the command line all see the change at once.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from badger.cli import cli
from badger.core import audit
from badger.errors import Conflict, InvalidInput
from badger.issuance import issuing, revocation, status_lists
from badger.issuers import service as issuers
from badger.status import decode_list, get_bit
from badger.verifying import repository as status_repository
from badger.verifying import service as verifying
from badger.verifying import stats

PROBLEM = "application/problem+json"
OPS = audit.Actor("user:test", "camille@cec-ouest.example")


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    with badger.transaction() as session:
        issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "vc2", actor=OPS)
    achievement = create_achievement(issuer)
    return {"issuer": issuer, "token": token, "achievement": achievement.id}


@pytest.fixture
def issue(badger, world):
    def make(email="elodie@exemple.fr", fmt="ldp"):
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, "cec-ouest"),
                issuing.IssueRequest(achievement=world["achievement"], email=email, format=fmt),
            )

    return make


def _entries(row) -> dict:
    status = json.loads(row.document)["credentialStatus"]
    status = status if isinstance(status, list) else [status]
    return {entry["statusPurpose"]: entry for entry in status}


def _bit(badger, client, entry) -> int:
    """The credential's bit as a verifier reads it: from the served, signed list credential."""
    response = client.get(entry["statusListCredential"][len(badger.base_url) :])
    assert response.status_code == 200
    subject = json.loads(response.data)["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    return get_bit(decode_list(subject["encodedList"]), int(entry["statusListIndex"]))


def _change(badger, credential_id, action, **kw):
    with badger.transaction() as session:
        row = issuing.get_credential(session, credential_id)
        return getattr(revocation, action)(badger, session, row, actor=kw.pop("actor", OPS), **kw)


def _verify(badger, row):
    with badger.transaction() as session:
        return verifying.verify_credential(badger, session, row.jwt or row.document)


def _events(badger, action=None):
    with badger.transaction() as session:
        return audit.events(session, None, action=action)


# ------------------------------------------------------------------------------------ entries


def test_each_credential_has_a_revocation_and_a_suspension_entry(badger, client, issue):
    first, second = issue(), issue("yann@exemple.fr", fmt="jwt")
    entries = _entries(first)
    assert set(entries) == {"revocation", "suspension"}
    assert [e["statusPurpose"] for e in json.loads(first.document)["credentialStatus"]] == ["revocation", "suspension"]
    revocation_list = entries["revocation"]["statusListCredential"]
    suspension_list = entries["suspension"]["statusListCredential"]
    assert revocation_list != suspension_list  # two lists per issuer
    assert _entries(second)["suspension"]["statusListCredential"] == suspension_list
    for entry in entries.values():
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
        assert isinstance(entry["statusListIndex"], str)  # §2.1: a base-10 string
        response = client.get(entry["statusListCredential"][len(badger.base_url) :])
        subject = json.loads(response.data)["credentialSubject"]
        assert subject["encodedList"].startswith("u")  # multibase base64url of GZIP
        assert len(decode_list(subject["encodedList"])) * 8 >= 131_072
        assert _bit(badger, client, entry) == 0
    assert first.status_index == int(entries["revocation"]["statusListIndex"])
    assert first.suspension_index == int(entries["suspension"]["statusListIndex"])
    # A JWT credential carries the same two entries in its payload, and verifies.
    assert set(_entries(second)) == {"revocation", "suspension"}
    assert _verify(badger, first).verified and _verify(badger, second).verified


# -------------------------------------------------------------------------------- transitions


def test_suspend_unsuspend_revoke(badger, client, issue):
    row = issue()
    entries = _entries(row)
    assert _verify(badger, row).check("status").code == "status.ok"

    out = _change(badger, row.id, "suspend", reason="Feuille de route non remise")
    assert out["id"] == row.id and out["status"] == "suspended" and out["reason"] == "Feuille de route non remise"
    assert out["changedAt"].endswith("Z")
    assert (_bit(badger, client, entries["suspension"]), _bit(badger, client, entries["revocation"])) == (1, 0)
    result = _verify(badger, row)
    assert not result.verified and result.check("status").code == "status.suspended"
    assert result.as_dict("en")["checks"][5]["message"] and result.as_dict("fr")["checks"][5]["message"]

    out = _change(badger, row.id, "unsuspend")
    assert out["status"] == "active" and out["reason"] is None
    assert _bit(badger, client, entries["suspension"]) == 0
    assert _verify(badger, row).verified  # restored

    out = _change(badger, row.id, "revoke", reason="Erreur de destinataire")
    assert out["status"] == "revoked"
    assert (_bit(badger, client, entries["revocation"]), _bit(badger, client, entries["suspension"])) == (1, 0)
    result = _verify(badger, row)
    assert not result.verified and result.check("status").code == "status.revoked"
    with badger.transaction() as session:
        stored = issuing.get_credential(session, row.id)
        assert (stored.status, stored.status_reason) == ("revoked", "Erreur de destinataire")
        assert stored.status_changed_at is not None
        assert [r.id for r in issuing.list_credentials(badger, session, status="revoked")] == [row.id]


def test_revoking_a_suspended_credential_clears_its_suspension(badger, client, issue):
    row = issue()
    _change(badger, row.id, "suspend", reason="Vérification en cours")
    _change(badger, row.id, "revoke", reason="Fraude avérée")
    entries = _entries(row)
    assert (_bit(badger, client, entries["revocation"]), _bit(badger, client, entries["suspension"])) == (1, 0)
    assert _verify(badger, row).check("status").code == "status.revoked"


@pytest.mark.parametrize(
    "steps, action, code",
    [
        ((), "unsuspend", "status.not_suspended"),
        (("suspend",), "suspend", "status.already_suspended"),
        (("revoke",), "revoke", "status.revoked_final"),
        (("revoke",), "suspend", "status.revoked_final"),
        (("revoke",), "unsuspend", "status.revoked_final"),
        (("suspend", "revoke"), "unsuspend", "status.revoked_final"),
    ],
)
def test_illegal_transitions_are_conflicts_and_change_nothing(badger, client, issue, steps, action, code):
    row = issue()
    for step in steps:
        _change(badger, row.id, step, reason="Raison" if step != "unsuspend" else None)
    with badger.transaction() as session:
        before = status_of(session, row.id)
    bits = {p: _bit(badger, client, e) for p, e in _entries(row).items()}
    events = len(_events(badger))
    with pytest.raises(Conflict) as caught:
        _change(badger, row.id, action, reason="Encore")
    assert caught.value.code == code and str(caught.value)
    with badger.transaction() as session:
        assert status_of(session, row.id) == before
    assert {p: _bit(badger, client, e) for p, e in _entries(row).items()} == bits
    assert len(_events(badger)) == events


def status_of(session, credential_id):
    return revocation.status_of(issuing.get_credential(session, credential_id))


@pytest.mark.parametrize(
    "reason, code",
    [
        (None, "input.missing_reason"),
        ("", "input.missing_reason"),
        ("   ", "input.missing_reason"),
        ("x" * 501, "input.invalid_reason"),
        ("ligne 1\nligne 2", "input.invalid_reason"),
        ("nul \x00", "input.invalid_reason"),
        ("tab\there", "input.invalid_reason"),
        (42, "input.invalid_reason"),
    ],
)
@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_a_reason_is_required_and_checked(badger, issue, action, reason, code):
    row = issue()
    with pytest.raises(InvalidInput) as caught:
        _change(badger, row.id, action, reason=reason)
    assert caught.value.code == code
    with badger.transaction() as session:
        assert issuing.get_credential(session, row.id).status == "active"


def test_reason_limits_and_the_optional_unsuspend_reason(badger, issue):
    row = issue()
    assert _change(badger, row.id, "suspend", reason="  " + "é" * 500 + " ")["reason"] == "é" * 500
    with pytest.raises(InvalidInput):
        _change(badger, row.id, "unsuspend", reason="x" * 501)
    assert _change(badger, row.id, "unsuspend", reason="Pièce reçue")["reason"] == "Pièce reçue"


def test_audit_events_record_who_why_and_what(badger, issue):
    row = issue()
    _change(badger, row.id, "suspend", reason="Contrôle")
    _change(badger, row.id, "unsuspend", reason=None, actor=audit.CLI)
    _change(badger, row.id, "revoke", reason="Doublon")
    events = [e for e in _events(badger) if e["action"].startswith("credential.") and e["action"] != "credential.issue"]
    assert [(e["action"], e["actor"], e["target"], e["detail"]) for e in reversed(events)] == [
        ("credential.suspend", "user:test", row.id, {"from": "active", "to": "suspended", "reason": "Contrôle"}),
        ("credential.unsuspend", "cli", row.id, {"from": "suspended", "to": "active"}),
        ("credential.revoke", "user:test", row.id, {"from": "active", "to": "revoked", "reason": "Doublon"}),
    ]
    assert all(e["actor_label"] == OPS.label for e in events if e["actor"] == "user:test")


# ----------------------------------------------------------------------- credentials of before


@pytest.fixture
def legacy(badger, world, monkeypatch):
    """A credential issued before suspension existed: one revocation entry, no suspension index."""

    def single(app, session, issuer, count):
        allocations = []
        for _ in range(count):
            index, entry = status_lists.allocate_entry(app, session, issuer)
            allocations.append(status_lists.StatusAllocation(index, None, [entry]))
        return allocations

    monkeypatch.setattr(issuing, "allocate_entries_many", single)
    with badger.transaction() as session:
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(achievement=world["achievement"], email="ancien@exemple.fr"),
        )
    monkeypatch.undo()
    return row


def test_credentials_with_one_revocation_entry_keep_working(badger, client, legacy):
    status = json.loads(legacy.document)["credentialStatus"]
    assert isinstance(status, dict) and status["statusPurpose"] == "revocation"
    assert legacy.suspension_index is None
    assert _verify(badger, legacy).verified
    with pytest.raises(Conflict) as caught:
        _change(badger, legacy.id, "suspend", reason="Contrôle")
    assert caught.value.code == "status.suspension_unavailable"
    assert "issued before suspension was available" in str(caught.value)
    _change(badger, legacy.id, "revoke", reason="Erreur")
    assert _bit(badger, client, status) == 1
    assert _verify(badger, legacy).check("status").code == "status.revoked"


# -------------------------------------------------------------------- the served list credential


def test_the_list_is_revalidated_not_served_stale(badger, client, issue):
    row = issue()
    entry = _entries(row)["revocation"]
    path = entry["statusListCredential"][len(badger.base_url) :]
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    unchanged = client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and not unchanged.data and unchanged.headers["ETag"] == etag
    _change(badger, row.id, "revoke", reason="Erreur")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert _bit(badger, client, entry) == 1
    assert client.get("/status/00000000-0000-4000-8000-000000000000").status_code == 404


# ------------------------------------------------------------------------------------ the API


def _auth(world):
    return {"Authorization": f"Bearer {world['token']}"}


def test_api_transitions(badger, client, world, issue):
    row = issue()
    url = f"/api/v1/credentials/{row.id}"
    response = client.post(f"{url}/suspend", json={"reason": "Contrôle"}, headers=_auth(world))
    assert response.status_code == 200, response.data
    assert response.get_json() == {
        "id": row.id,
        "status": "suspended",
        "reason": "Contrôle",
        "changedAt": response.get_json()["changedAt"],
    }
    listed = client.get("/api/v1/credentials?status=suspended", headers=_auth(world)).get_json()
    assert [c["id"] for c in listed] == [row.id] and listed[0]["status"] == "suspended"
    assert client.get("/api/v1/credentials?status=active", headers=_auth(world)).get_json() == []

    again = client.post(f"{url}/suspend", json={"reason": "Encore"}, headers=_auth(world))
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert again.get_json()["code"] == "status.already_suspended"

    unsuspended = client.post(f"{url}/unsuspend", headers=_auth(world))  # no body at all
    assert unsuspended.status_code == 200 and unsuspended.get_json()["status"] == "active"
    revoked = client.post(f"{url}/revoke?lang=en", json={"reason": "Erreur"}, headers=_auth(world))
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    final = client.post(f"{url}/unsuspend?lang=en", json={}, headers=_auth(world))
    assert final.status_code == 409 and final.get_json()["code"] == "status.revoked_final"
    assert final.get_json()["title"] == "Conflict"

    events = _events(badger, "credential.revoke")
    assert events[0]["actor"].startswith("token:") and events[0]["actor_label"] == "tests"


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({}, "reason", "input.invalid_fields"),
        ({"reason": ""}, "reason", "input.missing_reason"),
        ({"reason": "x" * 501}, "reason", "input.invalid_reason"),
        ({"reason": "a\u0007b"}, "reason", "input.invalid_reason"),
        ({"reason": 12}, "reason", "input.invalid_fields"),
        ({"reason": "ok", "extra": 1}, "extra", "input.invalid_fields"),
    ],
)
def test_api_bad_reason_is_a_problem_with_fields(badger, client, world, issue, body, field, code):
    row = issue()
    response = client.post(f"/api/v1/credentials/{row.id}/revoke", json=body, headers=_auth(world))
    assert response.status_code == 400 and response.mimetype == PROBLEM, response.data
    problem = response.get_json()
    assert problem["code"] == code and problem["errors"][0]["field"] == field
    with badger.transaction() as session:
        assert issuing.get_credential(session, row.id).status == "active"


def test_api_unknown_credential_and_malformed_bodies(client, world, issue):
    row = issue()
    unknown = client.post(
        "/api/v1/credentials/00000000-0000-4000-8000-000000000000/revoke", json={"reason": "x"}, headers=_auth(world)
    )
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "credential.not_found"
    assert (
        client.post(
            f"/api/v1/credentials/{row.id}/revoke", data="{", content_type="application/json", headers=_auth(world)
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/credentials/{row.id}/revoke", data="reason=x", content_type="text/plain", headers=_auth(world)
        ).status_code
        == 415
    )
    assert client.get(f"/api/v1/credentials/{row.id}/revoke", headers=_auth(world)).status_code == 405


def test_openapi_describes_the_status_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for action in ("revoke", "suspend", "unsuspend"):
        operation = document["paths"][f"/api/v1/credentials/{{credential_id}}/{action}"]["post"]
        assert {"200", "400", "401", "404", "409"} <= set(operation["responses"])
    assert "CredentialStatusOut" in document["components"]["schemas"]


# -------------------------------------------------------------------------------- the command line


def _run(badger, *args, code=0):
    result = CliRunner().invoke(cli, list(args), obj=badger)
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    return result


def test_cli_transitions_and_exit_codes(badger, client, issue):
    row = issue()
    out = json.loads(_run(badger, "suspend", row.id, "--reason", "Contrôle").stdout)
    assert out["status"] == "suspended" and out["id"] == row.id
    bad = _run(badger, "suspend", row.id, "--reason", "Encore", code=2)
    assert bad.stdout == "" and "already suspended" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert json.loads(_run(badger, "unsuspend", f"{badger.base_url}/credentials/{row.id}").stdout)["status"] == "active"
    # docs/interfaces.md: the reason is optional on the command line.
    assert json.loads(_run(badger, "suspend", row.id).stdout)["reason"] is None
    assert json.loads(_run(badger, "revoke", row.id, "--reason", "Erreur").stdout)["status"] == "revoked"
    assert "control" in _run(badger, "revoke", issue().id, "--reason", "a\tb", code=2).stderr
    assert "final" in _run(badger, "unsuspend", row.id, code=2).stderr
    assert "no such credential" in _run(badger, "revoke", "nope", "--reason", "x", code=2).stderr
    assert _bit(badger, client, _entries(row)["revocation"]) == 1
    assert [e["actor"] for e in _events(badger, "credential.revoke")] == ["cli"]


def test_cli_records_key_rotation_and_token_creation(badger, world):
    _run(badger, "issuer", "rotate-keys", "--issuer", "cec-ouest")
    _run(badger, "token", "create", "--issuer", "cec-ouest", "--label", "Moodle")
    [rotate] = _events(badger, "key.rotate")
    [created] = [e for e in _events(badger, "token.create") if e["actor"] == "cli"]
    assert rotate["actor"] == "cli" and rotate["target"] == "cec-ouest"
    assert created["detail"] == {"label": "Moodle"} and created["target"]


# ---------------------------------------------------------------------------------- concurrency


def _barrier(badger, parties: int) -> threading.Barrier:
    """PostgreSQL: every thread has read its credential before any changes it, so the changes
    really overlap (the row locks must then serialise them). SQLite: a transaction holds the
    write lock from its first statement (BEGIN IMMEDIATE), so the others wait before reading;
    a barrier there would only deadlock: no barrier."""
    return threading.Barrier(parties if badger.engine.dialect.name == "postgresql" else 1)


def test_concurrent_revocations_lose_no_bit(badger, client, issue):
    """Each revocation rewrites the list's bitstring: without the row lock, two at once could
    each write back what they read and one bit would be lost."""
    rows = [issue(f"learner{n}@exemple.fr") for n in range(8)]
    barrier = _barrier(badger, len(rows))

    def revoke(row):
        with badger.transaction() as session:
            credential = issuing.get_credential(session, row.id)
            barrier.wait(timeout=30)
            return revocation.revoke(badger, session, credential, reason="Lot annulé", actor=OPS)["status"]

    with ThreadPoolExecutor(len(rows)) as pool:
        assert list(pool.map(revoke, rows)) == ["revoked"] * len(rows)
    assert [_bit(badger, client, _entries(row)["revocation"]) for row in rows] == [1] * len(rows)


def test_two_changes_of_one_credential_at_once_apply_once(badger, issue):
    row = issue()
    barrier = _barrier(badger, 2)

    def revoke(_):
        with badger.transaction() as session:
            credential = issuing.get_credential(session, row.id)
            barrier.wait(timeout=30)
            try:
                return revocation.revoke(badger, session, credential, reason="Erreur", actor=OPS)["status"]
            except Conflict as exc:
                return exc.code

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(revoke, range(2)))
    assert results == ["revoked", "status.revoked_final"]
    assert len(_events(badger, "credential.revoke")) == 1


# ----------------------------------------------------------------------------------- statistics


def test_statistics_per_badge_class(badger, client, world, issue, create_achievement):
    other = create_achievement(world["issuer"], name="Planet Champion CEC Ouest 2023")
    rows = [issue(f"p{n}@exemple.fr") for n in range(4)]
    _change(badger, rows[0].id, "revoke", reason="Erreur")
    _change(badger, rows[1].id, "suspend", reason="Contrôle")
    for row in rows[:3]:
        _verify(badger, row)
    # Viewing the public page is not a verification (issue 15): the counts do not move.
    client.get(f"/credentials/{rows[3].id}", headers={"Accept": "text/html"})
    with badger.transaction() as session:
        overview = stats.overview(session, issuers.get_issuer(session, "cec-ouest"))
    by_id = {row["id"]: row for row in overview["achievements"]}
    assert len(by_id) == 2
    first, second = by_id[world["achievement"]], by_id[other.id]
    assert first == {
        "id": world["achievement"],
        "name": first["name"],
        "issued": 4,
        "active": 2,
        "revoked": 1,
        "suspended": 1,
        "verifications": 3,  # the three verifications, not the page view
        "verified": 1,
    }
    assert second == {
        "id": other.id,
        "name": "Planet Champion CEC Ouest 2023",
        "issued": 0,
        "active": 0,
        "revoked": 0,
        "suspended": 0,
        "verifications": 0,
        "verified": 0,
    }
    assert overview["totals"] == {
        "issued": 4,
        "active": 2,
        "revoked": 1,
        "suspended": 1,
        "verifications": 3,
        "verified": 1,
    }


def test_statistics_are_per_issuer_and_ignore_foreign_credentials(badger, create_issuer, issue):
    issue()
    other, _ = create_issuer("Labo de l'ESS", slug="labo-ess")
    with badger.transaction() as session:
        overview = stats.overview(session, issuers.get_issuer(session, "labo-ess"))
        assert overview == {"achievements": [], "totals": dict.fromkeys(stats.COUNTS, 0)}
        # A credential from elsewhere is verified, not counted.
        verifying.verify_credential(badger, session, json.dumps({"id": "https://ailleurs.example/credentials/1"}))
    with badger.transaction() as session:
        assert stats.overview(session, issuers.get_issuer(session, "cec-ouest"))["totals"]["verifications"] == 0


def test_counting_never_breaks_a_verification(badger, issue, monkeypatch):
    row = issue()

    def broken(session, event):
        raise RuntimeError("disk full")

    monkeypatch.setattr(status_repository, "add_verification_event", broken)
    assert _verify(badger, row).verified
    monkeypatch.undo()

    # A database error in the insert is rolled back to its savepoint; the caller's transaction
    # goes on (here it still reads, then commits).
    from badger.verifying.models import VerificationEvent

    with badger.transaction() as session:
        ok = status_repository.add_verification_event(
            session,
            VerificationEvent(
                credential_id="00000000-0000-4000-8000-000000000000",
                achievement_id="nope",
                issuer_id="nope",
                at=badger.clock(),
                verified=True,
            ),
        )
        assert ok is False
        assert issuing.get_credential(session, row.id).status == "active"

"""Session claim codes (issue 14, must show 2), service level on SQLite and PostgreSQL: a roster
participant gets the badge once however they claim (twice, two devices at once, before or
after the milestone is confirmed), others land in the queue, expired and wrong codes are
refused, and 100 wrong guesses trip the limit."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from badger.accounts.service import TooManyAttempts
from badger.errors import Conflict
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import service as programmes
from badger.recognition import claims, requests

ROSTER = b"organisation,name,role,email\nTi Coop,Anne Le Goff,dirigeant\xc2\xb7e,anne@ticoop.example\n"


@pytest.fixture
def session_window(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    badge = create_achievement(issuer)
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        programme = programmes.create_programme(badger, session, row, name="CEC Ouest 2023")
        milestone = programmes.add_milestone(
            badger,
            session,
            row,
            programme,
            name="Session 1",
            kind="session",
            achievement_id=badge.id,
            starts_on=date(2023, 1, 20),
            ends_on=date(2023, 1, 21),
        )
        assert programmes.import_roster(badger, session, row, programme, ROSTER).ok
        window = claims.open_window(badger, session, row, programme, milestone, minutes=60)
        return window.code, badge, row.id, programme.id, milestone.id


def _claim(badger, code, email="anne@ticoop.example", client="client-a", name=None):
    with badger.transaction() as session:
        result = claims.claim(badger, session, code, email=email, name=name, client=client)
        return result.outcome, result.credential_id, result.request.id if result.request else None


def test_roster_participant_claims_twice_and_gets_one_badge(badger, session_window):
    code, badge, *_ = session_window
    first = _claim(badger, code.lower())  # the code is read case-insensitively
    second = _claim(badger, code, email="Anne@TiCoop.example")
    assert first[0] == "issued" and second[0] == "held" and first[1] == second[1]
    with badger.transaction() as session:
        held = issuing.list_credentials(badger, session, email="anne@ticoop.example", achievement=badge.id)
        assert len(held) == 1
        assert json.loads(held[0].document)["awardedDate"] == "2023-01-21T12:00:00Z"  # the session's date


def test_two_devices_at_once_give_one_credential(badger, session_window):
    code, badge, *_ = session_window
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def device(client):
        try:
            barrier.wait(5)
            outcomes.append(_claim(badger, code, client=client))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=device, args=(f"device-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # SQLite serialises writers; a "database is locked" loser may retry: claim again.
    for _ in errors:
        outcomes.append(_claim(badger, code, client="retry"))
    assert len({o[1] for o in outcomes}) == 1
    with badger.transaction() as session:
        assert len(issuing.list_credentials(badger, session, email="anne@ticoop.example", achievement=badge.id)) == 1


def test_claim_after_milestone_confirmation_is_the_same_credential(badger, session_window):
    code, badge, issuer_id, programme_id, milestone_id = session_window
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        programme = programmes.get_programme(session, row, programme_id)
        milestone = programmes.get_milestone(session, programme, milestone_id)
        participant = programmes.participants(session, programme)[0]
        programmes.mark_attendance(badger, session, row, programme, milestone, [participant.id])
        programmes.confirm_milestone(badger, session, row, programme, milestone)
    from badger.core import queue

    queue.wait_idle(badger, 60)
    outcome = _claim(badger, code)
    assert outcome[0] == "held"
    with badger.transaction() as session:
        assert len(issuing.list_credentials(badger, session, email="anne@ticoop.example", achievement=badge.id)) == 1


def test_non_roster_person_lands_in_the_queue(badger, session_window):
    code, badge, *_ = session_window
    outcome, credential, request_id = _claim(badger, code, email="visiteur@example.org", name="Yann Visiteur")
    assert outcome == "queued" and credential is None
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        waiting = requests.queue(session, row)
        assert [r.id for r in waiting] == [request_id] and waiting[0].source == "claim"
        # Staff approve: the badge is issued to the visitor.
        credential = requests.review(badger, session, waiting[0], requests.Reviewer("user:x"), "approve")
        assert json.loads(credential.document)["awardedDate"] == "2023-01-21T12:00:00Z"  # the session's day
    assert _claim(badger, code, email="visiteur@example.org", name="Yann")[0] == "held"  # approved meanwhile


def test_expired_and_wrong_codes_are_refused_and_guesses_are_limited(badger, session_window):
    code, *_ = session_window
    assert _claim(badger, "WRONG123")[0] == "unknown_code"
    later = datetime.now(UTC) + timedelta(hours=2)
    original = badger.clock
    badger.clock = lambda: later
    try:
        with pytest.raises(Conflict) as expired:
            _claim(badger, code, client="someone-else")
        assert expired.value.code == "claim.expired"
    finally:
        badger.clock = original
    with badger.transaction() as session:
        for n in range(claims.MAX_WRONG - 1):
            assert claims.find_window(badger, session, f"NOPE{n:04d}", client="client-a") is None
    with pytest.raises(TooManyAttempts) as limited:
        _claim(badger, code)  # even the right code: the client is blocked
    assert limited.value.code == "claim.too_many_attempts"
    assert _claim(badger, code, client="client-b")[0] == "issued"  # another client is not

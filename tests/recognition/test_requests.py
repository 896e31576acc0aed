"""Badge requests with evidence and juries (service level, SQLite and PostgreSQL): states,
rounds, threshold, exactly-once issuing, evidence files' checks and who may read them."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuers import service as issuers
from badger.mail.models import OutboxMessage
from badger.recognition import evidence, modes, requests
from tests.recognition.helpers import CRITERIA, pdf, png


@pytest.fixture
def jury_badge(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="Fresque Bretagne", slug="fresque")
    badge = create_achievement(issuer, name="Animer une fresque du climat", criteria=CRITERIA)
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "fresque")
        modes.set_mode(badger, session, row, badge.id, "jury", jury_size=3, threshold=2)
    return issuer, badge


def _request(badger, badge, files=(), email="camille@example.org"):
    with badger.transaction() as session:
        row, token = requests.create_request(
            badger,
            session,
            badge.id,
            name="Camille Martin",
            email=email,
            statements=["J'ai animé trois fresques.", "J'ai présenté le guide."],
            evidence=requests.EvidenceIn(urls=("https://example.org/fresque",), files=tuple(files)),
            lang="en",
        )
        return row.id, token


def test_jury_of_three_threshold_two_with_changes_round(badger, jury_badge):
    issuer, badge = jury_badge
    request_id, token = _request(badger, badge, files=[("preuve.pdf", "application/pdf", pdf())])
    a, b, c = (requests.Reviewer(f"user:{n}", n) for n in ("a", "b", "c"))
    with badger.transaction() as session:
        row = session.get(requests.BadgeRequest, request_id)
        with pytest.raises(Conflict):  # nothing is reviewed before the address is confirmed
            requests.review(badger, session, row, a, "approve")
    with badger.transaction() as session:
        requests.confirm(badger, session, token)
    with badger.transaction() as session:
        row = session.get(requests.BadgeRequest, request_id)
        assert requests.review(badger, session, row, a, "approve") is None
        with pytest.raises(InvalidInput):
            requests.review(badger, session, row, b, "changes")  # feedback is required
        requests.review(badger, session, row, b, "changes", "Ajoutez le lien vers vos photos.")
        assert row.state == "changes_requested"
    with badger.transaction() as session:
        requests.resubmit(
            badger,
            session,
            token,
            statements=["Trois fresques, photos jointes.", "Guide présenté."],
            evidence=requests.EvidenceIn(urls=("https://example.org/photos",)),
        )
    with badger.transaction() as session:
        row = session.get(requests.BadgeRequest, request_id)
        assert row.round == 2
        assert requests.review(badger, session, row, a, "approve") is None  # round 1 approvals do not count
        credential = requests.review(badger, session, row, c, "approve")
        assert credential is not None and row.state == "approved"
        with pytest.raises(Conflict):
            requests.review(badger, session, row, b, "approve")
        document = json.loads(credential.document)
        assert document["awardedDate"] == document["validFrom"]
        files = [e for e in document["evidence"] if "digestSRI" in e]
        assert len(files) == 1 and files[0]["name"] == "preuve.pdf"
        stored = requests.public_evidence(session, files[0]["id"].rsplit("/", 1)[1])
        digest = "sha384-" + base64.b64encode(hashlib.sha384(stored.data).digest()).decode()
        assert files[0]["digestSRI"] == digest
        assert {e.get("id") for e in document["evidence"]} >= {
            "https://example.org/fresque",
            "https://example.org/photos",
        }
        # The applicant's e-mails, in their language (no staff account nor jury member here: no
        # "request_review" e-mail); delivery may already have minimised the stored addresses.
        mails = [(m.template, m.lang) for m in session.query(OutboxMessage).order_by(OutboxMessage.id)]
        assert mails == [
            ("request_confirm", "en"),
            ("request_decision", "en"),
            ("credential_issued", "en"),
        ]
        actions = [e["action"] for e in requests.audit.events(session, issuer.id, limit=None)]
        for action in ("request.create", "request.confirm", "request.changes", "request.resubmit", "request.approved"):
            assert action in actions


def test_jury_rejects_when_threshold_is_out_of_reach_and_withdraw(badger, jury_badge):
    _issuer, badge = jury_badge
    request_id, token = _request(badger, badge)
    with badger.transaction() as session:
        requests.confirm(badger, session, token)
        row = session.get(requests.BadgeRequest, request_id)
        requests.review(badger, session, row, requests.Reviewer("user:a"), "reject", "Hors sujet.")
        assert row.state == "submitted"  # 2 approvals still possible out of 3
        requests.review(badger, session, row, requests.Reviewer("user:b"), "reject", "Hors sujet.")
        assert row.state == "rejected"
    _id2, token2 = _request(badger, badge)
    with badger.transaction() as session:
        assert requests.withdraw(badger, session, token2).state == "withdrawn"
        with pytest.raises(Conflict):
            requests.withdraw(badger, session, token2)


def test_closed_class_and_duplicate_request_are_refused(badger, jury_badge, create_achievement):
    issuer, badge = jury_badge
    closed = create_achievement(issuer, name="Badge du staff")
    with badger.transaction() as session, pytest.raises(NotFound):
        requests.create_request(
            badger,
            session,
            closed.id,
            name="X",
            email="x@example.org",
            statements=["x"],
            evidence=requests.EvidenceIn(urls=("https://example.org",)),
        )
    _request(badger, badge)
    with pytest.raises(Conflict):
        _request(badger, badge)


@pytest.mark.parametrize(
    ("name", "declared", "data", "code"),
    [
        ("big.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * evidence.MAX_FILE_BYTES, "evidence.too_large"),
        ("photo.png", "image/png", pdf(), "evidence.type_mismatch"),
        ("preuve.pdf", "application/pdf", png(), "evidence.type_mismatch"),
        ("page.html", "text/html", b"<html><script>alert(1)</script></html>", "evidence.unsupported_type"),
        ("logo.svg", "image/svg+xml", b"<svg onload='alert(1)'/>", "evidence.unsupported_type"),
        (
            "js.pdf",
            "application/pdf",
            pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            "evidence.active_content",
        ),
        ("hex.pdf", "application/pdf", pdf(b"/OpenAction << /S /J#61vaScript /JS (x) >>"), "evidence.active_content"),
        (
            "deep.pdf",
            "application/pdf",
            pdf(compressed=b"<< /S /JavaScript /JS (app.alert(1)) >>"),
            "evidence.active_content",
        ),
        (
            "launch.pdf",
            "application/pdf",
            pdf(b"/AA << /O << /S /Launch /F (cmd.exe) >> >>"),
            "evidence.active_content",
        ),
    ],
)
def test_evidence_files_refused(name, declared, data, code):
    with pytest.raises(InvalidInput) as refused:
        evidence.check_file(name, declared, data)
    assert refused.value.code == code


def test_image_with_a_script_appended_is_neutralised():
    dirty = png(b"<script>alert(document.cookie)</script>")
    checked = evidence.check_file("photo.png", "image/png", dirty)
    assert b"<script>" not in checked.data and checked.data.startswith(b"\x89PNG")
    assert checked.digest == evidence.digest_sri(checked.data)
    clean = evidence.check_file("preuve.pdf", "application/pdf", pdf())
    assert clean.media_type == "application/pdf"

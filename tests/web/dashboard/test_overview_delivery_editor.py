"""The dashboard's charts per month (counted in SQL, drawn as SVG by the server), the delivery
status of a badge's e-mail with its resend (through a real SMTP server, aiosmtpd), the badge
editor keeping an uploaded image when the form comes back with an error, the pathway form that
offers neither the pathway's own badge nor a cycle, and plural-aware confirmations. On SQLite
and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from badger.core import audit
from badger.errors import Conflict, InvalidInput
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers
from badger.mail import outbox as mail
from badger.programmes import pathways
from badger.programmes import service as programmes
from badger.verifying import service as verifying
from badger.verifying import stats
from badger.web.dashboard.charts import bar_chart, nice_top
from tests.fixtures import make_badger
from tests.web.dashboard.test_dashboard import _csrf, _png, login, partner, post_form

__all__ = ["partner"]  # the fixture, imported for the tests below


@pytest.fixture
def badger(database, tmp_path, smtp_server):
    """The container, sending through the test SMTP server (the shared fixtures use it too)."""
    app, close = make_badger(database, tmp_path, smtp_url=smtp_server.url)
    yield app
    mail.drain(app, 10)
    close()


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _issue(badger, achievement_id, email="camille@example.org", name="Camille Le Goff", notify=True):
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        return issuing.issue(
            badger,
            session,
            row,
            issuing.IssueRequest(achievement=achievement_id, email=email, name=name),
            notify=notify,
        ).id


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# ----------------------------------------------------------------------------------- the charts


def test_nice_top_gives_whole_guide_lines():
    assert [nice_top(v) for v in (0, 1, 4, 5, 7, 9, 21, 130, 4001)] == [4, 4, 4, 8, 8, 20, 40, 200, 8000]


def test_monthly_counts_are_calendar_months_in_paris_with_empty_months(badger, client, partner, create_achievement):
    achievement = create_achievement(partner)
    now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    clock = badger.clock = Clock(now)
    issued_at = [
        datetime(2026, 1, 31, 23, 30, tzinfo=UTC),  # 1 February 00:30 in Paris: February
        datetime(2026, 2, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # 1 January 00:30 in Paris: the oldest month
        datetime(2025, 12, 31, 22, 30, tzinfo=UTC),  # 31 December 23:30 in Paris: before, not counted
    ]
    ids = []
    for moment in issued_at:
        clock.now = moment
        ids.append(_issue(badger, achievement.id, notify=False))
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for _ in range(3):  # three verifications of one badge in December, one of a page view-free kind
        with badger.transaction() as session:
            document = issuing.get_credential(session, ids[0]).document
        verifying.verify_credential(badger, None, document)  # counted, passed or not
    assert client.get(f"/credentials/{ids[0]}").status_code == 200  # a page view: not a verification
    clock.now = now
    with badger.transaction() as session:
        months = stats.monthly(session, issuers.get_issuer(session, "cec-ouest"), now=now)
    assert [m["month"] for m in months] == [date(2026, m, 1) for m in range(1, 13)]
    issued = {m["month"].strftime("%Y-%m"): m["issued"] for m in months}
    assert issued == {
        "2026-01": 1,
        "2026-02": 2,
        "2026-03": 0,
        "2026-04": 0,
        "2026-05": 0,
        "2026-06": 1,
        "2026-07": 0,
        "2026-08": 0,
        "2026-09": 0,
        "2026-10": 0,
        "2026-11": 0,
        "2026-12": 0,
    }
    assert [m["verifications"] for m in months] == [0] * 11 + [3]


def test_overview_draws_both_charts_as_accessible_svg_in_french(badger, client, partner, create_achievement):
    achievement = create_achievement(partner)
    clock = badger.clock = Clock(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    _issue(badger, achievement.id, notify=False)
    _issue(badger, achievement.id, email="b@example.org", notify=False)
    clock.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    login(client, "viewer")
    page = client.get("/dashboard/cec-ouest/").get_data(as_text=True)
    assert "<script" not in page.split("<main", 1)[-1]
    svgs = re.findall(r'<svg viewBox[^>]*role="img"[^>]*>.*?</svg>', page, re.S)
    assert len(svgs) == 2
    issued_svg = svgs[0]
    assert re.search(r"<title id=\"chart-issued-svg-title\">Badges délivrés par mois</title>", issued_svg)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", issued_svg, re.S).group(1)
    assert "2 badges délivrés" in unescape(desc) and "janvier 2026" in unescape(desc)
    assert len(re.findall(r"<g>", issued_svg)) == 12  # every month, empty ones too
    assert len(re.findall(r"<rect ", issued_svg)) == 1  # one month with badges
    assert "mars 2026\u00a0: 2" in unescape(issued_svg)
    labels = re.findall(r'class="chart-axis">([^<]+)</text>', issued_svg)
    assert "janv" in labels and "déc" in labels and "2026" in labels
    table = re.search(r'id="chart-issued".*?<table.*?</table>', page, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table)
    assert len(rows) == 12 and ("mars 2026", "2") in rows and rows[-1] == ("décembre 2026", "0")
    verified_svg = svgs[1]
    assert "Vérifications par mois" in verified_svg and "<rect " not in verified_svg


def test_chart_geometry_stays_inside_the_view_box(app):
    with app.test_request_context("/?lang=fr"):
        chart = bar_chart(
            [(date(2026, m, 1), v) for m, v in zip(range(1, 13), [0, 3, 7, 1, 0, 0, 2, 9, 0, 0, 1, 5], strict=True)]
        )
    assert chart.top == 20 and chart.total == 28
    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= chart.width and bar.y >= 16 - 1e-9
        assert abs(bar.y + bar.height - chart.baseline) < 0.01
    assert [v for _, v in chart.guides] == [0, 5, 10, 15, 20]


# -------------------------------------------------------------------------- e-mail delivery


def test_failed_delivery_is_shown_and_a_resend_goes_out(app, badger, client, partner, smtp_server, create_achievement):
    achievement = create_achievement(partner)
    smtp_server.refuse("camille@example.org")  # "552 mailbox full": a permanent refusal
    credential_id = _issue(badger, achievement.id)
    assert mail.drain(badger, 10)
    login(client, "issuer")
    manage = f"/dashboard/cec-ouest/credentials/{credential_id}"
    page = client.get(manage).get_data(as_text=True)
    assert 'class="status delivery-failed"' in page and "Envoi impossible" in page
    error = re.search(r'id="delivery-error"><code>(.*?)</code>', page, re.S).group(1)
    assert "552" in error and "camille@example.org" not in page  # the address is not kept
    assert smtp_server.messages == []

    # The address is asked again and must be the recipient's; a confirmation step comes first.
    assert 'id="confirm-resend"' in page and "Oui, renvoyer l’e-mail" in unescape(page)
    token = _csrf(page)
    wrong = client.post(manage + "/resend", data={"csrf_token": token, "email": "someone@example.org"})
    assert wrong.status_code == 400 and "n’est pas l’adresse" in unescape(wrong.get_data(as_text=True))
    invalid = client.post(manage + "/resend", data={"csrf_token": token, "email": "bonjour"})
    assert invalid.status_code == 400
    smtp_server.accept("camille@example.org")
    done = client.post(manage + "/resend", data={"csrf_token": token, "email": " Camille@Example.org "})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert mail.drain(badger, 10)
    [message] = smtp_server.wait_for(1)
    assert (
        message["To"].lower() == "camille@example.org"
        and "Camille Le Goff" in message.get_body(("plain",)).get_content()
    )
    assert f"/credentials/{credential_id}" in message.get_body(("plain",)).get_content()
    page = client.get(manage).get_data(as_text=True)
    assert 'class="status delivery-sent"' in page and 'id="delivery-error"' not in page
    assert "Envoi impossible" in _text(page)  # in the history of this badge's e-mails
    with badger.transaction() as session:
        events = audit.events(session, partner.id)
        assert [e["target"] for e in events if e["action"] == "credential.resend_email"] == [credential_id]

    # At once again: refused (it went out a moment ago); nothing queued.
    again = client.post(manage + "/resend", data={"csrf_token": token, "email": "camille@example.org"})
    assert again.status_code == 400 and "il y a un instant" in unescape(again.get_data(as_text=True))
    # Ten minutes later it is allowed, through the same outbox.
    later = badger.clock() + timedelta(minutes=11)
    badger.clock = Clock(later)
    with badger.transaction() as session:
        stored = issuing.get_credential(session, credential_id)
        mail.resend_issued(badger, session, stored, "camille@example.org")
    assert mail.drain(badger, 10) and len(smtp_server.wait_for(2)) == 2

    # A viewer sees the status but no resend form; a revoked badge is never sent again.
    viewer = app.test_client()
    login(viewer, "viewer")
    assert 'id="form-resend"' not in viewer.get(manage).get_data(as_text=True)
    with badger.transaction() as session:
        stored = issuing.get_credential(session, credential_id)
        revocation.revoke(badger, session, stored, reason="Délivré par erreur", actor=audit.SYSTEM)
    page = client.get(manage).get_data(as_text=True)
    assert 'id="form-resend"' not in page
    refused = client.post(manage + "/resend", data={"csrf_token": token, "email": "camille@example.org"})
    assert refused.status_code == 400
    badger.clock = Clock(later + timedelta(hours=1))
    with badger.transaction() as session, pytest.raises(InvalidInput) as caught:
        mail.resend_issued(badger, session, issuing.get_credential(session, credential_id), "camille@example.org")
    assert caught.value.code == "mail.not_active"
    assert len(smtp_server.messages) == 2


def test_resend_waits_for_a_pending_e_mail_and_caps_a_day(
    badger, partner, smtp_server, create_achievement, monkeypatch
):
    achievement = create_achievement(partner)
    monkeypatch.setattr(mail, "kick", lambda app: None)  # nothing goes out by itself
    credential_id = _issue(badger, achievement.id)
    with badger.transaction() as session, pytest.raises(Conflict) as caught:
        mail.resend_issued(badger, session, issuing.get_credential(session, credential_id), "camille@example.org")
    assert caught.value.code == "mail.already_pending"
    clock = badger.clock = Clock(datetime.now(UTC))
    for _ in range(mail.RESENDS_PER_DAY - 1):
        assert mail.deliver_pending(badger) == 1
        clock.now += mail.RESEND_INTERVAL + timedelta(seconds=1)
        with badger.transaction() as session:
            mail.resend_issued(badger, session, issuing.get_credential(session, credential_id), "camille@example.org")
    assert mail.deliver_pending(badger) == 1
    clock.now += mail.RESEND_INTERVAL + timedelta(seconds=1)
    with badger.transaction() as session, pytest.raises(Conflict) as caught:
        mail.resend_issued(badger, session, issuing.get_credential(session, credential_id), "camille@example.org")
    assert caught.value.code == "mail.resend_too_soon"
    with badger.transaction() as session:
        assert [h["state"] for h in mail.delivery(session, credential_id)["history"]] == ["sent"] * 5
    assert len(smtp_server.wait_for(5)) == 5


def test_emails_page_links_a_failure_to_its_badge(client, badger, partner, smtp_server, create_achievement):
    achievement = create_achievement(partner)
    smtp_server.refuse("camille@example.org")
    credential_id = _issue(badger, achievement.id)
    assert mail.drain(badger, 10)
    login(client, "owner")
    page = client.get("/dashboard/cec-ouest/emails").get_data(as_text=True)
    failures = re.search(r'<table class="data stack" id="email-failures">.*?</table>', page, re.S).group(0)
    assert f"/dashboard/cec-ouest/credentials/{credential_id}#delivery" in failures and "552" in failures


# ------------------------------------------------------------------------------- the editor


def test_editor_keeps_the_uploaded_image_when_the_form_has_an_error(app, badger, client, partner):
    login(client, "issuer")
    image = _png()
    response = post_form(
        client,
        "/dashboard/cec-ouest/badges/new",
        {"name": "", "description": "D", "criteria": "C", "image": (io.BytesIO(image), "badge.png")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Donnez un nom au badge" in page
    token = re.search(r'<input[^>]*name="image_token"[^>]*value="([^"]+)"', page).group(1)
    kept = re.search(r'<p id="kept-image"><img[^>]*src="([^"]+)"', page).group(1)
    assert client.get(kept).data == image
    # Someone else of the same partner cannot read it.
    other = app.test_client()
    login(other, "owner")
    assert other.get(kept).status_code == 404
    # The second submission, without choosing the file again, saves the kept image.
    response = post_form(
        client,
        "/dashboard/cec-ouest/badges/new",
        {"name": "Fresque", "description": "D", "criteria": "C", "image_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    badge_id = re.search(r"/badges/([0-9a-f-]{36})/preview", response.headers["Location"]).group(1)
    assert client.get(f"/dashboard/cec-ouest/badges/{badge_id}/image").data == image
    assert client.get(kept).status_code == 404  # used: deleted

    # Editing: an error elsewhere keeps the new image too; a refused image is not kept.
    edit = f"/dashboard/cec-ouest/badges/{badge_id}/edit"
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(out, format="PNG")
    second = out.getvalue()
    response = post_form(
        client,
        edit,
        {"name": "Fresque", "description": "", "criteria": "C", "image": (io.BytesIO(second), "red.png")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="kept-image"' in page
    token = re.search(r'<input[^>]*name="image_token"[^>]*value="([^"]+)"', page).group(1)
    response = post_form(
        client,
        edit,
        {"name": "Fresque", "description": "D", "criteria": "C", "image_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert client.get(f"/dashboard/cec-ouest/badges/{badge_id}/image").data == second
    response = post_form(
        client,
        edit,
        {"name": "", "description": "D", "criteria": "C", "image": (io.BytesIO(b"not an image"), "x.png")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'name="image_token"' not in page and 'id="kept-image"' not in page


# ------------------------------------------------------------------------------ pathway form


def test_pathway_form_offers_neither_its_own_badge_nor_a_cycle(badger, client, partner, create_achievement):
    a, b, c, d = (create_achievement(partner, name=n) for n in ("Module A", "Module B", "Parcours C", "Module D"))
    login(client, "issuer")
    url = "/dashboard/cec-ouest/programmes/pathways"
    first = client.get(url).get_data(as_text=True)
    assert 'id="pathway-choose"' in first and 'name="requirements"' not in first
    step = client.get(f"{url}?badge={c.id}").get_data(as_text=True)
    offered = set(re.findall(r'name="requirements" value="([^"]+)"', step))
    assert offered == {a.id, b.id, d.id}
    response = post_form(client, url, {"achievement": c.id, "requirements": [a.id, b.id], "rule": "all"})
    assert response.status_code == 302
    # C requires A: the pathway awarding A may not require C (a cycle), nor A itself; C is taken.
    step = client.get(f"{url}?badge={a.id}").get_data(as_text=True)
    assert set(re.findall(r'name="requirements" value="([^"]+)"', step)) == {b.id, d.id}
    choose = client.get(url).get_data(as_text=True)
    assert f'<option value="{c.id}">' not in choose and f'<option value="{a.id}">' in choose
    # The service refuses both, whatever the form offered, with a clear message.
    token = _csrf(step)
    response = client.post(
        url, data={"csrf_token": token, "achievement": b.id, "requirements": [b.id, d.id], "rule": "all"}
    )
    assert response.status_code == 400 and "ne peut pas se requérir lui-même" in unescape(
        response.get_data(as_text=True)
    )
    response = client.post(
        url, data={"csrf_token": token, "achievement": a.id, "requirements": [c.id, d.id], "rule": "all"}
    )
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "attendraient l’un l’autre" in text
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        for target, required, code in (
            (b.id, [b.id, d.id], "pathway.self_requirement"),
            (a.id, [c.id, d.id], "pathway.cycle"),
        ):
            with pytest.raises(InvalidInput) as caught:
                pathways.create_pathway(badger, session, issuer, achievement_id=target, requirement_ids=required)
            assert caught.value.code == code


# --------------------------------------------------------------------- plural confirmations


@pytest.mark.parametrize("present", [1, 2])
def test_milestone_confirmation_counts_in_the_singular_and_the_plural(
    badger, client, partner, create_achievement, present
):
    achievement = create_achievement(partner)
    roster = "email,name\n" + "".join(f"p{i}@example.org,Personne {i}\n" for i in range(3))
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        programme = programmes.create_programme(badger, session, issuer, name="CEC Ouest 2023")
        programmes.import_roster(badger, session, issuer, programme, roster.encode())
        milestone = programmes.add_milestone(
            badger, session, issuer, programme, name="Session 1", kind="session", achievement_id=achievement.id
        )
        people = programmes.participants(session, programme)[:present]
        programmes.mark_attendance(badger, session, issuer, programme, milestone, {p.id for p in people})
        path = f"/dashboard/cec-ouest/programmes/{programme.id}/milestones/{milestone.id}"
    login(client, "issuer")
    page = _text(client.get(path).get_data(as_text=True))
    if present == 1:
        assert "Oui, délivrer 1 badge " in page and "1 participant coché." in page and "1 badges" not in page
    else:
        assert "Oui, délivrer 2 badges" in page and "2 participants cochés." in page

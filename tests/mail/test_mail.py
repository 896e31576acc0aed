"""E-mail: the outbox, delivery through a real SMTP server (aiosmtpd on 127.0.0.1, see
tests/mailserver.py), retries, crashes, languages, partners' own texts and their dashboard page."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from badger.accounts import service as accounts
from badger.application import build
from badger.core import audit
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.mail import outbox as mail
from badger.mail import repository as mail_repository
from badger.mail.transport import parse_smtp_url
from tests.fixtures import make_badger
from tests.web.pages.pages import Page, register

PASSWORD = "correct horse battery staple"
BADGE = "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)"


@pytest.fixture
def badger(database, tmp_path, smtp_server):
    """The service container, sending through the test SMTP server (overrides the shared one,
    so `app`, `client` and the factories use it too)."""
    app, close = make_badger(database, tmp_path, smtp_url=smtp_server.url)
    yield app
    mail.drain(app, 10)
    close()


@pytest.fixture
def no_kick(monkeypatch):
    """Nothing is delivered after commit: as if the process died right after committing."""
    monkeypatch.setattr(mail, "kick", lambda app: None)


@pytest.fixture
def clock(badger):
    """A clock the test moves by hand (``clock.advance(seconds)``)."""

    class Clock:
        def __init__(self):
            self.now = badger.clock()

        def __call__(self):
            return self.now

        def advance(self, seconds: float):
            self.now += timedelta(seconds=seconds)

    c = Clock()
    badger.clock = c
    return c


@pytest.fixture
def partner(badger, create_issuer, create_achievement):
    issuer, _token = create_issuer(name="CEC Ouest 2023", slug="cec-ouest", email="contact@cec-ouest.example.org")
    achievement = create_achievement(issuer)
    return issuer, achievement


def _issue(badger, partner, *, email="camille.martin@example.org", name="Camille Martin", notify=True, **kw):
    issuer, achievement = partner
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        return issuing.issue(
            badger,
            session,
            row,
            issuing.IssueRequest(achievement=achievement.id, email=email, name=name),
            notify=notify,
            **kw,
        )


def _rows(badger, **kw):
    with badger.transaction() as session:
        return mail_repository.messages(session, **kw)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


# ------------------------------------------------------------------------------- issued badges


def test_issuing_with_notify_enqueues_then_delivers_in_french_with_a_working_link(badger, client, partner, smtp_server):
    credential = _issue(badger, partner)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "camille.martin@example.org"
    assert smtp_server.envelopes[0][1] == ["camille.martin@example.org"]
    assert message["From"] == "Badger <no-reply@127.0.0.1>"
    assert message["Reply-To"] == "contact@cec-ouest.example.org"
    assert message["Content-Language"] == "fr"
    assert message["Subject"] == f"CEC Ouest 2023 vous a décerné le badge « {BADGE} »"
    assert message["Message-ID"].startswith("<") and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = _text(message), _html(message)
    url = f"http://127.0.0.1:5000/credentials/{credential.id}"
    assert "Bonjour Camille Martin," in text and "Félicitations" in text and url in text
    assert "Camp de base à Rennes" in text  # what the badge means
    assert f'href="{url}"' in html and 'lang="fr"' in html and "Voir mon badge" in html
    image = re.search(r'<img src="([^"]+)"', html).group(1)

    # The link works: the public page answers with the badge's name, and the image is there.
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200 and BADGE in page.get_data(as_text=True)
    assert client.get(urlsplit(image).path).status_code == 200

    assert mail.drain(badger, 10)
    [row] = _rows(badger)
    assert (row.state, row.attempts, row.issuer_id) == ("sent", 1, credential.issuer_id)
    # Data minimisation: no address nor name kept once sent.
    assert row.to_address is None and json.loads(row.context) == {"credential": credential.id}


def test_english_when_the_issuing_request_asks(badger, partner, smtp_server):
    _issue(badger, partner, lang="en")
    [message] = smtp_server.wait_for(1)
    assert message["Content-Language"] == "en"
    assert message["Subject"] == f"CEC Ouest 2023 has awarded you the badge “{BADGE}”"
    text = _text(message)
    assert "Hello Camille Martin," in text and "Congratulations!" in text and "See my badge" in text
    assert 'lang="en"' in _html(message)


def test_no_email_without_notify_or_without_an_address(badger, partner, smtp_server):
    _issue(badger, partner, notify=False)
    issuer, achievement = partner
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        issuing.issue(
            badger, session, row, issuing.IssueRequest(achievement=achievement.id, did="did:example:123"), notify=True
        )
    assert _rows(badger) == [] and smtp_server.messages == []


def test_a_rolled_back_issuance_sends_nothing(badger, partner, smtp_server):
    issuer, achievement = partner
    with pytest.raises(RuntimeError):
        with badger.transaction() as session:
            row = issuers.get_issuer(session, issuer.slug)
            issuing.issue(
                badger,
                session,
                row,
                issuing.IssueRequest(achievement=achievement.id, email="camille@example.org"),
                notify=True,
            )
            raise RuntimeError("the request failed after issuing")
    assert mail.drain(badger, 5)
    assert _rows(badger) == [] and smtp_server.messages == []


def test_kick_runs_after_the_commit_only_and_survives_a_savepoint_rollback(badger, monkeypatch):
    kicked = []
    monkeypatch.setattr(mail, "kick", lambda app: kicked.append(app))
    with badger.transaction() as session:
        mail.enqueue(badger, session, to="a@example.org", template="password_reset", lang="fr", context={"url": "u"})
        mail.enqueue(badger, session, to="b@example.org", template="password_reset", lang="fr", context={"url": "u"})
        try:
            with session.begin_nested():
                raise RuntimeError("a savepoint rolls back")
        except RuntimeError:
            pass
        assert kicked == []  # not before the commit
    assert kicked == [badger]  # once per transaction
    with pytest.raises(RuntimeError):
        with badger.transaction() as session:
            mail.enqueue(
                badger, session, to="c@example.org", template="password_reset", lang="fr", context={"url": "u"}
            )
            raise RuntimeError("rolled back")
    with badger.transaction() as session:
        pass
    assert kicked == [badger] and len(_rows(badger)) == 2


def test_a_revoked_credential_is_not_announced(badger, partner, smtp_server, no_kick):
    credential = _issue(badger, partner)
    with badger.transaction() as session:
        session.get(type(credential), credential.id).status = "revoked"
    assert mail.deliver_pending(badger) == 0
    [row] = _rows(badger)
    assert row.state == "failed" and "revoked" in row.last_error and row.to_address is None
    assert smtp_server.messages == []


# ------------------------------------------------------------------------------ partner's text


def test_per_issuer_override_of_subject_and_intro(badger, partner, smtp_server):
    issuer, _ = partner
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        saved = mail.set_template(
            badger,
            session,
            row,
            "credential_issued",
            "fr",
            subject="Bravo {recipient} : {badge}",
            body_markdown="Merci pour le **camp de base**, {recipient} !\n\n"
            "<script>alert(1)</script> [site](javascript:alert(1))",
            actor=audit.Actor("user:1", "owner@cec-ouest.example.org"),
        )
        assert saved["custom"] and saved["subject"] == "Bravo {recipient} : {badge}"
        assert mail.get_template(session, row, "credential_issued", "en")["custom"] is False
    _issue(badger, partner)
    _issue(badger, partner, email="sam@example.org", name="Sam <Lee>", lang="en")
    messages = smtp_server.wait_for(2)
    french = next(m for m in messages if m["Content-Language"] == "fr")
    english = next(m for m in messages if m["Content-Language"] == "en")
    assert french["Subject"] == f"Bravo Camille Martin : {BADGE}"
    html = _html(french)
    assert "<strong>camp de base</strong>, Camille Martin !" in html
    assert "<script>" not in html and 'href="javascript:' not in html and "&lt;script&gt;" in html
    # The fixed parts are still there: greeting, badge block, link.
    assert "Bonjour Camille Martin," in html and "Voir mon badge" in html and "/credentials/" in html
    assert "Merci pour le **camp de base**, Camille Martin !" in _text(french)
    # The English e-mail keeps the default wording; the learner's name is escaped.
    assert english["Subject"].startswith("CEC Ouest 2023 has awarded you")
    assert "Hello Sam &lt;Lee&gt;," in _html(english)

    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        assert mail.reset_template(badger, session, row, "credential_issued", "fr")["custom"] is False
        actions = [e["action"] for e in audit.events(session, row.id)]
    assert "email_template.update" in actions and "email_template.reset" in actions
    _issue(badger, partner, email="third@example.org")
    assert smtp_server.wait_for(3)[-1]["Subject"].startswith("CEC Ouest 2023 vous a décerné")


def test_partner_text_is_checked(badger, partner):
    issuer, _ = partner
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        with pytest.raises(mail.InvalidInput):
            mail.set_template(badger, session, row, "credential_issued", "fr", subject="two\nlines", body_markdown="")
        with pytest.raises(mail.InvalidInput):
            mail.set_template(badger, session, row, "credential_issued", "fr", subject="", body_markdown="x" * 6000)
        with pytest.raises(mail.NotFound):
            mail.set_template(badger, session, row, "password_reset", "fr", subject="x", body_markdown="")
        with pytest.raises(mail.InvalidInput):
            mail.get_template(session, row, "credential_issued", "de")
        # Text equal to the default is no change.
        default = mail.get_template(session, row, "credential_issued", "fr")
        again = mail.set_template(
            badger,
            session,
            row,
            "credential_issued",
            "fr",
            subject=default["subject"],
            body_markdown=default["body_markdown"],
        )
        assert again["custom"] is False


# ----------------------------------------------------------------------- failures and crashes


def test_smtp_server_down_retries_with_backoff_and_delivers_later(badger, partner, smtp_server, clock, no_kick):
    smtp_server.down()
    _issue(badger, partner)
    assert mail.deliver_pending(badger) == 0
    [row] = _rows(badger)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "camille" not in row.last_error and row.to_address == "camille.martin@example.org"
    first_retry = mail._aware(row.next_attempt_at)
    assert first_retry == clock.now + timedelta(minutes=1)

    assert mail.deliver_pending(badger) == 0  # not due yet: no attempt
    assert _rows(badger)[0].attempts == 1
    clock.advance(61)
    assert mail.deliver_pending(badger) == 0  # still down: next try in 5 minutes
    [row] = _rows(badger)
    assert row.attempts == 2 and mail._aware(row.next_attempt_at) == clock.now + timedelta(minutes=5)

    smtp_server.up()
    clock.advance(5 * 60)
    assert mail.deliver_pending(badger) == 1
    [message] = smtp_server.wait_for(1)
    assert message["Content-Language"] == "fr"
    [row] = _rows(badger)
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, None)
    assert mail.deliver_pending(badger) == 0 and len(smtp_server.messages) == 1


def test_an_unreachable_server_costs_one_attempt_per_pass_not_one_timeout_per_e_mail(
    badger, smtp_server, clock, no_kick
):
    smtp_server.down()
    with badger.transaction() as session:
        for n in range(3):
            mail.enqueue(
                badger,
                session,
                to=f"person{n}@example.org",
                template="password_reset",
                lang="en",
                context={"url": "http://127.0.0.1:5000/account/password-reset/x"},
            )
    assert mail.deliver_pending(badger) == 0
    rows = _rows(badger)
    assert [(r.state, r.attempts) for r in rows] == [("pending", 1)] * 3
    assert all("cannot reach the SMTP server" in r.last_error for r in rows)
    smtp_server.up()
    clock.advance(60)
    assert mail.deliver_pending(badger) == 3 and len(smtp_server.wait_for(3)) == 3


def test_five_failures_mark_the_e_mail_failed(badger, partner, smtp_server, clock, no_kick):
    smtp_server.down()
    _issue(badger, partner)
    delays = [60, 300, 1800, 7200]
    for attempt in range(1, 6):
        assert mail.deliver_pending(badger) == 0
        [row] = _rows(badger)
        assert row.attempts == attempt
        if attempt < 5:
            assert row.state == "pending"
            clock.advance(delays[attempt - 1])
    assert row.state == "failed" and row.to_address is None
    assert json.loads(row.context).keys() == {"credential"}
    with badger.transaction() as session:
        summary = mail.outbox_summary(session, issuers.get_issuer(session, "cec-ouest"))
    assert summary["failed"] == 1 and summary["recent_failures"][0]["attempts"] == 5


def test_a_crash_between_enqueue_and_delivery_loses_nothing(badger, partner, smtp_server, no_kick):
    _issue(badger, partner)
    assert smtp_server.messages == [] and [r.state for r in _rows(badger)] == ["pending"]
    # Another process (a restart) finds it in the outbox.
    restarted = build(badger.settings)
    try:
        assert mail.deliver_pending(restarted) == 1
    finally:
        restarted.engine.dispose()
    assert smtp_server.wait_for(1)[0]["To"] == "camille.martin@example.org"


def test_a_pass_that_dies_gives_its_rows_back_when_its_lease_ends(badger, partner, smtp_server, clock, no_kick):
    _issue(badger, partner)
    with badger.transaction() as session:  # a pass leases the row, then dies
        now = badger.clock()
        assert (
            len(mail_repository.claim_due(session, now=now, limit=10, lease_until=now + mail.LEASE, owner="dead")) == 1
        )
    assert mail.deliver_pending(badger) == 0
    clock.advance(mail.LEASE.total_seconds() + 1)
    assert mail.deliver_pending(badger) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_concurrent_passes_never_send_twice(badger, partner, smtp_server, no_kick):
    for n in range(12):
        with badger.transaction() as session:
            mail.enqueue(
                badger,
                session,
                to=f"person{n}@example.org",
                template="password_reset",
                lang="fr",
                context={"url": f"http://127.0.0.1:5000/account/password-reset/{n}"},
            )
    counts = []
    threads = [threading.Thread(target=lambda: counts.append(mail.deliver_pending(badger))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(counts) == 12
    smtp_server.wait_for(12)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"person{n}@example.org" for n in range(12))


# -------------------------------------------------------------------------- other templates


@pytest.mark.parametrize(
    "lang, subject, words, role",
    [
        (
            "fr",
            "Camille Martin vous invite à rejoindre CEC Ouest 2023 sur Badger",
            "Accepter l’invitation",
            "« émetteur·rice »",
        ),
        ("en", "Camille Martin invites you to join CEC Ouest 2023 on Badger", "Accept the invitation", "“issuer”"),
    ],
)
def test_invitation_renders_in_both_languages(badger, partner, smtp_server, lang, subject, words, role):
    issuer, _ = partner
    url = "http://127.0.0.1:5000/account/invitations/s3cret"
    with badger.transaction() as session:
        mail.enqueue(
            badger,
            session,
            to="new.staff@example.org",
            template="invitation",
            lang=lang,
            issuer_id=issuer.id,
            context={"partner": "CEC Ouest 2023", "role": "issuer", "url": url, "inviter": "Camille Martin"},
        )
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == subject and message["Content-Language"] == lang
    assert message["Reply-To"] == "contact@cec-ouest.example.org"
    assert words in _text(message) and url in _text(message) and role in _text(message)
    assert f'href="{url}"' in _html(message)
    assert mail.drain(badger, 10)
    [row] = _rows(badger)
    assert json.loads(row.context) == {"partner": "CEC Ouest 2023", "role": "issuer"}  # the link is gone


@pytest.mark.parametrize(
    "lang, subject, words",
    [
        ("fr", "Réinitialisez votre mot de passe Badger", "Choisir un nouveau mot de passe"),
        ("en", "Reset your Badger password", "Choose a new password"),
    ],
)
def test_password_reset_renders_in_both_languages(badger, smtp_server, lang, subject, words):
    url = "http://127.0.0.1:5000/account/password-reset/t0ken"
    with badger.transaction() as session:
        mail.enqueue(
            badger, session, to="someone@example.org", template="password_reset", lang=lang, context={"url": url}
        )
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == subject and message["Content-Language"] == lang
    assert message["Reply-To"] is None
    assert words in _text(message) and url in _text(message) and f'href="{url}"' in _html(message)


def test_enqueue_refuses_what_it_cannot_send(badger):
    with badger.transaction() as session:
        with pytest.raises(mail.InvalidInput):
            mail.enqueue(
                badger, session, to="not an address", template="password_reset", lang="fr", context={"url": "http://x"}
            )
        with pytest.raises(mail.InvalidInput):
            mail.enqueue(badger, session, to="a@example.org", template="nope", lang="fr", context={})
        with pytest.raises(mail.InvalidInput):
            mail.enqueue(badger, session, to="a@example.org", template="invitation", lang="fr", context={"url": "x"})
        row = mail.enqueue(
            badger,
            session,
            to="a@example.org",
            template="password_reset",
            lang="de",
            context={"url": "http://127.0.0.1:5000/x"},
        )
        assert row.lang == "fr"  # an unknown language falls back to French


# ------------------------------------------------------------------------ without SMTP server


def test_without_smtp_url_the_e_mail_is_logged_and_marked_sent(database, tmp_path):
    app, close = make_badger(database, tmp_path)
    try:
        with app.transaction() as session:
            mail.enqueue(
                app,
                session,
                to="someone@example.org",
                template="password_reset",
                lang="en",
                context={"url": "http://127.0.0.1:5000/account/password-reset/abc"},
            )
        assert mail.drain(app, 10)  # the background thread, kicked after the commit
        with app.transaction() as session:
            [row] = mail_repository.messages(session)
        assert (row.state, row.to_address, row.context) == ("sent", None, "{}")
    finally:
        close()


def test_log_transport_writes_subject_and_link(database, tmp_path, caplog, monkeypatch):
    app, close = make_badger(database, tmp_path)
    monkeypatch.setattr(mail, "kick", lambda app: None)
    try:
        with app.transaction() as session:
            mail.enqueue(
                app,
                session,
                to="someone@example.org",
                template="password_reset",
                lang="en",
                context={"url": "http://127.0.0.1:5000/account/password-reset/abc"},
            )
        with caplog.at_level(logging.INFO, logger="badger.mail"):
            assert mail.deliver_pending(app) == 1
        assert "Reset your Badger password" in caplog.text
        assert "http://127.0.0.1:5000/account/password-reset/abc" in caplog.text
    finally:
        close()


def test_smtp_urls():
    s = parse_smtp_url("smtp://user%40x:p%3Ass@mail.example.org:2525?starttls=1")
    assert (s.host, s.port, s.username, s.password, s.starttls, s.implicit_tls) == (
        "mail.example.org",
        2525,
        "user@x",
        "p:ss",
        True,
        False,
    )
    s = parse_smtp_url("smtps://mail.example.org")
    assert (s.port, s.implicit_tls, s.starttls, s.username) == (465, True, False, None)
    assert parse_smtp_url("smtp://mail.example.org").port == 25
    assert parse_smtp_url("smtp://mail.example.org?starttls=true").port == 587
    with pytest.raises(mail.InvalidInput):
        parse_smtp_url("http://mail.example.org")


def test_mail_from_setting(tmp_path):
    from badger.config import load_settings

    secret = {"secret_key": "test-secret-key-for-the-suite-0123456789"}
    assert (
        load_settings({"base_url": "https://badges.example.org:8443", **secret}, environ={}).mail_from
        == "Badger <no-reply@badges.example.org>"
    )
    assert (
        load_settings(secret, environ={"BADGER_MAIL_FROM": "Réseau <badges@reseau.example>"}).mail_from
        == "Réseau <badges@reseau.example>"
    )
    with pytest.raises(mail.InvalidInput):
        load_settings({"smtp_url": "mail.example.org:25", **secret}, environ={})


# ------------------------------------------------------------------------------- the RQ path


def test_with_a_queue_url_kick_enqueues_the_rq_job(database, tmp_path, smtp_server, monkeypatch):
    redis = pytest.importorskip("redis")
    # One Redis database per variant: the SQLite and PostgreSQL runs go side by side on two
    # pytest-xdist workers, and one's flushdb or burst worker would take the other's job.
    url = {"sqlite": "redis://127.0.0.1:6379/14", "postgresql": "redis://127.0.0.1:6379/15"}[database]
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from rq import Queue

    from badger.core import queue as task_queue

    app, close = make_badger(database, tmp_path, smtp_url=smtp_server.url, queue_url=url)
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    try:
        with app.transaction() as session:
            mail.enqueue(
                app,
                session,
                to="someone@example.org",
                template="password_reset",
                lang="fr",
                context={"url": "http://127.0.0.1:5000/account/password-reset/abc"},
            )
        queue = Queue("badger", connection=connection)
        assert [job.func_name for job in queue.jobs] == ["badger.core.queue.run_task"]
        monkeypatch.setattr(task_queue, "worker_badger", lambda: app)
        task_queue.worker_type()([queue], connection=connection).work(burst=True)
        assert smtp_server.wait_for(1)[0]["Subject"] == "Réinitialisez votre mot de passe Badger"
    finally:
        connection.flushdb()
        close()


# ------------------------------------------------------------------------------ dashboard page


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def _login(client, badger, issuer, role: str):
    with badger.transaction() as session:
        user = accounts.create_user(
            badger, session, email=f"{role}@cec-ouest.example.org", name=f"Staff {role}", password=PASSWORD
        )
        accounts.add_membership(
            badger, session, user, issuers.get_issuer(session, issuer.slug), role, actor=audit.SYSTEM
        )
    page = client.get("/account/login")
    response = client.post(
        "/account/login",
        data={
            "email": f"{role}@cec-ouest.example.org",
            "password": PASSWORD,
            "csrf_token": _csrf(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    return client


def _owner_of_the_site(client, site):
    """Page setup for the i18n and HTML5 tests (tests/web/pages.py): log in an owner of the site's issuer."""
    email = "mail-owner@cec-ouest.example.org"
    with site.badger.transaction() as session:
        if accounts.find_user(session, email) is None:
            user = accounts.create_user(site.badger, session, email=email, name="Mail Owner", password=PASSWORD)
            accounts.add_membership(
                site.badger, session, user, issuers.get_issuer(session, site.issuer_slug), "owner", actor=audit.SYSTEM
            )
    page = client.get("/account/login")
    if page.status_code == 200:
        client.post(
            "/account/login",
            data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))},
        )


register(Page("dashboard-emails", "/dashboard/{issuer_slug}/emails", setup=_owner_of_the_site))
register(Page("dashboard-email-edit", "/dashboard/{issuer_slug}/emails/credential_issued/fr", setup=_owner_of_the_site))


def test_dashboard_page_edits_previews_and_resets_the_text(app, badger, partner, smtp_server):
    issuer, _ = partner
    viewer = _login(app.test_client(), badger, issuer, "issuer")
    assert viewer.get("/dashboard/cec-ouest/emails").status_code == 403
    owner = _login(app.test_client(), badger, issuer, "owner")
    page = owner.get("/dashboard/cec-ouest/emails?lang=fr")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Badge décerné (à l’apprenant·e)" in body and "Texte par défaut" in body
    assert owner.get("/dashboard/cec-ouest/emails/password_reset/fr").status_code == 404
    assert owner.get("/dashboard/cec-ouest/emails/credential_issued/de").status_code == 404

    edit = "/dashboard/cec-ouest/emails/credential_issued/fr"
    form = owner.get(edit)
    assert form.status_code == 200 and "{issuer} vous a décerné le badge" in form.get_data(as_text=True)
    token = _csrf(form.get_data(as_text=True))
    shown = owner.post(
        edit,
        data={
            "csrf_token": token,
            "action": "preview",
            "subject": "Bravo {recipient} !",
            "body": "Un **grand** merci <b>x</b>",
        },
    )
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Bravo Camille Martin !" in html
    assert "&lt;strong&gt;grand&lt;/strong&gt;" in html  # the e-mail HTML, inside the iframe's srcdoc
    assert "&amp;lt;b&amp;gt;x" in html  # the partner's raw HTML, escaped in the e-mail then in srcdoc
    with badger.transaction() as session:
        assert not mail.get_template(session, issuers.get_issuer(session, "cec-ouest"), "credential_issued", "fr")[
            "custom"
        ]  # a preview saves nothing

    too_long = owner.post(edit, data={"csrf_token": token, "action": "save", "subject": "x" * 300, "body": ""})
    assert too_long.status_code == 400
    saved = owner.post(
        edit,
        data={"csrf_token": token, "action": "save", "subject": "Bravo {recipient} !", "body": "Un **grand** merci"},
    )
    assert saved.status_code == 302
    assert "Votre propre texte" in owner.get("/dashboard/cec-ouest/emails?lang=fr").get_data(as_text=True)
    _issue(badger, partner)
    assert smtp_server.wait_for(1)[0]["Subject"] == "Bravo Camille Martin !"

    assert owner.post(edit + "/reset", data={}).status_code == 400  # no CSRF token
    reset = owner.post(edit + "/reset", data={"csrf_token": token})
    assert reset.status_code == 302
    with badger.transaction() as session:
        assert not mail.get_template(session, issuers.get_issuer(session, "cec-ouest"), "credential_issued", "fr")[
            "custom"
        ]

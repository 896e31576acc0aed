"""Accounts and roles (issue 5): sign-in and sign-out, the database-backed rate limit, argon2
rehashing, invitations (new and existing accounts, expired, used, unknown), password reset,
CSRF, cookie flags, session protection, the last owner, open redirects, the owner's pages
(staff, tokens, keys), platform administration and the `badger user` / `badger member`
commands. Pages are driven through the Flask test client with real CSRF tokens, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from badger.accounts import service as accounts
from badger.accounts import tokens
from badger.cli import cli
from badger.core import audit
from badger.errors import Conflict, InvalidInput, NotFound, Unauthorized
from badger.issuers import service as issuers
from badger.web.auth import safe_next

PASSWORD = "correct horse battery staple"


# ------------------------------------------------------------------------------------- helpers


@pytest.fixture
def outbox(monkeypatch):
    """Every e-mail the accounts service queues (still written to the real outbox)."""
    from badger.mail import outbox as mail

    queued, real = [], mail.enqueue

    def recording(app, session, **kw):
        queued.append(kw)
        return real(app, session, **kw)

    monkeypatch.setattr(mail, "enqueue", recording)
    return queued


def csrf_of(html: str) -> str:
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert match, "no CSRF token in the page"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


def post_form(client, page_url: str, data: dict, action: str | None = None, **kw):
    """GET the page that holds the form, then POST it with the page's CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    return client.post(action or page_url, data={**data, "csrf_token": csrf_of(page.get_data(as_text=True))}, **kw)


def login(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return post_form(client, "/account/login", data)


@pytest.fixture
def world(badger, create_issuer):
    """Partner "cec" with an owner, an issuer and a viewer; partner "labo" with its owner; a
    platform administrator; a person without any partner."""
    create_issuer(name="CEC Ouest", slug="cec")
    create_issuer(name="Labo ESS", slug="labo")
    ids = {}
    with badger.transaction() as session:
        cec, labo = issuers.get_issuer(session, "cec"), issuers.get_issuer(session, "labo")
        for email, partner, role in (
            ("owner@cec.example.org", cec, "owner"),
            ("issuer@cec.example.org", cec, "issuer"),
            ("viewer@cec.example.org", cec, "viewer"),
            ("owner@labo.example.org", labo, "owner"),
        ):
            user = accounts.create_user(
                badger, session, email=email, name=email.split("@")[0].title(), password=PASSWORD
            )
            accounts.add_membership(badger, session, user, partner, role, actor=audit.SYSTEM)
            ids[email] = user.id
        ids["admin@badger.example.org"] = accounts.create_user(
            badger, session, email="admin@badger.example.org", name="Admin", password=PASSWORD, is_admin=True
        ).id
        ids["nobody@example.org"] = accounts.create_user(
            badger, session, email="nobody@example.org", name="Nobody", password=PASSWORD
        ).id
    return ids


def events(badger, slug: str, action: str) -> list[dict]:
    with badger.transaction() as session:
        return audit.events(session, issuers.get_issuer(session, slug).id, action=action)


def role(badger, user_id: str, slug: str) -> str | None:
    with badger.transaction() as session:
        return accounts.role_of(session, user_id, issuers.get_issuer(session, slug).id)


# ---------------------------------------------------------------------------------- sign in/out


def test_login_and_logout(client, world):
    response = login(client, "Owner@CEC.example.org")  # e-mails are compared normalised
    assert response.status_code == 302 and response.location.endswith("/dashboard/")
    assert client.get("/dashboard/cec/staff").status_code == 200
    page = client.get("/dashboard/cec/staff").get_data(as_text=True)
    out = client.post("/account/logout", data={"csrf_token": csrf_of(page)})
    assert out.status_code == 302 and "/account/login" in out.location
    again = client.get("/dashboard/cec/staff")
    assert again.status_code == 302 and "/account/login" in again.location
    assert "_user_id" not in (client.get_cookie("badger_session").value if client.get_cookie("badger_session") else "")


def test_logout_needs_post_and_csrf(client, world):
    login(client, "owner@cec.example.org")
    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 400  # no CSRF token
    assert client.get("/dashboard/cec/staff").status_code == 200  # still signed in


def test_wrong_password_and_unknown_email_read_the_same(client, world):
    wrong = login(client, "owner@cec.example.org", "not the password")
    unknown = login(client, "ghost@cec.example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    text = wrong.get_data(as_text=True)
    assert "The e-mail address or the password is wrong." in text or "adresse e-mail ou le mot de passe" in text
    assert _error_of(text) == _error_of(unknown.get_data(as_text=True))
    assert client.get("/dashboard/cec/staff").status_code == 302


def _error_of(html: str) -> str:
    return re.search(r'<p class="flash flash-error" role="alert">([^<]*)</p>', html).group(1)


def test_anonymous_dashboard_goes_to_login_with_next(client, world):
    response = client.get("/dashboard/cec/staff?x=1")
    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")
    assert "/dashboard/cec/staff" in response.location
    # Signing in from there comes back to the page asked for.
    back = login(client, "owner@cec.example.org", next_url="/dashboard/cec/staff?x=1")
    assert back.location == "/dashboard/cec/staff?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\x00x",
        " /dashboard/",
        "/dash\\board",
    ],
)
def test_open_redirect_refused(client, world, target):
    assert safe_next(target) is None
    response = login(client, "owner@cec.example.org", next_url=target)
    assert response.status_code == 302 and response.location == "/dashboard/"


def test_safe_next_keeps_local_paths():
    assert safe_next("/dashboard/cec/?page=2") == "/dashboard/cec/?page=2"
    assert safe_next(None) is None and safe_next("") is None


# --------------------------------------------------------------------------------- rate limits


def test_failures_slow_guessing_without_locking_the_owner_out(badger, app, client, world):
    now = badger.clock()
    badger.clock = lambda: now  # the delays are seconds: a slow machine must not outlive them
    for _ in range(accounts.MAX_FAILURES_PER_EMAIL):
        assert login(client, "owner@cec.example.org", "wrong password!").status_code == 200
    blocked = login(client, "owner@cec.example.org")  # the right password, but too soon
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= accounts.EMAIL_DELAY_CAP
    assert client.get("/dashboard/cec/staff").status_code == 302
    # Another worker (another app on the same database) waits too: counted in the database.
    from badger.web import create_app

    other = create_app(badger=badger)
    assert login(other.test_client(), "owner@cec.example.org").status_code == 429
    # Other accounts are not affected.
    assert login(app.test_client(), "issuer@cec.example.org").status_code == 302
    # The owner, from anywhere, waits seconds, not a lock: then the right password signs in.
    badger.clock = lambda: now + timedelta(seconds=accounts.EMAIL_DELAY_CAP + 1)
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert login(owner, "owner@cec.example.org").status_code == 302


def test_the_guessing_address_waits_ever_longer(badger, world):
    moment = [badger.clock()]
    badger.clock = lambda: moment[0]
    waits = []
    for _ in range(accounts.MAX_FAILURES_PER_EMAIL + 12):
        try:
            with badger.transaction() as session:
                assert accounts.authenticate(badger, session, "viewer@cec.example.org", "nope", ip="192.0.2.66") is None
        except accounts.TooManyAttempts as exc:
            waits.append(exc.retry_after)
            moment[0] += timedelta(seconds=exc.retry_after)
    assert waits == sorted(waits) and waits[-1] > accounts.EMAIL_DELAY_CAP  # doubling, past the owner's cap
    # Meanwhile the owner's address waits at most the short cap, then the password works.
    with badger.transaction() as session:
        try:
            accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.1")
        except accounts.TooManyAttempts as exc:
            assert exc.retry_after <= accounts.EMAIL_DELAY_CAP
            moment[0] += timedelta(seconds=exc.retry_after)
    with badger.transaction() as session:
        assert accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.1") is not None


def test_rate_limit_per_address(badger, client, world):
    for n in range(accounts.MAX_FAILURES_PER_IP):
        assert login(client, f"guess{n}@cec.example.org", "wrong password!").status_code == 200
    assert login(client, "viewer@cec.example.org").status_code == 429
    # Another address is not blocked.
    assert (
        login(
            client.application.test_client(),
            "viewer@cec.example.org",
        ).status_code
        == 429
    )  # same test address 127.0.0.1
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(other, "viewer@cec.example.org").status_code == 302


def test_success_clears_the_failures_of_the_email(badger, world):
    with badger.transaction() as session:
        for _ in range(accounts.MAX_FAILURES_PER_EMAIL - 1):
            assert accounts.authenticate(badger, session, "viewer@cec.example.org", "nope", ip="192.0.2.1") is None
        assert accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.1") is not None
        for _ in range(accounts.MAX_FAILURES_PER_EMAIL - 1):
            assert accounts.authenticate(badger, session, "viewer@cec.example.org", "nope", ip="192.0.2.2") is None
        assert accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.2") is not None


def test_password_hash_is_argon2_and_rehashed_when_parameters_change(badger, world, monkeypatch):
    with badger.transaction() as session:
        user = accounts.get_user(session, world["viewer@cec.example.org"])
        old_hash = user.password_hash
    assert old_hash.startswith("$argon2id$") and PASSWORD not in old_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", stronger)
    with badger.transaction() as session:
        assert accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.1") is not None
    with badger.transaction() as session:
        new_hash = accounts.get_user(session, world["viewer@cec.example.org"]).password_hash
    assert new_hash != old_hash and "m=2048,t=2" in new_hash and not stronger.check_needs_rehash(new_hash)
    with badger.transaction() as session:
        assert accounts.authenticate(badger, session, "viewer@cec.example.org", PASSWORD, ip="192.0.2.1") is not None


# ---------------------------------------------------------------------------- sessions, cookies


def test_session_cookie_flags_on_https(database, tmp_path):
    from badger.web import create_app
    from tests.fixtures import make_badger

    app, close = make_badger(database, tmp_path, base_url="https://badges.example.org")
    try:
        with app.transaction() as session:
            accounts.create_user(app, session, email="a@example.org", name="A", password=PASSWORD)
        client = create_app(badger=app).test_client()
        response = login(client, "a@example.org")
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("badger_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        close()


def test_session_cookie_flags_on_http(client, world):
    response = login(client, "owner@cec.example.org")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("badger_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_strong_session_protection_drops_a_session_moved_to_another_browser(client, world):
    login(client, "owner@cec.example.org")
    assert client.get("/dashboard/cec/staff").status_code == 200
    moved = client.get("/dashboard/cec/staff", headers={"User-Agent": "another browser"})
    assert moved.status_code == 302 and "/account/login" in moved.location


def test_a_sign_in_lasts_twelve_hours_at_most(client, world, monkeypatch):
    import time as real_time

    import itsdangerous.timed

    login(client, "owner@cec.example.org")
    assert client.get("/dashboard/cec/staff").status_code == 200

    class Later:
        @staticmethod
        def time():
            return real_time.time() + 12 * 3600 + 60

    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    late = client.get("/dashboard/cec/staff")
    assert late.status_code == 302 and "/account/login" in late.location


def test_password_change_signs_out_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, "issuer@cec.example.org")
    login(second, "issuer@cec.example.org")
    new_password = "a brand new password"
    changed = post_form(
        first,
        "/account",
        {"password-current": PASSWORD, "password-password": new_password, "password-confirm": new_password},
    )
    assert changed.status_code == 302
    assert first.get("/dashboard/").status_code in (200, 302)
    assert first.get("/account").status_code == 200  # this session continues
    assert second.get("/account").status_code == 302  # the other one ended
    assert login(app.test_client(), "issuer@cec.example.org", new_password).status_code == 302


def test_account_page_changes_the_name_and_refuses_a_wrong_current_password(client, world, badger):
    login(client, "viewer@cec.example.org")
    assert post_form(client, "/account", {"profile-name": "Véro Nique"}).status_code == 302
    with badger.transaction() as session:
        assert accounts.get_user(session, world["viewer@cec.example.org"]).name == "Véro Nique"
    refused = post_form(
        client,
        "/account",
        {"password-current": "wrong one!!", "password-password": "x" * 12, "password-confirm": "x" * 12},
    )
    assert refused.status_code == 400
    assert login(client.application.test_client(), "viewer@cec.example.org").status_code == 302


# --------------------------------------------------------------------------------------- CSRF


def test_csrf_is_enabled_by_default_and_refuses_forms_without_token(app, client, world, badger):
    assert app.config["WTF_CSRF_ENABLED"] is True
    refused = client.post("/account/login", data={"email": "owner@cec.example.org", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/dashboard/cec/staff").status_code == 302  # not signed in
    login(client, "owner@cec.example.org")
    forged = client.post("/dashboard/cec/staff/invite", data={"email": "new@cec.example.org", "role": "owner"})
    assert forged.status_code == 400
    wrong = client.post(
        "/dashboard/cec/staff/invite", data={"email": "new@cec.example.org", "role": "owner", "csrf_token": "forged"}
    )
    assert wrong.status_code == 400
    assert events(badger, "cec", "staff.invite") == []


def test_bearer_token_apis_are_exempt_from_csrf(client, create_issuer):
    _issuer, token = create_issuer(name="API partner", slug="api-partner")
    listed = client.get("/api/v1/achievements", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    created = client.post(
        "/api/v1/achievements",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "N", "description": "D", "criteria": "C"},
    )
    assert created.status_code != 400 or "csrf" not in created.get_data(as_text=True).lower()
    assert created.status_code in (200, 201)
    verified = client.post("/api/v1/verify", json={"jwt": "not.a.jwt"})
    assert verified.status_code == 200 and verified.is_json
    vcapi = client.post("/credentials/verify", json={"verifiableCredential": {"@context": []}})
    assert vcapi.status_code in (400, 422) and "json" in vcapi.mimetype


# --------------------------------------------------------------------------------- invitations


def _invitation_url(outbox, email: str) -> str:
    sent = [m for m in outbox if m["template"] == "invitation" and m["to"] == email]
    assert sent, f"no invitation e-mail to {email}"
    return sent[-1]["context"]["url"]


def test_invitation_creates_an_account(badger, app, client, world, outbox):
    login(client, "owner@cec.example.org")
    sent = post_form(
        client,
        "/dashboard/cec/staff",
        {"email": "Camille@CEC.example.org", "role": "issuer"},
        action="/dashboard/cec/staff/invite",
    )
    assert sent.status_code == 302
    mail = outbox[-1]
    assert mail["template"] == "invitation" and mail["to"] == "camille@cec.example.org"
    assert set(mail["context"]) == {"partner", "role", "url", "inviter"}
    assert mail["context"]["partner"] == "CEC Ouest" and mail["context"]["role"] == "issuer"
    assert mail["context"]["inviter"] == "owner@cec.example.org"
    url = mail["context"]["url"]
    assert url.startswith(badger.base_url + "/account/invitations/")
    token = url.rsplit("/", 1)[1]
    # Only the hash is stored.
    with badger.transaction() as session:
        rows = accounts.pending_invitations(badger, session, issuers.get_issuer(session, "cec"))
        assert [r.email for r in rows] == ["camille@cec.example.org"] and rows[0].token_hash != token
    path = url[len(badger.base_url) :]
    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "CEC Ouest" in page.get_data(as_text=True)
    short = invitee.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "name": "Camille",
            "password": "short",
            "confirm": "short",
        },
    )
    assert short.status_code == 400
    done = post_form(
        invitee, path, {"name": "Camille Le Goff", "password": "camille's password", "confirm": "camille's password"}
    )
    assert done.status_code == 302
    assert invitee.get("/dashboard/cec/credentials").status_code in (200, 404)  # signed in
    assert invitee.get("/dashboard/cec/staff").status_code == 403  # an issuer, not an owner
    with badger.transaction() as session:
        user = accounts.find_user(session, "camille@cec.example.org")
        assert user.name == "Camille Le Goff"
        assert accounts.role_of(session, user.id, issuers.get_issuer(session, "cec").id) == "issuer"
    assert [e["target"] for e in events(badger, "cec", "staff.invite")] == ["camille@cec.example.org"]
    joined = events(badger, "cec", "staff.join")
    assert joined[0]["target"] == "camille@cec.example.org" and joined[0]["detail"]["role"] == "issuer"
    # Single use.
    assert app.test_client().get(path).status_code == 410


def test_invitation_adds_a_membership_to_an_existing_account(badger, app, world, outbox):
    with badger.transaction() as session:
        invited = accounts.invite(
            badger,
            session,
            issuers.get_issuer(session, "labo"),
            "Viewer@CEC.example.org",
            "viewer",
            actor=audit.Actor("user:x", "owner@labo.example.org"),
        )
    path = invited.url[len(badger.base_url) :]
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and 'name="password"' not in page.get_data(as_text=True)
    joined = post_form(client, path, {})
    assert joined.status_code == 302 and "/account/login" in joined.location  # the account's password is still needed
    assert role(badger, world["viewer@cec.example.org"], "labo") == "viewer"
    assert role(badger, world["viewer@cec.example.org"], "cec") == "viewer"  # one person, several partners
    login(client, "viewer@cec.example.org")
    home = client.get("/dashboard/?all=1").get_data(as_text=True)
    assert "CEC Ouest" in home and "Labo ESS" in home


def test_invitation_refusals(badger, app, world, outbox):
    client = app.test_client()
    assert client.get("/account/invitations/not-a-token").status_code == 404
    with badger.transaction() as session:
        cec = issuers.get_issuer(session, "cec")
        with pytest.raises(Conflict):
            accounts.invite(badger, session, cec, "viewer@cec.example.org", "owner", actor=audit.SYSTEM)
        with pytest.raises(InvalidInput):
            accounts.invite(badger, session, cec, "new@cec.example.org", "admin", actor=audit.SYSTEM)
        with pytest.raises(InvalidInput):
            accounts.invite(badger, session, cec, "not an e-mail", "viewer", actor=audit.SYSTEM)
        first = accounts.invite(badger, session, cec, "new@cec.example.org", "viewer", actor=audit.SYSTEM)
        second = accounts.invite(badger, session, cec, "new@cec.example.org", "issuer", actor=audit.SYSTEM)
        late = accounts.invite(badger, session, cec, "late@cec.example.org", "viewer", actor=audit.SYSTEM)
    # A newer invitation replaces the pending one.
    assert client.get(first.url[len(badger.base_url) :]).status_code == 404
    assert client.get(second.url[len(badger.base_url) :]).status_code == 200
    # Seven days later, the link has expired.
    now = badger.clock()
    badger.clock = lambda: now + accounts.INVITATION_VALIDITY + timedelta(seconds=1)
    expired = client.get(late.url[len(badger.base_url) :])
    assert expired.status_code == 410
    with badger.transaction() as session, pytest.raises(Conflict):
        accounts.accept_invitation(badger, session, late.url.rsplit("/", 1)[1], name="Late", password=PASSWORD)
    with badger.transaction() as session:
        assert accounts.find_user(session, "late@cec.example.org") is None


# ------------------------------------------------------------------------------ password reset


def test_password_reset_flow(badger, app, world, outbox):
    client = app.test_client()
    known = post_form(client, "/account/password-reset", {"email": "issuer@cec.example.org"})
    unknown = post_form(client, "/account/password-reset", {"email": "ghost@cec.example.org"})
    assert known.status_code == unknown.status_code == 200

    def strip(r):
        return re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))

    assert strip(known) == strip(unknown)  # the same answer whether the account exists or not
    resets = [m for m in outbox if m["template"] == "password_reset"]
    assert [m["to"] for m in resets] == ["issuer@cec.example.org"] and set(resets[0]["context"]) == {"url"}
    path = resets[0]["context"]["url"][len(badger.base_url) :]
    other_session = app.test_client()
    login(other_session, "issuer@cec.example.org")
    assert client.get(path).status_code == 200
    differ = post_form(client, path, {"password": "new password 1", "confirm": "new password 2"})
    assert differ.status_code == 400
    done = post_form(client, path, {"password": "the new password", "confirm": "the new password"})
    assert done.status_code == 302 and "/account/login" in done.location
    assert login(app.test_client(), "issuer@cec.example.org").status_code == 200  # old password refused
    assert login(app.test_client(), "issuer@cec.example.org", "the new password").status_code == 302
    assert other_session.get("/account").status_code == 302  # sessions ended with the old password
    assert client.get(path).status_code == 404  # single use


def test_password_reset_link_expires_after_an_hour(badger, app, world, outbox):
    with badger.transaction() as session:
        accounts.request_password_reset(badger, session, "viewer@cec.example.org", lang="en")
    url = outbox[-1]["context"]["url"]
    assert outbox[-1]["lang"] == "en"
    now = badger.clock()
    badger.clock = lambda: now + accounts.RESET_VALIDITY + timedelta(seconds=1)
    assert app.test_client().get(url[len(badger.base_url) :]).status_code == 404
    with badger.transaction() as session, pytest.raises(NotFound):
        accounts.reset_password(badger, session, url.rsplit("/", 1)[1], "whatever password")


def test_only_the_newest_reset_link_works_and_requests_are_bounded(badger, world, outbox):
    with badger.transaction() as session:
        for _ in range(5):
            accounts.request_password_reset(badger, session, "viewer@cec.example.org")
    urls = [m["context"]["url"] for m in outbox if m["template"] == "password_reset"]
    assert len(urls) == 3  # three per hour and account, then silence
    with badger.transaction() as session:
        with pytest.raises(NotFound):
            accounts.check_reset_token(badger, session, urls[0].rsplit("/", 1)[1])
        accounts.check_reset_token(badger, session, urls[-1].rsplit("/", 1)[1])


# ---------------------------------------------------------------------------- staff, last owner


def test_last_owner_cannot_leave_or_step_down(badger, client, world):
    with badger.transaction() as session:
        cec = issuers.get_issuer(session, "cec")
        owner = world["owner@cec.example.org"]
        with pytest.raises(Conflict):
            accounts.remove_member(badger, session, cec, owner, actor=audit.SYSTEM)
        with pytest.raises(Conflict):
            accounts.change_role(badger, session, cec, owner, "viewer", actor=audit.SYSTEM)
    login(client, "owner@cec.example.org")
    page = "/dashboard/cec/staff"
    assert (
        post_form(
            client, page, {"user_id": world["owner@cec.example.org"]}, action="/dashboard/cec/staff/remove"
        ).status_code
        == 302
    )
    assert (
        post_form(
            client,
            page,
            {"user_id": world["owner@cec.example.org"], "role": "issuer"},
            action="/dashboard/cec/staff/role",
        ).status_code
        == 302
    )
    assert role(badger, world["owner@cec.example.org"], "cec") == "owner"
    # With a second owner, the first may step down.
    assert (
        post_form(
            client,
            page,
            {"user_id": world["issuer@cec.example.org"], "role": "owner"},
            action="/dashboard/cec/staff/role",
        ).status_code
        == 302
    )
    assert (
        post_form(
            client,
            page,
            {"user_id": world["owner@cec.example.org"], "role": "viewer"},
            action="/dashboard/cec/staff/role",
        ).status_code
        == 302
    )
    assert role(badger, world["owner@cec.example.org"], "cec") == "viewer"
    changes = events(badger, "cec", "staff.role_change")
    assert [(e["detail"]["from"], e["detail"]["to"]) for e in changes] == [("owner", "viewer"), ("issuer", "owner")]
    assert client.get(page).status_code == 403  # a viewer now


def test_owner_removes_a_member(badger, client, world):
    login(client, "owner@cec.example.org")
    removed = post_form(
        client,
        "/dashboard/cec/staff",
        {"user_id": world["viewer@cec.example.org"]},
        action="/dashboard/cec/staff/remove",
    )
    assert removed.status_code == 302
    assert role(badger, world["viewer@cec.example.org"], "cec") is None
    assert events(badger, "cec", "staff.remove")[0]["target"] == "viewer@cec.example.org"
    # A member of another partner cannot be removed from here.
    post_form(
        client,
        "/dashboard/cec/staff",
        {"user_id": world["owner@labo.example.org"]},
        action="/dashboard/cec/staff/remove",
    )
    assert role(badger, world["owner@labo.example.org"], "labo") == "owner"


def test_memberships_of_lists_partners_with_roles(badger, world):
    with badger.transaction() as session:
        user = accounts.get_user(session, world["owner@cec.example.org"])
        assert [(i.slug, r) for i, r in accounts.memberships_of(session, user)] == [("cec", "owner")]
        labo = issuers.get_issuer(session, "labo")
        accounts.add_membership(badger, session, user, labo, "viewer", actor=audit.SYSTEM)
        assert [(i.slug, r) for i, r in accounts.memberships_of(session, user)] == [
            ("cec", "owner"),
            ("labo", "viewer"),
        ]
        with pytest.raises(InvalidInput):
            accounts.add_membership(badger, session, user, labo, "superuser", actor=audit.SYSTEM)
        with pytest.raises(Conflict):
            accounts.create_user(badger, session, email="OWNER@cec.example.org", name="Dup", password=PASSWORD)
        with pytest.raises(InvalidInput):
            accounts.create_user(badger, session, email="x@example.org", name="X", password="short")


# --------------------------------------------------------------------------------- tokens, keys


def test_owner_creates_and_revokes_an_api_token(badger, client, world):
    login(client, "owner@cec.example.org")
    created = post_form(client, "/dashboard/cec/tokens", {"label": "Moodle"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert secret.startswith(tokens.PREFIX)
    with badger.transaction() as session:
        assert tokens.authenticate(session, secret).slug == "cec"
    listing = client.get("/dashboard/cec/tokens").get_data(as_text=True)
    assert "Moodle" in listing and secret not in listing  # shown once
    token_id = events(badger, "cec", "token.create")[0]["target"]
    revoked = post_form(client, "/dashboard/cec/tokens", {"token_id": token_id}, action="/dashboard/cec/tokens/revoke")
    assert revoked.status_code == 302
    with badger.transaction() as session, pytest.raises(Unauthorized):
        tokens.authenticate(session, secret)
    assert events(badger, "cec", "token.revoke")[0]["target"] == token_id
    # Another partner's token cannot be revoked from here.
    with badger.transaction() as session:
        labo_secret = tokens.create_token(badger, session, issuers.get_issuer(session, "labo"), "labo")
    labo_id = events(badger, "labo", "token.create")[0]["target"]
    post_form(client, "/dashboard/cec/tokens", {"token_id": labo_id}, action="/dashboard/cec/tokens/revoke")
    with badger.transaction() as session:
        assert tokens.authenticate(session, labo_secret).slug == "labo"


def test_owner_rotates_keys_after_confirming(badger, client, world):
    login(client, "owner@cec.example.org")

    def active():
        with badger.transaction() as session:
            return sorted(k.fragment for k in issuers.get_issuer(session, "cec").keys if k.active)

    before = active()
    unconfirmed = post_form(client, "/dashboard/cec/keys", {}, action="/dashboard/cec/keys/rotate")
    assert unconfirmed.status_code == 400 and active() == before
    confirmed = post_form(client, "/dashboard/cec/keys", {"confirm": "y"}, action="/dashboard/cec/keys/rotate")
    assert confirmed.status_code == 302 and active() != before
    assert events(badger, "cec", "key.rotate")[0]["actor"] == f"user:{world['owner@cec.example.org']}"
    page = client.get("/dashboard/cec/keys").get_data(as_text=True)
    assert page.count("<tr>") == 1 + 4  # header + two retired and two active keys


# ------------------------------------------------------------------------------ administration


def test_admin_creates_a_partner_and_invites_its_owner(badger, app, world, outbox):
    client = app.test_client()
    assert client.get("/admin/").status_code == 302  # anonymous: sign in
    login(client, "owner@cec.example.org")
    assert client.get("/admin/").status_code == 403
    admin = app.test_client()
    login(admin, "admin@badger.example.org")
    created = post_form(
        admin,
        "/admin/",
        {
            "name": "Territoire apprenant",
            "url": "https://ta.example",
            "slug": "ta-vannes",
            "owner_email": "Lea@TA.example",
        },
    )
    assert created.status_code == 302
    with badger.transaction() as session:
        assert issuers.get_issuer(session, "ta-vannes").name == "Territoire apprenant"
    assert events(badger, "ta-vannes", "partner.create")[0]["actor"] == f"user:{world['admin@badger.example.org']}"
    assert _invitation_url(outbox, "lea@ta.example")
    taken = post_form(
        admin,
        "/admin/",
        {"name": "Again", "url": "https://ta.example", "slug": "ta-vannes", "owner_email": "x@ta.example"},
    )
    assert taken.status_code == 409
    bad = post_form(admin, "/admin/", {"name": "Bad", "url": "ftp://x", "owner_email": "x@ta.example"})
    assert bad.status_code == 400
    # The administrator reaches every partner's owner pages without being a member.
    assert admin.get("/dashboard/labo/staff").status_code == 200
    # The invited owner accepts and manages the new partner.
    path = _invitation_url(outbox, "lea@ta.example")[len(badger.base_url) :]
    lea = app.test_client()
    assert (
        post_form(lea, path, {"name": "Léa", "password": "léa's password", "confirm": "léa's password"}).status_code
        == 302
    )
    assert lea.get("/dashboard/ta-vannes/staff").status_code == 200


# ---------------------------------------------------------------------------------- dashboard


def test_dashboard_home_and_layout(client, world):
    login(client, "owner@cec.example.org")
    home = client.get("/dashboard/?all=1")
    assert home.status_code == 200
    staff = client.get("/dashboard/cec/staff").get_data(as_text=True)
    for endpoint_path in ("/dashboard/cec/staff", "/dashboard/cec/tokens", "/dashboard/cec/keys"):
        assert f'href="{endpoint_path}"' in staff
    assert 'aria-current="page"' in staff and "CEC Ouest" in staff
    viewer = client.application.test_client()
    login(viewer, "viewer@cec.example.org")
    page = viewer.get("/dashboard/cec/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/dashboard/cec/staff"' not in page  # owner entries hidden from a viewer


def test_pages_are_french_by_default_and_english_on_request(client, world):
    french = client.get("/account/login").get_data(as_text=True)
    assert "Se connecter" in french and "Mot de passe" in french
    english = client.get("/account/login?lang=en").get_data(as_text=True)
    assert "Sign in" in english and "Password" in english


# ------------------------------------------------------------------------------------------ CLI


def test_cli_user_create_and_member_add(badger, world):
    runner = CliRunner()
    created = runner.invoke(
        cli,
        ["user", "create", "--email", "Nina@CEC.example.org", "--name", "Nina", "--password-stdin"],
        obj=badger,
        input="nina's long password\n",
    )
    assert created.exit_code == 0, created.output
    document = json.loads(created.stdout)
    assert document["email"] == "nina@cec.example.org" and document["is_admin"] is False
    prompted = runner.invoke(
        cli,
        ["user", "create", "--email", "zoe@cec.example.org", "--name", "Zoé", "--admin"],
        obj=badger,
        input="zoé's long password\nzoé's long password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert json.loads(prompted.stdout[prompted.stdout.index("{") :])["is_admin"] is True
    added = runner.invoke(
        cli, ["member", "add", "--issuer", "cec", "--email", "nina@cec.example.org", "--role", "issuer"], obj=badger
    )
    assert added.exit_code == 0 and json.loads(added.stdout)["role"] == "issuer"
    assert role(badger, document["id"], "cec") == "issuer"
    assert events(badger, "cec", "staff.join")[0]["actor"] == "cli"
    for args, code in (
        (["member", "add", "--issuer", "cec", "--email", "ghost@x.example", "--role", "viewer"], 2),
        (["member", "add", "--issuer", "nope", "--email", "nina@cec.example.org", "--role", "viewer"], 2),
        (["member", "add", "--issuer", "cec", "--email", "nina@cec.example.org", "--role", "boss"], 2),
    ):
        assert runner.invoke(cli, args, obj=badger).exit_code == code
    short = runner.invoke(
        cli,
        ["user", "create", "--email", "s@x.example", "--name", "S", "--password-stdin"],
        obj=badger,
        input="short\n",
    )
    assert short.exit_code == 2
    duplicate = runner.invoke(
        cli,
        ["user", "create", "--email", "nina@cec.example.org", "--name", "N", "--password-stdin"],
        obj=badger,
        input="another long password\n",
    )
    assert duplicate.exit_code == 2

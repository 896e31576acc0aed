"""The accounts area's pages for the shared HTML5 and i18n checks (tests/web/pages/test_html5.py,
tests/web/pages/test_i18n.py): pages behind a sign-in, pages reached through a secret link and the
refusal pages, registered at import (the anonymous sign-in and reset-request pages are
discovered from the url_map by those tests)."""

from __future__ import annotations

import re

from badger.accounts import service as accounts
from badger.core import audit
from badger.issuers import service as issuers
from tests.web.pages.pages import Page, register

PASSWORD = "a long enough password"
OWNER = "nadia.kermarrec@cec-ouest.example.org"
ADMIN = "admin@badger.example.org"


def _csrf(html: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    return re.search(r'value="([^"]+)"', field.group(0)).group(1)


def _account(site, email: str, *, role: str | None = None, admin: bool = False):
    badger = site.badger
    with badger.transaction() as session:
        user = accounts.find_user(session, email)
        if user is None:
            user = accounts.create_user(
                badger, session, email=email, name="Nadia Kermarrec", password=PASSWORD, is_admin=admin
            )
        if role is not None:
            issuer = issuers.get_issuer(session, site.issuer_slug)
            if accounts.role_of(session, user.id, issuer.id) is None:
                accounts.add_membership(badger, session, user, issuer, role, actor=audit.SYSTEM)


def signed_in(email: str, *, role: str | None = None, admin: bool = False):
    """setup(client, site): the account exists (with ``role`` in the site's partner) and the
    client is signed in as it, through the sign-in form."""

    def setup(client, site):
        _account(site, email, role=role, admin=admin)
        with client.session_transaction() as cookie:
            cookie.clear()
        page = client.get("/account/login")
        response = client.post(
            "/account/login",
            data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]

    return setup


def _signed_out(client, site):
    with client.session_transaction() as cookie:
        cookie.clear()


def _with_invitation(client, site):
    _signed_out(client, site)
    badger = site.badger
    with badger.transaction() as session:
        sent = accounts.invite(
            badger,
            session,
            issuers.get_issuer(session, site.issuer_slug),
            "nouvelle.recrue@cec-ouest.example.org",
            "issuer",
            actor=audit.Actor("user:x", OWNER),
        )
    site.extra["invitation_path"] = sent.url[len(badger.base_url) :]


def _with_reset_link(client, site):
    _signed_out(client, site)
    _account(site, OWNER, role="owner")
    from badger.mail import outbox as mail

    badger, queued, real = site.badger, [], mail.enqueue

    def recording(app, session, **kw):
        queued.append(kw)
        return real(app, session, **kw)

    mail.enqueue = recording
    try:
        with badger.transaction() as session:
            accounts.request_password_reset(badger, session, OWNER)
    finally:
        mail.enqueue = real
    site.extra["reset_path"] = queued[-1]["context"]["url"][len(badger.base_url) :]


def _with_token(page_path: str, then=None):
    """setup: (``then``, e.g. sign in, and) keep a CSRF token of the session for the form data."""

    def setup(client, site):
        if then is not None:
            then(client, site)
        else:
            _signed_out(client, site)
        site.extra["csrf"] = _csrf(client.get(page_path.format(**vars(site))).get_data(as_text=True))

    return setup


def _too_many_failures(client, site):
    badger = site.badger
    for _ in range(accounts.MAX_FAILURES_PER_EMAIL):
        try:
            with badger.transaction() as session:
                accounts.authenticate(badger, session, "blocked@example.org", "wrong", ip="192.0.2.9")
        except accounts.TooManyAttempts:
            break  # the second language: already blocked
    _with_token("/account/login")(client, site)


for _page in (
    Page(
        "accounts-login-failed",
        "/account/login",
        "POST",
        lambda site: {"email": OWNER, "password": "not the password", "csrf_token": site.extra["csrf"]},
        setup=_with_token("/account/login"),
    ),
    Page(
        "accounts-login-too-many",
        "/account/login",
        "POST",
        lambda site: {"email": "blocked@example.org", "password": "whatever", "csrf_token": site.extra["csrf"]},
        status=429,
        setup=_too_many_failures,
    ),
    Page(
        "accounts-reset-sent",
        "/account/password-reset",
        "POST",
        lambda site: {"email": "someone@example.org", "csrf_token": site.extra["csrf"]},
        setup=_with_token("/account/password-reset"),
    ),
    Page(
        "accounts-staff-invite-refused",
        "/dashboard/{issuer_slug}/staff/invite",
        "POST",
        lambda site: {"email": "not an address", "role": "viewer", "csrf_token": site.extra["csrf"]},
        status=400,
        setup=_with_token("/dashboard/{issuer_slug}/staff", signed_in(OWNER, role="owner")),
    ),
    Page(
        "accounts-keys-unconfirmed",
        "/dashboard/{issuer_slug}/keys/rotate",
        "POST",
        lambda site: {"csrf_token": site.extra["csrf"]},
        status=400,
        setup=_with_token("/dashboard/{issuer_slug}/keys", signed_in(OWNER, role="owner")),
    ),
    Page(
        "accounts-token-created",
        "/dashboard/{issuer_slug}/tokens",
        "POST",
        lambda site: {"label": "Moodle", "csrf_token": site.extra["csrf"]},
        status=201,
        setup=_with_token("/dashboard/{issuer_slug}/tokens", signed_in(OWNER, role="owner")),
    ),
    Page("accounts-dashboard-home", "/dashboard/?all=1", setup=signed_in(OWNER, role="owner")),
    Page("accounts-staff", "/dashboard/{issuer_slug}/staff", setup=signed_in(OWNER, role="owner")),
    Page("accounts-tokens", "/dashboard/{issuer_slug}/tokens", setup=signed_in(OWNER, role="owner")),
    Page("accounts-keys", "/dashboard/{issuer_slug}/keys", setup=signed_in(OWNER, role="owner")),
    Page("accounts-account", "/account", setup=signed_in(OWNER, role="owner")),
    Page("accounts-admin", "/admin/", setup=signed_in(ADMIN, admin=True)),
    Page("accounts-invitation-new", "{extra[invitation_path]}", setup=_with_invitation),
    Page("accounts-reset-form", "{extra[reset_path]}", setup=_with_reset_link),
    Page("accounts-reset-invalid", "/account/password-reset/not-a-valid-link", status=404, setup=_signed_out),
    Page("accounts-invitation-invalid", "/account/invitations/not-a-valid-link", status=404, setup=_signed_out),
    Page(
        "accounts-csrf-refused",
        "/account/password-reset",
        "POST",
        {"email": "x@example.org"},
        status=400,
        setup=_signed_out,
    ),
):
    register(_page)


def test_accounts_pages_are_registered():
    from tests.web.pages.pages import PAGES

    assert {p.name for p in PAGES} >= {"accounts-staff", "accounts-admin", "accounts-reset-form"}

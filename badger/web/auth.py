"""Sign-in, sessions, CSRF and the dashboard's access rule (contract: ACCOUNTS).

- ``login_required``: Flask-Login's; an anonymous visitor is sent to the sign-in page with
  ``next`` (a local path only, see :func:`safe_next`).
- ``membership_required(role)``: for views under ``/dashboard/<slug>/...``. Anonymous: redirect
  to sign in. Not a member of that partner (and not a platform administrator), or no such
  partner: 404. A role below ``role`` (viewer < issuer < owner): 403. Otherwise sets
  ``g.issuer`` (the store Issuer row, loaded with its keys; it outlives the session that read
  it, so to change it use ``session.add(g.issuer)`` or reload it by slug in your transaction)
  and ``g.role`` (a platform administrator who is not a member is an owner). The view gets
  ``view.required_role`` (and ``view.required_write_role``) so the role-matrix test can list
  every dashboard route with the role it needs. ``membership_required("viewer", write="issuer")``
  lets one view read at one level and change (POST, PUT, PATCH, DELETE) at another.
- ``current_user``: Flask-Login's, a :class:`CurrentUser` (``id``, ``email``, ``name``,
  ``is_admin``, ``actor`` -> audit.Actor) or an anonymous user.
- CSRF: Flask-WTF's CSRFProtect on every POST, except the bearer-token JSON APIs (blueprints
  ``api`` (/api/v1) and ``vcapi``, and the public JSON verification endpoints). The public
  HTML verification form (POST /verify) is exempt too: it is anonymous, changes nothing and
  grants nothing, so a forged submission gains an attacker nothing, while a token would make
  the form fail for visitors whose cookie expired (and the page template is not ours).
- Session cookie: HttpOnly, SameSite=Lax, Secure when BADGER_BASE_URL is https, refused 12
  hours after it was last written (sign-in); session protection "strong" (a session presented from another
  browser/address is dropped); signing in starts a new session, signing out clears it.
- Client address (rate limit): ``request.remote_addr``. Behind a reverse proxy every client
  has the proxy's address, so the per-address limit then counts everyone together: set
  BADGER_PROXY_HOPS=1 there (create_app wraps the app in werkzeug's ProxyFix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFError, CSRFProtect

from badger.accounts import service as accounts
from badger.core import audit
from badger.errors import NotFound
from badger.web.current import badger_app

__all__ = [
    "init_app",
    "login_required",
    "membership_required",
    "admin_required",
    "current_user",
    "CurrentUser",
    "safe_next",
    "render",
    "NAV",
    "dashboard_nav",
    "partner_home",
    "client_ip",
]


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person, read once per request (never the database row)."""

    id: str
    email: str
    name: str
    is_admin: bool
    session_nonce: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        # The nonce changes with the password: every other session of the account ends.
        return f"{self.id}:{self.session_nonce}"

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(f"user:{self.id}", self.email)

    @classmethod
    def of(cls, user) -> CurrentUser:
        return cls(
            id=user.id, email=user.email, name=user.name, is_admin=bool(user.is_admin), session_nonce=user.session_nonce
        )


def _load_user(identifier: str):
    user_id, _sep, nonce = (identifier or "").partition(":")
    if not user_id or not nonce:
        return None
    with badger_app().transaction() as session:
        user = accounts.get_user(session, user_id)
        if user is None or user.session_nonce != nonce:
            return None
        return CurrentUser.of(user)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/dashboard/x?y``), else None: never a
    scheme, a host, ``//host`` or ``/\\host`` (browsers read both as another site)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")) or re.search(r"[\x00-\x1f\x7f\\]", target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _unauthorized():
    flash(_("Please sign in to continue."), "info")
    here = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=safe_next(here)))


def render(template: str, status: int = 200, **context):
    """A page in the request's language (``lang`` for base.html)."""
    return render_template(template, lang=str(get_locale() or "fr"), **context), status


def _csrf_refused(exc: CSRFError):
    return render("accounts/csrf.html", 400)


def client_ip() -> str:
    """The client address as seen by this process (behind a proxy: BADGER_PROXY_HOPS)."""
    return (request.remote_addr or "unknown")[:64]


def init_app(app: Flask) -> None:
    """Sessions, Flask-Login, CSRF and the template helpers of the dashboard."""
    secure = app.extensions["badger"].base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="badger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        # Flask refuses a session cookie signed longer ago than this (all sessions, not only
        # "permanent" ones): a sign-in lasts a working day at most. Sessions stay non-permanent
        # (browser-session cookies): Flask-Login's "strong" protection only drops a moved
        # session when it is not permanent.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=8 * 3600,  # a form left open for a working day still posts
    )
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.login_view = "accounts.login"
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)

    @app.before_request
    def _load_signed_in_user():
        # Load the signed-in user before the view opens its transaction: views render inside
        # `with transaction()`, and templates that ask for current_user would otherwise open a
        # second transaction, which SQLite's single writer makes wait for the first (a deadlock).
        if "_user_id" in session:
            current_user._get_current_object()

    app.extensions["badger_csrf"] = CSRFProtect(app)  # the blueprints exempt from it: badger.web.create_app
    app.register_error_handler(CSRFError, _csrf_refused)

    @app.context_processor
    def _dashboard_helpers():
        return {
            "dashboard_nav": dashboard_nav,
            "dashboard_partners": dashboard_partners,
            "partner_home": partner_home,
            "role_label": role_label,
            "min_password": accounts.MIN_PASSWORD_LENGTH,
        }

    app.jinja_env.filters.setdefault("short_datetime", _short_datetime)


def _short_datetime(value) -> str:
    """A stored date-time in the reader's language and Badger's time zone (Europe/Paris)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite keeps no time zone: stored as UTC
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, "short")


# ------------------------------------------------------------------------------------ decorators


def membership_required(role: str, *, write: str | None = None):
    """Decorator for views under ``/dashboard/<slug>/...`` (see the module docstring)."""
    if role not in accounts.ROLES or (write is not None and write not in accounts.ROLES):
        raise ValueError(f"unknown role {role!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()

            needed = write if (write and request.method not in ("GET", "HEAD", "OPTIONS")) else role
            try:
                with badger_app().transaction() as session:
                    access = accounts.dashboard_access(
                        session, current_user.id, current_user.is_admin, kwargs.get("slug", "")
                    )
                    # The layout's partner switcher, read now: a view may render inside its own
                    # transaction, and a second one opened while rendering waits on SQLite.
                    _remember_partners(session)
            except NotFound:
                abort(404)
            if not accounts.has_role(access.role, needed):
                abort(403)
            g.issuer, g.role = access.issuer, access.role
            return view(*args, **kwargs)

        wrapped.required_role = role
        wrapped.required_write_role = write or role
        return wrapped

    return decorator


def admin_required(view):
    """Platform administrators only: anonymous -> sign in, others -> 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True
    return wrapped


# ------------------------------------------------------------------------------ dashboard shell

_ROLE_LABELS = {"viewer": _l("Viewer"), "issuer": _l("Issuer"), "owner": _l("Owner")}


def role_label(role: str) -> str:
    return str(_ROLE_LABELS.get(role, role))


# The dashboard navigation: (label, candidate endpoints, lowest role). The first candidate
# that exists in the app is used; an entry none of whose endpoints exists is skipped, so areas
# still being built never break the shell. Every endpoint takes ``slug``.
NAV: list[tuple[object, tuple[str, ...], str]] = [
    (_l("Overview"), ("dashboard.overview",), "viewer"),
    (_l("Badge classes"), ("dashboard.badge_classes", "dashboard.badges", "dashboard.achievements"), "viewer"),
    (_l("Credentials"), ("dashboard.credentials",), "viewer"),
    (_l("Bulk issuance"), ("dashboard.bulk",), "issuer"),
    (_l("Programmes"), ("programmes.index",), "viewer"),
    (_l("Requests"), ("recognition_dashboard.queue",), "viewer"),
    (_l("Audit log"), ("dashboard.audit_log", "dashboard.audit"), "owner"),
    (_l("Staff"), ("staff.members",), "owner"),
    (_l("Tokens"), ("staff.tokens",), "owner"),
    (_l("Keys"), ("staff.keys",), "owner"),
    (_l("E-mails"), ("mail.outbox", "dashboard.emails"), "owner"),
    (_l("Wallets"), ("wallets_dashboard.settings",), "viewer"),
]


def _endpoint(candidates: tuple[str, ...]) -> str | None:
    views = current_app.view_functions
    return next((e for e in candidates if e in views), None)


def dashboard_nav(issuer=None, role: str | None = None) -> list[dict]:
    """The entries of the dashboard menu the current role may open: {label, url, current}."""
    issuer = issuer if issuer is not None else g.get("issuer")
    role = role if role is not None else g.get("role")
    if issuer is None:
        return []
    out = []
    for label, candidates, lowest in NAV:
        endpoint = _endpoint(candidates)
        if endpoint is None or not accounts.has_role(role, lowest):
            continue
        out.append(
            {"label": str(label), "url": url_for(endpoint, slug=issuer.slug), "current": request.endpoint == endpoint}
        )
    return out


def partner_home(slug: str, role: str) -> str | None:
    """Where a partner's dashboard starts for ``role`` (the first menu entry it may open)."""
    for _label, candidates, lowest in NAV:
        endpoint = _endpoint(candidates)
        if endpoint is not None and accounts.has_role(role, lowest):
            return url_for(endpoint, slug=slug)
    return None


def _remember_partners(session) -> list[dict]:
    user = accounts.get_user(session, current_user.id)
    rows = accounts.memberships_of(session, user) if user is not None else []
    g._dashboard_partners = [{"slug": i.slug, "name": i.name, "role": r} for i, r in rows]
    return g._dashboard_partners


def dashboard_partners() -> list[dict]:
    """The partners of the signed-in person: {slug, name, role, url, current}."""
    if not current_user.is_authenticated:
        return []
    cached = g.get("_dashboard_partners")
    if cached is None:
        with badger_app().transaction() as session:
            cached = _remember_partners(session)
    current = g.get("issuer")
    return [
        dict(p, url=partner_home(p["slug"], p["role"]), current=current is not None and current.slug == p["slug"])
        for p in cached
    ]

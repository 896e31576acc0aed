"""The web layer: create_app() and blueprints. Thin: parse input, call one service, map
errors, render (docs/architecture.md, "Thin edges")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from badger.application import build
from badger.config import Settings, load_settings
from badger.core.app import Badger
from badger.resources import static_dir, templates_dir
from badger.web import auth, errors, headers, i18n, limits
from badger.web.accounts import admin
from badger.web.accounts import views as account_pages
from badger.web.api import vcapi
from badger.web.api import views as api
from badger.web.current import badger_app
from badger.web.dashboard import emails as dashboard_emails
from badger.web.dashboard import programmes as programme_pages
from badger.web.dashboard import recognition as recognition_dashboard
from badger.web.dashboard import staff
from badger.web.dashboard import views as dashboard
from badger.web.learners import views as learner_space
from badger.web.obapi import views as obapi
from badger.web.public import learners as learner_pages
from badger.web.public import views as public
from badger.web.recognition import views as recognition
from badger.web.wallets import dashboard as wallet_dashboard
from badger.web.wallets import views as wallets

__all__ = ["create_app", "badger_app"]


def create_app(settings: Settings | Mapping[str, Any] | None = None, *, badger: Badger | None = None) -> Flask:
    """The Flask app. ``settings`` may be a Settings, a mapping of overrides (then the
    environment still applies), or None (environment only); ``badger`` a container already
    built (badger.application.build)."""
    if badger is None:
        if not isinstance(settings, Settings):
            settings = load_settings(settings)
        badger = build(settings)
    app = Flask(
        "badger",
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        instance_path=badger.settings.instance_path,
    )
    app.config.update(
        SECRET_KEY=badger.settings.secret_key,
        MAX_CONTENT_LENGTH=badger.settings.max_upload_bytes + 64 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's DefaultJSONProvider
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["badger"] = badger

    i18n.init_app(app)
    errors.register(app)
    headers.init_app(app, badger.settings)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(vcapi.bp)
    # session cookies, Flask-Login, CSRF on every form; /account, /admin, /dashboard/
    auth.init_app(app)
    csrf: CSRFProtect = app.extensions["badger_csrf"]
    # Bearer-token and public JSON endpoints take no cookie, so no CSRF token either.
    csrf.exempt(api.bp)
    csrf.exempt(vcapi.bp)
    for view in (
        public.api_verify,
        public.vcapi_verify_credential,
        public.vcapi_verify_presentation,
        public.verify_submit,
    ):
        csrf.exempt(view)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(dashboard.bp)  # /dashboard/<slug>/...
    app.register_blueprint(programme_pages.bp)  # /dashboard/<slug>/programmes/...
    app.register_blueprint(learner_pages.bp)  # /learners/<token>
    app.register_blueprint(dashboard_emails.bp)  # /dashboard/<slug>/emails
    app.register_blueprint(learner_space.bp)  # /me, /profiles/<slug>
    app.register_blueprint(obapi.bp)  # /ims/ob/v3p0/... (the consent form keeps its CSRF token)
    for view in (obapi.register, obapi.token, obapi.revoke, obapi.credentials, obapi.profile):
        csrf.exempt(view)
    app.register_blueprint(wallets.bp)  # /wallets/..., /.well-known/openid-credential-issuer
    csrf.exempt(wallets.bp)  # wallets post JSON or forms with no cookie; learner renewal carries its token
    app.register_blueprint(wallet_dashboard.bp)  # /dashboard/<slug>/wallets
    app.register_blueprint(recognition.bp)  # requests, jury links, claim codes, evidence files
    app.register_blueprint(recognition_dashboard.bp)  # /dashboard/<slug>/recognition
    limits.init_app(app, badger.settings)  # after the blueprints: it wraps their views
    if badger.settings.proxy_hops:  # the client address and scheme as the proxies saw them
        hops = badger.settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app

"""The web layer: create_app() and blueprints. Thin: parse input, call one service, map
errors, render (architecture convention 8)."""

from __future__ import annotations

from typing import Mapping

from flask import Flask

from badger.config import Settings, load_settings
from badger.resources import templates_dir
from badger.services import Badger

__all__ = ["create_app", "badger_app"]


def create_app(settings: Settings | Mapping | None = None, *, badger: Badger | None = None) -> Flask:
    """The Flask app. ``settings`` may be a Settings, a mapping of overrides (then the
    environment still applies), or None (environment only)."""
    if badger is None:
        if not isinstance(settings, Settings):
            settings = load_settings(settings)
        badger = Badger(settings)
    app = Flask("badger", template_folder=str(templates_dir()), instance_path=badger.settings.instance_path)
    app.config.update(SECRET_KEY=badger.settings.secret_key,
                      MAX_CONTENT_LENGTH=badger.settings.max_upload_bytes + 64 * 1024,
                      JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["badger"] = badger

    from badger.web import api, errors, i18n, public, vcapi

    i18n.init_app(app)
    errors.register(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(vcapi.bp)
    # session cookies, Flask-Login, CSRF on every form; /account, /admin, /dashboard/
    from badger.web import accounts as account_pages, admin, auth, staff

    auth.init_app(app)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(staff.bp)
    # the partner dashboard pages (/dashboard/<slug>/...)
    from badger.web import dashboard

    app.register_blueprint(dashboard.bp)
    # /dashboard/<slug>/programmes/... and the learner pages /learners/<token>
    from badger.web import learners as learner_pages, programmes as programme_pages

    app.register_blueprint(programme_pages.bp)
    app.register_blueprint(learner_pages.bp)
    # /dashboard/<slug>/emails (the partner's e-mail texts, preview, outbox)
    from badger.web import dashboard_emails

    app.register_blueprint(dashboard_emails.bp)
    return app


def badger_app() -> Badger:
    """The service container of the current Flask app."""
    from flask import current_app

    return current_app.extensions["badger"]

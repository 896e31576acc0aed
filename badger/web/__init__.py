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
    return app


def badger_app() -> Badger:
    """The service container of the current Flask app."""
    from flask import current_app

    return current_app.extensions["badger"]

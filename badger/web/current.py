"""The service container of the Flask app serving the current request."""

from __future__ import annotations

from flask import current_app

from badger.core.app import Badger

__all__ = ["badger_app"]


def badger_app() -> Badger:
    """The service container of the current Flask app."""
    badger: Badger = current_app.extensions["badger"]
    return badger

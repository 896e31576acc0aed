"""Languages of the web side: Flask-Babel, French by default, English.

Catalogues live in ``badger/translations/<lang>/LC_MESSAGES/<domain>.po`` (compiled ``.mo``
beside them), one gettext domain per area of the interface so each area keeps its own file;
Flask-Babel merges the domains into one set of translations per request. Message ids are the
English text.

The request's language is ``?lang=`` when given, then the ``badger_lang`` cookie set by the
language switcher, then Accept-Language; French otherwise.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

__all__ = ["LANGUAGES", "DOMAINS", "TRANSLATIONS", "init_app", "select_locale"]

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "badger_lang"
# One domain per area: public pages, verification messages, accounts, dashboard, e-mails, programmes,
# learners, wallets, open recognition.
DOMAINS = (
    "public",
    "verification",
    "accounts",
    "dashboard",
    "emails",
    "programmes",
    "learners",
    "wallets",
    "recognition",
)
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> Babel:
    app.config.update(
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        BABEL_DOMAIN=";".join(DOMAINS),
        BABEL_TRANSLATION_DIRECTORIES=";".join([str(TRANSLATIONS)] * len(DOMAINS)),
    )
    return Babel(app, locale_selector=select_locale)

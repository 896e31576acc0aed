"""Errors as RFC 9457 problem+json for API clients, readable pages for browsers. Never a 500
for anything a client can send: every BadgerError maps to a 4xx."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from badger.errors import (
    BadgerError,
    Conflict,
    InvalidCredential,
    InvalidInput,
    NotFound,
    Unauthorized,
)

__all__ = ["register", "problem", "wants_json", "PROBLEM_BASE"]

PROBLEM_BASE = "https://badger.example/problems/"  # stable type URIs; the host is a namespace, not fetched
log = logging.getLogger("badger.web")

# RFC 9457 titles, in the request's language (gettext domain "public").
_TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Payload too large"),
    415: _l("Unsupported media type"),
    422: _l("Unprocessable content"),
    429: _l("Too many requests"),
    500: _l("Internal error"),
}
# What a person reading the error page can do about it (the problem's detail is for programs).
_EXPLANATIONS = {
    404: _l("There is nothing at this address. The link may be incomplete, or the badge may have been removed."),
    429: _l("Too many requests came from your network in a short time. Wait a minute, then try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}


def language() -> str:
    """The request's language, as Flask-Babel chose it (badger.web.i18n.select_locale:
    ``?lang=``, the ``badger_lang`` cookie, Accept-Language; French by default)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("fr", "en") else "fr"


def _is_machine(mimetype: str) -> bool:
    # JSON and its +json family (vc+ld+json, did+json...), and the JWT forms of credentials.
    return mimetype.startswith("application/") and (
        mimetype == "application/json" or mimetype.endswith(("+json", "+jwt")) or mimetype == "application/jwt"
    )


def wants_json() -> bool:
    """A program (JSON, any ``+json`` type such as vc+ld+json or did+json, or a JWT type)
    rather than a browser. HTML wins ties, so ``*/*`` (browsers, curl) gets pages."""
    if request.path.startswith(
        (
            "/api/",
            "/credentials/issue",
            "/credentials/status",
            "/credentials/verify",
            "/presentations/",
            "/wallets/exchanges/",
        )
    ) or request.path.endswith("/credential-offer"):
        return True
    accept = request.accept_mimetypes
    json_quality = max((q for mimetype, q in accept if _is_machine(mimetype)), default=0)
    explicit_html = max((q for mimetype, q in accept if mimetype == "text/html"), default=0)
    return json_quality > 0 and json_quality > explicit_html and json_quality >= accept.quality("text/html")


def problem(status: int, code: str, detail: str = "", **extra):
    body = {
        "type": PROBLEM_BASE + code,
        "title": str(_TITLES.get(status) or _("Error")),
        "status": status,
        "code": code,
        "detail": detail,
    }
    body.update(extra)
    if wants_json():
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template(
        "errors/error.html", problem=body, lang=language(), explanation=_EXPLANATIONS.get(status)
    ), status


def _status_for(exc: BadgerError) -> int:
    if isinstance(exc, Unauthorized):
        return 401
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InvalidCredential):
        return 422
    return 400


def register(app: Flask) -> None:
    @app.errorhandler(BadgerError)
    def _badger_error(exc: BadgerError):
        extra = {}
        if isinstance(exc, InvalidCredential) and exc.problems:
            extra["errors"] = [p.as_dict() for p in exc.problems]
        if isinstance(exc, InvalidInput) and getattr(exc, "fields", None):
            extra["errors"] = exc.fields
        response = problem(_status_for(exc), exc.code, str(exc), **extra)
        if isinstance(exc, Unauthorized) and wants_json():
            response.headers["WWW-Authenticate"] = 'Bearer realm="badger"'
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        response = app.make_response(problem(exc.code or 500, f"http.{exc.code}", exc.description or ""))
        # Keep what the exception says in headers: Allow on a 405 (RFC 9110 §15.5.6 MUST),
        # Retry-After on a 429 / 503, WWW-Authenticate...
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # a bug: log it, answer without details
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "internal", "an unexpected error occurred")

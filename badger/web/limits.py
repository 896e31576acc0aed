"""Request rate limits on what anyone can post without an account (Flask-Limiter).

Limited, per client address: the public verification endpoints (``POST /api/v1/verify``,
``/verify``, the VC API's ``/credentials/verify`` and ``/presentations/verify``: each request
may cost a verification budget, badger.jsonld.budget), the sign-in and the password-reset
forms, the learner link rotation, the learner sign-in and the OB 3.0 API's registration,
token, revocation and consent. Any other public form joins by adding its endpoint to
``LIMITS`` (the hook for badge requests, claim codes and the like).

The counters are shared by every worker through Redis when ``BADGER_RATELIMIT_STORAGE_URL``
is set (``redis://...``), or the queue's Redis (``BADGER_QUEUE_URL``) when that is set;
otherwise they live in each process's memory (one worker, development, tests). An exceeded
limit answers 429 with ``Retry-After``: a problem body for programs, a page for browsers
(badger.web.errors). The sign-in's own slowdown per account is in badger.accounts.service.
"""

from __future__ import annotations

import time

from flask import Flask, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from badger.config import Settings
from badger.web.errors import problem

__all__ = ["init_app", "LIMITS", "storage_url"]

# endpoint -> limit (limits' notation, several separated by ";"), counted on POST only.
LIMITS: dict[str, str] = {
    "public.api_verify": "30/minute;300/hour",
    "public.verify_submit": "30/minute;300/hour",
    "public.vcapi_verify_credential": "30/minute;300/hour",
    "public.vcapi_verify_presentation": "30/minute;300/hour",
    "accounts.login": "30/minute;300/hour",
    "accounts.password_reset_request": "5/minute;30/hour",
    "learners.rotate": "10/minute",
    # learner accounts and the OB 3.0 API (the per-address limit on sign-in e-mails is in
    # badger.learners.service and holds across processes whatever the storage)
    "learners_me.sign_in_request": "10/minute",
    "learners_me.sign_in_complete": "10/minute",
    "obapi.register": "20/minute",
    "obapi.token": "60/minute",
    "obapi.revoke": "60/minute",
    "obapi.authorize": "60/minute",
    # open recognition: badge requests (files up to 25 MB a body) and claim codes (the guess
    # limit per address, 100 wrong codes an hour, is counted in the database by
    # badger.recognition.claims and holds across processes whatever the storage)
    "recognition.request_form": "10/minute;50/hour",
    "recognition.resubmit": "10/minute;50/hour",
    "recognition.claim_start": "120/minute",
    "recognition.claim_page": "120/minute",
    # a learner endorsing another learner's badge (each one is signed; a learner endorses a
    # badge once, enforced by the database)
    "learners_me.endorse": "10/minute;30/hour",
    "learners_me.decide_endorsement": "30/minute",
}


def storage_url(settings: Settings) -> str:
    if settings.ratelimit_storage_url:
        return settings.ratelimit_storage_url
    if settings.queue_url and settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
        return settings.queue_url
    return "memory://"


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Attach the limiter and the limits of ``LIMITS`` (call after the blueprints exist)."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_url(settings),
        headers_enabled=False,  # Retry-After on the 429 only (set below)
        enabled=settings.rate_limits,
        # A storage outage (Redis down) must not take the verifier down with it.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix="badger-limits",
    )

    @limiter.request_filter
    def _not_counted() -> bool:
        # Every limit is counted on POST only: a page view or a document fetch skips the
        # limiter's per-request lookup of the endpoint's limits.
        return request.method in ("GET", "HEAD", "OPTIONS")

    @app.errorhandler(RateLimitExceeded)
    def _limited(exc: RateLimitExceeded):
        response = app.make_response(
            problem(429, "http.too_many_requests", f"at most {exc.description} from one address")
        )
        window = limiter.current_limit
        seconds = int(window.reset_at - time.time()) + 1 if window is not None else 60
        response.headers["Retry-After"] = str(max(1, seconds))
        return response

    for endpoint, limit in LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(limit, methods=["POST"])(view)  # type: ignore[assignment]
    return limiter

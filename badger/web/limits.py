"""Rate limits of the learner and OB 3.0 API endpoints: one decorator, ``limited(name)``, on
every view a limit applies to (sign-in links, client registration, token, authorization).

Until the application carries a shared limiter (Flask-Limiter), this counts requests per client
address and per name in this process (per application), in a fixed one-minute window (``LIMITS`` per minute): a
small stop-gap that keeps the hook where the limits belong. The per-address limit on sign-in
e-mails is in the service (learners.service) and holds across processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app

from badger.web.auth import client_ip

__all__ = ["limited", "LIMITS"]

LIMITS = {"learner.sign_in": 10, "obapi.register": 20, "obapi.token": 60, "obapi.authorize": 60}
_lock = threading.Lock()


def _allow(name: str) -> bool:
    window = int(time.monotonic() // 60)
    key = (name, client_ip(), window)
    with _lock:
        _counts: dict[tuple[str, str, int], int] = current_app.extensions.setdefault("badger_limits", {})
        for stale in [k for k in _counts if k[2] != window]:
            del _counts[stale]
        _counts[key] = _counts.get(key, 0) + 1
        return _counts[key] <= LIMITS.get(name, 60)


def limited(name: str) -> Callable:
    """Answer 429 (problem document, Retry-After: 60) beyond ``LIMITS[name]`` requests a minute."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _allow(name):
                from badger.web.errors import problem

                response = problem(429, "rate_limited", "too many requests: try again in a minute")
                response = response if not isinstance(response, tuple) else response[0]
                return response, 429, {"Retry-After": "60"}
            return view(*args, **kwargs)

        return wrapper

    return decorate

"""Named events between areas: an area announces what happened, others react, and the one
that announces imports none of those that react.

Subscribers are wired once, in ``badger.application.wire`` (one visible list), and run
synchronously inside the announcing transaction, in the order they were wired: what they
write commits or rolls back with the change that caused it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Events", "Issued", "CREDENTIALS_ISSUED", "STATUS_CHANGED", "ISSUER_CREATED"]

# A batch of credentials was issued and flushed (issuance.issuing.issue_batch; one credential
# is a batch of one). Payload: app, session, issued (list of Issued), notify (bool), lang
# ("fr" | "en").
CREDENTIALS_ISSUED = "credentials_issued"


class Issued(NamedTuple):
    """One credential of a ``credentials_issued`` batch: the row, the e-mail and the name the
    request gave (the credential keeps only a hash of the e-mail)."""

    credential: Any
    email: str | None
    name: str | None


# A credential was revoked, suspended or unsuspended. Payload: app, session, credential, actor.
STATUS_CHANGED = "status_changed"
# An issuer was created with its keys. Payload: app, session, issuer.
ISSUER_CREATED = "issuer_created"

_KNOWN = (CREDENTIALS_ISSUED, STATUS_CHANGED, ISSUER_CREATED)


class Events:
    """Subscribers by event name. One per service container."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callable[..., Any]]] = {name: [] for name in _KNOWN}

    def subscribe(self, name: str, subscriber: Callable[..., Any]) -> None:
        """Call ``subscriber(**payload)`` each time ``name`` is published. Raises KeyError for an
        unknown event name (a typo would otherwise wire nothing)."""
        self._subscribers[name].append(subscriber)

    def publish(self, name: str, /, **payload: Any) -> None:
        """Run every subscriber of ``name`` with ``payload``; an exception propagates to the
        publisher, whose transaction then rolls back."""
        for subscriber in self._subscribers[name]:
            subscriber(**payload)

    def subscribers(self, name: str) -> list[Callable[..., Any]]:
        return list(self._subscribers[name])

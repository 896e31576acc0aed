"""Learner link tokens: derived from the secret key, the learner and a generation number."""

from __future__ import annotations

import base64
import hashlib
import hmac

from badger.core.app import Badger
from badger.programmes.models import LearnerLink


def _token(app: Badger, lookup: str, generation: int) -> str:
    digest = hmac.new(
        app.settings.secret_key.encode(), f"learner-link:{lookup}:{generation}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link_row(app: Badger, lookup: str) -> LearnerLink:
    """A first-generation row for ``lookup`` (not added to the session)."""
    return LearnerLink(
        recipient_lookup=lookup, generation=1, token_hash=_hash(_token(app, lookup, 1)), created_at=app.clock()
    )

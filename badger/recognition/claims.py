"""Session claim codes: staff open a claim window for a milestone; a QR code shown in the room
and a short code lead participants to a claim page where they give their e-mail address.

- People on the programme's roster get the milestone's badge at once, through the same
  exactly-once issuing as confirming the milestone (the bulk service's key per badge class
  and person): claiming twice, from two devices at once, or claiming and then having staff
  confirm the milestone, issues one credential.
- Others land in the review queue as a badge request (source ``claim``).
- Codes are 8 characters from a 31-letter alphabet (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes,
  drawn with ``secrets``; a window closes at its end time.
- Guesses are limited: MAX_WRONG wrong codes per client (a keyed hash of its address) within
  GUESS_WINDOW refuse every further attempt until the window slides (HTTP 429). The count is
  kept in the database (``claim_attempts``) so every process shares it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, timedelta

from badger.accounts.service import TooManyAttempts
from badger.achievements.models import Achievement
from badger.bulk import service as bulk
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.identity import normalise_email
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuance import repository as issuance_repo
from badger.issuers.models import Issuer
from badger.programmes import service as programmes
from badger.programmes.models import Milestone, Programme
from badger.recognition import repository as repo
from badger.recognition import requests
from badger.recognition.models import BadgeRequest, ClaimAttempt, ClaimWindow

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "MAX_WRONG",
    "GUESS_WINDOW",
    "ClaimResult",
    "open_window",
    "windows",
    "close_window",
    "find_window",
    "claim",
    "client_key",
    "claim_url",
    "window_label",
]

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_WRONG = 100
GUESS_WINDOW = timedelta(hours=1)
MAX_MINUTES = 24 * 60


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def claim_url(app: Badger, code: str) -> str:
    return app.url("claim", code)


def client_key(app: Badger, address: str) -> str:
    """The rate-limit key of a client: a keyed hash (the address itself is not stored)."""
    return hmac.new(app.settings.secret_key.encode(), f"claim:{address}".encode(), hashlib.sha256).hexdigest()


def open_window(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    milestone: Milestone,
    *,
    minutes: int = 60,
    actor: audit.Actor = audit.SYSTEM,
) -> ClaimWindow:
    """A claim window from now for ``minutes`` (1 to 1440). Raises InvalidInput, NotFound."""
    if programme.issuer_id != issuer.id or milestone.programme_id != programme.id:
        raise NotFound("no such milestone", code="milestone.not_found")
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput("a claim window lasts 1 minute to 24 hours", code="claim.invalid_duration", field="minutes")
    now = app.clock()
    row = ClaimWindow(
        id=app.new_id(),
        issuer_id=issuer.id,
        milestone_id=milestone.id,
        code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
        opens_at=now,
        closes_at=now + timedelta(minutes=minutes),
        created_by=actor.id,
        created_at=now,
    )
    repo.add(session, row)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="claim.open",
        target=milestone.id,
        detail={"window": row.id, "minutes": minutes},
    )
    return row


def windows(session: Session, milestone: Milestone) -> list[ClaimWindow]:
    return repo.windows_of(session, milestone.id)


def close_window(app: Badger, session: Session, issuer: Issuer, window_id: str, *, actor: audit.Actor) -> ClaimWindow:
    row = session.get(ClaimWindow, window_id) if isinstance(window_id, str) and len(window_id) <= 36 else None
    if row is None or row.issuer_id != issuer.id:
        raise NotFound("no such claim window", code="claim.not_found")
    now = app.clock()
    if _aware(row.closes_at) > now:
        row.closes_at = now
        session.flush()
        audit.record(app, session, issuer_id=issuer.id, actor=actor, action="claim.close", target=row.milestone_id)
    return row


def _normalise(code) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:32]


def find_window(app: Badger, session: Session, code: str, *, client: str) -> ClaimWindow | None:
    """The open window of ``code``, or None for a wrong code, which is counted against
    ``client`` in the caller's transaction (so the caller commits it: a wrong code is an answer,
    not an error that would roll the count back). Raises TooManyAttempts
    (``claim.too_many_attempts``, before looking), Conflict (``claim.expired``,
    ``claim.not_open``)."""
    now = app.clock()
    if repo.failed_attempts(session, client, now - GUESS_WINDOW) >= MAX_WRONG:
        error = TooManyAttempts("too many wrong codes; try again later", retry_after=int(GUESS_WINDOW.total_seconds()))
        error.code = "claim.too_many_attempts"
        raise error
    row = repo.window_by_code(session, _normalise(code))
    if row is None:
        repo.add(session, ClaimAttempt(client=client, at=now, ok=False))
        return None
    if _aware(row.closes_at) <= now:
        raise Conflict("this claim code has expired", code="claim.expired")
    if _aware(row.opens_at) > now:
        raise Conflict("this claim code is not open yet", code="claim.not_open")
    return row


class ClaimResult:
    """``outcome``: ``issued`` (now), ``held`` (already had it), ``queued`` (a request to review),
    ``unknown_code`` (a wrong code, counted)."""

    def __init__(self, outcome: str, credential_id: str | None = None, request: BadgeRequest | None = None):
        self.outcome, self.credential_id, self.request = outcome, credential_id, request


def claim(
    app: Badger, session: Session, code: str, *, email: str, name: str | None, client: str, lang: str = "fr"
) -> ClaimResult:
    """Claim the badge of the window's milestone (see the module docstring). Raises what
    find_window raises, InvalidInput (e-mail, name)."""
    window = find_window(app, session, code, client=client)
    if window is None:
        return ClaimResult("unknown_code")
    try:
        address = normalise_email(email)
    except InvalidInput:
        raise InvalidInput("invalid e-mail address", code="claim.invalid_email", field="email") from None
    milestone = session.get(Milestone, window.milestone_id)
    programme = session.get(Programme, milestone.programme_id) if milestone is not None else None
    issuer = session.get(Issuer, window.issuer_id)
    if milestone is None or programme is None or issuer is None:
        raise NotFound("no such claim code", code="claim.unknown_code")
    lookup = issuing.recipient_lookup(app, address)
    participant = programmes.find_participant(app, session, programme, address)
    actor = audit.Actor("claim", address)
    if participant is not None:
        key = bulk.idempotency_key(milestone.achievement_id, lookup)
        awarded = programmes.milestone_awarded_date(milestone)
        # The very request confirming the milestone would make (bulk rows): same key, same
        # fingerprint, so whoever comes second gets the first one's credential.
        wanted = issuing.IssueRequest(
            achievement=milestone.achievement_id,
            email=participant.email,
            name=participant.name,
            awarded_date=issuing.awarded_date(awarded) if awarded else None,
        )
        credential = issuance_repo.credential_by_idempotency_key(session, issuer.id, key)
        outcome = "held"
        if credential is None:
            try:
                credential = issuing.issue(
                    app, session, issuer, wanted, idempotency_key=key, actor=actor, notify=True, lang=lang
                )
                outcome = "issued"
            except Conflict:
                # Issued meanwhile with another request under the same key (e.g. a milestone
                # confirmed with other data): the person holds it.
                credential = issuance_repo.credential_by_idempotency_key(session, issuer.id, key)
                if credential is None:
                    raise
        repo.add(session, ClaimAttempt(client=client, at=app.clock(), ok=True))
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="claim.issue" if outcome == "issued" else "claim.held",
            target=credential.id,
            detail={"milestone": milestone.id, "window": window.id},
        )
        return ClaimResult(outcome, credential_id=credential.id)
    held = issuing.list_credentials(app, session, issuer=issuer, email=address, achievement=milestone.achievement_id)
    if held:
        return ClaimResult("held", credential_id=held[0].id)
    open_request = repo.open_request(session, milestone.achievement_id, lookup)
    if open_request is not None:
        return ClaimResult("queued", request=open_request)
    achievement = session.get(Achievement, milestone.achievement_id)
    clean_name = (name or "").replace("\t", " ").strip()[:300]
    if not clean_name:
        raise InvalidInput("give your name", code="claim.missing_name", field="name")
    now = app.clock()
    row = BadgeRequest(
        id=app.new_id(),
        issuer_id=issuer.id,
        achievement_id=milestone.achievement_id,
        email=address,
        name=clean_name,
        lang=lang if lang in ("fr", "en") else "fr",
        recipient_lookup=lookup,
        token_hash="",
        state="submitted",
        round=1,
        statements="[]",
        source="claim",
        claim_window_id=window.id,
        created_at=now,
        submitted_at=now,
    )
    row.token_hash = hashlib.sha256(requests.request_token(app, row.id).encode()).hexdigest()
    repo.add(session, row)
    repo.add(session, ClaimAttempt(client=client, at=now, ok=True))
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="claim.queued",
        target=row.id,
        detail={"milestone": milestone.id, "window": window.id, "badge": achievement.name if achievement else None},
    )
    return ClaimResult("queued", request=row)


def window_label(session: Session, window: ClaimWindow) -> dict:
    """What the claim page says: the session, its badge, until when."""
    milestone = session.get(Milestone, window.milestone_id)
    achievement = session.get(Achievement, milestone.achievement_id) if milestone is not None else None
    return {
        "id": window.id,
        "code": window.code,
        "milestone": milestone.name if milestone is not None else "",
        "badge": achievement.name if achievement is not None else "",
        "achievement_id": achievement.id if achievement is not None else None,
        "closes_at": _aware(window.closes_at),
        "opens_at": _aware(window.opens_at),
    }

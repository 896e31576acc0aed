"""Learner accounts without passwords.

- Sign-in: ``request_sign_in`` e-mails a one-time link (``/me/sign-in/<token>``, 256 random
  bits, only its SHA-256 stored, valid ``LINK_LIFETIME``, used once); at most
  ``LINKS_PER_WINDOW`` links per address per ``LINK_WINDOW`` (TooManyAttempts, HTTP 429).
  Following the link signs in the learner who owns that address, or creates the account (the
  click confirms the address).
- More addresses: ``request_address`` e-mails a confirmation link to the new address; once
  confirmed, every badge this instance issued to it joins the collection. An address belongs to
  one learner at most.
- Matching: credentials are indexed by ``recipient_lookup`` (a keyed hash of the normalised
  address, issuance.issuing), computed from each confirmed address; no credential is ever
  matched by name or by an unconfirmed address, so nobody else's badge appears.
- Deletion (``delete_account``): the learner, their addresses, links, imported badges, public
  choices, and (cascade) their API grants and connections are erased. What remains: the
  credentials issuers signed (they carry a salted hash of the address, not the address, and stay
  valid and verifiable: they are the issuer's record, and revoking them is the issuer's call),
  and the audit log's entries ``learner.*`` that name only the account id. The endorsements
  the learner signed are erased and their did:web key retired (410 Gone): see
  ``badger.learners.endorsements``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from badger.accounts.service import TooManyAttempts
from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session, insert_unique
from badger.credentials.identity import normalise_email
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance.issuing import recipient_lookup
from badger.learners import endorsements
from badger.learners import repository as repo
from badger.learners.models import Learner, LearnerAddress, LearnerToken
from badger.mail import outbox as mail

__all__ = [
    "LINK_LIFETIME",
    "Item",
    "actor",
    "request_sign_in",
    "complete_sign_in",
    "request_address",
    "confirm_address",
    "remove_address",
    "addresses",
    "collection",
    "set_public",
    "update_profile",
    "public_profile",
    "delete_account",
]

LINK_LIFETIME = timedelta(minutes=15)
LINK_WINDOW = timedelta(minutes=15)
LINKS_PER_WINDOW = 3
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor(learner: Learner) -> audit.Actor:
    return audit.Actor(f"learner:{learner.id}")


def _new_link(app: Badger, session: Session, *, purpose: str, email: str, learner_id: str | None) -> str:
    email = normalise_email(email)
    lookup = recipient_lookup(app, email)
    now = app.clock()
    repo.purge_tokens(session, now)
    if repo.recent_tokens(session, lookup, now - LINK_WINDOW) >= LINKS_PER_WINDOW:
        raise TooManyAttempts(retry_after=int(LINK_WINDOW.total_seconds()))
    token = secrets.token_urlsafe(32)
    repo.add(
        session,
        LearnerToken(
            token_hash=_hash(token),
            purpose=purpose,
            email=email,
            lookup=lookup,
            learner_id=learner_id,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        ),
    )
    return token


def request_sign_in(app: Badger, session: Session, email: str, *, lang: str = "fr") -> str:
    """Queue the sign-in e-mail (outbox, caller's transaction) -> the link (for the caller's
    tests and logs only: the web answers the same page whether or not the address is known).
    Raises InvalidInput (not an address), TooManyAttempts."""
    token = _new_link(app, session, purpose="signin", email=email, learner_id=None)
    url = app.url("me", "sign-in", token)
    mail.enqueue(app, session, to=normalise_email(email), template="learner_sign_in", lang=lang, context={"url": url})
    return url


def _use(app: Badger, session: Session, token: str, purpose: str) -> LearnerToken:
    row = repo.token(session, _hash(token)) if isinstance(token, str) and 20 <= len(token) <= 100 else None
    now = app.clock()
    if row is None or row.purpose != purpose or row.used_at is not None or _aware(row.expires_at) < now:
        raise NotFound("this link is invalid, expired or already used", code="learner.link_invalid")
    row.used_at = now
    session.flush()
    return row


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def complete_sign_in(app: Badger, session: Session, token: str, *, lang: str = "fr") -> Learner:
    """The learner of a sign-in link (created on first sign-in). Raises NotFound."""
    row = _use(app, session, token, "signin")
    address = repo.address_by_lookup(session, row.lookup)
    if address is not None:
        learner = repo.learner(session, address.learner_id)
        assert learner is not None  # foreign key
        audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.sign_in")
        return learner
    now = app.clock()
    learner = Learner(id=app.new_id(), lang=lang if lang in ("fr", "en") else "fr", created_at=now, updated_at=now)
    repo.add(session, learner)
    insert_unique(
        session,
        LearnerAddress(id=app.new_id(), learner_id=learner.id, email=row.email, lookup=row.lookup, confirmed_at=now),
    )
    audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.create")
    return learner


def request_address(app: Badger, session: Session, learner: Learner, email: str, *, lang: str = "fr") -> str:
    """E-mail a confirmation link to a new address of ``learner`` -> the link. Raises
    InvalidInput, Conflict (already this learner's), TooManyAttempts."""
    email = normalise_email(email)
    existing = repo.address_by_lookup(session, recipient_lookup(app, email))
    if existing is not None and existing.learner_id == learner.id:
        raise Conflict("this address is already in your account", code="learner.address_known")
    token = _new_link(app, session, purpose="address", email=email, learner_id=learner.id)
    url = app.url("me", "addresses", "confirm", token)
    mail.enqueue(app, session, to=email, template="learner_address", lang=lang, context={"url": url})
    return url


def confirm_address(app: Badger, session: Session, learner: Learner, token: str) -> LearnerAddress:
    """Attach the address of a confirmation link to ``learner`` (the signed-in learner must be the
    one who asked). Raises NotFound (bad link, or another learner's), Conflict (the address
    already belongs to an account)."""
    row = _use(app, session, token, "address")
    if row.learner_id != learner.id:
        raise NotFound("this link is invalid, expired or already used", code="learner.link_invalid")
    if repo.address_by_lookup(session, row.lookup) is not None:
        raise Conflict("this address already belongs to an account", code="learner.address_taken")
    address = LearnerAddress(
        id=app.new_id(), learner_id=learner.id, email=row.email, lookup=row.lookup, confirmed_at=app.clock()
    )
    insert_unique(session, address)
    audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.add_address")
    return address


def remove_address(app: Badger, session: Session, learner: Learner, address_id: str) -> None:
    """Raises NotFound, InvalidInput (the last address: sign-in needs one)."""
    rows = repo.addresses(session, learner.id)
    row = next((a for a in rows if a.id == address_id), None)
    if row is None:
        raise NotFound("no such address", code="learner.address_not_found")
    if len(rows) == 1:
        raise InvalidInput("an account keeps at least one address", code="learner.last_address")
    session.delete(row)
    session.flush()
    audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.remove_address")


def addresses(session: Session, learner: Learner) -> list[LearnerAddress]:
    return repo.addresses(session, learner.id)


@dataclass(frozen=True)
class Item:
    """One badge of a collection. ``key``: ``issued:<id>`` (this instance's) or ``imported:<id>``;
    ``payload``: the credential as stored (JSON text or compact JWS); ``format``: json | jwt |
    png | svg (how it was received; an issued badge is json or jwt)."""

    key: str
    kind: str
    row_id: str
    credential_id: str | None
    name: str
    issuer: str
    payload: str
    format: str
    public: bool
    status: str
    updated_at: str
    url: str | None

    @property
    def is_jwt(self) -> bool:
        return not self.payload.lstrip().startswith("{")


def _names(document: dict) -> tuple[str, str]:
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    issuer = document.get("issuer")
    name = achievement.get("name") if isinstance(achievement, dict) else None
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    return (
        name if isinstance(name, str) else document.get("name") or "",
        issuer_name if isinstance(issuer_name, str) else "",
    )


def collection(app: Badger, session: Session, learner: Learner) -> list[Item]:
    """Every badge of the learner: issued here to a confirmed address, then imported; oldest first."""
    lookups = [a.lookup for a in repo.addresses(session, learner.id)]
    public = repo.public_ids(session, learner.id)
    items = []
    for row in repo.issued_to(session, lookups):
        name, issuer = _names(json.loads(row.document))
        items.append(
            Item(
                key=f"issued:{row.id}",
                kind="issued",
                row_id=row.id,
                credential_id=app.url("credentials", row.id),
                name=name,
                issuer=issuer,
                payload=row.jwt or row.document,
                format="jwt" if row.jwt else "json",
                public=row.id in public,
                status=row.status,
                updated_at=xsd_datetime(row.status_changed_at or row.issued_at),
                url=app.url("credentials", row.id),
            )
        )
    for badge in repo.badges(session, learner.id):
        items.append(
            Item(
                key=f"imported:{badge.id}",
                kind="imported",
                row_id=badge.id,
                credential_id=badge.credential_id,
                name=badge.name,
                issuer=badge.issuer_name,
                payload=badge.payload,
                format=badge.format,
                public=badge.public,
                status="active",
                updated_at=xsd_datetime(badge.updated_at),
                url=None,
            )
        )
    return items


def set_public(app: Badger, session: Session, learner: Learner, key: str, public: bool) -> None:
    """Show (or hide) one badge of the collection on the public profile. Raises NotFound."""
    item = next((i for i in collection(app, session, learner) if i.key == key), None)
    if item is None:
        raise NotFound("no such badge in your collection", code="learner.badge_not_found")
    if item.kind == "issued":
        repo.set_public(session, learner.id, item.row_id, public)
    else:
        badge = repo.badge(session, learner.id, item.row_id)
        assert badge is not None  # found just above
        badge.public = public
        session.flush()
    audit.record(
        app, session, issuer_id=None, actor=actor(learner), action="learner.publish" if public else "learner.unpublish"
    )


def update_profile(
    app: Badger, session: Session, learner: Learner, *, name: str | None = None, public_slug: str | None = None
) -> Learner:
    """Display name and public profile address (``public_slug`` "" removes the profile; None
    leaves it). Raises InvalidInput, Conflict (address taken)."""
    if name is not None:
        if not isinstance(name, str) or len(name.strip()) > 200:
            raise InvalidInput("name: at most 200 characters", code="learner.invalid_name", field="name")
        learner.name = name.strip() or None
    if public_slug is not None:
        slug = public_slug.strip().lower()
        if slug and not _SLUG.match(slug):
            raise InvalidInput(
                "profile address: 3 to 64 lower-case letters, digits or hyphens",
                code="learner.invalid_slug",
                field="public_slug",
            )
        if slug and (other := repo.learner_by_slug(session, slug)) is not None and other.id != learner.id:
            raise Conflict("this profile address is taken", code="learner.slug_taken")
        learner.public_slug = slug or None
    learner.updated_at = app.clock()
    session.flush()
    return learner


def public_profile(app: Badger, session: Session, slug: str) -> dict:
    """``{"name", "badges": [Item]}``: only what the learner made public. Raises NotFound."""
    learner = repo.learner_by_slug(session, slug) if isinstance(slug, str) else None
    if learner is None:
        raise NotFound("no such profile", code="learner.profile_not_found")
    return {"name": learner.name, "badges": [i for i in collection(app, session, learner) if i.public]}


def delete_account(app: Badger, session: Session, learner: Learner) -> None:
    """Erase the account and its personal data (module docstring: what remains and why)."""
    audit.record(app, session, issuer_id=None, actor=actor(learner), action="learner.delete")
    endorsements.erase(app, session, learner)  # their endorsements, and their did:web key
    repo.delete_learner(session, learner)


def get(session: Session, learner_id: str | None) -> Learner | None:
    return repo.learner(session, learner_id) if learner_id else None

"""Accounts and roles: who may sign in to the partner dashboard and what they may do there.

People sign in with an e-mail and a password (argon2id, argon2-cffi's current defaults; a hash
made with older parameters is replaced at the next sign-in). A person belongs to any number of
partners (issuers), with one role in each, ordered ``viewer < issuer < owner``:

- viewer: reads the partner's badge classes, credentials and statistics;
- issuer: also creates badge classes, issues, revokes and suspends;
- owner: also manages staff, API tokens, keys and the partner's e-mails and audit log.

A platform administrator (``is_admin``) creates partners and acts as an owner of every partner.

Secrets (invitation and password-reset tokens) are random, sent once by e-mail and stored only
as SHA-256 hashes: a leaked database gives no usable link. Failed sign-ins are counted in the
database (not in a process), so the limits hold across gunicorn workers. Guessing is slowed,
never turned into a lock the guesser can put on the real owner: after 5 failures for an e-mail
within 15 minutes, each further attempt must wait a delay that doubles with every failure
(1 s, 2 s, 4 s...), capped at 30 s for attempts from any address and at 15 minutes for the
address that failed; the right password, once the delay has passed, always signs in. A client
address with 20 failures within 15 minutes (any e-mails) waits for the window to pass.

Every change records an audit event in the caller's transaction: ``partner.create``,
``staff.invite``, ``staff.invite_revoke``, ``staff.join``, ``staff.role_change``, ``staff.remove``,
``key.rotate`` (and, in badger.accounts.tokens, ``token.create``, ``token.revoke``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from badger.accounts import repository as repo
from badger.accounts.models import Invitation, Membership, PasswordReset, User
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.identity import normalise_email
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuers import repository as repositories
from badger.issuers import service as issuers
from badger.issuers.models import Issuer
from badger.mail import outbox as mail

__all__ = [
    "ROLES",
    "TooManyAttempts",
    "Access",
    "NewInvitation",
    "create_user",
    "authenticate",
    "add_membership",
    "role_of",
    "memberships_of",
    "invite",
    "accept_invitation",
    "invitation_info",
    "request_password_reset",
    "reset_password",
    "check_reset_token",
    "change_role",
    "remove_member",
    "create_partner",
    "get_user",
    "actor_of",
    "find_user",
    "dashboard_access",
    "members",
    "pending_invitations",
    "update_profile",
    "change_password",
    "has_role",
    "rotate_keys",
    "list_users",
    "revoke_invitation",
    "INVITATION_VALIDITY",
    "RESET_VALIDITY",
    "MAX_FAILURES_PER_EMAIL",
    "MAX_FAILURES_PER_IP",
    "FAILURE_WINDOW",
    "MIN_PASSWORD_LENGTH",
]

ROLES = ("viewer", "issuer", "owner")
_RANK = {role: rank for rank, role in enumerate(ROLES)}

INVITATION_VALIDITY = timedelta(days=7)
RESET_VALIDITY = timedelta(hours=1)
MAX_RESETS_PER_HOUR = 3  # more requests are silently ignored (no mail bombing through the form)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 20
# Delays after MAX_FAILURES_PER_EMAIL failures: 2 ** (failures - MAX_FAILURES_PER_EMAIL) seconds,
# capped for everyone (the owner, from anywhere, waits at most this) and for the failing address.
EMAIL_DELAY_CAP = 30
ADDRESS_DELAY_CAP = int(FAILURE_WINDOW.total_seconds())
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; a bound keeps a request cheap

# One hasher: argon2id with the library's current recommended parameters (RFC 9106 low-memory
# profile in argon2-cffi >= 21.2). Tests may swap it for a cheaper one.
hasher = PasswordHasher()
# Verified when the e-mail is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH: list[str] = []


class TooManyAttempts(BadgerError):
    """Sign-in refused before checking the password: too many recent failures (HTTP 429)."""

    code = "auth.too_many_attempts"

    def __init__(self, message: str = "too many failed sign-ins; try again later", *, retry_after: int = 900):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewInvitation:
    id: str
    email: str
    role: str
    url: str  # the link sent by e-mail (contains the secret; never stored)
    expires_at: datetime


@dataclass(frozen=True)
class Access:
    """What the signed-in person may do on one partner's dashboard."""

    issuer: Issuer
    role: str
    member: bool  # False: a platform administrator who is not a member


def _token() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, _hash(secret)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", code="account.invalid_role")
    return role


def has_role(role: str | None, required: str) -> bool:
    """``role`` is at least ``required`` (viewer < issuer < owner)."""
    return role in _RANK and _RANK[role] >= _RANK[required]


def _email(email: str) -> str:
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("an e-mail address is required", code="account.invalid_email")
    try:
        return normalise_email(email)
    except InvalidInput as exc:
        raise InvalidInput("this is not a valid e-mail address", code="account.invalid_email") from exc


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInput("a name is required (200 characters at most)", code="account.invalid_name")
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", code="account.password_too_short"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must be at most {MAX_PASSWORD_LENGTH} characters", code="account.password_too_long"
        )
    return password


def actor_of(user: User) -> audit.Actor:
    return audit.Actor(f"user:{user.id}", user.email)


# ------------------------------------------------------------------------------------- accounts


def create_user(app: Badger, session: Session, *, email: str, name: str, password: str, is_admin: bool = False) -> User:
    """A new account. Raises InvalidInput (e-mail, name, password too short) and Conflict
    (``account.email_taken``)."""
    email, name = _email(email), _name(name)
    _check_password(password)
    if repo.user_by_email(session, email) is not None:
        raise Conflict("an account with this e-mail exists", code="account.email_taken")
    user = User(
        id=app.new_id(),
        email=email,
        name=name,
        password_hash=hasher.hash(password),
        is_admin=bool(is_admin),
        session_nonce=secrets.token_hex(8),
        created_at=app.clock(),
    )
    repo.add(session, user)
    return user


def get_user(session: Session, user_id: str) -> User | None:
    return repo.user_by_id(session, user_id)


def find_user(session: Session, email: str) -> User | None:
    """The account with this e-mail, or None. Raises InvalidInput (not an e-mail)."""
    return repo.user_by_email(session, _email(email))


def list_users(session: Session) -> list[User]:
    return repo.users(session)


def authenticate(app: Badger, session: Session, email: str, password: str, *, ip: str) -> User | None:
    """The account for ``email`` and ``password``, or None (unknown e-mail and wrong password
    answer alike, in about the same time). A failure is recorded in the caller's transaction:
    the caller must commit even when this returns None. Raises TooManyAttempts when the e-mail
    or the client address has failed too often recently (checked before the password)."""
    now = app.clock()
    ip = (ip or "unknown")[:64]
    try:
        email = _email(email)
    except InvalidInput:
        email = (email or "").strip().lower()[:320]
    since = now - FAILURE_WINDOW
    if repo.count_failures_by_ip(session, ip, since) >= MAX_FAILURES_PER_IP:
        raise TooManyAttempts(retry_after=int(FAILURE_WINDOW.total_seconds()))
    wait = max(
        _wait(now, *repo.failures_since(session, email, since), cap=EMAIL_DELAY_CAP),
        _wait(now, *repo.failures_since(session, email, since, ip=ip), cap=ADDRESS_DELAY_CAP),
    )
    if wait > 0:
        raise TooManyAttempts(retry_after=wait)
    user = repo.user_by_email(session, email) if email else None
    password = password if isinstance(password, str) and len(password) <= MAX_PASSWORD_LENGTH else ""
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher.hash(secrets.token_hex(16)))
        _verify(_DUMMY_HASH[0], password)
        ok = False
    else:
        ok = _verify(user.password_hash, password)
    if not ok:
        repo.prune_failures(session, now - timedelta(days=1))
        repo.add_login_failure(session, email=email, ip=ip, at=now)
        return None
    assert user is not None  # ok is False when there is no such user
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = now
    repo.clear_failures(session, email)
    return user


def _wait(now: datetime, failures: int, latest: datetime | None, *, cap: int) -> int:
    """Seconds still to wait after ``failures`` failures, the latest at ``latest`` (0: none)."""
    if failures < MAX_FAILURES_PER_EMAIL or latest is None:
        return 0
    delay = min(cap, 2 ** min(failures - MAX_FAILURES_PER_EMAIL, 20))
    remaining = (_aware(latest) + timedelta(seconds=delay) - _aware(now)).total_seconds()
    return max(0, int(remaining + 0.999))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def update_profile(app: Badger, session: Session, user: User, *, name: str) -> User:
    user.name = _name(name)
    session.flush()
    return user


def change_password(app: Badger, session: Session, user: User, *, current: str, new: str) -> User:
    """Raises InvalidInput (``account.wrong_password``, password too short). Signs out the
    account's other sessions (the session nonce changes; the caller logs this one in again)."""
    if not _verify(user.password_hash, current or ""):
        raise InvalidInput("the current password is wrong", code="account.wrong_password")
    _set_password(app, session, user, new)
    return user


def _set_password(app: Badger, session: Session, user: User, password: str) -> None:
    user.password_hash = hasher.hash(_check_password(password))
    user.session_nonce = secrets.token_hex(8)
    repo.expire_resets(session, user.id, app.clock())
    repo.clear_failures(session, user.email)
    session.flush()


# ---------------------------------------------------------------------------------- memberships


def role_of(session: Session, user_id: str, issuer_id: str) -> str | None:
    """The role of ``user_id`` in ``issuer_id``, or None when not a member."""
    row = repo.membership(session, user_id, issuer_id)
    return row.role if row is not None else None


def memberships_of(session: Session, user: User) -> list[tuple[Issuer, str]]:
    """The partners ``user`` belongs to, with the role in each, by partner name."""
    return [(issuer, m.role) for m, issuer in repo.memberships_of_user(session, user.id)]


def members(session: Session, issuer: Issuer) -> list[tuple[User, str]]:
    return [(user, m.role) for m, user in repo.members_of_issuer(session, issuer.id)]


def add_membership(
    app: Badger, session: Session, user: User, issuer: Issuer, role: str, *, actor: audit.Actor
) -> Membership:
    """Make ``user`` a member of ``issuer`` with ``role`` (or change the role of a member).
    Records ``staff.join`` (or ``staff.role_change``)."""
    _check_role(role)
    row = repo.membership(session, user.id, issuer.id)
    if row is not None:
        if row.role != role:
            change_role(app, session, issuer, user.id, role, actor=actor)
        return row
    row = Membership(id=app.new_id(), user_id=user.id, issuer_id=issuer.id, role=role, created_at=app.clock())
    repo.add(session, row)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="staff.join",
        target=user.email,
        detail={"role": role, "user": user.id},
    )
    return row


def change_role(
    app: Badger, session: Session, issuer: Issuer, user_id: str, role: str, *, actor: audit.Actor
) -> Membership:
    """Raises NotFound (not a member), Conflict (``staff.last_owner``: the last owner cannot
    step down)."""
    _check_role(role)
    row = repo.membership(session, user_id, issuer.id)
    if row is None:
        raise NotFound("no such member", code="staff.not_found")
    if row.role == role:
        return row
    if row.role == "owner" and repo.count_owners(session, issuer.id) <= 1:
        raise Conflict("a partner keeps at least one owner", code="staff.last_owner")
    previous, row.role = row.role, role
    session.flush()
    user = repo.user_by_id(session, user_id)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="staff.role_change",
        target=user.email if user else user_id,
        detail={"from": previous, "to": role, "user": user_id},
    )
    return row


def remove_member(app: Badger, session: Session, issuer: Issuer, user_id: str, *, actor: audit.Actor) -> None:
    """Raises NotFound, Conflict (``staff.last_owner``)."""
    row = repo.membership(session, user_id, issuer.id)
    if row is None:
        raise NotFound("no such member", code="staff.not_found")
    if row.role == "owner" and repo.count_owners(session, issuer.id) <= 1:
        raise Conflict("a partner keeps at least one owner", code="staff.last_owner")
    role = row.role
    repo.delete_membership(session, row)
    user = repo.user_by_id(session, user_id)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="staff.remove",
        target=user.email if user else user_id,
        detail={"role": role, "user": user_id},
    )


def dashboard_access(session: Session, user_id: str, is_admin: bool, slug: str) -> Access:
    """The partner ``slug`` and the role of ``user_id`` there. A platform administrator acts as
    an owner everywhere. Raises NotFound for an unknown partner and for a partner the person
    does not belong to (the dashboard does not reveal which partners exist)."""
    issuer = repositories.issuer_by_slug(session, slug) if isinstance(slug, str) and len(slug) <= 64 else None
    if issuer is None:
        raise NotFound("no such partner", code="partner.not_found")
    role = role_of(session, user_id, issuer.id)
    if role is None and not is_admin:
        raise NotFound("no such partner", code="partner.not_found")
    issuer.keys  # noqa: B018 -- loaded now: the row outlives its session (g.issuer)
    return Access(issuer=issuer, role="owner" if is_admin else cast(str, role), member=role is not None)


# ---------------------------------------------------------------------------------- invitations


def invite(
    app: Badger, session: Session, issuer: Issuer, email: str, role: str, *, actor: audit.Actor, lang: str = "fr"
) -> NewInvitation:
    """Invite ``email`` to join ``issuer`` with ``role``: a single-use link valid 7 days is
    e-mailed (template ``invitation``). A newer invitation replaces a pending one for the same
    e-mail. Raises InvalidInput, Conflict (``staff.already_member``)."""
    email, role = _email(email), _check_role(role)
    existing = repo.user_by_email(session, email)
    if existing is not None and repo.membership(session, existing.id, issuer.id) is not None:
        raise Conflict("this person is already a member", code="staff.already_member")
    now = app.clock()
    repo.revoke_pending_invitations(session, issuer.id, email, now)
    secret, token_hash = _token()
    row = Invitation(
        id=app.new_id(),
        issuer_id=issuer.id,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=actor.id,
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    repo.add(session, row)
    url = app.url("account", "invitations", secret)
    audit.record(
        app, session, issuer_id=issuer.id, actor=actor, action="staff.invite", target=email, detail={"role": role}
    )

    mail.enqueue(
        app,
        session,
        to=email,
        template="invitation",
        lang=lang,
        issuer_id=issuer.id,
        context={"partner": issuer.name, "role": role, "url": url, "inviter": actor.label or actor.id},
    )
    return NewInvitation(id=row.id, email=email, role=role, url=url, expires_at=row.expires_at)


def pending_invitations(app: Badger, session: Session, issuer: Issuer) -> list[Invitation]:
    return repo.pending_invitations(session, issuer.id, app.clock())


def revoke_invitation(app: Badger, session: Session, issuer: Issuer, invitation_id: str, *, actor: audit.Actor) -> None:
    for row in repo.pending_invitations(session, issuer.id, app.clock()):
        if row.id == invitation_id:
            row.revoked_at = app.clock()
            session.flush()
            audit.record(
                app,
                session,
                issuer_id=issuer.id,
                actor=actor,
                action="staff.invite_revoke",
                target=row.email,
                detail={"role": row.role},
            )
            return
    raise NotFound("no such invitation", code="invitation.not_found")


def _usable_invitation(app: Badger, session: Session, token: str) -> Invitation:
    row = repo.invitation_by_hash(session, _hash(token)) if isinstance(token, str) and 0 < len(token) <= 200 else None
    if row is None or row.revoked_at is not None:
        raise NotFound("this invitation link is not valid", code="invitation.invalid")
    if row.accepted_at is not None:
        raise Conflict("this invitation has already been used", code="invitation.used")
    if _aware(row.expires_at) <= _aware(app.clock()):
        raise Conflict("this invitation has expired", code="invitation.expired")
    return row


def invitation_info(app: Badger, session: Session, token: str) -> tuple[Invitation, Issuer, bool]:
    """(invitation, partner, whether an account with that e-mail exists). Raises NotFound
    (``invitation.invalid``), Conflict (``invitation.used``, ``invitation.expired``)."""
    row = _usable_invitation(app, session, token)
    issuer = session.get(Issuer, row.issuer_id)
    assert issuer is not None  # row.issuer_id is a foreign key
    return row, issuer, repo.user_by_email(session, row.email) is not None


def accept_invitation(
    app: Badger, session: Session, token: str, *, name: str | None = None, password: str | None = None
) -> tuple[User, bool]:
    """Use an invitation: the account with the invited e-mail gets the membership; when there
    is no such account, one is created with ``name`` and ``password``. Returns (user, created).
    Raises NotFound / Conflict (see invitation_info), InvalidInput (name, password)."""
    row = _usable_invitation(app, session, token)
    issuer = session.get(Issuer, row.issuer_id)
    assert issuer is not None  # row.issuer_id is a foreign key
    user = repo.user_by_email(session, row.email)
    created = user is None
    if created:
        user = create_user(app, session, email=row.email, name=name or "", password=password or "")
    assert user is not None  # found, or created just above
    row.accepted_at, row.accepted_by = app.clock(), user.id
    session.flush()
    if repo.membership(session, user.id, issuer.id) is None:
        add_membership(app, session, user, issuer, row.role, actor=actor_of(user))
    return user, created


# ------------------------------------------------------------------------------ password resets


def request_password_reset(app: Badger, session: Session, email: str, *, lang: str = "fr") -> None:
    """E-mail a single-use link (1 hour) to choose a new password, when an account has this
    address. Answers the same (nothing) whether it exists or not; silently does nothing after
    3 requests within an hour for the same account."""
    try:
        email = _email(email)
    except InvalidInput:
        return
    user = repo.user_by_email(session, email)
    if user is None:
        return
    now = app.clock()
    if repo.recent_resets(session, user.id, now - timedelta(hours=1)) >= MAX_RESETS_PER_HOUR:
        return
    repo.expire_resets(session, user.id, now)  # only the newest link works
    secret, token_hash = _token()
    repo.add(
        session,
        PasswordReset(
            id=app.new_id(), user_id=user.id, token_hash=token_hash, created_at=now, expires_at=now + RESET_VALIDITY
        ),
    )

    mail.enqueue(
        app,
        session,
        to=user.email,
        template="password_reset",
        lang=lang,
        context={"url": app.url("account", "password-reset", secret)},
    )


def _usable_reset(app: Badger, session: Session, token: str) -> PasswordReset:
    row = repo.reset_by_hash(session, _hash(token)) if isinstance(token, str) and 0 < len(token) <= 200 else None
    if row is None or row.used_at is not None or _aware(row.expires_at) <= _aware(app.clock()):
        raise NotFound("this link is not valid any more", code="password_reset.invalid")
    return row


def check_reset_token(app: Badger, session: Session, token: str) -> None:
    """Raises NotFound (``password_reset.invalid``) for an unknown, used or expired link."""
    _usable_reset(app, session, token)


def reset_password(app: Badger, session: Session, token: str, password: str) -> User:
    """Set a new password through a reset link (then the link is used up and the account's
    sessions end). Raises NotFound (``password_reset.invalid``), InvalidInput (password)."""
    row = _usable_reset(app, session, token)
    user = repo.user_by_id(session, row.user_id)
    assert user is not None  # row.user_id is a foreign key
    _set_password(app, session, user, password)
    row.used_at = app.clock()
    session.flush()
    return user


# ------------------------------------------------------------------------------------- partners


def create_partner(
    app: Badger,
    session: Session,
    *,
    name: str,
    url: str,
    slug: str | None,
    owner_email: str,
    actor: audit.Actor,
    lang: str = "fr",
) -> tuple[Issuer, NewInvitation]:
    """A new partner (issuer with fresh keys) and an invitation for its first owner. Raises
    InvalidInput, Conflict (slug taken)."""
    owner_email = _email(owner_email)
    issuer = issuers.create_issuer(app, session, name=name, url=url, slug=slug or None)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="partner.create",
        target=issuer.slug,
        detail={"name": issuer.name, "owner": owner_email},
    )
    invitation = invite(app, session, issuer, owner_email, "owner", actor=actor, lang=lang)
    return issuer, invitation


def rotate_keys(app: Badger, session: Session, issuer: Issuer, *, actor: audit.Actor) -> Issuer:
    """New signing keys for ``issuer`` (old ones stay published), recorded as ``key.rotate``.
    Raises Conflict for a did:key issuer."""
    issuer = issuers.rotate_keys(app, session, issuer)
    active = sorted(k.fragment for k in issuer.keys if k.active)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="key.rotate",
        target=issuer.slug,
        detail={"active": active},
    )
    return issuer

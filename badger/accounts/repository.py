"""Queries on accounts, memberships, invitations, password resets, failed sign-ins and the
API tokens listed on the dashboard (flush, never commit: the caller owns the transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from badger.accounts.models import (
    ApiToken,
    Invitation,
    LoginAttempt,
    Membership,
    PasswordReset,
    User,
)
from badger.issuers.models import Issuer

__all__ = [
    "add",
    "user_by_id",
    "user_by_email",
    "users",
    "membership",
    "memberships_of_user",
    "members_of_issuer",
    "count_owners",
    "delete_membership",
    "invitation_by_hash",
    "pending_invitations",
    "revoke_pending_invitations",
    "reset_by_hash",
    "recent_resets",
    "expire_resets",
    "add_login_failure",
    "count_failures_by_email",
    "count_failures_by_ip",
    "clear_failures",
    "prune_failures",
    "tokens_of",
    "token_of",
]


def add(session: Session, row) -> None:
    session.add(row)
    session.flush()


# ---------------------------------------------------------------------------------------- users


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


# ---------------------------------------------------------------------------------- memberships


def membership(session: Session, user_id: str, issuer_id: str) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.issuer_id == issuer_id))


def memberships_of_user(session: Session, user_id: str) -> list[tuple[Membership, Issuer]]:
    query = (
        select(Membership, Issuer)
        .join(Issuer, Issuer.id == Membership.issuer_id)
        .where(Membership.user_id == user_id)
        .order_by(Issuer.name, Issuer.slug)
    )
    return [(m, i) for m, i in session.execute(query)]


def members_of_issuer(session: Session, issuer_id: str) -> list[tuple[Membership, User]]:
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.issuer_id == issuer_id)
        .order_by(User.name, User.email)
    )
    return [(m, u) for m, u in session.execute(query)]


def count_owners(session: Session, issuer_id: str) -> int:
    return cast(
        int,
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.issuer_id == issuer_id, Membership.role == "owner")
        ),
    )


def delete_membership(session: Session, row: Membership) -> None:
    session.delete(row)
    session.flush()


# ---------------------------------------------------------------------------------- invitations


def invitation_by_hash(session: Session, token_hash: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))


def pending_invitations(session: Session, issuer_id: str, now: datetime) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.issuer_id == issuer_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.email)
        )
    )


def revoke_pending_invitations(session: Session, issuer_id: str, email: str, now: datetime) -> None:
    session.execute(
        update(Invitation)
        .where(
            Invitation.issuer_id == issuer_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    session.flush()


# ------------------------------------------------------------------------------ password resets


def reset_by_hash(session: Session, token_hash: str) -> PasswordReset | None:
    return session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash))


def recent_resets(session: Session, user_id: str, since: datetime) -> int:
    return cast(
        int,
        session.scalar(
            select(func.count())
            .select_from(PasswordReset)
            .where(PasswordReset.user_id == user_id, PasswordReset.created_at > since)
        ),
    )


def expire_resets(session: Session, user_id: str, now: datetime) -> None:
    """Make every unused reset link of ``user_id`` unusable (a newer one, or a new password)."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    session.flush()


# ---------------------------------------------------------------------------- failed sign-ins


def add_login_failure(session: Session, *, email: str, ip: str, at: datetime) -> None:
    session.add(LoginAttempt(email=email, ip=ip, at=at))
    session.flush()


def count_failures_by_email(session: Session, email: str, since: datetime) -> int:
    return cast(
        int,
        session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.at > since)
        ),
    )


def failures_since(
    session: Session, email: str, since: datetime, *, ip: str | None = None
) -> tuple[int, datetime | None]:
    """(number, time of the latest) of the failed sign-ins for ``email`` (from ``ip`` when given)."""
    query = select(func.count(), func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.at > since)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    count, latest = session.execute(query).one()
    return int(count or 0), latest


def count_failures_by_ip(session: Session, ip: str, since: datetime) -> int:
    return cast(
        int,
        session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.ip == ip, LoginAttempt.at > since)
        ),
    )


def clear_failures(session: Session, email: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    session.flush()


def prune_failures(session: Session, before: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))
    session.flush()


# ----------------------------------------------------------------------------------- API tokens


def tokens_of(session: Session, issuer_id: str) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.issuer_id == issuer_id).order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def token_of(session: Session, issuer_id: str, token_id: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.issuer_id == issuer_id, ApiToken.id == token_id))


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))

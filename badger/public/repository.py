"""The public pages' own query: what a credential page shows, besides its signed document and
time, in one statement (public.service.page_version). Reads only; it flushes nothing."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from badger.issuance.models import Credential
from badger.issuers.models import IssuerKey
from badger.programmes.models import Endorsement
from badger.recognition.models import CredentialEndorsement


def _page_version_statement():
    of_issuer = IssuerKey.issuer_id == Credential.issuer_id
    endorsed = CredentialEndorsement.credential_id == Credential.id
    profile = (Endorsement.target_kind == "profile") & (Endorsement.target_id == Credential.issuer_id)
    return select(
        Credential.status,
        Credential.status_reason,
        Credential.status_changed_at,
        select(func.count(IssuerKey.id)).where(of_issuer).scalar_subquery(),
        select(func.count(IssuerKey.id)).where(of_issuer, IssuerKey.active.is_(True)).scalar_subquery(),
        select(func.max(IssuerKey.created_at)).where(of_issuer).scalar_subquery(),
        select(func.count(CredentialEndorsement.id))
        .where(endorsed, CredentialEndorsement.state == "accepted")
        .scalar_subquery(),
        select(func.max(CredentialEndorsement.decided_at)).where(endorsed).scalar_subquery(),
        select(func.count(Endorsement.id)).where(profile).scalar_subquery(),
        select(func.max(Endorsement.created_at)).where(profile).scalar_subquery(),
    ).where(Credential.id == bindparam("credential_id"))


# Built once: constructing the statement costs more than running it (SQLAlchemy caches its
# compiled form, not the Python objects).
_PAGE_VERSION = _page_version_statement()


def credential_page_version(session: Session, credential_id: str) -> tuple | None:
    """``(status, status_reason, status_changed_at, keys, active keys, newest key, accepted
    endorsements, latest endorsement decision, profile endorsements, newest profile
    endorsement)`` of the credential, or None when there is no such credential.

    Each part changes with what changes the page: a revocation, suspension or lifting sets the
    status and its time (the status list bit changes with them, in the same transaction); a key
    rotation adds keys and deactivates the old ones; a holder's decision on an endorsement sets
    its decision time and changes the accepted count; a partner's endorsement of the issuer adds
    (or removes) a row. Indexed lookups only (credential id, issuer id, credential id, target id)."""
    # On the session's connection: a Core statement needs none of the ORM's result machinery.
    row = session.connection().execute(_PAGE_VERSION, {"credential_id": credential_id}).first()
    return tuple(row) if row is not None else None

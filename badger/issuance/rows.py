"""Readable rows for the partner dashboard's credentials list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from badger.achievements import service as achievements
from badger.core.app import Badger
from badger.core.db import Session
from badger.core.listing import ListQuery, Page
from badger.errors import InvalidInput
from badger.issuance import issuing
from badger.issuance import repository as issuance_repo
from badger.issuance.models import Credential
from badger.issuers.models import Issuer


@dataclass(frozen=True)
class CredentialRow:
    id: str
    url: str
    achievement_id: str
    achievement_name: str
    recipient_name: str | None
    recipient_did: str | None
    format: str
    status: str
    status_reason: str | None
    issued_at: datetime


def _recipient_name(document: dict) -> str | None:
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    for identifier in subject.get("identifier") or [] if isinstance(subject, dict) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            return identifier.get("identityHash")
    return None


def _row(app: Badger, row: Credential, names: dict[str, str]) -> CredentialRow:
    try:
        document = json.loads(row.document)
    except ValueError:
        document = {}
    return CredentialRow(
        id=row.id,
        url=app.url("credentials", row.id),
        achievement_id=row.achievement_id,
        achievement_name=names.get(row.achievement_id, ""),
        recipient_name=_recipient_name(document),
        recipient_did=row.recipient_did,
        format=row.format,
        status=row.status,
        status_reason=row.status_reason,
        issued_at=row.issued_at,
    )


def credential_page(
    app: Badger,
    session: Session,
    issuer: Issuer,
    query: ListQuery,
    *,
    achievement: str | None = None,
    status: str | None = None,
    ids: list[str] | None = None,
) -> Page:
    """One page of the issuer's credentials as CredentialRows, sorted and searched in SQL:
    ``query.q`` is looked for in the recipient's name and DID, and when it looks like an
    e-mail address, as the recipient's address (compared through its keyed hash: addresses
    are not stored). ``query.sort``: a key of issuance.repository.CREDENTIAL_SORTS."""
    lookup = None
    if "@" in query.q:
        try:
            lookup = issuing.recipient_lookup(app, query.q)
        except InvalidInput:
            pass  # not an address: searched as text only
    found, total = issuance_repo.credential_page(
        session,
        issuer.id,
        search=query.q,
        search_lookup=lookup,
        achievement_id=achievement,
        status=status,
        ids=ids,
        sort=query.sort,
        desc=query.desc,
        offset=query.offset,
        limit=query.limit,
    )
    rows = [
        CredentialRow(
            id=row.id,
            url=app.url("credentials", row.id),
            achievement_id=row.achievement_id,
            achievement_name=name,
            recipient_name=row.recipient_name,
            recipient_did=row.recipient_did,
            format=row.format,
            status=row.status,
            status_reason=row.status_reason,
            issued_at=row.issued_at,
        )
        for row, name in found
    ]
    return Page(rows, total, query)


def credential_row(app: Badger, session: Session, issuer: Issuer, credential_id: str) -> CredentialRow:
    """One of the issuer's credentials. Raises NotFound (also for another issuer's)."""
    row = issuing.get_credential(session, credential_id, issuer=issuer)
    names = {row.achievement_id: achievements.get_achievement(session, row.achievement_id, drafts=True).name}
    return _row(app, row, names)

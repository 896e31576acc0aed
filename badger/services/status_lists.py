"""Per-issuer Bitstring Status Lists: random index allocation (herd privacy), signed list credentials."""

from __future__ import annotations

import secrets

from badger.errors import NotFound
from badger.proofs.data_integrity import add_proof
from badger.services.app import Badger, xsd_datetime
from badger.services.issuers import signing_key
from badger.status import encode_list, new_list, set_bit, status_entry, status_list_credential
from badger.store import Credential, Issuer, StatusList, repositories as repo
from badger.store.repositories import Session

__all__ = ["ensure_list", "allocate_entry", "signed_list_credential", "set_status", "LIST_SIZE"]

LIST_SIZE = 131_072  # the spec's minimum (W3C Bitstring Status List §6.1 herd privacy)


def ensure_list(app: Badger, session: Session, issuer: Issuer, purpose: str = "revocation") -> StatusList:
    """The issuer's list for ``purpose``, created on first use (at issuer creation, so that
    concurrent first issuances do not race to create it)."""
    row = repo.status_list(session, issuer.id, purpose)
    if row is None:
        row = StatusList(id=app.new_id(), issuer_id=issuer.id, purpose=purpose, size=LIST_SIZE, bits=bytes(new_list(LIST_SIZE)))
        session.add(row)
        session.flush()
    return row


def allocate_entry(app: Badger, session: Session, issuer: Issuer) -> tuple[int, dict]:
    """A random unused index in the issuer's revocation list -> (index, credentialStatus entry)."""
    row = ensure_list(app, session, issuer, "revocation")
    # One indexed lookup per draw (not a read of every index issued so far: that made each
    # issuance slower as the list filled). The unique constraint settles concurrent draws.
    index = secrets.randbelow(row.size)
    while repo.status_index_taken(session, issuer.id, index):
        index = secrets.randbelow(row.size)
    return index, status_entry(list_url=app.url("status", row.id), index=index, purpose="revocation")


def set_status(session: Session, credential: Credential, revoked: bool) -> None:
    row = repo.status_list(session, credential.issuer_id, "revocation")
    bits = bytearray(row.bits)
    set_bit(bits, credential.status_index, 1 if revoked else 0)
    row.bits = bytes(bits)
    session.flush()


def signed_list_credential(app: Badger, session: Session, list_id: str) -> dict:
    """The BitstringStatusListCredential for ``list_id``, signed now by its issuer."""
    row = session.get(StatusList, list_id)
    if row is None:
        raise NotFound("no such status list", code="status.not_found")
    issuer = session.get(Issuer, row.issuer_id)
    now = xsd_datetime(app.clock())
    # validFrom is the issuer's creation, not "now": a verifier whose clock read a moment
    # earlier must not find the list "not yet valid".
    since = xsd_datetime(issuer.created_at)
    document = status_list_credential(id=app.url("status", row.id), issuer=issuer.did, purpose=row.purpose,
                                      encoded_list=encode_list(row.bits), valid_from=since)
    vm, pair = signing_key(app, issuer)
    return add_proof(document, keypair=pair, verification_method=vm, created=now)

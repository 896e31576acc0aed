"""Keys Badger holds for people who are not partners: a learner account's endorsement key.

They live here, beside the partners' keys, rather than in ``badger.learners``: the verifier
(``badger.verifying``, below learners) answers this instance's own DID documents from the
database, never over HTTP to itself, and so must be able to read them. The owner is an opaque
string chosen by the area above (``learner:<account id>``); this module knows nothing of
learners.

- ``held_key``: the owner's key, created on first need (Ed25519, a random id, the did:web
  ``did:web:<host>:<prefix>:<id>``, the private key sealed by ``app.keystore`` like issuers').
- ``held_did_document``: its DID document; raises ``Gone`` once the key is retired.
- ``retire``: erase the owner's key (private and public parts): the DID then answers 410 Gone
  and what it signed no longer verifies anywhere. The id stays taken (a tombstone row with no
  key and no owner), so the DID can never name someone else.
"""

from __future__ import annotations

from badger.core.app import Badger
from badger.core.db import Session, insert_unique
from badger.errors import Conflict, NotFound
from badger.issuers import repository as repo
from badger.issuers.models import HeldKey
from badger.keys import Ed25519KeyPair, did_document, did_web

__all__ = ["Gone", "held_key", "find_held_key", "held_did_document", "held_signing_key", "retire"]

FRAGMENT = "key-1"


class Gone(NotFound):
    """The DID existed and its key was erased with its owner (the web answers 410)."""


def held_key(app: Badger, session: Session, owner: str, *, prefix: str) -> HeldKey:
    """The owner's key, created on first need under ``did:web:<host>:<prefix>:<random id>``."""
    row = repo.held_key_by_owner(session, owner)
    if row is not None:
        return row
    key_id = app.new_id()
    pair = Ed25519KeyPair.generate()
    row = HeldKey(
        id=key_id,
        owner=owner,
        did=did_web(app.base_url, prefix, key_id),
        fragment=FRAGMENT,
        public_key=pair.public_key_multibase,
        private_key=app.keystore.seal(pair.private_bytes, key_id),
        created_at=app.clock(),
    )
    try:
        insert_unique(session, row)
    except Conflict:  # a concurrent first endorsement of the same owner created it
        existing = repo.held_key_by_owner(session, owner)
        if existing is None:
            raise
        return existing
    return row


def find_held_key(session: Session, owner: str) -> HeldKey | None:
    return repo.held_key_by_owner(session, owner)


def held_did_document(session: Session, did: str) -> dict:
    """The DID document of a held key. Raises NotFound (never existed), Gone (retired)."""
    row = repo.held_key_by_did(session, did)
    if row is None:
        raise NotFound("no such DID", code="key.did_not_found")
    if row.public_key is None:
        raise Gone("this DID was deactivated: its owner deleted their account", code="key.did_deactivated")
    return did_document(row.did, multikeys=[(f"#{row.fragment}", Ed25519KeyPair.from_multikey(row.public_key))])


def held_signing_key(app: Badger, row: HeldKey) -> tuple[str, Ed25519KeyPair]:
    """(verification method id, Ed25519 pair) of a live held key."""
    if row.private_key is None:
        raise NotFound("this key was erased", code="key.did_deactivated")
    return f"{row.did}#{row.fragment}", Ed25519KeyPair.from_private_bytes(app.keystore.open(row.private_key, row.id))


def retire(app: Badger, session: Session, owner: str) -> str | None:
    """Erase the owner's key (module docstring) -> its DID, or None when it had none."""
    row = repo.held_key_by_owner(session, owner)
    if row is None:
        return None
    row.owner, row.public_key, row.private_key, row.retired_at = None, None, None, app.clock()
    session.flush()
    return row.did

"""Per-issuer Bitstring Status Lists: random index allocation (herd privacy), signed list credentials.

W3C Bitstring Status List v1.0 (REC): each issuer has two lists, one per ``statusPurpose``
("revocation", "suspension"), each of LIST_SIZE entries. A credential gets a random index in
each, drawn independently, so neither the position in one list nor the pair says in which
order credentials were issued, nor links a credential's two indexes (Privacy Considerations,
"Herd Privacy" and "Correlation").

What the signed ``credentialStatus`` says depends on the issuer's ``status_form``:
- "ob3" (the default since migration 0010): ONE BitstringStatusListEntry object, revocation.
  OB 3.0 (AchievementCredential.credentialStatus, multiplicity 0..1) and the published 1EdTech
  JSON Schema accept a single object only, and the 1EdTech validator refuses the array at its
  schema step. Suspension stays a Badger state: the suspension index is still drawn and its bit
  still set (one mechanism for every credential), but the document does not point at it; Badger's
  own pages and verifier read the credential's state (`own_suspension`).
- "vc2" (an issuer's opt-in): the revocation AND suspension entries as an array, what VC Data
  Model 2.0 §4.10 "Status" allows ("a single object or a set of one or more objects") and what
  §2.1 of the status list spec shows; any VC 2.0 verifier then sees a suspension. Other OB 3.0
  validators refuse the array, which is why it is not the default.
Credentials issued before 0010 carry the array (or, before suspension existed, one revocation
entry) and keep verifying: badger.credentials.validation accepts both forms in mode "verify".

Lists are signed once per change (§2.2 BitstringStatusListCredential; kept per process by
`list_version`), so a change is visible at once and an unchanged list is never signed again;
`list_version` gives a validator (ETag) that changes with the bits and the signing key.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
from collections import OrderedDict
from typing import NamedTuple

from badger.core import db as core_db
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.errors import Conflict, NotFound
from badger.issuance import repository as issuance_repo
from badger.issuance.models import Credential, StatusList, VcApiCredential
from badger.issuers.models import Issuer
from badger.issuers.service import STATUS_FORMS, signing_key
from badger.proofs.data_integrity import add_proof
from badger.status import encode_list, new_list, status_entry, status_list_credential
from badger.status import set_status as set_entry_status

__all__ = [
    "ensure_list",
    "allocate_entries",
    "allocate_entries_many",
    "allocate_entry",
    "allocate_purposes",
    "signed_list_credential",
    "list_version",
    "set_status",
    "StatusAllocation",
    "LIST_SIZE",
    "PURPOSES",
    "STATUS_FORMS",
    "own_suspension",
]

LIST_SIZE = 131_072  # §2.2 / §3.2: the minimum length, 16 KB of bits (herd privacy)
PURPOSES = ("revocation", "suspension")


class StatusAllocation(NamedTuple):
    """The indexes drawn for one credential and its ``credentialStatus`` value: one object
    (form "ob3") or the list of both entries (form "vc2")."""

    revocation_index: int
    suspension_index: int
    entries: dict | list[dict]


def ensure_list(app: Badger, session: Session, issuer: Issuer, purpose: str = "revocation") -> StatusList:
    """The issuer's list for ``purpose``, created on first use. Created in a savepoint: when two
    first issuances race (an issuer created before suspension existed), the loser of the unique
    (issuer, purpose) constraint reads the winner's list instead of failing."""
    row = issuance_repo.status_list(session, issuer.id, purpose)
    if row is None:
        row = StatusList(
            id=app.new_id(), issuer_id=issuer.id, purpose=purpose, size=LIST_SIZE, bits=bytes(new_list(LIST_SIZE))
        )
        try:
            core_db.insert_unique(session, row)
        except Conflict:
            row = issuance_repo.status_list(session, issuer.id, purpose)
            if row is None:
                raise
    return row


def _form(issuer: Issuer, form: str | None) -> str:
    form = form or issuer.status_form or "ob3"
    if form not in STATUS_FORMS:
        raise ValueError(f"unknown status form {form!r}")
    return form


def allocate_entries(app: Badger, session: Session, issuer: Issuer, form: str | None = None) -> StatusAllocation:
    """Random unused indexes in the issuer's revocation and suspension lists, drawn
    independently, and the ``credentialStatus`` value (§2.1) in ``form`` ("ob3": the revocation
    entry alone; "vc2": both entries), by default the issuer's ``status_form``."""
    return allocate_entries_many(app, session, issuer, 1, form)[0]


def _allocation(
    app: Badger, revocation: StatusList, suspension: StatusList, r_index: int, s_index: int, form: str
) -> StatusAllocation:
    entries = [
        status_entry(list_url=app.url("status", revocation.id), index=r_index, purpose="revocation"),
        status_entry(list_url=app.url("status", suspension.id), index=s_index, purpose="suspension"),
    ]
    return StatusAllocation(r_index, s_index, entries if form == "vc2" else entries[0])


def _draw_many(row: StatusList, count: int, taken_among) -> list[int]:
    """``count`` distinct random free indexes: candidates are drawn at random and the taken ones
    found with one query per round (a round is rarely more than one while a list is not full)."""
    chosen: list[int] = []
    picked: set[int] = set()
    while len(chosen) < count:
        candidates: set[int] = set()
        while len(candidates) < count - len(chosen):
            index = secrets.randbelow(row.size)
            if index not in picked:
                candidates.add(index)
        taken = taken_among(sorted(candidates))
        for index in candidates:
            if index not in taken:
                chosen.append(index)
                picked.add(index)
        picked.update(candidates)
    secrets.SystemRandom().shuffle(chosen)  # sets are not random: keep the draw order random
    return chosen


def allocate_entries_many(
    app: Badger, session: Session, issuer: Issuer, count: int, form: str | None = None
) -> list[StatusAllocation]:
    """``allocate_entries`` for ``count`` credentials at once (a chunk of a bulk job): the same
    random, independent draws, with one query per list for the indexes already taken instead of
    one per draw. The entries are built as ``allocate_entries`` builds them."""
    form = _form(issuer, form)
    revocation = ensure_list(app, session, issuer, "revocation")
    suspension = ensure_list(app, session, issuer, "suspension")
    r_indexes = _draw_many(revocation, count, lambda c: issuance_repo.status_indexes_taken(session, issuer.id, c))
    s_indexes = _draw_many(suspension, count, lambda c: issuance_repo.suspension_indexes_taken(session, issuer.id, c))
    return [_allocation(app, revocation, suspension, r, s, form) for r, s in zip(r_indexes, s_indexes, strict=True)]


def allocate_entry(app: Badger, session: Session, issuer: Issuer) -> tuple[int, dict]:
    """A revocation entry only, as issued before suspension existed -> (index, entry)."""
    row = ensure_list(app, session, issuer, "revocation")
    [index] = _draw_many(row, 1, lambda c: issuance_repo.status_indexes_taken(session, issuer.id, c))
    return index, status_entry(list_url=app.url("status", row.id), index=index, purpose="revocation")


def allocate_purposes(
    app: Badger, session: Session, issuer: Issuer, purposes: tuple[str, ...]
) -> dict[str, tuple[int, dict]]:
    """A random unused index in the issuer's list for each of ``purposes`` -> {purpose: (index,
    BitstringStatusListEntry)} (VC-API issuance, which asks for the purposes it wants)."""
    out: dict[str, tuple[int, dict]] = {}
    for purpose in purposes:
        row = ensure_list(app, session, issuer, purpose)
        taken = (
            issuance_repo.status_indexes_taken if purpose == "revocation" else issuance_repo.suspension_indexes_taken
        )
        [index] = _draw_many(row, 1, lambda c, taken=taken: taken(session, issuer.id, c))
        out[purpose] = (index, status_entry(list_url=app.url("status", row.id), index=index, purpose=purpose))
    return out


def set_status(
    session: Session, credential: Credential | VcApiCredential, value: bool, purpose: str = "revocation"
) -> None:
    """Set (``value`` true) or clear the credential's bit in its issuer's ``purpose`` list.

    The list row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions are
    BEGIN IMMEDIATE), so concurrent changes to one list never lose each other's bits. Raises
    Conflict when the credential has no entry for ``purpose``.
    """
    index = credential.status_index if purpose == "revocation" else credential.suspension_index
    if index is None:
        raise Conflict(f"this credential has no {purpose} status entry", code="status.no_entry")
    row = issuance_repo.lock_status_list(session, credential.issuer_id, purpose)
    if row is None:
        raise Conflict(f"the issuer has no {purpose} list", code="status.no_entry")
    bits = bytearray(row.bits)
    set_entry_status(bits, index, 1 if value else 0)
    row.bits = bytes(bits)
    session.flush()


def _list_and_issuer(session: Session, list_id: str) -> tuple[StatusList, Issuer]:
    row = session.get(StatusList, list_id)
    if row is None:
        raise NotFound("no such status list", code="status.not_found")
    issuer = session.get(Issuer, row.issuer_id)
    assert issuer is not None  # row.issuer_id is a foreign key
    return row, issuer


def list_version(app: Badger, session: Session, list_id: str) -> str:
    """A short validator for the list's current content: it changes when a bit, the purpose,
    the issuer's DID or the signing key changes. The signed document is signed once per version
    (signed_list_credential), but another process may have signed it at another moment (the
    proof's ``created``), so this is a weak validator (RFC 9110 §8.8.1). Raises NotFound."""
    row, issuer = _list_and_issuer(session, list_id)
    return _version(app, row, issuer)


def _version(app: Badger, row: StatusList, issuer: Issuer) -> str:
    vm, _ = signing_key(app, issuer)
    digest = hashlib.sha256()
    for part in (app.url("status", row.id), row.purpose, issuer.did, vm):
        digest.update(part.encode("utf-8") + b"\x00")
    digest.update(row.bits)
    return digest.hexdigest()[:32]


# Signed list credentials by (list id, list_version): a list is signed once per change (of its
# bits, its issuer's DID or signing key), not on every request or every verification of one
# of our credentials. Per process, bounded; a changed list has a new version, so an entry is
# never stale, only unused.
_SIGNED: OrderedDict[tuple[str, str], dict] = OrderedDict()
_SIGNED_MAX = 256
_SIGNED_LOCK = threading.Lock()


def signed_list_credential(app: Badger, session: Session, list_id: str) -> dict:
    """The BitstringStatusListCredential (§2.2) for ``list_id``, signed by its issuer when its
    content last changed (``list_version``); the proof's ``created`` is that moment."""
    row, issuer = _list_and_issuer(session, list_id)
    key = (f"{app.base_url}|{row.id}", _version(app, row, issuer))
    with _SIGNED_LOCK:
        cached = _SIGNED.get(key)
        if cached is not None:
            _SIGNED.move_to_end(key)
            return copy.deepcopy(cached)
    document = _sign_list(app, row, issuer)
    with _SIGNED_LOCK:
        _SIGNED[key] = document
        while len(_SIGNED) > _SIGNED_MAX:
            _SIGNED.popitem(last=False)
    return copy.deepcopy(document)


def _sign_list(app: Badger, row: StatusList, issuer: Issuer) -> dict:
    now = xsd_datetime(app.clock())
    # validFrom is the issuer's creation, not "now": a verifier whose clock read a moment
    # earlier must not find the list "not yet valid".
    since = xsd_datetime(issuer.created_at)
    document = status_list_credential(
        id=app.url("status", row.id),
        issuer=issuer.did,
        purpose=row.purpose,
        encoded_list=encode_list(row.bits),
        valid_from=since,
    )
    vm, pair = signing_key(app, issuer)
    return add_proof(document, keypair=pair, verification_method=vm, created=now)


def on_issuer_created(*, app: Badger, session: Session, issuer: Issuer) -> None:
    """Subscriber of the event ``issuer_created`` (badger.application.wire): the issuer's
    revocation and suspension lists (Bitstring Status List §2.1), ready for its first credential."""
    ensure_list(app, session, issuer)
    ensure_list(app, session, issuer, "suspension")


def own_suspension(app: Badger, session: Session, credential: dict) -> bool:
    """Whether ``credential`` is one issued here, suspended, whose document does not say so.

    A credential in the "ob3" form carries only its revocation entry (module docstring), so a
    status list cannot tell a verifier it is suspended; Badger's own verifier and pages ask
    this instead. False for other issuers' credentials, for documents that carry a suspension
    entry (their list says it), and for credentials not suspended.
    """
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    own = app.url("credentials") + "/"
    if not isinstance(credential_id, str) or not credential_id.startswith(own):
        return False
    entries = credential.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    if any(isinstance(e, dict) and e.get("statusPurpose") == "suspension" for e in entries):
        return False
    row = session.get(Credential, credential_id[len(own) :])
    return row is not None and row.status == "suspended"

"""Per-issuer Bitstring Status Lists: index allocation in a secret order (herd privacy), signed list credentials.

W3C Bitstring Status List v1.0 (REC): each issuer has lists for each ``statusPurpose``
("revocation", "suspension"), each of LIST_SIZE entries. A credential gets an index in the
issuer's current list of each purpose. A list gives out its positions in order (a counter:
concurrent issuers never pick the same index, never look for a free one and never wait for
each other) and maps a position to an index through a secret random permutation of its own
(badger.status.order), so an index does not say in which order credentials were issued, and
the two lists' orders are independent, so a credential's two indexes do not link (Privacy
Considerations, "Herd Privacy" and "Correlation"). When a list is full the next one starts
(``sequence``); only which list a credential is in tells roughly when it was issued, as with
any issuer whose credentials outnumber one list.

A credential stores a *slot* per purpose (``slot``: the list's sequence * LIST_SIZE + the
index), unique per issuer, which names both its list and its index. Lists from before
migration 0021 drew their indexes at random; they keep their credentials and take no new ones.

What the signed ``credentialStatus`` says depends on the issuer's ``status_form``:
- "ob3" (the default since migration 0010): ONE BitstringStatusListEntry object, revocation.
  OB 3.0 (AchievementCredential.credentialStatus, multiplicity 0..1) and the published 1EdTech
  JSON Schema accept a single object only, and the 1EdTech validator refuses the array at its
  schema step. Suspension stays a Badger state: the suspension index is still given and its bit
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
from badger.status import encode_list, index_order, new_list, new_seed, status_entry, status_list_credential
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
    "slot",
    "entry_for",
    "LIST_SIZE",
    "PURPOSES",
    "STATUS_FORMS",
    "own_suspension",
]

LIST_SIZE = 131_072  # §2.2 / §3.2: the minimum length, 16 KB of bits (herd privacy)
PURPOSES = ("revocation", "suspension")


class StatusAllocation(NamedTuple):
    """The slots given to one credential (``slot``: stored in ``status_index`` and
    ``suspension_index``) and its ``credentialStatus`` value: one object (form "ob3") or the
    list of both entries (form "vc2")."""

    revocation_slot: int
    suspension_slot: int
    entries: dict | list[dict]


def slot(row: StatusList, index: int) -> int:
    """What a credential stores for its entry at ``index`` of ``row``: unique per issuer and
    purpose across the issuer's lists, which all have LIST_SIZE entries."""
    return row.sequence * LIST_SIZE + index


def _list_for(
    session: Session, issuer_id: str, purpose: str, stored: int | None, *, lock: bool = False
) -> tuple[StatusList, int]:
    """The list (locked with ``lock``) and the index a stored slot stands for. Raises Conflict
    (``status.no_entry``) when the credential has no entry for ``purpose`` or its list is gone."""
    if stored is None:
        raise Conflict(f"this credential has no {purpose} status entry", code="status.no_entry")
    sequence, index = divmod(stored, LIST_SIZE)
    row = issuance_repo.status_list_at(session, issuer_id, purpose, sequence, lock=lock)
    if row is None:
        raise Conflict(f"the issuer has no {purpose} list for this entry", code="status.no_entry")
    return row, index


def _new_list(app: Badger, issuer: Issuer, purpose: str, sequence: int) -> StatusList:
    return StatusList(
        id=app.new_id(),
        issuer_id=issuer.id,
        purpose=purpose,
        size=LIST_SIZE,
        bits=bytes(new_list(LIST_SIZE)),
        sequence=sequence,
        seed=new_seed(),
    )


def _create(app: Badger, session: Session, issuer: Issuer, purpose: str, sequence: int) -> StatusList:
    """The issuer's list of ``sequence`` for ``purpose``, created now or, when a concurrent
    transaction created it first (the unique (issuer, purpose, sequence) constraint), read."""
    row = _new_list(app, issuer, purpose, sequence)
    try:
        core_db.insert_unique(session, row)
    except Conflict:
        found = issuance_repo.status_list_at(session, issuer.id, purpose, sequence)
        if found is None:
            raise
        row = found
    issuance_repo.remember_status_list(session, row)
    return row


def ensure_list(app: Badger, session: Session, issuer: Issuer, purpose: str = "revocation") -> StatusList:
    """The issuer's current list for ``purpose`` (the last of its sequence), created on first use."""
    row = issuance_repo.status_list(session, issuer.id, purpose)
    return row if row is not None else _create(app, session, issuer, purpose, 0)


def _take(app: Badger, session: Session, issuer: Issuer, purpose: str, count: int) -> list[tuple[StatusList, int]]:
    """``count`` fresh (list, index) pairs for ``purpose``: the next positions of the issuer's
    current list, mapped through its secret order (badger.status.order), continuing in a new
    list when it is full. A list from before migration 0021 (no seed) is full by definition:
    its indexes were drawn at random and are not in any order."""
    out: list[tuple[StatusList, int]] = []
    row = ensure_list(app, session, issuer, purpose)
    while len(out) < count:
        if row.seed is not None:
            order = index_order(row.seed, row.size)
            positions = issuance_repo.take_positions(session, row.id, count - len(out))
            out.extend((row, order[p]) for p in positions if p < row.size)
        if len(out) < count:
            row = _create(app, session, issuer, purpose, row.sequence + 1)
    return out


def _form(issuer: Issuer, form: str | None) -> str:
    form = form or issuer.status_form or "ob3"
    if form not in STATUS_FORMS:
        raise ValueError(f"unknown status form {form!r}")
    return form


def _entry(app: Badger, row: StatusList, index: int) -> dict:
    return status_entry(list_url=app.url("status", row.id), index=index, purpose=row.purpose)


def allocate_entries(app: Badger, session: Session, issuer: Issuer, form: str | None = None) -> StatusAllocation:
    """Fresh entries in the issuer's revocation and suspension lists and the ``credentialStatus``
    value (§2.1) in ``form`` ("ob3": the revocation entry alone; "vc2": both entries), by
    default the issuer's ``status_form``."""
    return allocate_entries_many(app, session, issuer, 1, form)[0]


def allocate_entries_many(
    app: Badger, session: Session, issuer: Issuer, count: int, form: str | None = None
) -> list[StatusAllocation]:
    """``allocate_entries`` for ``count`` credentials at once (a batch): one counter step per
    list, whatever ``count``. The two lists have orders of their own, so a credential's two
    indexes do not link to each other."""
    form = _form(issuer, form)
    revocations = _take(app, session, issuer, "revocation", count)
    suspensions = _take(app, session, issuer, "suspension", count)
    out = []
    for (r_row, r_index), (s_row, s_index) in zip(revocations, suspensions, strict=True):
        entries = [_entry(app, r_row, r_index), _entry(app, s_row, s_index)]
        out.append(
            StatusAllocation(slot(r_row, r_index), slot(s_row, s_index), entries if form == "vc2" else entries[0])
        )
    return out


def allocate_entry(app: Badger, session: Session, issuer: Issuer) -> tuple[int, dict]:
    """A revocation entry only, as issued before suspension existed -> (slot, entry)."""
    [(row, index)] = _take(app, session, issuer, "revocation", 1)
    return slot(row, index), _entry(app, row, index)


def allocate_purposes(
    app: Badger, session: Session, issuer: Issuer, purposes: tuple[str, ...]
) -> dict[str, tuple[int, dict]]:
    """A fresh entry in the issuer's list for each of ``purposes`` -> {purpose: (slot,
    BitstringStatusListEntry)} (VC-API issuance, which asks for the purposes it wants)."""
    out: dict[str, tuple[int, dict]] = {}
    for purpose in purposes:
        [(row, index)] = _take(app, session, issuer, purpose, 1)
        out[purpose] = (slot(row, index), _entry(app, row, index))
    return out


def entry_for(app: Badger, session: Session, issuer_id: str, purpose: str, stored: int | None) -> dict:
    """The BitstringStatusListEntry a stored slot stands for (as it was signed). Raises Conflict
    (``status.no_entry``) when there is none."""
    row, index = _list_for(session, issuer_id, purpose, stored)
    return _entry(app, row, index)


def set_status(
    session: Session, credential: Credential | VcApiCredential, value: bool, purpose: str = "revocation"
) -> None:
    """Set (``value`` true) or clear the credential's bit in its issuer's ``purpose`` list.

    The list row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions are
    BEGIN IMMEDIATE), so concurrent changes to one list never lose each other's bits. Raises
    Conflict when the credential has no entry for ``purpose``.
    """
    stored = credential.status_index if purpose == "revocation" else credential.suspension_index
    row, index = _list_for(session, credential.issuer_id, purpose, stored, lock=True)
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

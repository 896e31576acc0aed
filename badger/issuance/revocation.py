"""Revoking, suspending and reinstating credentials (W3C Bitstring Status List v1.0).

States and transitions (the ``status`` column, and the bits verifiers read)::

    active ──suspend──▶ suspended ──unsuspend──▶ active
      │                     │
      └──────revoke─────────┴──────▶ revoked   (final)

- revoke sets the credential's bit in its issuer's "revocation" list. §2.1 of the spec: a
  revocation "is not reversible", so a revoked credential accepts no other change (Conflict
  ``status.revoked_final``); revoking a suspended credential also clears its suspension bit,
  so the lists say exactly one thing.
- suspend / unsuspend set / clear the bit in the "suspension" list. Credentials issued before
  suspension existed carry a revocation entry only: suspending one is refused (Conflict
  ``status.suspension_unavailable``) rather than flipping a bit no verifier reads.
- a reason is required to revoke or suspend (1-500 characters, no control characters), optional
  to reinstate; it is kept on the row and in the audit event.

Each change locks the credential row, then the list row (badger.store.status_repository), so
concurrent changes neither lose bits nor apply two transitions from the same state. The list
credential is signed when served: the change is visible to verifiers at once.
"""

from __future__ import annotations

import re

from badger.core import audit, events
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import repository as status_repo
from badger.issuance.models import Credential
from badger.issuance.status_lists import set_status

__all__ = ["revoke", "suspend", "unsuspend", "status_of", "ACTIVE", "REVOKED", "SUSPENDED", "STATUSES", "MAX_REASON"]

ACTIVE, REVOKED, SUSPENDED = "active", "revoked", "suspended"
STATUSES = (ACTIVE, REVOKED, SUSPENDED)
MAX_REASON = 500
# Every C0 control character and DEL (a reason is one line of text shown on pages and in CSV).
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _reason(reason, *, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip() and not required):
        if required:
            raise InvalidInput("a reason is required", code="input.missing_reason", field="reason")
        return None
    if not isinstance(reason, str):
        raise InvalidInput("the reason must be text", code="input.invalid_reason", field="reason")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required", code="input.missing_reason", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"the reason is {MAX_REASON} characters at most", code="input.invalid_reason", field="reason"
        )
    if _CONTROL.search(reason):
        raise InvalidInput(
            "the reason must not contain control characters (line breaks, tabs...)",
            code="input.invalid_reason",
            field="reason",
        )
    return reason


def status_of(credential: Credential) -> dict:
    """The status JSON of a credential: ``{"id", "status", "reason", "changedAt"}``."""
    changed = credential.status_changed_at
    return {
        "id": credential.id,
        "status": credential.status,
        "reason": credential.status_reason,
        "changedAt": xsd_datetime(changed) if changed is not None else None,
    }


def _locked(session: Session, credential: Credential) -> Credential:
    row = status_repo.lock_credential(session, credential.id)
    if row is None:
        raise NotFound("no such credential", code="credential.not_found")
    return row


def _change(
    app: Badger, session: Session, row: Credential, *, status: str, reason: str | None, actor: audit.Actor, action: str
) -> dict:
    previous = row.status
    row.status, row.status_reason, row.status_changed_at = status, reason, app.clock()
    session.flush()
    detail = {"from": previous, "to": status}
    if reason is not None:
        detail["reason"] = reason
    audit.record(app, session, issuer_id=row.issuer_id, actor=actor, action=action, target=row.id, detail=detail)
    # Subscribers (badger.application.wire): pathway credentials follow their components.
    app.events.publish(events.STATUS_CHANGED, app=app, session=session, credential=row, actor=actor)
    return status_of(row)


def revoke(
    app: Badger,
    session: Session,
    credential: Credential,
    *,
    reason: str | None,
    actor: audit.Actor,
    require_reason: bool = True,
) -> dict:
    """Revoke for good. Input: a credential row (already checked to be the caller's issuer's),
    the reason (required unless ``require_reason=False``: the CLI, whose contract has
    ``[--reason R]``), who acts. Output: the new status JSON. Raises InvalidInput (reason),
    Conflict (already revoked: ``status.revoked_final``; no status entry: ``status.no_entry``)."""
    reason = _reason(reason, required=require_reason)
    row = _locked(session, credential)
    if row.status == REVOKED:
        raise Conflict("this credential is already revoked; a revocation is final", code="status.revoked_final")
    set_status(session, row, True, "revocation")
    if row.status == SUSPENDED and row.suspension_index is not None:
        set_status(session, row, False, "suspension")
    return _change(app, session, row, status=REVOKED, reason=reason, actor=actor, action="credential.revoke")


def suspend(
    app: Badger,
    session: Session,
    credential: Credential,
    *,
    reason: str | None,
    actor: audit.Actor,
    require_reason: bool = True,
) -> dict:
    """Suspend (reversible). Raises InvalidInput (reason), Conflict: revoked
    (``status.revoked_final``), already suspended (``status.already_suspended``), issued before
    suspension existed (``status.suspension_unavailable``)."""
    reason = _reason(reason, required=require_reason)
    row = _locked(session, credential)
    if row.status == REVOKED:
        raise Conflict("this credential is revoked; a revocation is final", code="status.revoked_final")
    if row.status == SUSPENDED:
        raise Conflict("this credential is already suspended", code="status.already_suspended")
    if row.suspension_index is None:
        raise Conflict(
            "this credential was issued before suspension was available: it can only be revoked",
            code="status.suspension_unavailable",
        )
    set_status(session, row, True, "suspension")
    return _change(app, session, row, status=SUSPENDED, reason=reason, actor=actor, action="credential.suspend")


def unsuspend(
    app: Badger, session: Session, credential: Credential, *, reason: str | None = None, actor: audit.Actor
) -> dict:
    """Lift a suspension; the credential is active again. Raises InvalidInput (reason given but
    bad), Conflict: revoked (``status.revoked_final``), not suspended (``status.not_suspended``)."""
    reason = _reason(reason, required=False)
    row = _locked(session, credential)
    if row.status == REVOKED:
        raise Conflict("this credential is revoked; a revocation is final", code="status.revoked_final")
    if row.status != SUSPENDED:
        raise Conflict("this credential is not suspended", code="status.not_suspended")
    set_status(session, row, False, "suspension")
    return _change(app, session, row, status=ACTIVE, reason=reason, actor=actor, action="credential.unsuspend")

"""A partner endorses a learner's credential.

The endorsement is an OB 3.0 EndorsementCredential whose ``credentialSubject.id`` is the id of
the endorsed AchievementCredential (OB 3.0 §"EndorsementSubject": "the identifier of the
individual, entity, organization, assertion, or achievement that is endorsed": here the
assertion, which names its subject), with the partner's comment, built and signed with the
partner's issuer key by `badger.programmes.endorsements.sign_endorsement` (the same code as
endorsements of badge classes and issuers). It is stored ``pending``; the credential's holder
decides through their private learner link; only accepted endorsements are shown on the
credential page and served as JSON. Endorsements by learners need learner accounts and are
not made here.
"""

from __future__ import annotations

import json

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuers.models import Issuer
from badger.programmes import endorsements as signing
from badger.programmes import learners
from badger.recognition import repository as repo
from badger.recognition.models import CredentialEndorsement

__all__ = ["endorse_credential", "for_holder", "decide", "accepted", "accepted_document"]


def endorse_credential(
    app: Badger,
    session: Session,
    endorser: Issuer,
    credential_id: str,
    *,
    comment: str,
    actor: audit.Actor = audit.SYSTEM,
) -> CredentialEndorsement:
    """``endorser`` endorses a credential (its id, uuid or URL) with ``comment``. Raises
    NotFound, InvalidInput (empty or long comment, own credential, revoked), Conflict (already)."""
    comment = signing.checked_comment(comment)
    credential = issuing.get_credential(session, credential_id)
    if credential.issuer_id == endorser.id:
        raise InvalidInput("a partner endorses the credentials of other partners", code="endorsement.self")
    if credential.status == "revoked":
        raise InvalidInput("this credential was revoked", code="endorsement.revoked")
    if repo.endorsement_of_credential(session, endorser.id, credential.id) is not None:
        raise Conflict("this partner already endorses this credential", code="endorsement.exists")
    endorsed_id = json.loads(credential.document)["id"]
    endorsement_id, now, signed = signing.sign_endorsement(app, endorser, endorsed_id=endorsed_id, comment=comment)
    row = CredentialEndorsement(
        id=endorsement_id,
        credential_id=credential.id,
        endorser_id=endorser.id,
        comment=comment,
        document=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
        state="pending",
        created_at=now,
    )
    repo.add(session, row)
    for issuer_id in (endorser.id, credential.issuer_id):
        audit.record(
            app,
            session,
            issuer_id=issuer_id,
            actor=actor if issuer_id == endorser.id else audit.SYSTEM,
            action="endorsement.credential",
            target=row.id,
            detail={"endorser": endorser.slug, "credential": credential.id},
        )
    return row


def _view(session: Session, row: CredentialEndorsement) -> dict:
    endorser = session.get(Issuer, row.endorser_id)
    document = json.loads(row.document)
    return {
        "id": row.id,
        "credential_id": row.credential_id,
        "endorser": endorser.name if endorser is not None else "",
        "endorser_slug": endorser.slug if endorser is not None else None,
        "comment": row.comment,
        "state": row.state,
        "created_at": row.created_at,
        "valid_from": document.get("validFrom"),
    }


def for_holder(app: Badger, session: Session, token: str) -> list[dict]:
    """Endorsements of the credentials of the learner link's holder, pending first."""
    link = learners.find(app, session, token)
    rows = repo.endorsements_for_lookup(session, link.recipient_lookup)
    return sorted((_view(session, r) for r in rows), key=lambda v: v["state"] != "pending")


def decide(app: Badger, session: Session, token: str, endorsement_id: str, *, accept: bool) -> CredentialEndorsement:
    """The holder accepts (shown) or declines (hidden) an endorsement of their credential."""
    link = learners.find(app, session, token)
    row = session.get(CredentialEndorsement, endorsement_id) if len(endorsement_id or "") <= 36 else None
    credential = issuing.get_credential(session, row.credential_id) if row is not None else None
    if row is None or credential is None or credential.recipient_lookup != link.recipient_lookup:
        raise NotFound("no such endorsement", code="endorsement.not_found")
    row.state, row.decided_at = ("accepted" if accept else "declined"), app.clock()
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=credential.issuer_id,
        actor=audit.Actor("holder"),
        action="endorsement.accept" if accept else "endorsement.decline",
        target=row.id,
        detail={"credential": credential.id},
    )
    return row


def accepted(session: Session, credential_id: str) -> list[dict]:
    """What the credential page shows: endorsements its holder accepted."""
    return [_view(session, r) for r in repo.endorsements_of_credential(session, credential_id, "accepted")]


def accepted_document(session: Session, credential_id: str, endorsement_id: str) -> str:
    """The signed EndorsementCredential, exactly as signed, once accepted (else NotFound)."""
    for row in repo.endorsements_of_credential(session, credential_id, "accepted"):
        if row.id == endorsement_id:
            return row.document
    raise NotFound("no such endorsement", code="endorsement.not_found")

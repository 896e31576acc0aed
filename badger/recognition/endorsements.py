"""A partner, or another learner, endorses a learner's credential.

The endorsement is an OB 3.0 EndorsementCredential whose ``credentialSubject.id`` is the id of
the endorsed AchievementCredential (OB 3.0 §"EndorsementSubject": "the identifier of the
individual, entity, organization, assertion, or achievement that is endorsed": here the
assertion, which names its subject), with the endorser's comment, built and signed by
`badger.programmes.endorsements.sign_endorsement` (the one signing code of endorsements) with
the ``Signer`` the caller passes in:

- a partner (``endorse_credential``): its issuer profile and issuer key;
- a learner with an account (``endorse_as``, called by badger.learners.endorsements, which
  holds the learner's did:web key): a Profile whose id is that DID and whose name is the one
  the learner chose to show. The row names the endorser by DID (``endorser_did``).

It is stored ``pending``, exactly as signed; the credential's holder decides through their
private learner link (``for_holder``, ``decide``) or their learner account (``for_lookups``,
``decide_for_lookups``); only accepted endorsements are shown on the credential page and served
as JSON. An endorser endorses a credential once; nobody endorses their own; a revoked
credential is not endorsed. ``withdraw_by_did`` erases a learner's endorsements when their
account is deleted (their name and words are personal data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session, insert_unique
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.programmes import endorsements as signing
from badger.programmes import learners
from badger.recognition import repository as repo
from badger.recognition.models import CredentialEndorsement

__all__ = [
    "Endorser",
    "endorse_credential",
    "endorse_as",
    "checked_target",
    "for_holder",
    "for_lookups",
    "decide",
    "decide_for_lookups",
    "accepted",
    "accepted_document",
    "withdraw_by_did",
    "given_by_did",
]


@dataclass(frozen=True)
class Endorser:
    """Who endorses: a partner (``issuer_id``) or a learner (``did``, no issuer), the signer,
    and what the audit log and the checks need."""

    signer: signing.Signer
    actor: audit.Actor
    issuer_id: str | None = None
    did: str | None = None
    slug: str | None = None
    recipient_lookups: tuple[str, ...] = ()  # a learner's confirmed addresses: not their own
    comment_limit: int = signing.MAX_COMMENT


def endorse_credential(
    app: Badger,
    session: Session,
    endorser: Issuer,
    credential_id: str,
    *,
    comment: str,
    actor: audit.Actor = audit.SYSTEM,
) -> CredentialEndorsement:
    """A partner endorses a credential (its id, uuid or URL) with ``comment``. Raises
    NotFound, InvalidInput (empty or long comment, own credential, revoked), Conflict (already)."""
    who = Endorser(signer=signing.partner_signer(app, endorser), actor=actor, issuer_id=endorser.id, slug=endorser.slug)
    return endorse_as(app, session, who, credential_id, comment=comment)


def checked_target(
    session: Session, credential_id: str, *, issuer_id: str | None = None, own_lookups: tuple[str, ...] = ()
) -> Credential:
    """The credential to endorse, if this endorser may: not a partner's own credential, not one
    issued to one of ``own_lookups`` (the endorsing learner's addresses), not a revoked one."""
    credential = issuing.get_credential(session, credential_id)
    if issuer_id is not None and credential.issuer_id == issuer_id:
        raise InvalidInput("a partner endorses the credentials of other partners", code="endorsement.self")
    if credential.recipient_lookup in own_lookups:
        raise InvalidInput("you cannot endorse your own badge", code="endorsement.own")
    if credential.status == "revoked":
        raise InvalidInput("this credential was revoked", code="endorsement.revoked")
    return credential


def endorse_as(
    app: Badger, session: Session, endorser: Endorser, credential_id: str, *, comment: str
) -> CredentialEndorsement:
    """``endorser`` endorses a credential with ``comment`` (module docstring). Raises NotFound,
    InvalidInput (empty or long comment, own credential, revoked), Conflict (already)."""
    comment = signing.checked_comment(comment, limit=endorser.comment_limit)
    credential = checked_target(
        session, credential_id, issuer_id=endorser.issuer_id, own_lookups=endorser.recipient_lookups
    )
    if repo.endorsement_of_credential(session, credential.id, issuer_id=endorser.issuer_id, did=endorser.did):
        raise Conflict("you already endorse this credential", code="endorsement.exists")
    endorsed_id = json.loads(credential.document)["id"]
    endorsement_id, now, signed = signing.sign_endorsement(
        app, endorser.signer, endorsed_id=endorsed_id, comment=comment
    )
    row = CredentialEndorsement(
        id=endorsement_id,
        credential_id=credential.id,
        endorser_id=endorser.issuer_id,
        endorser_did=endorser.did if endorser.issuer_id is None else None,
        endorser_name=endorser.signer.name if endorser.issuer_id is None else None,
        comment=comment,
        document=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
        state="pending",
        created_at=now,
    )
    try:
        insert_unique(session, row)  # the database keeps it to one per endorser, even at once
    except Conflict as exc:
        raise Conflict("you already endorse this credential", code="endorsement.exists") from exc
    detail = {"endorser": endorser.slug or endorser.did, "credential": credential.id}
    if endorser.issuer_id is not None and endorser.issuer_id != credential.issuer_id:
        audit.record(
            app,
            session,
            issuer_id=endorser.issuer_id,
            actor=endorser.actor,
            action="endorsement.credential",
            target=row.id,
            detail=detail,
        )
    audit.record(
        app,
        session,
        issuer_id=credential.issuer_id,
        actor=audit.SYSTEM if endorser.issuer_id is not None else endorser.actor,
        action="endorsement.credential",
        target=row.id,
        detail=detail,
    )
    return row


def _view(session: Session, row: CredentialEndorsement) -> dict:
    endorser = session.get(Issuer, row.endorser_id) if row.endorser_id is not None else None
    document = json.loads(row.document)
    return {
        "id": row.id,
        "credential_id": row.credential_id,
        "endorser": endorser.name if endorser is not None else row.endorser_name or "",
        "endorser_slug": endorser.slug if endorser is not None else None,
        "endorser_did": row.endorser_did,
        "by_learner": row.endorser_id is None,
        "comment": row.comment,
        "state": row.state,
        "created_at": row.created_at,
        "valid_from": document.get("validFrom"),
    }


def for_lookups(session: Session, lookups: list[str] | tuple[str, ...]) -> list[dict]:
    """Endorsements of the credentials issued to any of ``lookups`` (a learner link's recipient,
    or a learner account's confirmed addresses), pending first."""
    rows = [r for lookup in dict.fromkeys(lookups) for r in repo.endorsements_for_lookup(session, lookup)]
    return sorted((_view(session, r) for r in rows), key=lambda v: v["state"] != "pending")


def for_holder(app: Badger, session: Session, token: str) -> list[dict]:
    """Endorsements of the credentials of the learner link's holder, pending first."""
    link = learners.find(app, session, token)
    return for_lookups(session, [link.recipient_lookup])


def decide(app: Badger, session: Session, token: str, endorsement_id: str, *, accept: bool) -> CredentialEndorsement:
    """The holder (learner link) accepts (shown) or declines (hidden) an endorsement."""
    link = learners.find(app, session, token)
    return decide_for_lookups(app, session, [link.recipient_lookup], endorsement_id, accept=accept)


def decide_for_lookups(
    app: Badger,
    session: Session,
    lookups: list[str] | tuple[str, ...],
    endorsement_id: str,
    *,
    accept: bool,
    actor: audit.Actor | None = None,
) -> CredentialEndorsement:
    """The holder of a credential issued to one of ``lookups`` accepts or declines an
    endorsement of it. Raises NotFound (no such endorsement, or not of their credentials)."""
    row = session.get(CredentialEndorsement, endorsement_id) if len(endorsement_id or "") <= 36 else None
    credential: Credential | None = issuing.get_credential(session, row.credential_id) if row is not None else None
    if row is None or credential is None or credential.recipient_lookup not in lookups:
        raise NotFound("no such endorsement", code="endorsement.not_found")
    row.state, row.decided_at = ("accepted" if accept else "declined"), app.clock()
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=credential.issuer_id,
        actor=actor or audit.Actor("holder"),
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


def given_by_did(session: Session, did: str) -> set[str]:
    """Ids of the credentials a learner (by DID) endorsed, whatever the holder decided."""
    return {row.credential_id for row in repo.endorsements_by_did(session, did)}


def withdraw_by_did(app: Badger, session: Session, did: str, *, actor: audit.Actor) -> int:
    """Erase every endorsement signed by ``did`` (its owner's account is deleted) -> how many."""
    rows = repo.endorsements_by_did(session, did)
    for row in rows:
        credential = session.get(Credential, row.credential_id)
        audit.record(
            app,
            session,
            issuer_id=credential.issuer_id if credential is not None else None,
            actor=actor,
            action="endorsement.erase",
            target=row.id,
            detail={"credential": row.credential_id},
        )
        session.delete(row)
    session.flush()
    return len(rows)

"""A learner with an account endorses another learner's credential.

- The key: Badger holds one Ed25519 key per learner account, created the first time the
  learner endorses (``badger.issuers.held_keys``, owner ``learner:<account id>``: it lives below
  the verifier so that this instance's verifications read it from the database). Its DID is
  ``did:web:<host>:learners:<random id>``, its DID document is served at
  ``/learners/<random id>/did.json`` (did:web §3.2: the path segments after the host become
  the URL path, plus ``/did.json``). The random id, not the account id, so the DID says
  nothing about the account.
- The endorsement: an OB 3.0 EndorsementCredential about the endorsed credential, issuer = a
  Profile whose id is that DID and whose name is the one the learner chooses to show (a
  required field of the form, prefilled with their display name), signed by the one signing
  code of endorsements (``badger.recognition.endorsements.endorse_as``). It waits for the
  holder's decision like a partner's, and only then shows on the credential page.
- Refused: an empty comment or one longer than ``MAX_COMMENT`` characters, a name longer than
  200, one's own credential (issued to one of one's confirmed addresses), a revoked one, a
  second endorsement of the same credential.
- Account deletion (``erase``, called by ``service.delete_account``): the learner's
  endorsements are erased (pending and accepted: they carry the name and words of the learner)
  and the key is retired: the DID document then answers 410 Gone, so a copy of one of their
  endorsements kept elsewhere no longer verifies. That is the point of erasing an account.
"""

from __future__ import annotations

import json

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials import builders
from badger.errors import BadgerError, InvalidInput
from badger.issuance import issuing
from badger.issuers import held_keys
from badger.issuers.models import HeldKey
from badger.keys import did_web
from badger.learners import repository as repo
from badger.learners.models import Learner
from badger.programmes.endorsements import Signer, checked_comment
from badger.recognition import endorsements as recognition
from badger.recognition.models import CredentialEndorsement

__all__ = [
    "MAX_COMMENT",
    "MAX_NAME",
    "DID_PREFIX",
    "endorse",
    "endorsement_key",
    "did_of",
    "did_document",
    "lookups",
    "received",
    "decide",
    "already_endorsed",
    "erase",
    "target",
    "state_for",
]

MAX_COMMENT = 1000
MAX_NAME = 200
DID_PREFIX = "learners"


def _owner(learner: Learner) -> str:
    return f"learner:{learner.id}"


def _actor(learner: Learner) -> audit.Actor:
    return audit.Actor(f"learner:{learner.id}")


def endorsement_key(app: Badger, session: Session, learner: Learner) -> HeldKey:
    """The learner's signing key, created on first need."""
    return held_keys.held_key(app, session, _owner(learner), prefix=DID_PREFIX)


def did_of(session: Session, learner: Learner) -> str | None:
    """The learner's DID, or None while they have never endorsed."""
    row = held_keys.find_held_key(session, _owner(learner))
    return row.did if row is not None else None


def did_document(app: Badger, session: Session, key_id: str) -> dict:
    """The DID document of ``did:web:<host>:learners:<key_id>``. Raises NotFound, held_keys.Gone."""
    return held_keys.held_did_document(session, did_web(app.base_url, DID_PREFIX, key_id))


def lookups(session: Session, learner: Learner) -> tuple[str, ...]:
    return tuple(a.lookup for a in repo.addresses(session, learner.id))


def _checked_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("give the name to show with your endorsement", code="endorsement.missing_name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters", code="endorsement.name_too_long")
    return name


def endorse(
    app: Badger, session: Session, learner: Learner, credential_id: str, *, comment: str, name: str
) -> CredentialEndorsement:
    """``learner`` endorses a credential of this instance (module docstring). Raises NotFound,
    InvalidInput, Conflict."""
    # Checked before the key exists: a refused endorsement creates no key.
    checked_comment(comment, limit=MAX_COMMENT)
    shown = _checked_name(name)
    own = lookups(session, learner)
    recognition.checked_target(session, credential_id, own_lookups=own)
    key = endorsement_key(app, session, learner)
    profile = builders.profile(id=key.did, name=shown)
    who = recognition.Endorser(
        signer=Signer(profile=profile, key=lambda: held_keys.held_signing_key(app, key)),
        actor=_actor(learner),
        did=key.did,
        recipient_lookups=own,
        comment_limit=MAX_COMMENT,
    )
    return recognition.endorse_as(app, session, who, credential_id, comment=comment)


def already_endorsed(session: Session, learner: Learner, credential_id: str) -> bool:
    did = did_of(session, learner)
    return did is not None and credential_id in recognition.given_by_did(session, did)


def received(session: Session, learner: Learner) -> list[dict]:
    """Endorsements of the learner's credentials (by partners and by learners), pending first."""
    return recognition.for_lookups(session, lookups(session, learner))


def decide(app: Badger, session: Session, learner: Learner, endorsement_id: str, *, accept: bool):
    """The learner accepts or declines an endorsement of one of their credentials."""
    return recognition.decide_for_lookups(
        app, session, lookups(session, learner), endorsement_id, accept=accept, actor=_actor(learner)
    )


def erase(app: Badger, session: Session, learner: Learner) -> None:
    """Account deletion: erase the learner's endorsements and retire their key."""
    did = did_of(session, learner)
    if did is None:
        return
    recognition.withdraw_by_did(app, session, did, actor=_actor(learner))
    held_keys.retire(app, session, _owner(learner))


def target(app: Badger, session: Session, credential_id: str) -> dict:
    """What the endorsement form shows of a credential: badge name, holder's name (when the
    credential names them), its page. Raises NotFound."""
    credential = issuing.get_credential(session, credential_id)
    document = json.loads(credential.document)
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    holder = next(
        (
            i.get("identityHash")
            for i in (subject.get("identifier") or [] if isinstance(subject, dict) else [])
            if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
        ),
        None,
    )
    return {
        "id": credential.id,
        "name": achievement.get("name", "") if isinstance(achievement, dict) else "",
        "holder": holder if isinstance(holder, str) else None,
        "url": app.url("credentials", credential.id),
    }


def state_for(session: Session, learner: Learner | None, credential_id: str) -> str | None:
    """What the credential page offers this visitor: "can" (endorse), "done" (already
    endorsed), or None (not signed in, their own badge, a revoked or unknown one)."""
    if learner is None:
        return None
    try:
        recognition.checked_target(session, credential_id, own_lookups=lookups(session, learner))
    except BadgerError:
        return None
    return "done" if already_endorsed(session, learner, credential_id) else "can"

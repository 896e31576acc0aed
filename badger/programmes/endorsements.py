"""Endorsements: a partner vouches for another partner's badge class or issuer profile.

Each endorsement is a signed OB 3.0 EndorsementCredential (``["VerifiableCredential",
"EndorsementCredential"]``, credentialSubject ``EndorsementSubject`` with ``id`` = the endorsed
Achievement id or Profile id and the ``endorsementComment``), built by
`badger.credentials.builders.endorsement_credential`, validated against the bundled 1EdTech
EndorsementCredential schema, and signed ``eddsa-rdfc-2022`` with the endorser's active key —
the machinery issuance uses. It is stored in the ``endorsements`` table and embedded where OB
3.0 places it:
- a badge class: appended to ``Achievement.endorsement`` in the stored Achievement document, so
  every credential issued afterwards embeds it (credentials issued before keep their signed
  copy);
- an issuer: ``Profile.endorsement`` of the issuer profile document served at
  ``/issuers/<slug>`` (`profile_document`), not of the copy embedded in each credential.
Its id is a ``urn:uuid:`` (the document is served inside the Achievement and the Profile).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from badger.achievements.models import Achievement
from badger.achievements.service import get_achievement, list_achievements
from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.credentials import builders
from badger.credentials.validation import check
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuers.models import Issuer
from badger.issuers.service import get_issuer, signing_key
from badger.issuers.service import profile_document as base_profile
from badger.keys import Ed25519KeyPair
from badger.programmes import repository as repo
from badger.programmes.models import Endorsement
from badger.proofs.data_integrity import add_proof

__all__ = [
    "endorse",
    "sign_endorsement",
    "Signer",
    "partner_signer",
    "checked_comment",
    "profile_document",
    "received",
    "given",
    "document_of",
    "MAX_COMMENT",
]

MAX_COMMENT = 5000


def endorse(
    app: Badger,
    session: Session,
    endorser: Issuer,
    *,
    comment: str,
    achievement_id: str | None = None,
    issuer_slug: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> Endorsement:
    """``endorser`` endorses a badge class (``achievement_id``) or an issuer (``issuer_slug``)
    of another partner, with ``comment`` (Markdown). -> the stored row (``document`` is the signed
    EndorsementCredential). Raises InvalidInput (no comment, both or neither target, endorsing
    oneself), NotFound (no such target), Conflict (already endorsed by this partner)."""
    comment = checked_comment(comment)
    if bool(achievement_id) == bool(issuer_slug):
        raise InvalidInput("endorse a badge class or an issuer (one of them)", code="endorsement.invalid_target")
    if achievement_id:
        target = get_achievement(session, achievement_id)
        kind, target_id, owner_id = "achievement", target.id, target.issuer_id
        endorsed_id = json.loads(target.document)["id"]
    else:
        assert issuer_slug is not None  # exactly one of the two targets, checked above
        target_issuer = get_issuer(session, issuer_slug)
        kind, target_id, owner_id = "profile", target_issuer.id, target_issuer.id
        endorsed_id = target_issuer.did
    if owner_id == endorser.id:
        raise InvalidInput("a partner cannot endorse itself", code="endorsement.self")
    if repo.endorsement_of(session, endorser.id, kind, target_id) is not None:
        raise Conflict("this partner already endorses it", code="endorsement.exists")

    endorsement_id, now, signed = sign_endorsement(
        app, partner_signer(app, endorser), endorsed_id=endorsed_id, comment=comment
    )
    row = Endorsement(
        id=endorsement_id,
        endorser_id=endorser.id,
        target_kind=kind,
        target_id=target_id,
        comment=comment,
        document=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
    )
    session.add(row)
    session.flush()
    if kind == "achievement":
        achievement_document = json.loads(target.document)
        achievement_document.setdefault("endorsement", []).append(signed)
        target.document = json.dumps(achievement_document, ensure_ascii=False)
        target.updated_at = now
        session.flush()
    for issuer_id in (endorser.id, owner_id):  # both partners see it in their log
        audit.record(
            app,
            session,
            issuer_id=issuer_id,
            actor=actor if issuer_id == endorser.id else audit.SYSTEM,
            action="endorsement.create",
            target=row.id,
            detail={"endorser": endorser.slug, "kind": kind, "target": target_id},
        )
    return row


def checked_comment(comment, *, limit: int = MAX_COMMENT) -> str:
    """The endorsement's comment, trimmed; raises InvalidInput when empty or too long."""
    if not isinstance(comment, str) or not comment.strip():
        raise InvalidInput("the endorsement needs a comment", code="endorsement.missing_comment")
    comment = comment.replace("\t", " ").strip()
    if len(comment) > limit:
        raise InvalidInput(f"the comment is longer than {limit} characters", code="endorsement.comment_too_long")
    return comment


@dataclass(frozen=True)
class Signer:
    """Who signs an endorsement: the OB 3.0 Profile that becomes its ``issuer`` (its id is the
    signer's DID) and how to get the (verification method id, Ed25519 pair) to sign with. A
    partner (``partner_signer``) or a learner account (badger.learners.endorsements)."""

    profile: dict
    key: Callable[[], tuple[str, Ed25519KeyPair]]

    @property
    def name(self) -> str:
        return self.profile["name"]


def partner_signer(app: Badger, issuer: Issuer) -> Signer:
    return Signer(profile=base_profile(issuer), key=lambda: signing_key(app, issuer))


def sign_endorsement(app: Badger, signer: Signer, *, endorsed_id: str, comment: str):
    """Build, validate and sign (eddsa-rdfc-2022, the signer's key) one EndorsementCredential
    about ``endorsed_id``. -> (its uuid, the signing time, the signed document). The one
    signing code of endorsements: badge classes and issuers here, learners' credentials (by a
    partner or by another learner) in `badger.recognition.endorsements`."""
    now = app.clock()
    endorsement_id = app.new_id()
    document = builders.endorsement_credential(
        id=f"urn:uuid:{endorsement_id}",
        issuer=signer.profile,
        endorsed_id=endorsed_id,
        name=f"Recommandé par {signer.name}",
        endorsement_comment=comment,
        valid_from=xsd_datetime(now),
    )
    check(document, mode="issue")  # the 1EdTech EndorsementCredential schema and Badger's rules
    vm, pair = signer.key()
    signed = add_proof(document, keypair=pair, verification_method=vm, created=xsd_datetime(now))
    return endorsement_id, now, signed


def document_of(row: Endorsement) -> dict:
    return json.loads(row.document)


def profile_document(session: Session, issuer: Issuer) -> dict:
    """The issuer's Profile with ``endorsement``: the EndorsementCredentials other partners
    signed about it (OB 3.0 Profile.endorsement)."""
    profile = base_profile(issuer)
    endorsements = [document_of(row) for row in repo.endorsements_of(session, "profile", issuer.id)]
    if endorsements:
        profile["endorsement"] = endorsements
    return profile


def received(session: Session, issuer: Issuer) -> list[dict]:
    """Endorsements of this partner or of its badge classes: ``[{"id", "endorser", "kind",
    "target", "target_name", "comment", "created_at"}]``."""
    out = []
    targets = [("profile", issuer.id, issuer.name)] + [
        ("achievement", a.id, a.name) for a in list_achievements(session, issuer)
    ]
    for kind, target_id, name in targets:
        for row in repo.endorsements_of(session, kind, target_id):
            out.append(_view(session, row, name))
    return out


def given(session: Session, issuer: Issuer) -> list[dict]:
    out = []
    for row in repo.endorsements_by(session, issuer.id):
        if row.target_kind == "achievement":
            target: Achievement | Issuer | None = session.get(Achievement, row.target_id)
        else:
            target = session.get(Issuer, row.target_id)
        out.append(_view(session, row, target.name if target is not None else ""))
    return out


def _view(session: Session, row: Endorsement, target_name: str) -> dict:
    endorser = session.get(Issuer, row.endorser_id)
    if endorser is None:
        raise NotFound("no such endorser", code="endorsement.not_found")
    return {
        "id": row.id,
        "endorser": endorser.name,
        "endorser_slug": endorser.slug,
        "kind": row.target_kind,
        "target": row.target_id,
        "target_name": target_name,
        "comment": row.comment,
        "created_at": xsd_datetime(row.created_at),
    }

"""Issuing one credential: build, validate, sign (ldp or jwt), store the exact signed bytes."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from badger.achievements.service import get_achievement
from badger.core import audit, events
from badger.core import db as core_db
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.credentials import builders
from badger.credentials.dates import parse_datetime
from badger.credentials.identity import identity_object, normalise_email
from badger.credentials.validation import check
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import repository as issuance_repo
from badger.issuance.models import Credential
from badger.issuance.status_lists import allocate_entries
from badger.issuers.models import Issuer
from badger.issuers.service import jwt_signing_key, profile_document, signing_key
from badger.proofs import vc_jwt
from badger.proofs.data_integrity import add_proof

__all__ = [
    "IssueRequest",
    "issue",
    "awarded_date",
    "get_credential",
    "list_credentials",
    "recipient_lookup",
    "public_document",
]

FORMATS = ("ldp", "jwt")


@dataclass(frozen=True)
class IssueRequest:
    achievement: str
    email: str | None = None
    did: str | None = None
    name: str | None = None
    format: str = "ldp"
    evidence: tuple = ()
    valid_until: str | None = None
    # OB 3.0 ``awardedDate``: when the achievement happened (validFrom stays the signing time).
    awarded_date: str | None = None

    def fingerprint(self) -> str:
        fields = dict(self.__dict__)
        if fields.get("awarded_date") is None:
            del fields["awarded_date"]  # the keys stored before the field existed stay valid
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=list).encode()).hexdigest()


def recipient_lookup(app: Badger, email: str) -> str:
    """A keyed hash of the normalised e-mail, so credentials can be found by e-mail without
    storing the address (the credential itself only carries the salted OB 3.0 hash)."""
    return hmac.new(app.settings.secret_key.encode(), normalise_email(email).encode(), hashlib.sha256).hexdigest()


def _evidence(items) -> list[dict]:
    out = []
    for item in items or ():
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict):
            raise InvalidInput("evidence entries are URLs or objects", code="input.invalid_evidence", field="evidence")
        url, narrative = item.get("id") or item.get("url"), item.get("narrative")
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise InvalidInput("evidence URL must be http(s)", code="input.invalid_evidence", field="evidence")
        if narrative is not None and not isinstance(narrative, str):
            raise InvalidInput("evidence narrative must be text", code="input.invalid_evidence", field="evidence")
        if url is None and not narrative:
            raise InvalidInput("evidence needs a URL or a narrative", code="input.invalid_evidence", field="evidence")
        out.append(
            builders.evidence(
                id=url,
                narrative=narrative.replace("\t", " ") if narrative else None,
                name=item.get("name"),
                digest_sri=item.get("digestSRI"),  # evidence files of badge requests (recognition)
            )
        )
    return out


def awarded_date(value: str | None) -> str | None:
    """``awardedDate`` from a date (``YYYY-MM-DD``: noon UTC, so the day reads the same in every
    time zone of Europe and the Americas) or a date-time with a time zone; None stays None.
    Raises InvalidInput (field ``awarded_date``) otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
        if day is not None and day.year >= 1900:
            return f"{day.isoformat()}T12:00:00Z"
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.year < 1900:
        raise InvalidInput(
            "awardedDate must be a date (YYYY-MM-DD) or a date-time with a timezone",
            code="input.invalid_awarded_date",
            field="awarded_date",
        )
    return xsd_datetime(moment.replace(microsecond=0))


def issue(
    app: Badger,
    session: Session,
    issuer: Issuer,
    request: IssueRequest,
    *,
    idempotency_key: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
    notify: bool = False,
    lang: str = "fr",
) -> Credential:
    """Issue one credential for ``issuer``, recorded in the audit log as done by ``actor``;
    ``notify`` e-mails the learner (e-mail recipients only) in ``lang`` ("fr" or "en").
    Raises InvalidInput (bad request, or a document that would not validate: nothing is
    signed), NotFound (achievement not this issuer's), Conflict (Idempotency-Key reused with
    another request)."""
    if idempotency_key is not None:
        if not (0 < len(idempotency_key) <= 200):
            raise InvalidInput(
                "Idempotency-Key must be 1-200 characters",
                code="input.invalid_idempotency_key",
                field="idempotency_key",
            )
        previous = issuance_repo.credential_by_idempotency_key(session, issuer.id, idempotency_key)
        if previous is not None:
            if previous.request_hash != request.fingerprint():
                raise Conflict("this Idempotency-Key was used for another request", code="idempotency.mismatch")
            return previous
    if request.format not in FORMATS:
        raise InvalidInput("format must be 'ldp' or 'jwt'", code="input.invalid_format", field="format")
    if bool(request.email) == bool(request.did):
        raise InvalidInput(
            "give the recipient's email or did (one of them)", code="input.invalid_recipient", field="recipient"
        )
    achievement = get_achievement(session, request.achievement, issuer=issuer)
    if request.valid_until is not None and parse_datetime(request.valid_until) is None:
        raise InvalidInput(
            "validUntil must be a date-time with a timezone", code="input.invalid_valid_until", field="valid_until"
        )

    awarded = awarded_date(request.awarded_date)
    now = app.clock()
    valid_from = xsd_datetime(now)
    valid_until = request.valid_until
    if valid_until is None and achievement.valid_for_days:
        valid_until = xsd_datetime(now + timedelta(days=achievement.valid_for_days))
    credential_id = app.new_id()
    # Two BitstringStatusListEntry objects, revocation and suspension (services.status_lists).
    status = allocate_entries(app, session, issuer)
    if request.email:
        recipient: list[dict] | str = [identity_object(request.email, secrets.token_hex(8))]
        lookup = recipient_lookup(app, request.email)
    else:
        if not isinstance(request.did, str) or not request.did.startswith("did:") or len(request.did) > 500:
            raise InvalidInput("did must be a DID (did:method:...)", code="input.invalid_did", field="did")
        recipient, lookup = request.did, None
    name = request.name.replace("\t", " ").strip() if isinstance(request.name, str) and request.name.strip() else None
    document = builders.achievement_credential(
        id=app.url("credentials", credential_id),
        issuer=profile_document(issuer),
        achievement=json.loads(achievement.document),
        recipient=recipient,
        recipient_name=name,
        valid_from=valid_from,
        valid_until=valid_until,
        awarded_date=awarded,
        evidence=_evidence(request.evidence),
        credential_status=status.entries,
    )
    check(document, mode="issue")  # raises InvalidCredential before anything is signed

    token = None
    if request.format == "ldp":
        vm, pair = signing_key(app, issuer)
        document = add_proof(document, keypair=pair, verification_method=vm, created=valid_from)
    else:
        kid, private = jwt_signing_key(app, issuer)
        token = vc_jwt.sign(document, private_key=private, kid=kid)
    row = Credential(
        id=credential_id,
        issuer_id=issuer.id,
        achievement_id=achievement.id,
        format=request.format,
        document=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
        jwt=token,
        recipient_lookup=lookup,
        recipient_did=request.did,
        status="active",
        status_index=status.revocation_index,
        suspension_index=status.suspension_index,
        issued_at=now,
        idempotency_key=idempotency_key,
        request_hash=request.fingerprint() if idempotency_key else None,
    )
    try:
        core_db.insert_unique(session, row)
    except Conflict:
        if idempotency_key is None:
            raise  # a status index taken by a concurrent issuance: one in 131,072 per pair
        # A concurrent request with the same Idempotency-Key won: answer as if we came second.
        previous = issuance_repo.credential_by_idempotency_key(session, issuer.id, idempotency_key)
        if previous is None or previous.request_hash != request.fingerprint():
            raise Conflict("this Idempotency-Key was used for another request", code="idempotency.mismatch")
        return previous
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="credential.issue",
        target=row.id,
        detail={"achievement": achievement.id, "format": request.format},
    )
    # Subscribers (badger.application.wire): the learner's e-mail, the pathways this completes.
    app.events.publish(
        events.CREDENTIAL_ISSUED,
        app=app,
        session=session,
        credential=row,
        email=request.email,
        name=name,
        notify=notify,
        lang=lang,
    )
    return row


def get_credential(session: Session, credential_id: str, *, issuer: Issuer | None = None) -> Credential:
    credential_id = credential_id.rsplit("/", 1)[-1] if isinstance(credential_id, str) else ""
    row = session.get(Credential, credential_id) if credential_id else None
    if row is None or (issuer is not None and row.issuer_id != issuer.id):
        raise NotFound("no such credential", code="credential.not_found")
    return row


def list_credentials(
    app: Badger,
    session: Session,
    *,
    issuer: Issuer | None = None,
    email: str | None = None,
    achievement: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[Credential]:
    return issuance_repo.credentials(
        session,
        issuer_id=issuer.id if issuer is not None else None,
        recipient_lookup=recipient_lookup(app, email) if email else None,
        achievement_id=achievement.rsplit("/", 1)[-1] if achievement else None,
        status=status or None,
        limit=limit,
    )


def public_document(row: Credential):
    """What is served: the exact signed JSON (ldp) — never rebuilt from columns."""
    return json.loads(row.document)

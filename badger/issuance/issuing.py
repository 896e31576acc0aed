"""Issuing one credential: build, validate, sign (ldp or jwt), store the exact signed bytes."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

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
from badger.issuance.status_lists import StatusAllocation, allocate_entries_many
from badger.issuers.models import Issuer
from badger.issuers.service import jwt_signing_key, profile_document, signing_key
from badger.jsonld.template import canonicalize_by_template, shape_key
from badger.proofs import vc_jwt
from badger.proofs.data_integrity import add_proof

__all__ = [
    "IssueRequest",
    "issue",
    "issue_batch",
    "BatchValidator",
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
    # Extra IdentityObjects beside a ``did`` (a wallet's copy keeps the original's hashed e-mail).
    identifiers: tuple = ()
    # OB 3.0 ``awardedDate``: when the achievement happened (validFrom stays the signing time).
    awarded_date: str | None = None

    def fingerprint(self) -> str:
        fields = dict(self.__dict__)
        # Fields added later are left out at their default: keys stored before they existed stay valid.
        for name, default in (("awarded_date", None), ("identifiers", ())):
            if fields.get(name) == default:
                del fields[name]
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


def _check_request(request: IssueRequest) -> None:
    """What can be said of a request alone (InvalidInput): format, recipient, validUntil."""
    if request.format not in FORMATS:
        raise InvalidInput("format must be 'ldp' or 'jwt'", code="input.invalid_format", field="format")
    if bool(request.email) == bool(request.did):
        raise InvalidInput(
            "give the recipient's email or did (one of them)", code="input.invalid_recipient", field="recipient"
        )
    if request.valid_until is not None and parse_datetime(request.valid_until) is None:
        raise InvalidInput(
            "validUntil must be a date-time with a timezone", code="input.invalid_valid_until", field="valid_until"
        )
    if request.did is not None and (
        not isinstance(request.did, str) or not request.did.startswith("did:") or len(request.did) > 500
    ):
        raise InvalidInput("did must be a DID (did:method:...)", code="input.invalid_did", field="did")
    awarded_date(request.awarded_date)  # raises InvalidInput before anything is allocated


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not (0 < len(idempotency_key) <= 200):
        raise InvalidInput(
            "Idempotency-Key must be 1-200 characters",
            code="input.invalid_idempotency_key",
            field="idempotency_key",
        )


# The documents of a batch differ only in these values (generalised paths, "*" for a list
# index); a document that differs from its shape's validated one anywhere else is validated
# whole.
_PER_ROW = frozenset(
    {
        ("id",),
        ("validFrom",),
        ("validUntil",),
        ("awardedDate",),
        ("credentialSubject", "id"),
        ("credentialSubject", "identifier", "*", "identityHash"),
        ("credentialSubject", "identifier", "*", "salt"),
        ("evidence", "*", "id"),
        ("evidence", "*", "narrative"),
        ("evidence", "*", "name"),
        ("credentialStatus", "id"),
        ("credentialStatus", "statusListIndex"),
        ("credentialStatus", "statusListCredential"),
        ("credentialStatus", "*", "id"),
        ("credentialStatus", "*", "statusListIndex"),
        ("credentialStatus", "*", "statusListCredential"),
    }
)
_DATES = frozenset({("validFrom",), ("validUntil",), ("awardedDate",)})
_HASH = re.compile(r"sha256\$[0-9a-f]{64}")
# Not the validation rule itself (credentials.validation refuses control characters): a filter
# that sends any value holding one, or nothing, to the full validation, which says why.
_DOUBTFUL = re.compile("[\x00-\x1f\x7f]")


def _value_paths(node: Any, path: tuple[Any, ...], out: list[tuple[Any, ...]], structural: bool) -> None:
    """The generalised path of each string value, in the order template.shape_key lists them."""
    if isinstance(node, str):
        if not structural:
            out.append(path)
    elif isinstance(node, dict):
        for k, v in node.items():
            _value_paths(v, path + (k,), out, structural or k in ("@context", "type", "@type") or k.startswith("@"))
    elif isinstance(node, list):
        for v in node:
            _value_paths(v, path + ("*",), out, structural)


class BatchValidator:
    """``credentials.validation.check`` for the documents of one batch: the first document of
    each shape (badger.jsonld.template.shape_key: same structure, same kind of value in each
    place) is validated whole; the next ones only by the values that vary per row (ids, dates,
    identity hashes and salts, evidence, status entries), and whole at the slightest doubt."""

    def __init__(self) -> None:
        self._shapes: dict[Any, tuple[list[str], list[tuple[Any, ...]]]] = {}
        self.full = 0

    def check(self, document: dict) -> Any:
        """Raise InvalidCredential unless ``document`` validates; -> its shape key (or None),
        for the canonicalization by template to reuse."""
        keyed = shape_key(document)
        if keyed is None:
            self._full(document)
            return None
        key, values = keyed
        known = self._shapes.get(key)
        if known is None or not self._same_but_rows(known, values):
            self._full(document)
            if known is None:
                paths: list[tuple[Any, ...]] = []
                _value_paths(document, (), paths, False)
                self._shapes[key] = (values, paths)
        return keyed

    def _full(self, document: dict) -> None:
        self.full += 1
        check(document, mode="issue")  # raises InvalidCredential before anything is signed

    @staticmethod
    def _same_but_rows(known: tuple[list[str], list[tuple[Any, ...]]], values: list[str]) -> bool:
        reference, paths = known
        for path, old, new in zip(paths, reference, values, strict=True):
            if old == new:
                continue
            if path not in _PER_ROW or not new or _DOUBTFUL.search(new):
                return False
            if path in _DATES and parse_datetime(new) is None:
                return False
            if path[-1] == "identityHash" and bool(_HASH.fullmatch(old)) != bool(_HASH.fullmatch(new)):
                return False
            if path[-1] == "statusListIndex" and not (new.isascii() and new.isdigit()):
                return False
        return True


@dataclass(frozen=True)
class _Built:
    request: IssueRequest
    key: str | None
    achievement_id: str
    credential_id: str
    document: dict
    lookup: str | None
    name: str | None
    status: StatusAllocation
    keyed: Any  # the document's template.shape_key, computed by the validation


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
    another request). A batch of one (``issue_batch``)."""
    return issue_batch(
        app, session, issuer, [request], idempotency_keys=[idempotency_key], actor=actor, notify=notify, lang=lang
    )[0]


def issue_batch(
    app: Badger,
    session: Session,
    issuer: Issuer,
    requests: Sequence[IssueRequest],
    *,
    idempotency_keys: Sequence[str | None] | None = None,
    actor: audit.Actor = audit.SYSTEM,
    notify: bool = False,
    lang: str = "fr",
) -> list[Credential]:
    """Issue one credential per request, in order, all or nothing: the pipeline that single
    issuance, bulk chunks, milestones and pathways share. Per batch: one query for the
    Idempotency-Keys already used, each badge class read once, the status indexes given to the
    whole batch at once (status_lists.allocate_entries_many), the documents validated by shape
    (BatchValidator), signed with one key and one ``created`` (the proof configuration and the
    JSON-LD shape are processed once: badger.jsonld.template), stored with multi-row INSERTs,
    audited with one multi-row INSERT, and announced with one ``credentials_issued`` event
    (the e-mails and the pathways, looked up once per batch).

    Returns the credentials (a request whose Idempotency-Key was used before answers the
    credential issued then). Raises what ``issue`` raises for the first bad request; a batch of
    more than one raises Conflict when an Idempotency-Key clashes with a concurrent transaction:
    the caller retries row by row."""
    requests = list(requests)
    keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(requests)
    if len(keys) != len(requests):
        raise ValueError("one idempotency key (or None) per request")
    for key in keys:
        _check_key(key)
    results: list[Credential | None] = [None] * len(requests)
    used = [k for k in keys if k is not None]
    previous = issuance_repo.credentials_by_idempotency_keys(session, issuer.id, used) if used else {}
    todo: list[int] = []
    for i, (request, key) in enumerate(zip(requests, keys, strict=True)):
        earlier = previous.get(key) if key is not None else None
        if earlier is not None:
            if earlier.request_hash != request.fingerprint():
                raise Conflict("this Idempotency-Key was used for another request", code="idempotency.mismatch")
            results[i] = earlier
        else:
            todo.append(i)
    if not todo:
        return cast("list[Credential]", results)
    achievements: dict[str, tuple[Any, dict]] = {}
    for i in todo:
        _check_request(requests[i])
        if requests[i].achievement not in achievements:
            badge = get_achievement(session, requests[i].achievement, issuer=issuer)
            achievements[requests[i].achievement] = (badge, json.loads(badge.document))

    now = app.clock()
    valid_from = xsd_datetime(now)
    # Indexes in the revocation and suspension lists per credential; credentialStatus in the
    # issuer's form (the revocation entry alone by default).
    statuses = allocate_entries_many(app, session, issuer, len(todo))
    profile = profile_document(issuer)
    validator = BatchValidator()
    built: list[_Built] = []
    for i, status in zip(todo, statuses, strict=True):
        request = requests[i]
        awarded = awarded_date(request.awarded_date)
        achievement, achievement_document = achievements[request.achievement]
        valid_until = request.valid_until
        if valid_until is None and achievement.valid_for_days:
            valid_until = xsd_datetime(now + timedelta(days=achievement.valid_for_days))
        credential_id = app.new_id()
        if request.email:
            recipient: list[dict] | str = [identity_object(request.email, secrets.token_hex(8))]
            lookup = recipient_lookup(app, request.email)
        else:
            recipient, lookup = cast(str, request.did), None
        name = (
            request.name.replace("\t", " ").strip() if isinstance(request.name, str) and request.name.strip() else None
        )
        document = builders.achievement_credential(
            id=app.url("credentials", credential_id),
            issuer=profile,
            achievement=achievement_document,
            recipient=recipient,
            recipient_name=name,
            valid_from=valid_from,
            valid_until=valid_until,
            awarded_date=awarded,
            evidence=_evidence(request.evidence),
            credential_status=status.entries,
        )
        if request.did and request.identifiers:
            document["credentialSubject"]["identifier"] = [
                dict(i) for i in request.identifiers if isinstance(i, dict)
            ] + document["credentialSubject"].get("identifier", [])
        keyed = validator.check(document)  # raises InvalidCredential before anything is signed
        built.append(_Built(request, keys[i], achievement.id, credential_id, document, lookup, name, status, keyed))

    values = _sign(app, issuer, built, now, valid_from)
    if len(requests) == 1:
        rows = [Credential(**values[0])]
        try:
            core_db.insert_unique(session, rows[0])
        except Conflict:
            key = keys[0]
            if key is None:
                raise  # status indexes are never given twice; nothing else is unique here
            # A concurrent request with the same Idempotency-Key won: answer as if we came second.
            earlier = issuance_repo.credential_by_idempotency_key(session, issuer.id, key)
            if earlier is None or earlier.request_hash != requests[0].fingerprint():
                raise Conflict("this Idempotency-Key was used for another request", code="idempotency.mismatch")
            return [earlier]
    else:
        # One go for the batch (status indexes never clash); an Idempotency-Key a concurrent
        # request took raises Conflict, and the savepoint leaves nothing behind.
        with core_db.savepoint(session):
            rows = issuance_repo.insert_credentials(session, values)
    for i, row in zip(todo, rows, strict=True):
        results[i] = row
    audit.record_many(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="credential.issue",
        targets=[(row.id, {"achievement": row.achievement_id, "format": row.format}) for row in rows],
    )
    # Subscribers (badger.application.wire): the learners' e-mails, the pathways they complete.
    app.events.publish(
        events.CREDENTIALS_ISSUED,
        app=app,
        session=session,
        issued=[events.Issued(row, b.request.email, b.name) for row, b in zip(rows, built, strict=True)],
        notify=notify,
        lang=lang,
    )
    return cast("list[Credential]", results)


def _sign(app: Badger, issuer: Issuer, built: list[_Built], now: Any, valid_from: str) -> list[dict[str, Any]]:
    """Sign each document (one key and one ``created`` for the batch) -> the rows to store
    (column values)."""
    ldp_key = jwt_key = None
    rows = []
    for b in built:
        token = None
        document = b.document
        if b.request.format == "ldp":
            if ldp_key is None:
                ldp_key = signing_key(app, issuer)
            vm, pair = ldp_key
            transformed = canonicalize_by_template(document, keyed=b.keyed) if b.keyed is not None else None
            document = add_proof(
                document, keypair=pair, verification_method=vm, created=valid_from, transformed=transformed
            )
        else:
            if jwt_key is None:
                jwt_key = jwt_signing_key(app, issuer)
            kid, private = jwt_key
            token = vc_jwt.sign(document, private_key=private, kid=kid)
        rows.append(
            {
                "id": b.credential_id,
                "issuer_id": issuer.id,
                "achievement_id": b.achievement_id,
                "format": b.request.format,
                "document": json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                "jwt": token,
                "recipient_lookup": b.lookup,
                "recipient_did": b.request.did,
                "recipient_name": b.name[:300] if b.name else None,
                "status": "active",
                "status_reason": None,
                "status_index": b.status.revocation_slot,
                "suspension_index": b.status.suspension_slot,
                "status_changed_at": None,
                "issued_at": now,
                "idempotency_key": b.key,
                "request_hash": b.request.fingerprint() if b.key else None,
            }
        )
    return rows


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

"""What the public pages show, read from the signed documents (never rebuilt from columns):
a credential's badge, issuer, recipient name, evidence, alignments, endorsements and live
status; a badge class's holders when its issuer allows it; the share links (LinkedIn,
e-mail). The web layer only translates and renders what these functions return.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import urlencode, urlsplit

from badger.achievements import service as achievements
from badger.achievements.models import Achievement
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.dates import parse_datetime
from badger.errors import InvalidInput, NotFound
from badger.issuance import repository as repo
from badger.issuance.models import Credential
from badger.issuers import service as issuers
from badger.issuers.models import Issuer
from badger.programmes import endorsements as endorsement_service
from badger.public import repository as public_repo
from badger.recognition import endorsements as recognition_endorsements
from badger.verification import VerificationResult
from badger.verifying import service as verifying

__all__ = [
    "CredentialView",
    "credential_view",
    "state_of",
    "signed_at",
    "endorsements",
    "alignments",
    "linkedin_add_url",
    "holder_count",
    "holder_counts",
    "set_show_holder_count",
    "achievement_view",
    "partners",
    "verify_view",
    "set_linkedin_organization",
    "input_error",
    "INPUT_ERRORS",
]

# LinkedIn "Add to Profile" for certifications (LinkedIn's "Add to Profile for Certifications"
# developer documentation, addtoprofile.linkedin.com): a plain link, no API key, the member
# confirms on LinkedIn. Parameters: startTask=CERTIFICATION_NAME, name, organizationId (a LinkedIn
# company id: issuers.linkedin_organization_id) or organizationName, issueYear, issueMonth, expirationYear,
# expirationMonth (months 1-12), certUrl, certId.
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"

# Competency frameworks recognised from an alignment's URL, for a readable label and a link.
_FRAMEWORKS = (
    ("data.europa.eu", "/esco/", "ESCO"),
    ("esco.ec.europa.eu", "", "ESCO"),
    ("www.francecompetences.fr", "/recherche/rncp/", "RNCP"),
    ("www.francecompetences.fr", "/recherche/rs/", "RS"),
)


_FRANCE_CODE = re.compile(r"^(RNCP|RS)\s*(\d{1,8})$", re.IGNORECASE)


def _http(url) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


def _moment(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if isinstance(value, str) else None


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _name_of(party) -> str | None:
    if isinstance(party, dict):
        return party.get("name") if isinstance(party.get("name"), str) else party.get("id")
    return party if isinstance(party, str) else None


def state_of(result: VerificationResult) -> str:
    """verified | revoked | suspended | expired | not_yet_valid | invalid."""
    if result.verified:
        return "verified"
    status, dates = result.check("status"), result.check("dates")
    if status is not None and status.code in ("status.revoked", "status.suspended"):
        return status.code.split(".", 1)[1]
    if dates is not None and dates.code in ("dates.expired", "dates.not_yet_valid"):
        return dates.code.split(".", 1)[1]
    return "invalid"


def signed_at(result: VerificationResult) -> datetime | None:
    """When the credential was signed: its Data Integrity proof's ``created``, else (VC-JWT)
    its ``validFrom``."""
    credential = result.credential if isinstance(result.credential, dict) else {}
    proof = _first(credential.get("proof"))
    created = _moment(proof.get("created")) if isinstance(proof, dict) else None
    return created or _moment(credential.get("validFrom") or credential.get("issuanceDate"))


def alignments(document: dict) -> list[dict]:
    """Achievement.alignment entries with a safe link and the framework's short name
    (ESCO, RNCP, RS) when the target belongs to one."""
    out = []
    for item in document.get("alignment") or []:
        if not isinstance(item, dict) or not isinstance(item.get("targetName"), str):
            continue
        url = item.get("targetUrl") if _http(item.get("targetUrl")) else None
        framework = item.get("targetFramework") if isinstance(item.get("targetFramework"), str) else None
        code = item.get("targetCode") if isinstance(item.get("targetCode"), str) else None
        if url:
            parts = urlsplit(url)
            for host, path, label in _FRAMEWORKS:
                if parts.hostname == host and parts.path.startswith(path):
                    framework = framework or label
        elif code and (match := _FRANCE_CODE.match(code.strip())):
            # A French national register code (RNCP12345, RS5678): France compétences' record.
            kind, number = match.group(1).upper(), match.group(2)
            url = f"https://www.francecompetences.fr/recherche/{kind.lower()}/{number}/"
            framework = framework or kind
        out.append(
            {
                "name": item["targetName"],
                "url": url,
                "framework": framework,
                "code": code,
                "description": item.get("targetDescription")
                if isinstance(item.get("targetDescription"), str)
                else None,
            }
        )
    return out


def endorsements(*documents) -> list[dict]:
    """OB 3.0 EndorsementCredentials found in the ``endorsement`` arrays of the given documents
    (an Achievement, an issuer Profile): who endorses, and what they say. Shown as the
    documents carry them; duplicates (same id) once."""
    seen, out = set(), []
    for document in documents:
        if not isinstance(document, dict):
            continue
        for item in document.get("endorsement") or []:
            if not isinstance(item, dict):
                continue
            types = cast(list, item.get("type")) if isinstance(item.get("type"), list) else [item.get("type")]
            if "EndorsementCredential" not in types:
                continue
            key = item.get("id") or json.dumps(item, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            subject = _first(item.get("credentialSubject")) or {}
            comment = subject.get("endorsementComment") if isinstance(subject, dict) else None
            endorser = item.get("issuer")
            out.append(
                {
                    "endorser": _name_of(endorser) or "?",
                    "endorser_url": endorser.get("url")
                    if isinstance(endorser, dict) and _http(endorser.get("url"))
                    else None,
                    "comment": comment if isinstance(comment, str) else None,
                    "date": _moment(item.get("validFrom") or item.get("issuanceDate")),
                }
            )
    return out


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued: datetime | None,
    expires: datetime | None,
    cert_url: str,
    cert_id: str,
    organization_id: str | None = None,
) -> str:
    """The LinkedIn "Add to Profile" link for one certification (see LINKEDIN_ADD): with the
    partner's LinkedIn company id when it gave one (the profile then shows its logo), else
    its name."""
    params = {"startTask": "CERTIFICATION_NAME", "name": name}
    if organization_id:
        params["organizationId"] = organization_id
    else:
        params["organizationName"] = organization
    if issued is not None:
        params.update(issueYear=str(issued.year), issueMonth=str(issued.month))
    if expires is not None:
        params.update(expirationYear=str(expires.year), expirationMonth=str(expires.month))
    params.update(certUrl=cert_url, certId=cert_id)
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


@dataclass
class CredentialView:
    id: str
    public_url: str
    achievement: dict
    achievement_id: str
    issuer: dict
    issuer_slug: str | None
    recipient_name: str | None
    evidence: list
    alignments: list
    endorsements: list
    accepted_endorsements: list  # endorsements (partners', learners') its holder shows (recognition)
    issued_on: datetime | None
    valid_until: datetime | None
    signed_at: datetime | None
    verification_method: str | None
    state: str
    status_reason: str | None
    result: VerificationResult
    has_jwt: bool
    has_png: bool
    has_svg: bool
    image_url: str
    linkedin_url: str
    extra: dict = field(default_factory=dict)


# The credential page's verification, per process: a page view does not verify again (the
# signature, the status lists, the schema) while nothing it depends on changed. The key is the
# page's version (page_version): the credential's status (a revocation, suspension or lifting
# changes it, and the status list bit with it, in every process: the version is read on each
# view), its issuer's keys (a rotation adds some), the endorsements shown; the lifetime bounds
# what time alone changes (expiry, validity of the status lists). STATUS_CHANGED also drops the
# entry (on_status_changed).
RESULT_TTL = timedelta(seconds=60)
_RESULTS: OrderedDict[tuple, tuple[datetime, VerificationResult]] = OrderedDict()
_RESULTS_MAX = 4096
_RESULTS_LOCK = threading.Lock()


def page_version(app: Badger, session: Session, credential_id: str) -> tuple:
    """What the credential page shows, besides its signed document and time, as one small tuple
    read with one indexed query (public.repository.credential_page_version): the credential's
    status, its issuer's keys, the endorsements its holder accepted and those of its issuer.
    The key of the verification cache below; the web layer keys the rendered page with it.
    Raises NotFound (``credential.not_found``)."""
    version = public_repo.credential_page_version(session, credential_id)
    if version is None:
        raise NotFound("no such credential", code="credential.not_found")
    return (app.base_url, credential_id, *version)


def page_result(app: Badger, session: Session, row: Credential, version: tuple | None = None) -> VerificationResult:
    """verifying.verify_credential of the stored credential, cached as said above."""
    key = version if version is not None else page_version(app, session, row.id)
    now = app.clock()
    with _RESULTS_LOCK:
        hit = _RESULTS.get(key)
    if hit is not None and hit[0] <= now < hit[0] + RESULT_TTL:
        return hit[1]
    result = verifying.verify_credential(app, session, row.jwt or row.document, count=False)
    with _RESULTS_LOCK:
        _RESULTS[key] = (now, result)
        while len(_RESULTS) > _RESULTS_MAX:
            _RESULTS.popitem(last=False)
    return result


def on_status_changed(*, app: Badger, credential: Credential, **_payload: object) -> None:
    """Subscriber of ``status_changed`` (badger.application.wire): forget the credential's
    cached page verification (its key no longer matches anyway; this frees it at once)."""
    with _RESULTS_LOCK:
        for key in [k for k in _RESULTS if k[0] == app.base_url and k[1] == credential.id]:
            del _RESULTS[key]


def credential_view(app: Badger, session: Session, row: Credential, version: tuple | None = None) -> CredentialView:
    """Everything the credential page, its print view and its share metadata show. The status
    is the same verification the API answers with (verifying.verify_credential); a page view
    is not counted as a verification. ``version``: page_version when the caller read it."""
    document = json.loads(row.document)
    subject = _first(document.get("credentialSubject")) or {}
    achievement = cast(dict, subject.get("achievement")) if isinstance(subject.get("achievement"), dict) else {}
    issuer_doc = document.get("issuer") if isinstance(document.get("issuer"), dict) else {"id": document.get("issuer")}
    issuer_row = issuers.get_issuer_by_did(session, issuer_doc.get("id") or "")
    recipient_name = next(
        (
            i.get("identityHash")
            for i in subject.get("identifier") or []
            if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
        ),
        None,
    )
    evidence = [e for e in document.get("evidence") or [] if isinstance(e, dict)]
    result = page_result(app, session, row, version)
    state = state_of(result)
    # The date a reader cares about: when it was awarded (OB 3.0 awardedDate), else when signed.
    issued_on = _moment(document.get("awardedDate")) or _moment(document.get("validFrom")) or row.issued_at
    valid_until = _moment(document.get("validUntil"))
    public_url = app.url("credentials", row.id)
    # The image a link preview shows: the 1200x630 PNG share card (badger.public.rendering),
    # whatever the class image's format (previews do not draw SVG).
    image_url = public_url + "/card.png"
    profile = _current_profile(session, issuer_row)
    return CredentialView(
        id=row.id,
        public_url=public_url,
        achievement=achievement,
        achievement_id=row.achievement_id,
        issuer=issuer_doc,
        issuer_slug=issuer_row.slug if issuer_row is not None else None,
        recipient_name=recipient_name if isinstance(recipient_name, str) else None,
        evidence=evidence,
        alignments=alignments(achievement),
        endorsements=endorsements(achievement, issuer_doc, profile),
        accepted_endorsements=recognition_endorsements.accepted(session, row.id),
        issued_on=issued_on,
        valid_until=valid_until,
        signed_at=signed_at(result) or issued_on,
        verification_method=result.verification_method,
        state=state,
        status_reason=row.status_reason if state in ("revoked", "suspended") and row.status_reason else None,
        result=result,
        has_jwt=row.jwt is not None,
        has_png=True,  # every credential is baked both ways (badger.public.rendering)
        has_svg=True,
        image_url=image_url,
        linkedin_url=linkedin_add_url(
            name=achievement.get("name") or "Badge",
            organization=_name_of(issuer_doc) or "",
            issued=issued_on,
            expires=valid_until,
            cert_url=public_url,
            cert_id=row.id,
            organization_id=issuer_row.linkedin_organization_id if issuer_row is not None else None,
        ),
    )


def _current_profile(session: Session, issuer: Issuer | None) -> dict | None:
    """The issuer's Profile as served today, with the endorsements other partners signed
    about it (badger.programmes.endorsements)."""
    if issuer is None:
        return None
    return endorsement_service.profile_document(session, issuer)


def achievement_view(session: Session, row: Achievement, lang: str = "fr") -> dict:
    """The badge class page: its document, its creator, alignments, endorsements, and the
    holder count when the issuer shows it (None otherwise). In English, the English texts the
    partner wrote (badge class editor: name_en, description_en, criteria_en) replace the
    signed French ones on the page; the document served as JSON is unchanged."""
    document = json.loads(row.document)
    english_texts = False
    if lang == "en":
        for column, key in (("name_en", "name"), ("description_en", "description")):
            if getattr(row, column, None):
                document[key] = getattr(row, column)
                english_texts = True
        if row.criteria_en:
            document["criteria"] = {**(document.get("criteria") or {}), "narrative": row.criteria_en}
    creator = document.get("creator") if isinstance(document.get("creator"), dict) else {}
    issuer_row = issuers.get_issuer_by_did(session, creator.get("id") or "") or achievements.issuer_of(session, row)
    profile = _current_profile(session, issuer_row)
    return {
        "document": document,
        "issuer": creator or profile or {},
        "issuer_slug": issuer_row.slug if issuer_row else None,
        "alignments": alignments(document),
        "endorsements": endorsements(document, creator, profile),
        "holders": holder_count(session, issuer_row, row.id) if issuer_row is not None else None,
        "english_texts": english_texts,
    }


def holder_count(session: Session, issuer: Issuer, achievement_id: str) -> int | None:
    """How many people hold this badge class (not revoked), or None when the issuer keeps it private."""
    if not issuer.show_holder_count:
        return None
    return repo.holder_count(session, achievement_id)


def holder_counts(session: Session, issuer: Issuer) -> dict[str, int] | None:
    if not issuer.show_holder_count:
        return None
    return repo.holder_counts(session, issuer.id)


def set_show_holder_count(app: Badger, session: Session, issuer: Issuer, show: bool, *, actor: audit.Actor) -> None:
    """The issuer's choice to show (or hide) holder counts on its public pages; audited."""
    issuer.show_holder_count = bool(show)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="issuer.show_holder_count",
        target=issuer.slug,
        detail={"show": bool(show)},
    )


def partners(session: Session, lang: str = "fr") -> list[dict]:
    """The home page's partners, by name, each with its published badge classes (name and
    texts in ``lang``) and holder counts when the partner shows them."""
    out = []
    for issuer in sorted(issuers.list_issuers(session), key=lambda i: i.name.casefold()):
        counts = holder_counts(session, issuer)
        classes = [
            {
                "id": row.id,
                **achievements.texts(row, lang),
                "holders": None if counts is None else counts.get(row.id, 0),
            }
            for row in achievements.list_achievements(session, issuer)
        ]
        out.append(
            {
                "slug": issuer.slug,
                "name": issuer.name,
                "description": issuer.description,
                "image_url": issuer.image_url if _http(issuer.image_url) else None,
                "badge_classes": classes,
            }
        )
    return out


# The format check failed: what was given is not a badge at all (text, a photo, broken JSON).
# The verify page answers it as an input error, not as an untrustworthy badge.
INPUT_ERRORS = frozenset(
    {
        "format.unrecognised",
        "format.invalid_json",
        "format.not_baked",
        "format.image_too_large",
        "format.invalid_image",
        "format.too_large",
    }
)
# Checks whose failure leaves the signed content trustworthy: the badge is authentic but
# revoked, suspended, expired or not valid yet; its facts may be shown, with the state.
_STATE_CHECKS = frozenset({"status", "dates"})


def input_error(result: VerificationResult) -> str | None:
    """The format code when what was given is not a badge at all, else None."""
    check = result.check("format")
    return check.code if check is not None and check.status == "failed" and check.code in INPUT_ERRORS else None


def _image_of(achievement: dict) -> str | None:
    image = achievement.get("image")
    url = image.get("id") if isinstance(image, dict) else image
    if isinstance(url, str) and (url.startswith("https://") or url.startswith("data:image/")):
        return url
    return None


def verify_view(app: Badger, session: Session, result: VerificationResult, lang: str = "fr") -> dict:
    """What the verify page may state about a verified (or authentic but revoked, suspended,
    expired) badge: holder's name as the credential gives it, badge image, description,
    criteria, issuer and how Badger knows it, and for a revoked or suspended badge of this
    instance the reason and date. ``trusted`` is false when a check other than status and
    dates failed (the signature, the issuer, the model...): then nothing of the document is
    a fact, and only ``claimed_url`` (the page the document says it has, shown as a claim) is
    given."""
    credential = result.credential if isinstance(result.credential, dict) else {}
    failed = [c for c in result.checks if c.status == "failed"]
    trusted = bool(credential) and all(c.check in _STATE_CHECKS for c in failed)
    claimed = credential.get("id")
    view: dict = {
        "trusted": trusted,
        "state": state_of(result),
        "claimed_url": claimed if _http(claimed) and not trusted else None,
    }
    if not trusted:
        return view
    first = _first(credential.get("credentialSubject"))
    subject: dict = first if isinstance(first, dict) else {}
    achievement: dict = subject["achievement"] if isinstance(subject.get("achievement"), dict) else {}
    issuer_doc: dict = (
        credential["issuer"] if isinstance(credential.get("issuer"), dict) else {"id": credential.get("issuer")}
    )
    holder = next(
        (
            i.get("identityHash")
            for i in subject.get("identifier") or []
            if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
        ),
        None,
    ) or (subject.get("name") if isinstance(subject.get("name"), str) else None)
    criteria: dict = achievement["criteria"] if isinstance(achievement.get("criteria"), dict) else {}
    view.update(
        holder=holder if isinstance(holder, str) else None,
        name=achievement.get("name") if isinstance(achievement.get("name"), str) else None,
        description=achievement.get("description") if isinstance(achievement.get("description"), str) else None,
        criteria=criteria.get("narrative") if isinstance(criteria.get("narrative"), str) else None,
        image_url=_image_of(achievement),
        issuer_name=_name_of(issuer_doc),
        issuer_id=issuer_doc.get("id") if isinstance(issuer_doc.get("id"), str) else None,
        issuer_url=issuer_doc.get("url") if _http(issuer_doc.get("url")) else None,
        issuer_slug=None,
        page_url=claimed if _http(claimed) else None,
        valid_from=_moment(credential.get("validFrom") or credential.get("issuanceDate")),
        valid_until=_moment(credential.get("validUntil") or credential.get("expirationDate")),
        status_reason=None,
        status_date=None,
    )
    partner = issuers.get_issuer_by_did(session, view["issuer_id"] or "")
    if partner is not None:  # one of this instance's partners: its page, and the class image we hold
        view["issuer_slug"] = partner.slug
    own = app.base_url + "/credentials/"
    if isinstance(claimed, str) and claimed.startswith(own):
        row = session.get(Credential, claimed[len(own) :])
        if row is not None and row.issuer_id == (partner.id if partner else None):
            view["image_url"] = app.url("achievements", row.achievement_id, "image")
            if view["state"] in ("revoked", "suspended"):
                view["status_reason"] = row.status_reason
                view["status_date"] = row.status_changed_at
    return view


_LINKEDIN_ID = re.compile(r"^[0-9]{1,20}$")


def set_linkedin_organization(
    app: Badger, session: Session, issuer: Issuer, value: str | None, *, actor: audit.Actor
) -> None:
    """The partner's LinkedIn company id (digits, as in linkedin.com/company/<id>/admin), or
    None to send its name instead; audited. Raises InvalidInput for anything but digits."""
    value = (value or "").strip() or None
    if value is not None and not _LINKEDIN_ID.match(value):
        raise InvalidInput("a LinkedIn organisation id is a number", code="issuer.invalid_linkedin_id")
    issuer.linkedin_organization_id = value
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="issuer.linkedin",
        target=issuer.slug,
        detail={"linkedin": value},
    )

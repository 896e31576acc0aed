"""Public pages and documents (no login): credentials, achievements, issuers, DID documents,
JWKS, status lists, health, verification (interfaces.md "HTTP / Public").

Thin (architecture convention 8): parse the request, call services, choose a media type,
render. Signed documents are served from the stored text, byte for byte (convention 6).

Media types:
- credential: ``application/vc+ld+json`` when asked, else ``application/ld+json`` or
  ``application/json`` as asked (the same bytes); ``application/vc+jwt`` for the compact JWS
  of a credential issued as VC-JWT; ``text/html`` for anything else (browsers, ``*/*``);
- achievement and issuer profile: ``application/ld+json`` or ``application/json`` as asked;
- DID document: ``application/did+json``; JWK sets: ``application/json`` (what every JOSE
  client accepts); status lists: ``application/vc+ld+json``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, render_template, request

from badger.credentials.dates import parse_datetime
from badger.errors import InvalidInput, NotFound
from badger.services import achievements, issuers, issuing, presentations, status_lists, verifying
from badger.services.images import PNG_TYPE, SVG_TYPE, achievement_image
from badger.services.qr import qr_png, qr_svg
from badger.verification import FAILED, PASSED, WARNING
from badger.store import repositories
from badger.web import badger_app
from badger.web.errors import PROBLEM_BASE, language

bp = Blueprint("public", __name__)

VC_LD = "application/vc+ld+json"
LD = "application/ld+json"
JSON = "application/json"
VC_JWT = "application/vc+jwt"
HTML = "text/html"
DID_JSON = "application/did+json"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SLUG = re.compile(r"^[a-z0-9-]{1,64}$")
_URL = re.compile(r"^https?://\S+$")
_URL_CHARS = re.compile(r"^[\x21-\x7e\u00a0-\U0010ffff]{1,2048}$")  # printable, no spaces or controls (NUL!)
_CORS = {"Access-Control-Allow-Origin": "*"}  # public documents: browser-based verifiers fetch them


# --------------------------------------------------------------------------------- page strings
# French first; the learner/employer pages will move to Flask-Babel later.

_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

_STRINGS = {
    "fr": {
        "skip": "Aller au contenu", "verify_nav": "Vérifier un badge", "other_lang": "English", "other_code": "en",
        "issued_by": "Délivré par", "issued_on": "Délivré le", "valid_until": "Valide jusqu'au",
        "awarded_to": "Décerné à", "description": "Description", "criteria": "Critères d'obtention",
        "evidence": "Preuves", "downloads": "Télécharger", "json": "Badge signé (JSON)", "jwt": "Badge signé (JWT)",
        "png": "Image du badge (PNG)", "svg": "Image du badge (SVG)", "qr_alt": "Code QR de l'adresse de ce badge",
        "qr": "Code QR", "badge_image_alt": "Image du badge « {name} »",
        "state_verified": "Badge vérifié : authentique et valide.",
        "state_revoked": "Ce badge a été révoqué par son émetteur.",
        "state_suspended": "Ce badge est suspendu par son émetteur.",
        "state_expired": "Ce badge a expiré.",
        "state_not_yet_valid": "Ce badge n'est pas encore valide.",
        "state_invalid": "Ce badge n'a pas pu être vérifié.",
        "checks": "Détail des vérifications", "badge_classes": "Badges proposés", "no_badge_classes": "Aucun badge pour l'instant.",
        "website": "Site web", "did": "Identifiant (DID)", "did_document": "Document DID", "jwks": "Clés publiques (JWKS)",
        "profile_json": "Profil (JSON)", "achievement_json": "Description du badge (JSON)", "type": "Type",
        "tags": "Mots-clés", "alignments": "Référentiels", "issuer": "Émetteur",
        "verify_title": "Vérifier un badge",
        "verify_intro": "Collez l'adresse d'un badge, son JSON ou son JWT, ou déposez une image de badge (PNG ou SVG).",
        "verify_input": "Adresse, JSON ou JWT du badge", "verify_file": "Image du badge (PNG ou SVG)",
        "verify_email": "Adresse e-mail du titulaire (facultatif)",
        "verify_email_help": "Pour confirmer que le badge a été délivré à cette personne.",
        "verify_submit": "Vérifier", "verify_ok": "Badge vérifié", "verify_ko": "Badge non vérifié",
        "verify_raw": "Résultat complet (JSON)", "verify_again": "Vérifier un autre badge",
        "verify_empty": "Collez une adresse, un JSON ou un JWT, ou choisissez une image.",
        "verify_fetch_failed": "Impossible de récupérer le badge à cette adresse.",
        "verify_not_found": "Aucun badge à cette adresse.",
        "verify_invalid_input": "Cette saisie ne peut pas être vérifiée.",
        "status_passed": "réussi", "status_failed": "échec", "status_warning": "avertissement", "status_skipped": "non effectué",
        "check_format": "Format", "check_schema": "Modèle Open Badges", "check_proof": "Signature",
        "check_issuer": "Émetteur", "check_dates": "Dates", "check_status": "Révocation", "check_recipient": "Titulaire",
        "badge": "Badge", "credential_title": "{name} — badge de {issuer}",
    },
    "en": {
        "skip": "Skip to content", "verify_nav": "Verify a badge", "other_lang": "Français", "other_code": "fr",
        "issued_by": "Issued by", "issued_on": "Issued on", "valid_until": "Valid until",
        "awarded_to": "Awarded to", "description": "Description", "criteria": "Criteria",
        "evidence": "Evidence", "downloads": "Download", "json": "Signed badge (JSON)", "jwt": "Signed badge (JWT)",
        "png": "Badge image (PNG)", "svg": "Badge image (SVG)", "qr_alt": "QR code of this badge's address",
        "qr": "QR code", "badge_image_alt": "Image of the badge “{name}”",
        "state_verified": "Verified badge: authentic and valid.",
        "state_revoked": "This badge has been revoked by its issuer.",
        "state_suspended": "This badge is suspended by its issuer.",
        "state_expired": "This badge has expired.",
        "state_not_yet_valid": "This badge is not valid yet.",
        "state_invalid": "This badge could not be verified.",
        "checks": "Verification details", "badge_classes": "Badges offered", "no_badge_classes": "No badges yet.",
        "website": "Website", "did": "Identifier (DID)", "did_document": "DID document", "jwks": "Public keys (JWKS)",
        "profile_json": "Profile (JSON)", "achievement_json": "Badge description (JSON)", "type": "Type",
        "tags": "Tags", "alignments": "Frameworks", "issuer": "Issuer",
        "verify_title": "Verify a badge",
        "verify_intro": "Paste a badge's address, its JSON or its JWT, or drop a badge image (PNG or SVG).",
        "verify_input": "Badge address, JSON or JWT", "verify_file": "Badge image (PNG or SVG)",
        "verify_email": "Recipient's e-mail address (optional)",
        "verify_email_help": "To confirm the badge was issued to this person.",
        "verify_submit": "Verify", "verify_ok": "Verified badge", "verify_ko": "Badge not verified",
        "verify_raw": "Full result (JSON)", "verify_again": "Verify another badge",
        "verify_empty": "Paste an address, a JSON or a JWT, or choose an image.",
        "verify_fetch_failed": "The badge at this address could not be fetched.",
        "verify_not_found": "There is no badge at this address.",
        "verify_invalid_input": "This input cannot be verified.",
        "status_passed": "passed", "status_failed": "failed", "status_warning": "warning", "status_skipped": "not done",
        "check_format": "Format", "check_schema": "Open Badges model", "check_proof": "Signature",
        "check_issuer": "Issuer", "check_dates": "Dates", "check_status": "Revocation", "check_recipient": "Recipient",
        "badge": "Badge", "credential_title": "{name} — badge from {issuer}",
    },
}


def _page(template: str, status: int = 200, **context):
    lang = language()
    kept = request.args.get("lang") if request.args.get("lang") in ("fr", "en") else None
    body = render_template(template, lang=lang, t=_STRINGS[lang], keep_lang=kept, **context)
    response = Response(body, status=status, mimetype=HTML)
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _date(value, lang: str) -> str | None:
    moment = value if isinstance(value, datetime) else parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return None
    month = _MONTHS[lang][moment.month - 1]
    return f"{moment.day} {month} {moment.year}" if lang == "fr" else f"{month} {moment.day}, {moment.year}"


# ---------------------------------------------------------------------------------- negotiation

def _best(offers: list[str]) -> str:
    """The media type to answer with: ``text/html`` wins ties and ``*/*`` (browsers, curl),
    an explicit JSON type gets the document, anything unmatched gets the page."""
    return request.accept_mimetypes.best_match([HTML, *offers]) or HTML


def _asks_document() -> bool:
    return _best([VC_LD, LD, JSON, VC_JWT, DID_JSON]) != HTML


def _document(body: str | bytes, mimetype: str, **headers) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.update(_CORS)
    response.headers.update(headers)
    return response


def _json_document(document: dict, mimetype: str, **headers) -> Response:
    return _document(json.dumps(document, ensure_ascii=False), mimetype, **headers)


def _checked_uuid(value: str, code: str) -> str:
    # Checked here so that no odd string (NUL bytes, megabytes) ever reaches the database.
    if not _UUID.match(value or ""):
        raise NotFound("no such resource", code=code)
    return value.lower()


def _checked_slug(slug: str) -> str:
    if not _SLUG.match(slug or ""):
        raise NotFound(f"no issuer {slug!r}", code="issuer.not_found")
    return slug


# ---------------------------------------------------------------------------------------- health

@bp.get("/healthz")
def healthz():
    with badger_app().transaction() as session:
        repositories.ping(session)
    return jsonify({"status": "ok"})


# ----------------------------------------------------------------------------------- credentials

def _load_credential(session, credential_id: str):
    return issuing.get_credential(session, _checked_uuid(credential_id, "credential.not_found"))


@bp.get("/credentials/<credential_id>")
def credential(credential_id: str):
    app = badger_app()
    with app.transaction() as session:
        row = _load_credential(session, credential_id)
        offers = [VC_LD, LD, JSON] + ([VC_JWT] if row.jwt else [])
        kind = _best(offers)
        if kind == VC_JWT:
            return _document(row.jwt, VC_JWT, Vary="Accept")
        if kind != HTML:
            # The stored text, never re-serialised: these are the bytes that were signed.
            return _document(row.document, kind, Vary="Accept")
        return _credential_page(app, session, row)


def _state(result) -> str:
    if result.verified:
        return "verified"
    status, dates = result.check("status"), result.check("dates")
    if status is not None and status.code in ("status.revoked", "status.suspended"):
        return status.code.split(".", 1)[1]
    if dates is not None and dates.code in ("dates.expired", "dates.not_yet_valid"):
        return dates.code.split(".", 1)[1]
    return "invalid"


def _checks_view(result, lang: str) -> list[dict]:
    strings = _STRINGS[lang]
    return [dict(c, label=strings.get(f"check_{c['check']}", c["check"]),
                 status_label=strings.get(f"status_{c['status']}", c["status"]))
            for c in result.as_dict(lang)["checks"]]


def _credential_page(app, session, row):
    lang = language()
    document = issuing.public_document(row)
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") or {}
    issuer_doc = document.get("issuer") if isinstance(document.get("issuer"), dict) else {"id": document.get("issuer")}
    issuer_row = issuers.get_issuer_by_did(session, issuer_doc.get("id") or "")
    _, image_type, _ = achievement_image(achievements.get_achievement(session, row.achievement_id))
    recipient_name = next((i.get("identityHash") for i in subject.get("identifier") or []
                           if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False), None)
    evidence = [e for e in document.get("evidence") or [] if isinstance(e, dict)]
    result = verifying.verify_credential(app, session, row.jwt or row.document)
    return _page(
        "pages/credential.html",
        credential_id=row.id,
        public_url=app.url("credentials", row.id),
        achievement=achievement,
        achievement_id=row.achievement_id,
        criteria=(achievement.get("criteria") or {}).get("narrative"),
        issuer=issuer_doc,
        issuer_slug=issuer_row.slug if issuer_row is not None else None,
        recipient_name=recipient_name,
        evidence=evidence,
        issued_on=_date(document.get("validFrom") or row.issued_at, lang),
        valid_until=_date(document.get("validUntil"), lang),
        state=_state(result),
        checks=_checks_view(result, lang),
        has_jwt=row.jwt is not None,
        has_png=image_type == PNG_TYPE,
        has_svg=image_type == SVG_TYPE,
    )


@bp.get("/credentials/<credential_id>.json")
def credential_json(credential_id: str):
    with badger_app().transaction() as session:
        row = _load_credential(session, credential_id)
        kind = _best([VC_LD, LD, JSON])
        return _document(row.document, JSON if kind == HTML else kind, Vary="Accept")


@bp.get("/credentials/<credential_id>.jwt")
def credential_jwt(credential_id: str):
    with badger_app().transaction() as session:
        row = _load_credential(session, credential_id)
        if not row.jwt:
            raise NotFound("this credential was issued with an embedded proof, not as a JWT", code="credential.no_jwt")
        return _document(row.jwt, VC_JWT)


def _download_name(row, name: str, extension: str) -> str:
    stem = issuers.slugify(name)[:48].strip("-") or "badge"
    return f'attachment; filename="{stem}-{row.id[:8]}.{extension}"'


def _baked(credential_id: str, wanted: str):
    from badger.baking import bake_png, bake_svg

    with badger_app().transaction() as session:
        row = _load_credential(session, credential_id)
        achievement = achievements.get_achievement(session, row.achievement_id)
        image, image_type, _ = achievement_image(achievement)
        if image_type != wanted:
            if wanted == PNG_TYPE:
                raise NotFound("no PNG image for this badge class (its image is an SVG: use .svg)",
                               code="credential.no_png")
            raise NotFound("no SVG image for this badge class (its image is a PNG: use .png)", code="credential.no_svg")
        # The payload is what was signed: the JSON text (embedded proof) or the compact JWS.
        payload = row.jwt or row.document
        baked = bake_png(image, payload) if wanted == PNG_TYPE else bake_svg(image, payload)
        extension = "png" if wanted == PNG_TYPE else "svg"
        return _image_response(baked, wanted, **{"Content-Disposition": _download_name(row, achievement.name, extension)})


def _image_response(data: bytes, mimetype: str, **headers) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mimetype == SVG_TYPE:
        # Uploaded SVGs are sanitised on the way in; this keeps them inert even if opened directly.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers.update(_CORS)
    response.headers.update(headers)
    return response


@bp.get("/credentials/<credential_id>.png")
def credential_png(credential_id: str):
    return _baked(credential_id, PNG_TYPE)


@bp.get("/credentials/<credential_id>.svg")
def credential_svg(credential_id: str):
    return _baked(credential_id, SVG_TYPE)


def _credential_url(credential_id: str) -> str:
    app = badger_app()
    with app.transaction() as session:
        row = _load_credential(session, credential_id)
        return app.url("credentials", row.id)


@bp.get("/credentials/<credential_id>/qr.png")
def credential_qr_png(credential_id: str):
    return _image_response(qr_png(_credential_url(credential_id)), PNG_TYPE, **{"Cache-Control": "public, max-age=86400"})


@bp.get("/credentials/<credential_id>/qr.svg")
def credential_qr_svg(credential_id: str):
    return _image_response(qr_svg(_credential_url(credential_id)), SVG_TYPE, **{"Cache-Control": "public, max-age=86400"})


# ---------------------------------------------------------------------------------- achievements

@bp.get("/achievements/<achievement_id>")
def achievement(achievement_id: str):
    with badger_app().transaction() as session:
        row = achievements.get_achievement(session, _checked_uuid(achievement_id, "achievement.not_found"))
        kind = _best([LD, JSON])
        if kind != HTML:
            return _document(row.document, kind, Vary="Accept")
        document = json.loads(row.document)
        creator = document.get("creator") if isinstance(document.get("creator"), dict) else {}
        issuer_row = issuers.get_issuer_by_did(session, creator.get("id") or "")
        return _page("pages/achievement.html", achievement=document, achievement_id=row.id, issuer=creator,
                     issuer_slug=issuer_row.slug if issuer_row is not None else None,
                     criteria=(document.get("criteria") or {}).get("narrative"))


@bp.get("/achievements/<achievement_id>/image")
def achievement_image_file(achievement_id: str):
    with badger_app().transaction() as session:
        row = achievements.get_achievement(session, _checked_uuid(achievement_id, "achievement.not_found"))
        data, mimetype, _ = achievement_image(row)
    return _image_response(data, mimetype, **{"Cache-Control": "public, max-age=300"})


# --------------------------------------------------------------------------------------- issuers

@bp.get("/issuers/<slug>")
def issuer(slug: str):
    with badger_app().transaction() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        kind = _best([LD, JSON])
        if kind != HTML:
            return _json_document(issuers.profile_document(row), kind, Vary="Accept")
        badge_classes = [{"id": a.id, "name": a.name} for a in achievements.list_achievements(session, row)]
        return _page("pages/issuer.html", issuer=issuers.profile_document(row), slug=row.slug,
                     badge_classes=badge_classes)


@bp.get("/issuers/<slug>/did.json")
def issuer_did(slug: str):
    with badger_app().transaction() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        return _json_document(issuers.issuer_did_document(row), DID_JSON, **{"Cache-Control": "public, max-age=300"})


@bp.get("/issuers/<slug>/jwks.json")
def issuer_jwks(slug: str):
    with badger_app().transaction() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        return _json_document(issuers.issuer_jwks(row), JSON, **{"Cache-Control": "public, max-age=300"})


@bp.get("/.well-known/jwks.json")
def all_jwks():
    with badger_app().transaction() as session:
        keys = [key for row in issuers.list_issuers(session) for key in issuers.issuer_jwks(row)["keys"]]
    return _json_document({"keys": keys}, JSON, **{"Cache-Control": "public, max-age=300"})


# ---------------------------------------------------------------------------------- status lists

@bp.get("/status/<list_id>")
def status_list(list_id: str):
    app = badger_app()
    with app.transaction() as session:
        document = status_lists.signed_list_credential(app, session, _checked_uuid(list_id, "status.not_found"))
    # Short: a revocation must reach verifiers quickly, yet a verifier checking a batch of
    # credentials from one list should not fetch (and make us sign) it for each of them.
    return _json_document(document, VC_LD, **{"Cache-Control": "public, max-age=60"})


# ---------------------------------------------------------------------------------- verification

@bp.get("/verify")
def verify_page():
    return _page("pages/verify.html")


@bp.post("/verify")
def verify_submit():
    app = badger_app()
    lang = language()
    pasted = (request.form.get("credential") or "").strip()
    upload = request.files.get("file")
    email = (request.form.get("email") or "").strip() or None
    data: str | bytes | None = None
    if upload is not None and upload.filename:
        data = upload.read()
    if not data and pasted:
        data = pasted
    if not data:
        return _page("pages/verify.html", 400, error=_STRINGS[lang]["verify_empty"], pasted=pasted, email=email)
    try:
        with app.transaction() as session:
            if isinstance(data, str) and _URL.match(data):
                data = verifying.fetch_credential_url(app, session, _checked_url(data))
            result = verifying.verify_credential(app, session, data, email=email)
    except NotFound:
        return _page("pages/verify.html", 404, error=_STRINGS[lang]["verify_not_found"], pasted=pasted, email=email)
    except InvalidInput as exc:
        key = "verify_fetch_failed" if exc.code == "verify.fetch_failed" else "verify_invalid_input"
        return _page("pages/verify.html", 400, error=_STRINGS[lang][key], pasted=pasted, email=email)
    verdict = result.as_dict(lang)
    return _page("pages/verify.html", verdict=verdict, checks=_checks_view(result, lang),
                 raw=json.dumps(verdict, ensure_ascii=False, indent=2), pasted=pasted if len(pasted) < 20000 else "",
                 email=email)


def _checked_url(value: str, field: str = "url") -> str:
    """An absolute http(s) URL the services can take: bounded, printable, parseable (a NUL or a
    broken IPv6 literal must be a 400 here, not a database or urllib error further down)."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or not _URL_CHARS.match(value) or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad_input(f"'{field}' must be an http(s) URL", "input.invalid_url", field)
    return value


def _bad_input(detail: str, code: str, field: str | None = None) -> InvalidInput:
    exc = InvalidInput(detail, code=code)
    if field is not None:
        exc.fields = [{"field": field, "message": detail}]
    return exc


def _json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise _bad_input("the body must be a JSON object", "verify.invalid_body")
    return body


@bp.post("/api/v1/verify")
def api_verify():
    """Public verification (no token). Body: {"credential": {...}} | {"jwt": "..."} |
    {"url": "..."} (+ optional "email"), or a multipart ``file`` (+ ``email`` field).
    Answers 200 with the result, verified or not. A URL that cannot be fetched (refused,
    timed out, too large, not text) is a 400 problem ``verify.fetch_failed``: the credential
    was never seen, so there is no verification result to give."""
    app = badger_app()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise _bad_input("a multipart body needs a 'file' part", "verify.missing_file", "file")
        data = upload.read()
        if not data:
            raise _bad_input("the file is empty", "verify.empty_file", "file")
        email = request.form.get("email") or None
        url = None
    else:
        body = _json_body()
        given = [k for k in ("credential", "jwt", "url") if body.get(k) is not None]
        if len(given) != 1:
            raise _bad_input("give exactly one of 'credential', 'jwt' or 'url'", "verify.invalid_body")
        field, data, url = given[0], body[given[0]], None
        if field == "credential" and not isinstance(data, dict):
            raise _bad_input("'credential' must be a JSON object", "verify.invalid_credential", "credential")
        if field in ("jwt", "url") and not (isinstance(data, str) and data.strip()):
            raise _bad_input(f"'{field}' must be a non-empty string", f"verify.invalid_{field}", field)
        if field == "url":
            url, data = _checked_url(data), None
        email = body.get("email")
        if email is not None and not isinstance(email, str):
            raise _bad_input("'email' must be a string", "verify.invalid_email", "email")
    with app.transaction() as session:
        if url is not None:
            data = verifying.fetch_credential_url(app, session, url)  # InvalidInput -> 400 problem
        result = verifying.verify_credential(app, session, data, email=email or None)
    return jsonify(result.as_dict(language()))


# ------------------------------------------------------------------------ W3C VC API (verifier)
# Request and response shapes follow the W3C CCG VC API verifier description
# (github.com/w3c-ccg/vc-api, verifier.yml: POST /credentials/verify with
# {"verifiableCredential", "options"} and POST /presentations/verify with
# {"verifiablePresentation", "options"} or the proofless {"presentation"}). The result is the
# VC API VerificationResult {"checks": [...], "warnings": [...], "errors": [...]} (string
# arrays), with "verified" and "problemDetails" (RFC 9457-style objects, as the current
# draft's VerifyPresentationResult) added. Badger answers 200 when verified and 422 when
# verification ran and failed; a request it cannot read at all is a 400 problem.

def _vc_input(value, field: str):
    try:
        return presentations.credential_input(value)
    except InvalidInput as exc:
        exc.fields = [{"field": field, "message": str(exc)}]
        raise


def _options(body: dict) -> dict:
    options = body.get("options", {})
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise _bad_input("'options' must be an object", "verify.invalid_options", "options")
    return options


def _problem_detail(code: str, lang: str, detail: str = "") -> dict:
    out = {"type": PROBLEM_BASE + code, "code": code, "title": presentations.message(code, lang)}
    if detail:
        out["detail"] = detail
    return out


def _vcapi_result(result, lang: str) -> dict:
    failed = [c for c in result.checks if c.status == FAILED]
    warned = [c for c in result.checks if c.status == WARNING]
    return {
        "verified": result.verified,
        "checks": [c.check for c in result.checks if c.status == PASSED],
        "warnings": [c.code for c in warned],
        "errors": [c.code for c in failed],
        "problemDetails": [_problem_detail(c.code, lang, c.detail) for c in failed + warned],
    }


@bp.post("/credentials/verify")
def vcapi_verify_credential():
    app = badger_app()
    body = _json_body()
    if "verifiableCredential" not in body:
        raise _bad_input("'verifiableCredential' is required", "verify.missing_credential", "verifiableCredential")
    data = _vc_input(body["verifiableCredential"], "verifiableCredential")
    _options(body)
    with app.transaction() as session:
        result = verifying.verify_credential(app, session, data)
    out = _vcapi_result(result, language())
    return jsonify(out), 200 if result.verified else 422


@bp.post("/presentations/verify")
def vcapi_verify_presentation():
    app = badger_app()
    lang = language()
    body = _json_body()
    presentation = body.get("verifiablePresentation", body.get("presentation"))
    options = _options(body)
    challenge, domain = options.get("challenge"), options.get("domain")
    for name, value in (("challenge", challenge), ("domain", domain)):
        if value is not None and not isinstance(value, str):
            raise _bad_input(f"'options.{name}' must be a string", "verify.invalid_options", f"options.{name}")
    try:
        with app.transaction() as session:
            outcome = presentations.verify_presentation(app, session, presentation, challenge=challenge, domain=domain)
    except InvalidInput as exc:
        exc.fields = [{"field": "verifiablePresentation", "message": str(exc)}]
        raise
    results = [_vcapi_result(r, lang) for r in outcome.credentials]
    problems = [_problem_detail(p.code, lang, p.detail) for p in outcome.problems]
    checks = (["proof"] if outcome.proof_verified else []) + (["credentials"] if results and all(r["verified"] for r in results) else [])
    errors = [p.code for p in outcome.problems]
    if not all(r["verified"] for r in results):
        errors.append("presentation.credential_not_verified")
    out = {"verified": outcome.verified, "checks": checks, "warnings": [] if outcome.signed else ["presentation.unsigned"],
           "errors": errors, "problemDetails": problems, "credentialResults": results}
    return jsonify(out), 200 if outcome.verified else 422

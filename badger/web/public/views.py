"""Public pages and documents (no login): credentials, achievements, issuers, DID documents,
JWKS, status lists, health, verification (docs/interfaces.md "HTTP / Public").

Thin (docs/architecture.md, "Thin edges"): parse the request, call services, choose a media type,
render. Signed documents are served from the stored text, byte for byte (docs/architecture.md, "Signed bytes are sacred").

Media types:
- credential: ``application/vc+ld+json`` when asked, else ``application/ld+json`` or
  ``application/json`` as asked (the same bytes); ``application/vc+jwt`` for the compact JWS
  of a credential issued as VC-JWT; ``text/html`` for anything else (browsers, ``*/*``);
- achievement and issuer profile: ``application/ld+json`` or ``application/json`` as asked;
- DID document: ``application/did+json``; JWK sets: ``application/json`` (what every JOSE
  client accepts); status lists: ``application/vc+ld+json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badger.achievements import service as achievements
from badger.achievements.images import PNG_TYPE, SVG_TYPE, achievement_image
from badger.baking import bake_png, bake_svg
from badger.core import db as repositories
from badger.core import markdown
from badger.core.qr import qr_print_png, qr_svg
from badger.errors import InvalidInput, NotFound
from badger.issuance import issuing, status_lists
from badger.issuers import service as issuers
from badger.jsonld.budget import check_json_text
from badger.programmes import endorsements
from badger.public import rendering
from badger.public import service as public_pages
from badger.verification import FAILED, PASSED, SKIPPED, WARNING, is_compact_jws
from badger.verification.messages import message
from badger.verification.verifier import MAX_INPUT_BYTES
from badger.verifying import presentations
from badger.verifying import service as verifying
from badger.web.current import badger_app
from badger.web.errors import PROBLEM_BASE, language
from badger.web.i18n import COOKIE, LANGUAGES, select_locale
from badger.web.responses import StoredCache, image_response, is_uuid, stored_bytes

bp = Blueprint("public", __name__)
bp.add_app_template_filter(markdown.render, "markdown")

VC_LD = "application/vc+ld+json"
LD = "application/ld+json"
JSON = "application/json"
VC_JWT = "application/vc+jwt"
HTML = "text/html"
DID_JSON = "application/did+json"

_SLUG = re.compile(r"^[a-z0-9-]{1,64}$")
_URL = re.compile(r"^https?://\S+$")
_URL_CHARS = re.compile(r"^[\x21-\x7e\u00a0-\U0010ffff]{1,2048}$")  # printable, no spaces or controls (NUL!)
_CORS = {"Access-Control-Allow-Origin": "*"}  # public documents: browser-based verifiers fetch them


# ---------------------------------------------------------------------------------------- pages
# Every word on these pages comes from the gettext domain "public" (templates: {{ _("...") }});
# check messages from the domain "verification" (badger.verification.messages).

# The check names, as a person reads them.
_CHECK_LABELS = {
    "format": _l("Format"),
    "schema": _l("Open Badges model"),
    "proof": _l("Signature"),
    "issuer": _l("Issuer"),
    "dates": _l("Dates"),
    "status": _l("Revocation"),
    "recipient": _l("Recipient"),
}
_STATUS_LABELS = {
    PASSED: _l("passed"),
    FAILED: _l("failed"),
    WARNING: _l("warning"),
    SKIPPED: _l("not done"),
}


# OB 3.0 achievementType vocabulary (AchievementType enumeration), as a person reads it.
_ACHIEVEMENT_TYPES = {
    "Achievement": _l("Achievement"),
    "ApprenticeshipCertificate": _l("Apprenticeship certificate"),
    "Assessment": _l("Assessment"),
    "Assignment": _l("Assignment"),
    "AssociateDegree": _l("Associate degree"),
    "Award": _l("Award"),
    "Badge": _l("Badge"),
    "BachelorDegree": _l("Bachelor's degree"),
    "Certificate": _l("Certificate"),
    "CertificateOfCompletion": _l("Certificate of completion"),
    "Certification": _l("Certification"),
    "CommunityService": _l("Community service"),
    "Competency": _l("Competency"),
    "Course": _l("Course"),
    "CoCurricular": _l("Co-curricular activity"),
    "Degree": _l("Degree"),
    "Diploma": _l("Diploma"),
    "DoctoralDegree": _l("Doctoral degree"),
    "Fieldwork": _l("Fieldwork"),
    "GeneralEducationDevelopment": _l("General education development"),
    "JourneymanCertificate": _l("Journeyman certificate"),
    "LearningProgram": _l("Learning programme"),
    "License": _l("Licence"),
    "Membership": _l("Membership"),
    "ProfessionalDoctorate": _l("Professional doctorate"),
    "QualityAssuranceCredential": _l("Quality assurance credential"),
    "MasterCertificate": _l("Master certificate"),
    "MasterDegree": _l("Master's degree"),
    "MicroCredential": _l("Micro-credential"),
    "ResearchDoctorate": _l("Research doctorate"),
    "SecondarySchoolDiploma": _l("Secondary school diploma"),
}


def achievement_type_label(value) -> str:
    """The readable name of an OB 3.0 achievementType; an extension ("ext:Atelier") shows its name."""
    if not isinstance(value, str):
        return ""
    label = _ACHIEVEMENT_TYPES.get(value)
    return str(label) if label is not None else value.removeprefix("ext:")


@bp.app_context_processor
def _page_globals() -> dict:
    """For base.html and every page that extends it (other areas' pages too): the language,
    the other language of the switcher, and ``keep_lang`` (the ``?lang=`` this request came
    with, so that links keep it for visitors without the cookie)."""
    if not request:
        return {}
    lang = language()
    kept = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
    return {
        "lang": lang,
        "keep_lang": kept,
        "format_date": format_date,
        "format_decimal": format_decimal,
        "achievement_type_label": achievement_type_label,
        "other_lang": "en" if lang == "fr" else "fr",
        # French typography: a non-breaking space before a colon ("Rôles : ..."), none in English.
        "colon": "\u00a0:" if lang == "fr" else ":",
        "switch_url": url_for("public.switch_language", code="en" if lang == "fr" else "fr", next=_here_without_lang()),
    }


def _here_without_lang() -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + (("?" + urlencode(args)) if args else "")


def _page(template: str, status: int = 200, **context):
    body = render_template(template, **context)
    response = Response(body, status=status, mimetype=HTML)
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


# Checks that judge what the document says: once its proof has failed, the page shows them as not
# run, never as passed or failed (an altered document's dates or status entry prove nothing). The expert JSON
# keeps the verifier's own answer for each.
_READ_FROM_THE_DOCUMENT = frozenset({"dates", "status", "recipient"})


def _checks_view(result) -> list[dict]:
    lang = language()
    checks = result.as_dict(lang)["checks"]
    untrusted = any(c["check"] == "proof" and c["status"] == FAILED for c in checks)
    if untrusted:
        checks = [
            dict(c, status=SKIPPED, code="skipped", message=message("skipped", lang))
            if c["check"] in _READ_FROM_THE_DOCUMENT
            else c
            for c in checks
        ]
    return [
        dict(
            c,
            label=str(_CHECK_LABELS.get(c["check"], c["check"])),
            status_label=str(_STATUS_LABELS.get(c["status"], c["status"])),
        )
        for c in checks
    ]


@bp.get("/language/<code>")
def switch_language(code: str):
    """The language switcher: remembers the choice (cookie ``badger_lang``, a year) and goes
    back to the page (a local path only: never an open redirect)."""
    if code not in LANGUAGES:
        raise NotFound("no such language", code="language.not_found")
    target = request.args.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(ch) < 32 for ch in target):
        target = url_for("public.home")  # the public home of Badger
    response = redirect(target, code=303)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure)
    return response


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
    if not is_uuid(value):
        raise NotFound("no such resource", code=code)
    return value.lower()


def _checked_slug(slug: str) -> str:
    if not _SLUG.match(slug or ""):
        raise NotFound(f"no issuer {slug!r}", code="issuer.not_found")
    return slug


# ---------------------------------------------------------------------------------------- health


@bp.get("/")
def home():
    """What this Badger is, its partners and their badge classes, verify a badge, sign in."""
    with badger_app().reading() as session:
        partners = public_pages.partners(session, language())
    return _page("pages/home.html", partners=partners)


@bp.get("/healthz")
def healthz():
    with badger_app().reading() as session:
        repositories.ping(session)
    return jsonify({"status": "ok"})


# ----------------------------------------------------------------------------------- credentials


def _load_credential(session, credential_id: str):
    return issuing.get_credential(session, _checked_uuid(credential_id, "credential.not_found"))


# (document, jwt) of credentials by id: signed bytes never change, so the documents are
# served without a database round trip once read (per process, 60 s, bounded).
_STORED: StoredCache[tuple[str, str | None]] = StoredCache()


def _stored(credential_id: str) -> tuple[str, str | None]:
    """The stored (document, jwt) of a credential; NotFound as _load_credential."""
    credential_id = _checked_uuid(credential_id, "credential.not_found")

    def load() -> tuple[str, str | None]:
        with badger_app().reading() as session:
            row = _load_credential(session, credential_id)
            return row.document, row.jwt

    return _STORED.get(f"{badger_app().base_url}|{credential_id}", load)


@bp.get("/credentials/<credential_id>")
def credential(credential_id: str):
    app = badger_app()
    document, jwt = _stored(credential_id)
    offers = [VC_LD, LD, JSON] + ([VC_JWT] if jwt else [])
    kind = _best(offers)
    if kind == VC_JWT and jwt:
        return stored_bytes(_document(jwt, VC_JWT, Vary="Accept"))
    if kind != HTML:
        # The stored text, never re-serialised: these are the bytes that were signed.
        return stored_bytes(_document(document, kind, Vary="Accept"))
    with app.reading() as session:
        return _credential_page(app, session, credential_id)


# Rendered credential pages, per process, by the page's version (public_pages.page_version:
# status, keys, accepted endorsements), the minute, the language and the URL: a view whose
# version did not change is neither verified nor rendered again (60 s at most; the page shows
# no per-visitor content: no form, no CSRF token, no nonce; the one exception, the endorse link
# shown to a signed-in learner, is in the key: recognition's hook sets g.recognition_endorse).
# Each entry keeps (body, ETag): the ETag is the body's SHA-256, so a browser or a cache that
# kept the page gets 304 while it is unchanged, and at once the new page when it changed.
_PAGES: StoredCache[tuple[str, str]] = StoredCache(size=1024)


def _credential_page(app, session, credential_id: str):
    version = public_pages.page_version(app, session, _checked_uuid(credential_id, "credential.not_found"))

    def render() -> tuple[str, str]:
        row = _load_credential(session, credential_id)
        view = public_pages.credential_view(app, session, row, version)
        body = render_template(
            "pages/credential.html",
            v=view,
            checks=_checks_view(view.result),
            print_url=url_for("public.credential_print", credential_id=row.id, lang=_kept()),
        )
        return body, hashlib.sha256(body.encode("utf-8")).hexdigest()[:40]

    minute = int(app.clock().timestamp() // 60)  # what time alone changes (expiry) shows within a minute
    # select_locale: the language the page is rendered in (language() parses a babel Locale).
    endorse = g.get("recognition_endorse")  # None for every visitor but a signed-in learner
    body, etag = _PAGES.get((version, minute, select_locale(), request.full_path, endorse), render)
    return _revalidated_page(body, etag)


def _revalidated_page(body: str, etag: str) -> Response:
    """A page that may change at any moment (a revocation): kept by browsers and caches only to
    be revalidated (``no-cache``), answered 304 when its strong ETag is unchanged."""
    response = Response(body, mimetype=HTML)
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    response.make_conditional(request)  # the same object, now 304 when the ETag matches
    return response


def _kept() -> str | None:
    return request.args.get("lang") if request.args.get("lang") in LANGUAGES else None


@bp.get("/credentials/<credential_id>/print")
def credential_print(credential_id: str):
    """A printable certificate (A4): badge, learner, title, issuer, date, QR code and URL."""
    app = badger_app()
    with app.reading() as session:
        row = _load_credential(session, credential_id)
        view = public_pages.credential_view(app, session, row)
        return _page("pages/print.html", v=view)


@bp.get("/credentials/<credential_id>.json")
def credential_json(credential_id: str):
    document, _ = _stored(credential_id)
    kind = _best([VC_LD, LD, JSON])
    return stored_bytes(_document(document, JSON if kind == HTML else kind, Vary="Accept"))


@bp.get("/credentials/<credential_id>.jwt")
def credential_jwt(credential_id: str):
    _, jwt = _stored(credential_id)
    if not jwt:
        raise NotFound("this credential was issued with an embedded proof, not as a JWT", code="credential.no_jwt")
    return stored_bytes(_document(jwt, VC_JWT))


def _download_name(row, name: str, extension: str) -> str:
    stem = issuers.slugify(name)[:48].strip("-") or "badge"
    return f'attachment; filename="{stem}-{row.id[:8]}.{extension}"'


def _baked(credential_id: str, wanted: str):
    """The credential baked into its class image, in the format asked whatever the class
    image's own format (badger.public.rendering: an SVG rasterised, a PNG wrapped)."""
    with badger_app().reading() as session:
        row = _load_credential(session, credential_id)
        achievement = achievements.get_achievement(session, row.achievement_id)
        image, image_type, _ = achievement_image(achievement)
        try:
            picture = rendering.as_png(image, image_type) if wanted == PNG_TYPE else rendering.as_svg(image, image_type)
        except ValueError as exc:  # an SVG resvg cannot draw: no PNG for this class
            raise NotFound(f"no PNG image for this badge class: {exc}", code="credential.no_png") from exc
        # The payload is what was signed: the JSON text (embedded proof) or the compact JWS.
        payload = row.jwt or row.document
        baked = bake_png(picture, payload) if wanted == PNG_TYPE else bake_svg(picture, payload)
        extension = "png" if wanted == PNG_TYPE else "svg"
        return stored_bytes(
            _image_response(baked, wanted, **{"Content-Disposition": _download_name(row, achievement.name, extension)})
        )


def _image_response(data: bytes, mimetype: str, **headers: str) -> Response:
    return image_response(data, mimetype, **_CORS, **headers)


@bp.get("/credentials/<credential_id>.png")
def credential_png(credential_id: str):
    return _baked(credential_id, PNG_TYPE)


@bp.get("/credentials/<credential_id>.svg")
def credential_svg(credential_id: str):
    return _baked(credential_id, SVG_TYPE)


def _credential_url(credential_id: str) -> str:
    app = badger_app()
    with app.reading() as session:
        row = _load_credential(session, credential_id)
        return app.url("credentials", row.id)


@bp.get("/credentials/<credential_id>/qr.png")
def credential_qr_png(credential_id: str):
    """The QR code for print: at least 1000 px wide (badger.core.qr.qr_print_png)."""
    return _image_response(
        qr_print_png(_credential_url(credential_id)), PNG_TYPE, **{"Cache-Control": "public, max-age=86400"}
    )


@bp.get("/credentials/<credential_id>/qr.svg")
def credential_qr_svg(credential_id: str):
    return _image_response(
        qr_svg(_credential_url(credential_id)), SVG_TYPE, **{"Cache-Control": "public, max-age=86400"}
    )


def _offered(view) -> None:
    """Certificates and share cards are not offered for a revoked badge: it certifies nothing."""
    if view.state == "revoked":
        raise NotFound("this badge was revoked: no certificate or share image", code="credential.revoked")


@bp.get("/credentials/<credential_id>/card.png")
def credential_card(credential_id: str):
    """The 1200x630 PNG that link previews show (og:image): badge, holder, issuer."""
    app = badger_app()
    with app.reading() as session:
        row = _load_credential(session, credential_id)
        view = public_pages.credential_view(app, session, row)
        _offered(view)
        image, image_type, _default = achievement_image(achievements.get_achievement(session, row.achievement_id))
    card = rendering.share_card(
        image,
        image_type,
        title=view.achievement.get("name") or _("Badge"),
        recipient=view.recipient_name,
        issuer=_("Issued by %(issuer)s", issuer=view.issuer.get("name") or view.issuer.get("id") or ""),
        caption=_("Open Badge — verifiable at %(host)s", host=urlsplit(view.public_url).netloc),
    )
    return _image_response(card, PNG_TYPE, **{"Cache-Control": "public, max-age=300"})


@bp.get("/credentials/<credential_id>/certificate.pdf")
def credential_certificate(credential_id: str):
    """The certificate as an A4 PDF (WeasyPrint): partner mark, badge image, holder, criteria,
    awarded date, signature block, QR code and verification URL, in the page's language."""
    app = badger_app()
    with app.reading() as session:
        row = _load_credential(session, credential_id)
        view = public_pages.credential_view(app, session, row)
        _offered(view)
        achievement_row = achievements.get_achievement(session, row.achievement_id)
        image, image_type, _default = achievement_image(achievement_row)
        texts = achievements.texts(achievement_row, language())
    issuer_name = view.issuer.get("name") or view.issuer.get("id") or ""
    try:
        badge_url = rendering.data_url(rendering.as_png(image, image_type), PNG_TYPE)
    except ValueError:
        badge_url = rendering.data_url(rendering.monogram_svg(view.achievement.get("name") or "?"), SVG_TYPE)
    html = render_template(
        "pages/certificate.html",
        v=view,
        name=(texts.get("name") if isinstance(texts, dict) else None) or view.achievement.get("name") or _("Badge"),
        criteria=(texts.get("criteria") if isinstance(texts, dict) else None)
        or (view.achievement.get("criteria") or {}).get("narrative"),
        issuer_name=issuer_name,
        badge_url=badge_url,
        logo_url=rendering.data_url(rendering.monogram_svg(issuer_name), SVG_TYPE),
        qr_url=rendering.data_url(qr_svg(view.public_url), SVG_TYPE),
    )
    pdf = rendering.pdf_from_html(html)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = _download_name(row, view.achievement.get("name") or "badge", "pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------- achievements


@bp.get("/achievements/<achievement_id>")
def achievement(achievement_id: str):
    with badger_app().reading() as session:
        row = achievements.get_achievement(session, _checked_uuid(achievement_id, "achievement.not_found"))
        if not row.published:  # a draft has no public page (badge class editor)
            raise NotFound("no such resource", code="achievement.not_found")
        kind = _best([LD, JSON])
        if kind != HTML:
            return _document(row.document, kind, Vary="Accept")
        view = public_pages.achievement_view(session, row, language())
        return _page(
            "pages/achievement.html",
            achievement=view["document"],
            achievement_id=row.id,
            issuer=view["issuer"],
            issuer_slug=view["issuer_slug"],
            alignments=view["alignments"],
            endorsements=view["endorsements"],
            holders=view["holders"],
            english_texts=view["english_texts"],
            criteria=(view["document"].get("criteria") or {}).get("narrative"),
            achievement_url=badger_app().url("achievements", row.id),
        )


@bp.get("/achievements/<achievement_id>/image")
def achievement_image_file(achievement_id: str):
    with badger_app().reading() as session:
        row = achievements.get_achievement(session, _checked_uuid(achievement_id, "achievement.not_found"))
        data, mimetype, _ = achievement_image(row)
    return _image_response(data, mimetype, **{"Cache-Control": "public, max-age=300"})


# --------------------------------------------------------------------------------------- issuers


@bp.get("/issuers/<slug>")
def issuer(slug: str):
    with badger_app().reading() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        kind = _best([LD, JSON])
        if kind != HTML:
            # the Profile with its endorsements (OB 3.0 Profile.endorsement)
            return _json_document(endorsements.profile_document(session, row), kind, Vary="Accept")
        profile = endorsements.profile_document(session, row)
        counts = public_pages.holder_counts(session, row)
        badge_classes = [
            {
                "id": a.id,
                "name": a.name,
                "description": json.loads(a.document).get("description"),
                "holders": None if counts is None else counts.get(a.id, 0),
            }
            for a in sorted(achievements.list_achievements(session, row), key=lambda a: (a.created_at, a.name))
            if a.published
        ]  # drafts have no public page
        return _page(
            "pages/issuer.html",
            issuer=profile,
            slug=row.slug,
            badge_classes=badge_classes,
            endorsements=public_pages.endorsements(profile),
            issuer_url=badger_app().url("issuers", row.slug),
            logo_url=row.image_url
            if (row.image_url or "").startswith(("https://", "http://"))
            else url_for("public.issuer_logo", slug=row.slug),
        )


@bp.get("/issuers/<slug>/logo.svg")
def issuer_logo(slug: str):
    """The partner's mark drawn from its name (Badger keeps no logo file; a profile image URL,
    when the partner gave one, is shown instead on the pages)."""
    with badger_app().reading() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        name = row.name
    return _image_response(rendering.monogram_svg(name), SVG_TYPE, **{"Cache-Control": "public, max-age=300"})


@bp.get("/issuers/<slug>/did.json")
def issuer_did(slug: str):
    with badger_app().reading() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        return _json_document(issuers.issuer_did_document(row), DID_JSON, **{"Cache-Control": "public, max-age=300"})


@bp.get("/issuers/<slug>/jwks.json")
def issuer_jwks(slug: str):
    with badger_app().reading() as session:
        row = issuers.get_issuer(session, _checked_slug(slug))
        return _json_document(issuers.issuer_jwks(row), JSON, **{"Cache-Control": "public, max-age=300"})


@bp.get("/.well-known/jwks.json")
def all_jwks():
    with badger_app().reading() as session:
        keys = [key for row in issuers.list_issuers(session) for key in issuers.issuer_jwks(row)["keys"]]
    return _json_document({"keys": keys}, JSON, **{"Cache-Control": "public, max-age=300"})


# ---------------------------------------------------------------------------------- status lists


@bp.get("/status/<list_id>")
def status_list(list_id: str):
    app = badger_app()
    list_id = _checked_uuid(list_id, "status.not_found")
    # Caches may keep the list but must revalidate it on every use ("no-cache"),
    # so a revocation or suspension reaches verifiers at once (no max-age window); an unchanged
    # list answers 304 from its weak ETag without being signed again.
    headers = {"Cache-Control": "public, no-cache"}
    with app.reading() as session:
        version = status_lists.list_version(app, session, list_id)
        if request.if_none_match.contains_weak(version):
            response = _document(b"", VC_LD, **headers)
            response.status_code = 304
            response.set_etag(version, weak=True)
            return response
        document = status_lists.signed_list_credential(app, session, list_id)
    response = _json_document(document, VC_LD, **headers)
    response.set_etag(version, weak=True)
    return response


# ---------------------------------------------------------------------------------- verification


@bp.get("/verify")
def verify_page():
    return _page("pages/verify.html")


def _verify_error(status: int, message: str, pasted: str, email: str | None):
    return _page("pages/verify.html", status, error=message, pasted=pasted, email=email)


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
        return _verify_error(400, _("Paste an address, a JSON or a JWT, or choose an image."), pasted, email)
    facts: dict | None = None
    try:
        # No transaction held while verifying (verifying.service: each read is its own, short);
        # what the page shows is read afterwards in one short transaction.
        if isinstance(data, str) and _URL.match(data):
            data = verifying.fetch_credential_url(app, None, _checked_url(data))
        result = verifying.verify_credential(app, None, data, email=email)
        if public_pages.input_error(result) is None:
            with app.transaction() as session:
                facts = public_pages.verify_view(app, session, result, lang)
    except NotFound:
        return _verify_error(404, _("There is no badge at this address."), pasted, email)
    except InvalidInput as exc:
        message = (
            _("The badge at this address could not be fetched.")
            if exc.code == "verify.fetch_failed"
            else _("This input cannot be verified.")
        )
        return _verify_error(400, message, pasted, email)
    if facts is None:
        # Not a badge at all ("bonjour", a photo, broken JSON): an input error on the form,
        # not a "do not trust this badge" verdict.
        format_check = next(c for c in _checks_view(result) if c["check"] == "format")
        return _verify_error(400, format_check["message"], pasted, email)
    verdict = result.as_dict(lang)
    return _page(
        "pages/verify.html",
        verdict=verdict,
        checks=_checks_view(result),
        facts=facts,
        state=public_pages.state_of(result),
        verification_method=result.verification_method,
        signed_at=public_pages.signed_at(result),
        raw=json.dumps(verdict, ensure_ascii=False, indent=2),
        pasted=pasted if len(pasted) < 20000 else "",
        email=email,
    )


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
    raw = request.get_data(cache=True)
    check_json_text(raw, max_bytes=MAX_INPUT_BYTES)  # size and depth before parsing: a 400, never a 500
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
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
        if field == "jwt" and not is_compact_jws(data):
            # A JSON text is not a JWT: a credential object goes in 'credential', parsed by JSON.
            raise _bad_input("'jwt' must be a compact JWS", "verify.invalid_jwt", field)
        if field == "url":
            url, data = _checked_url(data), None
        email = body.get("email")
        if email is not None and not isinstance(email, str):
            raise _bad_input("'email' must be a string", "verify.invalid_email", "email")
    # No transaction held while verifying, fetching or canonicalizing (verifying.service).
    if url is not None:
        data = verifying.fetch_credential_url(app, None, url)  # InvalidInput -> 400 problem
    # domain_linkage: credential.issuer.domainLinkage says whether the issuer's web site
    # publishes a DID Configuration linking its DID (badger.verifying.linkage).
    result = verifying.verify_credential(app, None, data, email=email or None, domain_linkage=True)
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
    result = verifying.verify_credential(app, None, data)
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
        outcome = presentations.verify_presentation(app, None, presentation, challenge=challenge, domain=domain)
    except InvalidInput as exc:
        exc.fields = [{"field": "verifiablePresentation", "message": str(exc)}]
        raise
    results = [_vcapi_result(r, lang) for r in outcome.credentials]
    problems = [_problem_detail(p.code, lang, p.detail) for p in outcome.problems]
    checks = (["proof"] if outcome.proof_verified else []) + (
        ["credentials"] if results and all(r["verified"] for r in results) else []
    )
    errors = [p.code for p in outcome.problems]
    if not all(r["verified"] for r in results):
        errors.append("presentation.credential_not_verified")
    out = {
        "verified": outcome.verified,
        "checks": checks,
        "warnings": [] if outcome.signed else ["presentation.unsigned"],
        "errors": errors,
        "problemDetails": problems,
        "credentialResults": results,
    }
    return jsonify(out), 200 if outcome.verified else 422

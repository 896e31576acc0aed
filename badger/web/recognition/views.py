"""Public pages of open recognition (no sign-in; private links carry a secret token).

- ``/achievements/<id>/request``: the request form of a badge class open to requests;
- ``/recognition/requests/<token>``: the applicant's page (confirm the address, resubmit after
  "changes asked", withdraw, follow the decision);
- ``/jury/<token>...``: an invited jury member's queue, requests, files and decisions (that badge
  class's requests and nothing else);
- ``/claim``, ``/claim/<code>``: claim a session badge with a code (QR code in the room);
- ``/evidence/<token>``: an evidence file named by an issued credential (public link);
- ``/learners/<token>/endorsements``: the holder accepts or declines endorsements (partners', learners');
- ``/credentials/<id>/endorsements/<id>``: an accepted EndorsementCredential as signed.

Thin: parse, one transaction, call `badger.recognition`, render. Refusals re-render the form
with the reason (400), or an error page; never a 500. Private pages are not indexed and send no
Referer. Evidence files are served with ``nosniff``, a sandboxing CSP and, for PDF, as
attachments.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badger.accounts.service import TooManyAttempts
from badger.achievements import service as achievements
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.learners import endorsements as learner_endorsements
from badger.learners import service as learner_accounts
from badger.recognition import claims, endorsements, modes, requests
from badger.recognition.evidence import MAX_FILE_BYTES, MAX_FILES
from badger.web.auth import client_ip, render
from badger.web.current import badger_app
from badger.web.errors import language
from badger.web.learners.views import current_learner_id
from badger.web.responses import is_uuid

__all__ = ["bp", "ERRORS", "file_response", "evidence_in"]

bp = Blueprint("recognition", __name__)

PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, no-store"}

ERRORS = {
    "request.invalid_name": _l("Give your name."),
    "request.invalid_email": _l("This e-mail address is not valid."),
    "request.statements": _l("Write a statement for each criterion."),
    "request.exists": _l("A request of this address for this badge is already under way: see the e-mail you received."),
    "request.not_waiting": _l("This request is not waiting for changes."),
    "request.decided": _l("This request is already decided."),
    "request.not_under_review": _l("This request is not under review."),
    "evidence.missing": _l("Give at least one piece of evidence: a link, a text or a file."),
    "evidence.invalid_url": _l("An evidence link must start with https:// or http://."),
    "evidence.invalid_text": _l("An evidence text is too long."),
    "evidence.too_many": _l("Too many evidence links or texts."),
    "evidence.too_many_files": _l("Too many files (at most %(n)d).", n=MAX_FILES),
    "evidence.too_large": _l("A file is too large (at most %(mb)d MB).", mb=MAX_FILE_BYTES // (1024 * 1024)),
    "evidence.empty": _l("A file is empty."),
    "evidence.unsupported_type": _l("Only PDF, PNG and JPEG files are accepted."),
    "evidence.type_mismatch": _l("A file's content does not match its type (its name or format)."),
    "evidence.active_content": _l("A PDF file contains scripts or automatic actions: it is refused."),
    "evidence.unreadable": _l("An image cannot be read."),
    "review.missing_comment": _l("Write a comment for the applicant."),
    "review.invalid_decision": _l("Choose a decision."),
    "review.comment_too_long": _l("The comment is too long."),
    "claim.unknown_code": _l("This code is not valid. Check it and try again."),
    "claim.expired": _l("This code has expired: claims for this session are closed."),
    "claim.not_open": _l("This code is not open yet."),
    "claim.invalid_email": _l("This e-mail address is not valid."),
    "claim.missing_name": _l("Give your name: you are not on the list of participants, staff will check."),
    "claim.too_many_attempts": _l("Too many wrong codes from your connection: try again in an hour."),
}


# The forms that take evidence files accept up to MAX_FILES files of MAX_FILE_BYTES (the app's
# default limit is the badge image's); a larger body is a 413 page, a larger file a refusal.
UPLOAD_LIMIT = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
_UPLOAD_ENDPOINTS = ("recognition.request_form", "recognition.resubmit")


def _upload_limit() -> None:
    if request.endpoint in _UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_LIMIT  # Flask >= 3.1: per request


@bp.record_once
def _first_before_request(state) -> None:
    # First of all: CSRFProtect reads the form in its own before_request, with the app's limit.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def message(exc: BadgerError) -> str:
    return str(ERRORS.get(exc.code) or _("This could not be done: check the form."))


def file_response(item, *, public: bool) -> Response:
    """An evidence file: its stored (checked, cleaned) bytes, never sniffed or run by the browser."""
    disposition = "inline" if item.media_type.startswith("image/") else "attachment"
    filename = "".join(ch for ch in (item.filename or "evidence") if ch.isalnum() or ch in "._- ") or "evidence"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        "Cache-Control": "public, max-age=3600" if public else "private, no-store",
        "Referrer-Policy": "no-referrer",
    }
    if item.digest:
        headers["Digest"] = item.digest  # the credential's digestSRI, to compare with
    return Response(item.data, 200, mimetype=item.media_type, headers=headers)


def evidence_in() -> requests.EvidenceIn:
    uploads = []
    for storage in request.files.getlist("files"):
        if storage and storage.filename:
            uploads.append((storage.filename, storage.mimetype, storage.read(MAX_FILE_BYTES + 1)))
    return requests.EvidenceIn(
        urls=tuple(u for u in request.form.getlist("urls") if u.strip()),
        texts=tuple(t for t in request.form.getlist("texts") if t.strip()),
        files=tuple(uploads),
    )


def _private(template: str, status: int = 200, **context) -> Response:
    body, status = render(template, status, **context)
    return Response(body, status, headers=PRIVATE, mimetype="text/html")


# ------------------------------------------------------------------------------------- requests


def _request_form_context(session, achievement_id: str) -> dict:
    row = achievements.get_achievement(session, achievement_id)
    mode = modes.get_mode(session, row.id)
    if not row.published or not mode["open"]:
        raise NotFound("this badge cannot be requested", code="request.not_open")
    return {"badge": row, "criteria": requests.criteria_items(row), "mode": mode}


@bp.route("/achievements/<achievement_id>/request", methods=["GET", "POST"])
def request_form(achievement_id: str):
    app = badger_app()
    error: str | None = None
    values: dict = {}
    if request.method == "POST":
        values = {
            "name": request.form.get("name", ""),
            "email": request.form.get("email", ""),
            "statements": request.form.getlist("statements"),
            "urls": request.form.getlist("urls"),
            "texts": request.form.getlist("texts"),
        }
        try:
            with app.transaction() as session:
                row, _token = requests.create_request(
                    app,
                    session,
                    achievement_id,
                    name=request.form.get("name", ""),
                    email=request.form.get("email", ""),
                    statements=values["statements"],
                    evidence=evidence_in(),
                    lang=language(),
                )
                badge = achievements.get_achievement(session, row.achievement_id).name
                address = row.email
            return _private("recognition/request_sent.html", badge=badge, email=address)
        except (InvalidInput, Conflict) as exc:
            error = message(exc)
    with app.transaction() as session:
        context = _request_form_context(session, achievement_id)
    return _private("recognition/request_form.html", 400 if error else 200, error=error, values=values, **context)


def _applicant_page(token: str, status: int = 200, error: str | None = None) -> Response:
    app = badger_app()
    with app.transaction() as session:
        row = requests.find_request(session, token)
        view = requests.detail(session, row)
        badge = achievements.get_achievement(session, row.achievement_id)
        criteria = requests.criteria_items(badge)
    return _private(
        "recognition/applicant.html", status, token=token, r=view, criteria=criteria, error=error, public=True
    )


@bp.get("/recognition/requests/<token>")
def applicant(token: str):
    return _applicant_page(token)


@bp.post("/recognition/requests/<token>/confirm")
def confirm(token: str):
    app = badger_app()
    with app.transaction() as session:
        requests.confirm(app, session, token)
    flash(_("Your address is confirmed: your request is now with the reviewers."), "success")
    return redirect(url_for(".applicant", token=token), 303)


@bp.post("/recognition/requests/<token>/resubmit")
def resubmit(token: str):
    app = badger_app()
    try:
        with app.transaction() as session:
            requests.resubmit(
                app, session, token, statements=request.form.getlist("statements"), evidence=evidence_in()
            )
    except (InvalidInput, Conflict) as exc:
        return _applicant_page(token, 400, message(exc))
    flash(_("Your request is sent again to the reviewers."), "success")
    return redirect(url_for(".applicant", token=token), 303)


@bp.post("/recognition/requests/<token>/withdraw")
def withdraw(token: str):
    app = badger_app()
    try:
        with app.transaction() as session:
            requests.withdraw(app, session, token)
    except Conflict as exc:
        return _applicant_page(token, 409, message(exc))
    flash(_("Your request is withdrawn."), "success")
    return redirect(url_for(".applicant", token=token), 303)


# ----------------------------------------------------------------------------------------- jury


@bp.get("/jury/<token>")
def jury(token: str):
    with badger_app().transaction() as session:
        member = requests.juror(session, token)
        rows = [requests.detail(session, r) for r in requests.juror_queue(session, member)]
        badge = achievements.get_achievement(session, member.achievement_id).name
        name, me = member.name, requests.juror_reviewer(member).id
    return _private("recognition/jury.html", token=token, rows=rows, badge=badge, juror=name, me=me)


def _jury_request_page(token: str, request_id: str, status: int = 200, error: str | None = None) -> Response:
    with badger_app().transaction() as session:
        member = requests.juror(session, token)
        view = requests.detail(session, requests.juror_request(session, member, request_id))
        name = member.name
    return _private(
        "recognition/review.html",
        status,
        r=view,
        error=error,
        juror=name,
        can_decide=True,
        action=url_for(".jury_review", token=token, request_id=request_id),
        file_url=lambda evidence_id: url_for(".jury_file", token=token, request_id=request_id, evidence_id=evidence_id),
        back=url_for(".jury", token=token),
    )


@bp.get("/jury/<token>/requests/<request_id>")
def jury_request(token: str, request_id: str):
    return _jury_request_page(token, request_id)


@bp.post("/jury/<token>/requests/<request_id>")
def jury_review(token: str, request_id: str):
    app = badger_app()
    try:
        with app.transaction() as session:
            member = requests.juror(session, token)
            row = requests.juror_request(session, member, request_id)
            requests.review(
                app,
                session,
                row,
                requests.juror_reviewer(member),
                request.form.get("decision", ""),
                request.form.get("comment"),
            )
    except (InvalidInput, Conflict) as exc:
        return _jury_request_page(token, request_id, 400, message(exc))
    flash(_("Your review is recorded."), "success")
    return redirect(url_for(".jury", token=token), 303)


@bp.get("/jury/<token>/requests/<request_id>/files/<evidence_id>")
def jury_file(token: str, request_id: str, evidence_id: str):
    with badger_app().transaction() as session:
        member = requests.juror(session, token)
        item = requests.evidence_file(session, requests.juror_request(session, member, request_id), evidence_id)
        return file_response(item, public=False)


# ---------------------------------------------------------------------------------- public files


@bp.get("/evidence/<token>")
def public_evidence(token: str):
    with badger_app().transaction() as session:
        return file_response(requests.public_evidence(session, token), public=True)


# ----------------------------------------------------------------------------------------- claims


@bp.route("/claim", methods=["GET", "POST"])
def claim_start():
    if request.method == "POST":
        code = "".join(ch for ch in request.form.get("code", "").upper() if ch.isalnum())[:32]
        if code:
            return redirect(url_for(".claim_page", code=code), 303)
    return _private("recognition/claim_start.html")


def _claim_error(exc: BadgerError, code: str, status: int) -> Response:
    return _private("recognition/claim.html", status, code=code, error=message(exc), values=request.form)


@bp.route("/claim/<code>", methods=["GET", "POST"])
def claim_page(code: str):
    app = badger_app()
    client = claims.client_key(app, client_ip())
    if request.method == "GET":
        try:
            with app.transaction() as session:
                window = claims.find_window(app, session, code, client=client)
                label = claims.window_label(session, window) if window is not None else None
        except TooManyAttempts as exc:
            return _claim_error(exc, code, 429)
        except NotFound as exc:
            return _claim_error(exc, code, 404)
        except Conflict as exc:
            return _claim_error(exc, code, 410)
        if label is None:
            return _claim_error(NotFound("no such claim code", code="claim.unknown_code"), code, 404)
        return _private("recognition/claim.html", code=code, window=label, values={})
    try:
        with app.transaction() as session:
            result = claims.claim(
                app,
                session,
                code,
                email=request.form.get("email", ""),
                name=request.form.get("name"),
                client=client,
                lang=language(),
            )
            credential_url = app.url("credentials", result.credential_id) if result.credential_id else None
    except TooManyAttempts as exc:
        return _claim_error(exc, code, 429)
    except NotFound as exc:
        return _claim_error(exc, code, 404)
    except Conflict as exc:
        return _claim_error(exc, code, 410)
    except InvalidInput as exc:
        return _claim_error(exc, code, 400)
    if result.outcome == "unknown_code":
        return _claim_error(NotFound("no such claim code", code="claim.unknown_code"), code, 404)
    return _private("recognition/claimed.html", outcome=result.outcome, credential_url=credential_url)


# ----------------------------------------------------------------------------------- endorsements


@bp.route("/learners/<token>/endorsements", methods=["GET", "POST"])
def holder_endorsements(token: str):
    app = badger_app()
    if request.method == "POST":
        decision = request.form.get("decision")
        if decision not in ("accept", "decline"):
            abort(400)
        with app.transaction() as session:
            endorsements.decide(app, session, token, request.form.get("endorsement", ""), accept=decision == "accept")
        flash(_("Your choice is saved."), "success")
        return redirect(url_for(".holder_endorsements", token=token), 303)
    with app.transaction() as session:
        rows = endorsements.for_holder(app, session, token)
        for row in rows:
            row["credential_url"] = app.url("credentials", row["credential_id"])
    return _private("recognition/holder_endorsements.html", token=token, rows=rows)


@bp.get("/credentials/<credential_id>/endorsements/<endorsement_id>")
def endorsement_document(credential_id: str, endorsement_id: str):
    with badger_app().transaction() as session:
        document = endorsements.accepted_document(session, credential_id, endorsement_id)
    return Response(document, 200, mimetype="application/vc+ld+json", headers={"Access-Control-Allow-Origin": "*"})


_PAGE_OFFERS = ["text/html", "application/vc+ld+json", "application/ld+json", "application/json", "application/vc+jwt"]


@bp.before_app_request
def _recognition_for_public_pages() -> None:
    """What the badge class page's small include shows (templates/recognition/_earning.html),
    read before its view opens its own session, and on the credential page whether a signed-in
    learner may endorse it (nothing is read for an anonymous visitor). The credential page reads
    the endorsements its holder accepted itself (public.service.CredentialView), only when its
    version changed."""
    args = request.view_args or {}
    if request.method != "GET" or request.endpoint not in ("public.achievement", "public.credential"):
        return
    if (request.accept_mimetypes.best_match(_PAGE_OFFERS) or "text/html") != "text/html":
        return  # the signed document is asked for, not the page: nothing to read
    try:
        if is_uuid(args.get("achievement_id")):
            with badger_app().reading() as session:
                g.recognition_earning = modes.get_mode(session, args["achievement_id"])
        elif is_uuid(args.get("credential_id")) and current_learner_id() is not None:
            # A signed-in learner other than the holder may endorse it (badger.learners): the only
            # part of the credential page that depends on the visitor, in its cache key.
            with badger_app().reading() as session:
                learner = learner_accounts.get(session, current_learner_id())
                g.recognition_endorse = learner_endorsements.state_for(session, learner, args["credential_id"])
    except BadgerError:
        return  # the view answers the problem itself

"""Dashboard pages of open recognition (/dashboard/<slug>/recognition/...): the review queue of
badge requests and claims, one request with its evidence and the review form, how a badge class
is earned (with its jury members), the claim windows of a milestone (code and QR code), and
endorsing a learner's credential.

Viewers read; issuers and owners decide, open claim windows, invite jury members and endorse.
Thin: one transaction per view, services of `badger.recognition`, render.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from badger.achievements import service as achievements
from badger.core.qr import qr_svg
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuers import service as issuers
from badger.programmes import service as programmes
from badger.recognition import claims, endorsements, modes, requests
from badger.web.auth import membership_required, render
from badger.web.current import badger_app
from badger.web.listing import csv_response, list_view
from badger.web.recognition.views import file_response, message
from badger.web.responses import uuid_or_404

__all__ = ["bp", "MODE_LABELS"]

bp = Blueprint("recognition_dashboard", __name__, url_prefix="/dashboard/<slug>/recognition")

MODE_LABELS = {
    "staff": _l("Issued by the staff"),
    "attendance": _l("On attendance (programme sessions)"),
    "pathway": _l("Through a pathway"),
    "request": _l("On request, reviewed by one person"),
    "jury": _l("By a jury"),
}
EXTRA_ERRORS = {
    "recognition.invalid_mode": _l("Choose how the badge is earned."),
    "recognition.invalid_jury_size": _l("A jury has 2 to 20 members."),
    "recognition.invalid_threshold": _l("The number of approvals needed is between 1 and the jury's size."),
    "jury.invalid_name": _l("Give the jury member's name."),
    "jury.invalid_email": _l("This e-mail address is not valid."),
    "claim.invalid_duration": _l("A claim window lasts 1 minute to 24 hours."),
    "endorsement.missing_comment": _l("Write a comment for the endorsement."),
    "endorsement.comment_too_long": _l("The comment is too long."),
    "endorsement.self": _l("A partner endorses the credentials of other partners."),
    "endorsement.revoked": _l("This credential was revoked."),
    "endorsement.exists": _l("Your partner already endorses this credential."),
    "credential.not_found": _l("No credential at this address."),
}


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("issuer") is not None:
        values["slug"] = g.issuer.slug


def _message(exc) -> str:
    return str(EXTRA_ERRORS.get(exc.code) or message(exc))


def _page(template: str, status: int = 200, **context):
    role = g.get("role")
    return render(
        template,
        status,
        issuer=g.issuer,
        role=role,
        can_edit=role in ("issuer", "owner"),
        mode_labels=MODE_LABELS,
        **context,
    )


def _issuer(session):
    return issuers.get_issuer(session, g.issuer.slug)


def _reviewer():
    return requests.Reviewer(current_user.actor.id, current_user.actor.label)


# ---------------------------------------------------------------------------------------- queue


REQUEST_SORTS = {
    "created": _l("Asked on"),
    "name": _l("Applicant"),
    "email": _l("E-mail"),
    "badge": _l("Badge"),
    "state": _l("State"),
}
STATE_LABELS = {
    "draft": _l("not yet confirmed"),
    "submitted": _l("to review"),
    "changes_requested": _l("changes asked"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
}


def _request_list():
    return list_view(
        "recognition_dashboard.queue",
        sorts=tuple(REQUEST_SORTS),
        default_sort="created",
        export_endpoint="recognition_dashboard.requests_csv",
    )


@bp.get("/")
@membership_required("viewer")
def queue(slug):
    """The requests to review (all of them, oldest first: a work queue), then every request,
    searched, sorted and paged (the list helper), with its CSV export."""
    lst = _request_list()
    with badger_app().transaction() as session:
        issuer = _issuer(session)
        waiting = [requests.detail(session, r) for r in requests.queue(session, issuer)]
        lst.fetch(lambda query: requests.request_page(session, issuer, query))
        everyone = [
            {"id": r.id, "name": r.name, "email": r.email, "badge": badge, "state": r.state, "created_at": r.created_at}
            for r, badge in lst.page.rows
        ]
    return _page(
        "recognition/queue.html",
        waiting=waiting,
        everyone=everyone,
        lst=lst,
        sorts=list(REQUEST_SORTS.items()),
        state_labels=STATE_LABELS,
    )


@bp.get("/requests.csv")
@membership_required("viewer")
def requests_csv(slug):
    """Every badge request (searched and sorted as on the page) as a CSV for spreadsheets."""
    lst = _request_list()
    with badger_app().transaction() as session:
        issuer = _issuer(session)
        page = requests.request_page(session, issuer, lst.query.everything())
        rows = [
            (
                format_datetime(r.created_at, "short"),
                r.name,
                r.email,
                badge,
                str(STATE_LABELS.get(r.state, r.state)),
                format_datetime(r.decided_at, "short") if r.decided_at else "",
            )
            for r, badge in page.rows
        ]
        name = issuer.slug
    header = (_l("Asked on"), _l("Applicant"), _l("E-mail"), _l("Badge"), _l("State"), _l("Decided on"))
    return csv_response(header, rows, f"badger-demandes-{name}.csv")


def _request_page(request_id: str, status: int = 200, error: str | None = None):
    with badger_app().transaction() as session:
        row = requests.get_request(session, _issuer(session), uuid_or_404(request_id))
        view = requests.detail(session, row)
    return _page(
        "recognition/review.html",
        status,
        r=view,
        error=error,
        can_decide=g.role in ("issuer", "owner"),
        action=url_for(".review", request_id=request_id),
        file_url=lambda evidence_id: url_for(".evidence_file", request_id=request_id, evidence_id=evidence_id),
        back=url_for(".queue"),
        staff=True,
    )


@bp.get("/requests/<request_id>")
@membership_required("viewer")
def request_page(slug, request_id):
    return _request_page(request_id)


@bp.post("/requests/<request_id>")
@membership_required("issuer")
def review(slug, request_id):
    app = badger_app()
    try:
        with app.transaction() as session:
            row = requests.get_request(session, _issuer(session), uuid_or_404(request_id))
            credential = requests.review(
                app, session, row, _reviewer(), request.form.get("decision", ""), request.form.get("comment")
            )
    except (InvalidInput, Conflict) as exc:
        return _request_page(request_id, 400, _message(exc))
    if credential is not None:
        flash(_("The threshold is reached: the badge is issued."), "success")
    else:
        flash(_("Your review is recorded."), "success")
    return redirect(url_for(".request_page", request_id=request_id), 303)


@bp.get("/requests/<request_id>/files/<evidence_id>")
@membership_required("viewer")
def evidence_file(slug, request_id, evidence_id):
    with badger_app().transaction() as session:
        row = requests.get_request(session, _issuer(session), uuid_or_404(request_id))
        return file_response(requests.evidence_file(session, row, uuid_or_404(evidence_id)), public=False)


# ------------------------------------------------------------------------------ how it is earned


def _mode_page(achievement_id: str, status: int = 200, error: str | None = None):
    with badger_app().transaction() as session:
        badge = achievements.get_achievement(session, uuid_or_404(achievement_id), issuer=_issuer(session))
        mode = modes.get_mode(session, badge.id)
        jurors = [{"name": j.name, "email": j.email} for j in requests.jurors(session, badge.id)]
        name, badge_id = badge.name, badge.id
    return _page(
        "recognition/mode.html", status, badge_name=name, badge_id=badge_id, mode=mode, jurors=jurors, error=error
    )


@bp.route("/badges/<achievement_id>", methods=["GET", "POST"])
@membership_required("viewer", write="issuer")
def mode(slug, achievement_id):
    if request.method == "GET":
        return _mode_page(achievement_id)
    app = badger_app()
    try:
        with app.transaction() as session:
            modes.set_mode(
                app,
                session,
                _issuer(session),
                uuid_or_404(achievement_id),
                request.form.get("mode", ""),
                jury_size=_int(request.form.get("jury_size")),
                threshold=_int(request.form.get("threshold")),
                actor=current_user.actor,
            )
    except InvalidInput as exc:
        return _mode_page(achievement_id, 400, _message(exc))
    flash(_("Saved: the public page says how this badge is earned."), "success")
    return redirect(url_for(".mode", achievement_id=achievement_id), 303)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/badges/<achievement_id>/jury")
@membership_required("issuer")
def invite(slug, achievement_id):
    app = badger_app()
    try:
        with app.transaction() as session:
            requests.invite_juror(
                app,
                session,
                _issuer(session),
                uuid_or_404(achievement_id),
                name=request.form.get("name", ""),
                email=request.form.get("email", ""),
                lang=request.form.get("lang", "fr"),
                actor=current_user.actor,
            )
    except InvalidInput as exc:
        return _mode_page(achievement_id, 400, _message(exc))
    flash(_("The jury member is invited: they receive their private link by e-mail."), "success")
    return redirect(url_for(".mode", achievement_id=achievement_id), 303)


# ----------------------------------------------------------------------------------------- claims


def _claims_page(programme_id: str, milestone_id: str, status: int = 200, error: str | None = None):
    app = badger_app()
    with app.transaction() as session:
        issuer = _issuer(session)
        programme = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
        milestone = programmes.get_milestone(session, programme, uuid_or_404(milestone_id))
        now = app.clock()
        rows = [
            dict(claims.window_label(session, w), url=claims.claim_url(app, w.code))
            for w in claims.windows(session, milestone)
        ]
        for row in rows:
            row["open"] = row["opens_at"] <= now < row["closes_at"]
        names = {"programme": programme.name, "milestone": milestone.name}
    return _page(
        "recognition/claims.html",
        status,
        windows=rows,
        names=names,
        programme_id=programme_id,
        milestone_id=milestone_id,
        error=error,
    )


@bp.route("/programmes/<programme_id>/milestones/<milestone_id>/claims", methods=["GET", "POST"])
@membership_required("viewer", write="issuer")
def claim_windows(slug, programme_id, milestone_id):
    if request.method == "GET":
        return _claims_page(programme_id, milestone_id)
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            milestone = programmes.get_milestone(session, programme, uuid_or_404(milestone_id))
            minutes = _int(request.form.get("minutes"))
            claims.open_window(
                app, session, issuer, programme, milestone, minutes=minutes or 0, actor=current_user.actor
            )
    except InvalidInput as exc:
        return _claims_page(programme_id, milestone_id, 400, _message(exc))
    flash(_("The claim window is open: show the QR code or the code in the room."), "success")
    return redirect(url_for(".claim_windows", programme_id=programme_id, milestone_id=milestone_id), 303)


@bp.get("/claims/<code>/qr.svg")
@membership_required("viewer")
def claim_qr(slug, code):
    app = badger_app()
    clean = "".join(ch for ch in code.upper() if ch in claims.ALPHABET)[: claims.CODE_LENGTH]
    return Response(
        qr_svg(claims.claim_url(app, clean)), 200, mimetype="image/svg+xml", headers={"Cache-Control": "private"}
    )


# ----------------------------------------------------------------------------------- endorsements


@bp.route("/endorse", methods=["GET", "POST"])
@membership_required("viewer", write="issuer")
def endorse(slug):
    app = badger_app()
    error, values = None, {}
    if request.method == "POST":
        values = {"credential": request.form.get("credential", ""), "comment": request.form.get("comment", "")}
        try:
            with app.transaction() as session:
                endorsements.endorse_credential(
                    app,
                    session,
                    _issuer(session),
                    values["credential"].strip(),
                    comment=values["comment"],
                    actor=current_user.actor,
                )
        except (InvalidInput, Conflict) as exc:
            error = _message(exc)
        except NotFound:  # a URL that is not a credential of this instance
            error = str(EXTRA_ERRORS["credential.not_found"])
        else:
            flash(_("The endorsement is signed: it is shown once the holder accepts it."), "success")
            return redirect(url_for(".endorse"), 303)
    return _page("recognition/endorse.html", 400 if error else 200, error=error, values=values)

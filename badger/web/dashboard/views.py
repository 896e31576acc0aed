"""The partner dashboard (/dashboard/<slug>/...): the pages programme staff use to define badge
classes, issue (one or a CSV file), follow bulk jobs, revoke or suspend, and read the audit log.

Thin (docs/architecture.md, "Thin edges"): every view checks the member's role
(``auth.membership_required``: viewer reads, issuer changes, owner reads the audit log),
validates a Flask-WTF form (CSRF included), calls one service per step in one transaction, and
renders. Bad input re-renders the form with messages (status 400), never a 500.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from badger.achievements import service as achievements
from badger.achievements import uploads as image_uploads
from badger.achievements.images import achievement_image
from badger.bulk import revoking
from badger.bulk import service as bulk_jobs
from badger.bulk import uploads as bulk_uploads
from badger.core import audit, markdown
from badger.core.csv_export import spreadsheet_chunks
from badger.credentials.dates import parse_datetime
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuance import issuing, revocation
from badger.issuance import rows as issuance_rows
from badger.mail import outbox as mail
from badger.verifying import stats
from badger.web.auth import membership_required, render
from badger.web.current import badger_app
from badger.web.dashboard import activity, charts
from badger.web.dashboard.forms import (
    ACHIEVEMENT_TYPE_LABELS,
    ALIGNMENT_TYPE_LABELS,
    MAX_ALIGNMENTS,
    STATUS_LABELS,
    AchievementForm,
    BulkConfirmForm,
    BulkUploadForm,
    CredentialFilterForm,
    IssueForm,
    PublishForm,
    ResendForm,
    RevokeConfirmForm,
    RevokeSelectionForm,
    RevokeUploadForm,
    StatusForm,
    form_field,
)
from badger.web.fields import choices
from badger.web.listing import csv_response, list_view
from badger.web.responses import image_response, uuid_or_404

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard/<slug>")

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Audit actions as programme staff read them (one list: badger.web.dashboard.activity).
ACTION_LABELS = activity.ACTION_LABELS

# The state of a badge's e-mail (badger.mail.outbox.delivery).
DELIVERY_LABELS = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Could not be sent")}

# What the services' error codes mean for the person filling the form.
_IMAGE_ERRORS = {
    "image.empty": _l("The image file is empty."),
    "image.too_large": _l("The image is too large."),
    "image.invalid": _l("This file is not a readable PNG or SVG image."),
    "image.unsafe_svg": _l("This SVG contains scripts, event handlers or external links, which are not allowed."),
    "image.unsupported_type": _l("The image must be a PNG or an SVG file."),
}
_STATUS_ERRORS = {
    "status.revoked_final": _l("This badge is revoked: a revocation is final."),
    "status.already_suspended": _l("This badge is already suspended."),
    "status.not_suspended": _l("This badge is not suspended."),
    "status.suspension_unavailable": _l("This badge was issued before suspension existed: it can only be revoked."),
}


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("issuer") is not None:
        values["slug"] = g.issuer.slug


def _render(template: str, status: int = 200, **context):
    role = g.get("role")
    return render(
        template,
        status,
        issuer=g.issuer,
        role=role,
        can_issue=role in ("issuer", "owner"),
        is_owner=role == "owner",
        status_labels=STATUS_LABELS,
        **context,
    )


@bp.app_template_filter("dashboard_datetime")
def _datetime_filter(value) -> str:
    """A stored datetime or an XSD dateTime string, in the page's language and Paris time."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return format_datetime(value, "short") if value is not None else ""


@bp.app_template_filter("format_number")
def _number_filter(value) -> str:
    """A count in the page's language (1 234 in French, 1,234 in English)."""
    return format_decimal(value)


def _owner() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(current_user.id))[:64]


def _form_error(form, exc: BadgerError, default_field: str | None = None) -> None:
    """Put a service's refusal on the form: on the field it is about, else on the whole form."""
    code = getattr(exc, "code", "") or ""
    if code.startswith("image."):
        form.image.errors = list(form.image.errors) + [_IMAGE_ERRORS.get(code, _IMAGE_ERRORS["image.invalid"])]
        return
    if code == "input.invalid_alignment":
        form.form_errors.append(_("An alignment needs a name and an address starting with https://."))
        return
    if code.startswith("status."):
        form.form_errors.append(
            str(_STATUS_ERRORS.get(code, _("This change is not possible for a badge in this state.")))
        )
        return
    if code in ("input.missing_reason", "input.invalid_reason") and hasattr(form, "reason"):
        form.reason.errors = list(form.reason.errors) + [_("Give a reason of at most 500 characters, on one line.")]
        return
    if code == "achievement.draft":
        form.form_errors.append(_("This badge is a draft: publish it before issuing it."))
        return
    field = form_field(form, exc) or default_field
    message = _("This value is not accepted.") if field else _("This could not be saved: check the form.")
    if field and hasattr(form, field):
        getattr(form, field).errors = list(getattr(form, field).errors) + [message]
    else:
        form.form_errors.append(message)


# -------------------------------------------------------------------------------------- overview


@bp.get("/")
@membership_required("viewer")
def overview(slug):
    app = badger_app()
    with app.transaction() as session:
        counts = stats.overview(session, g.issuer)
        months = stats.monthly(session, g.issuer, now=app.clock())
        recent = activity.describe(session, g.issuer, audit.events(session, g.issuer.id, limit=10))
        drafts = [a for a in achievements.list_achievements(session, g.issuer, drafts=True) if not a.published]
    return _render(
        "dashboard/overview.html",
        issued_chart=charts.bar_chart([(m["month"], m["issued"]) for m in months]),
        verified_chart=charts.bar_chart([(m["month"], m["verifications"]) for m in months]),
        totals=counts["totals"],
        badges=counts["achievements"],
        recent=recent,
        drafts=drafts,
        action_labels=ACTION_LABELS,
    )


# --------------------------------------------------------------------------------- badge classes


BADGE_SORTS = {"updated": _l("Last changed"), "name": _l("Name"), "created": _l("Created on")}


def _badge_list():
    return list_view(
        "dashboard.badge_classes",
        sorts=tuple(BADGE_SORTS),
        default_sort="updated",
        export_endpoint="dashboard.badge_classes_csv",
    )


@bp.get("/badges")
@membership_required("viewer")
def badge_classes(slug):
    lst = _badge_list()
    with badger_app().transaction() as session:
        lst.fetch(lambda query: achievements.achievement_page(session, g.issuer, query))
        items = [
            {
                "id": r.id,
                "name": r.name,
                "published": r.published is not False,
                "updated_at": r.updated_at,
                "type": achievements.editable_fields(r)["achievement_type"],
            }
            for r in lst.page.rows
        ]
    return _render(
        "dashboard/badges.html",
        items=items,
        lst=lst,
        sorts=list(BADGE_SORTS.items()),
        type_labels=ACHIEVEMENT_TYPE_LABELS,
    )


def _grow_alignments(form: AchievementForm) -> None:
    """Always offer one empty alignment row after the filled ones."""
    if all(not entry.form.is_empty() for entry in form.alignments) and len(form.alignments) < MAX_ALIGNMENTS:
        form.alignments.append_entry()


def _editor(form: AchievementForm, row=None, status: int = 200):
    _grow_alignments(form)
    return _render(
        "dashboard/badge_form.html",
        status,
        form=form,
        badge=row,
        fields=achievements.editable_fields(row) if row is not None else None,
        upload_limit_kib=badger_app().settings.max_upload_bytes // 1024,
    )


def _image_bytes(form: AchievementForm) -> bytes | None:
    """The image of this submission: the file chosen now, else the one kept from a previous
    submission that came back with an error (``image_token``; a stale token is forgotten)."""
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", None):
        return upload.read()
    token = form.image_token.data
    if token:
        try:
            return image_uploads.read_image(badger_app(), _owner(), token)[0]
        except NotFound:
            form.image_token.data = ""
    return None


def _keep_image(form: AchievementForm, image: bytes | None) -> None:
    """The form comes back with an error: keep a new, acceptable image for the next submission
    (a refused one gets its error on the field and is not kept)."""
    upload = form.image.data
    if image is None or upload is None or not getattr(upload, "filename", None) or form.image.errors:
        return
    try:
        form.image_token.data = image_uploads.stage_image(badger_app(), _owner(), image)
    except InvalidInput as exc:
        _form_error(form, exc)


def _forget_image(form: AchievementForm) -> None:
    if form.image_token.data:
        image_uploads.discard_image(badger_app(), _owner(), form.image_token.data)


@bp.get("/badges/kept-image/<token>")
@membership_required("issuer")
def kept_image(slug, token):
    """The image kept from a submission that came back with an error (its owner only)."""
    try:
        data, mimetype = image_uploads.read_image(badger_app(), _owner(), token)
    except NotFound:
        abort(404)
    return image_response(data, mimetype, **{"Cache-Control": "private, no-store"})


@bp.route("/badges/new", methods=["GET", "POST"])
@membership_required("issuer")
def badge_new(slug):
    form = AchievementForm()
    if form.validate_on_submit():
        app = badger_app()
        image = _image_bytes(form)
        try:
            with app.transaction() as session:
                row = achievements.create_achievement(
                    app,
                    session,
                    g.issuer,
                    image=image,
                    published=False,
                    in_language="fr",
                    actor=current_user.actor,
                    **form.changes(),
                )
        except InvalidInput as exc:
            _form_error(form, exc)
            if not form.image.errors:
                _keep_image(form, image)
        else:
            _forget_image(form)
            flash(_("Draft saved. Check the preview, then publish it."), "success")
            return redirect(url_for(".badge_preview", achievement_id=row.id))
    elif request.method == "POST":
        _keep_image(form, _image_bytes(form))
    return _editor(form, status=400 if request.method == "POST" else 200)


def _load_badge(session, achievement_id: str):
    return achievements.get_achievement(session, uuid_or_404(achievement_id), issuer=g.issuer, drafts=True)


@bp.route("/badges/<achievement_id>/edit", methods=["GET", "POST"])
@membership_required("issuer")
def badge_edit(slug, achievement_id):
    app = badger_app()
    with app.transaction() as session:
        row = _load_badge(session, achievement_id)
        fields = achievements.editable_fields(row)
    if request.method == "GET":
        form = AchievementForm(
            data={
                **fields,
                "tags": ", ".join(fields["tags"]),
                "achievement_type": fields["achievement_type"] or "Badge",
            }
        )
        return _editor(form, row)
    form = AchievementForm()
    if form.validate_on_submit():
        changes = form.changes()
        image = _image_bytes(form)
        if image is not None:
            changes["image"] = image
        elif form.remove_image.data:
            changes["remove_image"] = True
        try:
            with app.transaction() as session:
                row = achievements.update_achievement(app, session, g.issuer, row.id, changes, actor=current_user.actor)
        except InvalidInput as exc:
            _form_error(form, exc)
            if not form.image.errors:
                _keep_image(form, image)
        else:
            _forget_image(form)
            flash(_("Changes saved."), "success")
            return redirect(url_for(".badge_preview", achievement_id=row.id))
    else:
        _keep_image(form, _image_bytes(form))
    return _editor(form, row, 400)


@bp.get("/badges/<achievement_id>/preview")
@membership_required("viewer")
def badge_preview(slug, achievement_id):
    lang = request.args.get("preview_lang") if request.args.get("preview_lang") in ("fr", "en") else "fr"
    with badger_app().transaction() as session:
        row = _load_badge(session, achievement_id)
        document = achievements.preview_document(row)
        texts = achievements.texts(row, lang)
        fields = achievements.editable_fields(row)
    return _render(
        "dashboard/badge_preview.html",
        badge=row,
        document=document,
        texts=texts,
        fields=fields,
        preview_lang=lang,
        criteria_html=markdown.render(texts["criteria"]),
        type_labels=ACHIEVEMENT_TYPE_LABELS,
        alignment_labels=ALIGNMENT_TYPE_LABELS,
        form=PublishForm(),
    )


@bp.post("/badges/<achievement_id>/publish")
@membership_required("issuer")
def badge_publish(slug, achievement_id):
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("The form has expired: try again."), "error")
        return redirect(url_for(".badge_preview", achievement_id=uuid_or_404(achievement_id)))
    app = badger_app()
    with app.transaction() as session:
        row = achievements.publish_achievement(
            app, session, g.issuer, uuid_or_404(achievement_id), actor=current_user.actor
        )
    flash(_("The badge is published: it can be issued and has a public page."), "success")
    return redirect(url_for(".badge_preview", achievement_id=row.id))


@bp.get("/badges/<achievement_id>/image")
@membership_required("viewer")
def badge_image(slug, achievement_id):
    with badger_app().transaction() as session:
        data, mimetype, _default = achievement_image(_load_badge(session, achievement_id))
    return image_response(data, mimetype, **{"Cache-Control": "private, no-cache"})


# ----------------------------------------------------------------------------------- issuing one


def _published_choices(session) -> list[SelectChoice]:
    # An empty first choice: a required <select> needs a placeholder option (HTML), and nobody
    # should issue the first badge of the list by mistake.
    return choices(
        [("", _("— choose a badge —"))] + [(a.id, a.name) for a in achievements.list_achievements(session, g.issuer)]
    )


@bp.route("/issue", methods=["GET", "POST"])
@membership_required("issuer")
def issue(slug):
    app = badger_app()
    form = IssueForm()
    with app.transaction() as session:
        form.achievement.choices = _published_choices(session)
    if request.method == "GET" and request.args.get("achievement"):
        form.achievement.data = request.args["achievement"]
    if form.validate_on_submit():
        wanted = issuing.IssueRequest(
            achievement=form.achievement.data,
            email=form.email.data or None,
            did=form.did.data or None,
            name=form.name.data or None,
            format=form.format.data,
            evidence=form.evidence(),
            awarded_date=form.awarded_date.data.isoformat() if form.awarded_date.data else None,
        )
        try:
            with app.transaction() as session:
                row = issuing.issue(
                    app,
                    session,
                    g.issuer,
                    wanted,
                    actor=current_user.actor,
                    notify=bool(form.notify.data and form.email.data),
                )
        except (InvalidInput, NotFound, Conflict) as exc:
            _form_error(form, exc)
        else:
            flash(_("The badge has been issued."), "success")
            return redirect(url_for(".credential", credential_id=row.id))
    return _render("dashboard/issue.html", 400 if request.method == "POST" else 200, form=form)


# ---------------------------------------------------------------------------------- bulk issuing

FINISHED_STATES = ("done", "failed")
DRY_RUN_SHOWN = 200  # lines without a problem listed on the dry-run page (every problem is listed)

PROBLEM_LABELS = {
    "bulk.missing_email": _l("No e-mail address"),
    "bulk.invalid_email": _l("Invalid e-mail address"),
    "bulk.missing_name": _l("No name"),
    "bulk.invalid_name": _l("The name is too long or contains control characters"),
    "bulk.invalid_evidence_url": _l("The evidence address must start with https://"),
    "bulk.invalid_narrative": _l("The evidence text is too long or contains control characters"),
    "bulk.already_holds": _l("Already holds this badge"),
    "bulk.revoked": _l("Held this badge, which was revoked: not issued again"),
}
_FIRST_LINE = re.compile(r"line (\d+)")


def _problem_label(problem) -> str:
    if problem.code == "bulk.duplicate_email":
        match = _FIRST_LINE.search(problem.message or "")
        return _("Same e-mail address as line %(line)s", line=match.group(1) if match else "?")
    return str(PROBLEM_LABELS.get(problem.code, problem.message))


def _dry_run_view(report) -> tuple[list[dict], bool]:
    """Every row with a problem, and the first DRY_RUN_SHOWN rows without one."""
    shown, clean, truncated = [], 0, False
    for row in report.rows:
        if not row.problems:
            clean += 1
            if clean > DRY_RUN_SHOWN:
                truncated = True
                continue
        shown.append(
            {
                "line": row.line,
                "email": row.email,
                "name": row.name,
                "outcome": row.outcome,
                "problems": [_problem_label(p) for p in row.problems],
            }
        )
    return shown, truncated


@bp.route("/bulk", methods=["GET", "POST"])
@membership_required("issuer")
def bulk(slug):
    app = badger_app()
    form = BulkUploadForm()
    with app.transaction() as session:
        form.achievement.choices = _published_choices(session)
        jobs = bulk_jobs.list_jobs(session, g.issuer, limit=10)
        names = {a.id: a.name for a in achievements.list_achievements(session, g.issuer, drafts=True)}
        recent = [
            {
                "id": j.id,
                "created_at": j.created_at,
                "badge": names.get(j.achievement_id, ""),
                "source": j.source,
                "progress": bulk_jobs.job_progress(j),
            }
            for j in jobs
        ]
    if request.method == "GET" and request.args.get("achievement"):
        form.achievement.data = request.args["achievement"]
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            rows = bulk_jobs.parse_csv(data)
            with app.transaction() as session:
                report = bulk_jobs.dry_run(app, session, g.issuer, form.achievement.data, rows)
                badge_name = achievements.get_achievement(session, form.achievement.data, issuer=g.issuer).name
        except InvalidInput as exc:
            form.file.errors = list(form.file.errors) + [_bulk_file_error(exc)]
        except NotFound as exc:
            _form_error(form, exc, "achievement")
        else:
            token = bulk_uploads.stage_upload(app, _owner(), data)
            confirm = BulkConfirmForm(
                formdata=None,
                data={
                    "upload": token,
                    "achievement": report.achievement_id,
                    "filename": _filename(form.file.data.filename),
                },
            )
            rows_shown, truncated = _dry_run_view(report)
            return _render(
                "dashboard/bulk_dry_run.html",
                report=report,
                confirm=confirm,
                badge_name=badge_name,
                achievement_id=report.achievement_id,
                filename=_filename(form.file.data.filename),
                rows=rows_shown,
                truncated=truncated,
                shown=DRY_RUN_SHOWN,
                total=report.total,
                problem_count=report.skip_count + report.error_count,
            )
    return _render(
        "dashboard/bulk_upload.html",
        400 if request.method == "POST" else 200,
        form=form,
        jobs=recent,
        finished_states=FINISHED_STATES,
    )


def _bulk_file_error(exc: InvalidInput) -> str:
    return _("This file cannot be read as a CSV file (%(detail)s).", detail=str(exc)[:200])


def _filename(name: str | None) -> str:
    return re.sub(r"[^\w .()-]", "_", name or "")[:120]


@bp.post("/bulk/confirm")
@membership_required("issuer")
def bulk_confirm(slug):
    app = badger_app()
    form = BulkConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired: upload the file again."), "error")
        return redirect(url_for(".bulk"))
    try:
        data = bulk_uploads.read_upload(app, _owner(), form.upload.data)
        rows = bulk_jobs.parse_csv(data)
        with app.transaction() as session:
            job = bulk_jobs.start(
                app,
                session,
                g.issuer,
                uuid_or_404(form.achievement.data),
                rows,
                actor=current_user.actor,
                notify=bool(form.notify.data),
                source=_filename(form.filename.data) or None,
            )
            job_id = job.id
    except (InvalidInput, NotFound) as exc:
        flash(
            _("This upload can no longer be used (%(detail)s): upload the file again.", detail=str(exc)[:200]), "error"
        )
        return redirect(url_for(".bulk"))
    bulk_uploads.discard_upload(app, _owner(), form.upload.data)
    return redirect(url_for(".job", job_id=job_id))


def _load_job(session, job_id: str):
    return bulk_jobs.get_job(session, g.issuer, uuid_or_404(job_id))


@bp.get("/jobs/<job_id>")
@membership_required("viewer")
def job(slug, job_id):
    with badger_app().transaction() as session:
        found = _load_job(session, job_id)
        progress = bulk_jobs.job_progress(found)
        badge = achievements.get_achievement(session, found.achievement_id, drafts=True).name
        source = found.source
    return _render(
        "dashboard/job.html",
        job_id=found.id,
        progress=progress,
        badge_name=badge,
        source=source,
        finished=progress.get("state") in FINISHED_STATES,
        finished_states=FINISHED_STATES,
    )


@bp.get("/jobs/<job_id>/progress")
@membership_required("viewer")
def job_progress(slug, job_id):
    with badger_app().transaction() as session:
        progress = bulk_jobs.job_progress(_load_job(session, job_id))
    response = jsonify(progress)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<job_id>/result.csv")
@membership_required("viewer")
def job_result(slug, job_id):
    """The job's result, one line per line of the file, in the reader's language for
    spreadsheets (the API's /api/v1/jobs/<id>/result.csv keeps the machine form)."""
    app = badger_app()
    rows: list[tuple] = []
    with app.transaction() as session:
        job = _load_job(session, job_id)
        offset = 0
        while True:
            page, _total = bulk_jobs.job_rows(session, job, offset=offset, limit=1000, app=app)
            for row in page:
                problem = row["problem"]
                label = _problem_label(_Problem(problem["code"], problem["message"])) if problem else None
                rows.append(
                    (
                        row["line"],
                        row["email"],
                        row["name"],
                        str(OUTCOME_LABELS.get(row["outcome"], row["outcome"])),
                        row["credentialUrl"],
                        label,
                    )
                )
            if len(page) < 1000:
                break
            offset += 1000
    header = (_l("Line"), _l("E-mail"), _l("Name"), _l("Result"), _l("Address of the badge"), _l("Problem"))
    return csv_response(header, rows, f"badger-resultat-{job_id[:8]}.csv")


@dataclass
class _Problem:
    code: str
    message: str | None


OUTCOME_LABELS = {
    "issued": _l("Badge issued"),
    "skipped": _l("Line skipped"),
    "failed": _l("Line failed"),
    "pending": _l("Pending"),
}


# ----------------------------------------------------------------------------------- credentials


CREDENTIAL_SORTS = {
    "issued": _l("Issued on"),
    "recipient": _l("Recipient"),
    "badge": _l("Badge"),
    "status": _l("Status"),
}


def _credential_list(session, args):
    """The credentials list as asked: its filters (badge class, status; unknown values are
    ignored) and a ListView. The old ``email`` filter is read as a search."""
    form = CredentialFilterForm(args)
    form.status.choices = choices([("", _("All"))] + list(STATUS_LABELS.items()))
    form.achievement.choices = choices(
        [("", _("All"))] + [(a.id, a.name) for a in achievements.list_achievements(session, g.issuer, drafts=True)]
    )
    known = {c.value for c in form.achievement.choices if c.value}
    achievement = args.get("achievement") if args.get("achievement") in known else None
    status = args.get("status") if args.get("status") in STATUS_LABELS else None
    query_args = dict(args.items())
    if not query_args.get("q") and args.get("email"):
        query_args["q"] = args.get("email")
    lst = list_view(
        "dashboard.credentials",
        sorts=tuple(CREDENTIAL_SORTS),
        default_sort="issued",
        filters={"achievement": achievement, "status": status},
        export_endpoint="dashboard.credentials_csv",
        args=query_args,
    )
    return form, lst, achievement, status


@bp.get("/credentials")
@membership_required("viewer")
def credentials(slug):
    app = badger_app()
    with app.transaction() as session:
        form, lst, achievement, status = _credential_list(session, request.args)
        lst.fetch(
            lambda query: issuance_rows.credential_page(
                app, session, g.issuer, query, achievement=achievement, status=status
            )
        )
    return _render(
        "dashboard/credentials.html",
        form=form,
        lst=lst,
        rows=lst.page.rows,
        sorts=list(CREDENTIAL_SORTS.items()),
        select_form=RevokeSelectionForm(),
        upload_form=RevokeUploadForm(),
    )


@bp.get("/credentials.csv")
@membership_required("viewer")
def credentials_csv(slug):
    """The issued badges (the whole list with its filters, search and sort) as a CSV."""
    app = badger_app()
    with app.transaction() as session:
        _form, lst, achievement, status = _credential_list(session, request.args)
        page = issuance_rows.credential_page(
            app, session, g.issuer, lst.query.everything(), achievement=achievement, status=status
        )
    header = (_l("Issued on"), _l("Badge"), _l("Recipient"), _l("Status"), _l("Reason"), _l("Address of the badge"))
    return csv_response(
        header,
        (
            (
                format_datetime(r.issued_at, "short"),
                r.achievement_name,
                r.recipient_name or r.recipient_did,
                str(STATUS_LABELS.get(r.status, r.status)),
                r.status_reason,
                r.url,
            )
            for r in page.rows
        ),
        f"badger-badges-delivres-{g.issuer.slug}.csv",
    )


@bp.get("/badges.csv")
@membership_required("viewer")
def badge_classes_csv(slug):
    """The badge classes (the whole list, searched and sorted as on the page) as a CSV."""
    app = badger_app()
    lst = _badge_list()
    with app.transaction() as session:
        page = achievements.achievement_page(session, g.issuer, lst.query.everything())
        rows = [
            (
                r.name,
                str(ACHIEVEMENT_TYPE_LABELS.get(t, t or ""))
                if (t := achievements.editable_fields(r)["achievement_type"])
                else "",
                _("yes") if r.published is not False else _("no"),
                format_datetime(r.updated_at, "short"),
                app.url("achievements", r.id),
            )
            for r in page.rows
        ]
    header = (_l("Name"), _l("Kind of badge"), _l("Published"), _l("Last changed"), _l("Public page"))
    return csv_response(header, rows, f"badger-badges-{g.issuer.slug}.csv")


@bp.get("/bulk/template.csv")
@membership_required("issuer")
def bulk_template(slug):
    """A CSV to fill in for a bulk issuance: the columns the upload reads, one example line."""
    rows = [("camille@example.org", "Camille Le Goff", "https://example.org/fresque", _("Ran a climate fresco"))]
    return csv_response(("email", "name", "evidence_url", "narrative"), rows, "badger-modele.csv")


def _status_forms(row) -> list[tuple[str, StatusForm]]:
    actions = (
        {"active": ("suspend", "revoke"), "suspended": ("unsuspend", "revoke"), "revoked": ()}[row.status]
        if row.status in ("active", "suspended", "revoked")
        else ()
    )
    return [(action, StatusForm(formdata=None, data={"action": action})) for action in actions]


_RESEND_ERRORS = {
    "mail.invalid_address": _l("This e-mail address is not valid."),
    "mail.not_recipient": _l("This is not the address the badge was issued to."),
    "mail.not_active": _l("Only an active badge issued to an e-mail address can be sent again."),
    "mail.already_pending": _l("An e-mail about this badge is already waiting to go out."),
    "mail.resend_too_soon": _l("This badge was e-mailed a moment ago: wait a few minutes before sending it again."),
}


def _credential_page(row, *, status: int = 200, forms=None, resend_form=None):
    with badger_app().transaction() as session:
        delivery = mail.delivery(session, row.id)
    return _render(
        "dashboard/credential.html",
        status,
        row=row,
        forms=forms if forms is not None else _status_forms(row),
        delivery=delivery,
        delivery_labels=DELIVERY_LABELS,
        resend_form=resend_form or ResendForm(formdata=None),
        can_resend=row.status == "active" and delivery is not None,
    )


@bp.get("/credentials/<credential_id>")
@membership_required("viewer")
def credential(slug, credential_id):
    app = badger_app()
    with app.transaction() as session:
        row = issuance_rows.credential_row(app, session, g.issuer, uuid_or_404(credential_id))
    return _credential_page(row)


@bp.post("/credentials/<credential_id>/resend")
@membership_required("issuer")
def credential_resend(slug, credential_id):
    """Send the badge's e-mail again through the outbox (mail.outbox.resend_issued)."""
    app = badger_app()
    credential_id = uuid_or_404(credential_id)
    form = ResendForm()
    with app.transaction() as session:
        row = issuance_rows.credential_row(app, session, g.issuer, credential_id)
    if form.validate_on_submit():
        try:
            with app.transaction() as session:
                stored = issuing.get_credential(session, credential_id, issuer=g.issuer)
                mail.resend_issued(app, session, stored, form.email.data, actor=current_user.actor)
        except (InvalidInput, Conflict) as exc:
            message = _RESEND_ERRORS.get(exc.code or "", _RESEND_ERRORS["mail.not_active"])
            target = form.email if exc.code in ("mail.invalid_address", "mail.not_recipient") else None
            if target is not None:
                target.errors = list(target.errors) + [str(message)]
            else:
                form.form_errors.append(str(message))
        else:
            flash(_("The e-mail is queued: its delivery shows below."), "success")
            return redirect(url_for(".credential", credential_id=credential_id))
    return _credential_page(row, status=400, resend_form=form)


@bp.post("/credentials/<credential_id>/status")
@membership_required("issuer")
def credential_status(slug, credential_id):
    app = badger_app()
    credential_id = uuid_or_404(credential_id)
    form = StatusForm()
    with app.transaction() as session:
        row = issuance_rows.credential_row(app, session, g.issuer, credential_id)
    allowed = dict(_status_forms(row))
    if form.validate_on_submit() and form.action.data in allowed:
        change = {"revoke": revocation.revoke, "suspend": revocation.suspend, "unsuspend": revocation.unsuspend}
        try:
            with app.transaction() as session:
                stored = issuing.get_credential(session, credential_id, issuer=g.issuer)
                change[form.action.data](
                    app, session, stored, reason=form.reason.data or None, actor=current_user.actor
                )
        except (InvalidInput, Conflict) as exc:
            _form_error(form, exc, "reason")
        else:
            flash(
                {
                    "revoke": _("The badge is revoked."),
                    "suspend": _("The badge is suspended."),
                    "unsuspend": _("The suspension is lifted."),
                }[form.action.data],
                "success",
            )
            return redirect(url_for(".credential", credential_id=credential_id))
    elif form.action.data not in allowed and not form.errors:
        form.form_errors.append(_("This change is not possible for a badge in this state."))
    forms = [(action, form if action == form.action.data else f) for action, f in _status_forms(row)]
    return _credential_page(row, status=400, forms=forms)


# ------------------------------------------------------------------------------------ bulk revoke

REVOKE_PROBLEMS = {
    "revoke.unreadable_credential": _l("Not the id or address of a badge"),
    "revoke.invalid_email": _l("Invalid e-mail address"),
    "revoke.missing_badge": _l("No badge class given beside the e-mail address"),
    "revoke.empty_line": _l("Nothing to read on this line"),
    "revoke.not_found": _l("No such badge among yours"),
    "revoke.unknown_badge": _l("No badge class of this name"),
    "revoke.already_revoked": _l("Already revoked"),
    "revoke.duplicate": _l("Already listed on an earlier line"),
}
REVOKE_SHOWN = 200  # badges listed on the review page (every problem is listed)


def _revoke_review(plan: revoking.Plan, source: str, form: RevokeConfirmForm | None = None, status: int = 200):
    """The review step: what will be revoked, what will not and why, one reason, the final button."""
    app = badger_app()
    if form is None:
        token = bulk_uploads.stage_upload(
            app,
            _owner(),
            json.dumps(
                {
                    "source": source,
                    "targets": [t.__dict__ for t in plan.targets],
                    "problems": plan.problems,
                }
            ).encode(),
        )
        form = RevokeConfirmForm(formdata=None, data={"plan": token})
    return _render(
        "dashboard/revoke_review.html",
        status,
        targets=plan.targets[:REVOKE_SHOWN],
        count=len(plan.targets),
        shown=REVOKE_SHOWN,
        problems=[(line, text, REVOKE_PROBLEMS.get(code, code)) for line, text, code in plan.problems],
        source=source,
        form=form,
    )


def _stored_plan(token: str) -> tuple[revoking.Plan, str]:
    data = json.loads(bulk_uploads.read_upload(badger_app(), _owner(), token))
    plan = revoking.Plan(
        targets=[revoking.Target(**t) for t in data["targets"]],
        problems=[tuple(p) for p in data["problems"]],
    )
    return plan, data.get("source", "")


@bp.post("/credentials/revoke")
@membership_required("issuer")
def revoke_review(slug):
    """Step 1 of a bulk revocation, from the badges ticked in the list or from a CSV file."""
    app = badger_app()
    upload = RevokeUploadForm()
    if "file" in request.files:
        if not upload.validate_on_submit():
            return _revoke_upload_refused(upload)
        try:
            references = revoking.parse_references(upload.file.data.read())
        except InvalidInput as exc:
            upload.file.errors = list(upload.file.errors) + [_bulk_file_error(exc)]
            return _revoke_upload_refused(upload)
        source = _filename(upload.file.data.filename)
    else:
        if not RevokeSelectionForm().validate_on_submit():
            flash(_("The form has expired: try again."), "error")
            return redirect(url_for(".credentials"))
        ids = [i for i in request.form.getlist("credential") if _UUID.match(i)][: revoking.MAX_REFERENCES]
        if not ids:
            flash(_("Tick the badges to revoke first."), "error")
            return redirect(url_for(".credentials"))
        references = revoking.references_of_ids(ids)
        source = ""
    with app.transaction() as session:
        plan = revoking.plan(app, session, g.issuer, references)
    return _revoke_review(plan, source)


def _revoke_upload_refused(upload: RevokeUploadForm):
    app = badger_app()
    with app.transaction() as session:
        form, lst, achievement, status = _credential_list(session, {})
        lst.fetch(lambda query: issuance_rows.credential_page(app, session, g.issuer, query))
    return _render(
        "dashboard/credentials.html",
        400,
        form=form,
        lst=lst,
        rows=lst.page.rows,
        sorts=list(CREDENTIAL_SORTS.items()),
        select_form=RevokeSelectionForm(),
        upload_form=upload,
    )


@bp.post("/credentials/revoke/confirm")
@membership_required("issuer")
def revoke_confirm(slug):
    """Step 2: revoke every reviewed badge with one reason, in one transaction (all or none)."""
    app = badger_app()
    form = RevokeConfirmForm()
    try:
        plan, source = _stored_plan(form.plan.data or "")
    except (NotFound, ValueError, KeyError, TypeError):
        flash(_("This list can no longer be used: start again."), "error")
        return redirect(url_for(".credentials"))
    if not form.validate_on_submit():
        return _revoke_review(plan, source, form, 400)
    try:
        with app.transaction() as session:
            count = revoking.revoke_all(
                app,
                session,
                g.issuer,
                [t.credential_id for t in plan.targets],
                reason=form.reason.data,
                actor=current_user.actor,
            )
    except InvalidInput as exc:
        if exc.code in ("input.missing_reason", "input.invalid_reason"):
            form.reason.errors = list(form.reason.errors) + [_("Give a reason of at most 500 characters, on one line.")]
        else:
            form.form_errors.append(_("Some of these badges changed meanwhile: nothing was revoked. Start again."))
        return _revoke_review(plan, source, form, 400)
    except (Conflict, NotFound):
        form.form_errors.append(_("Some of these badges changed meanwhile: nothing was revoked. Start again."))
        return _revoke_review(plan, source, form, 409)
    bulk_uploads.discard_upload(app, _owner(), form.plan.data)
    revoked_label, reason = str(_("Revoked")), form.reason.data
    report = [
        (t.line, t.text, t.badge, t.recipient, revoked_label, reason, app.url("credentials", t.credential_id))
        for t in plan.targets
    ] + [(line, text, "", "", str(REVOKE_PROBLEMS.get(code, code)), "", "") for line, text, code in plan.problems]
    report.sort(key=lambda r: r[0])
    header = (
        _l("Line"),
        _l("Asked"),
        _l("Badge"),
        _l("Recipient"),
        _l("Result"),
        _l("Reason"),
        _l("Address of the badge"),
    )
    token = bulk_uploads.stage_upload(
        app, _owner(), "".join(spreadsheet_chunks([str(h) for h in header], report)).encode()
    )
    return _render(
        "dashboard/revoke_done.html",
        count=count,
        problems=len(plan.problems),
        report_token=token,
        source=source,
    )


@bp.get("/credentials/revoke/report/<token>.csv")
@membership_required("issuer")
def revoke_report(slug, token):
    """The report of a bulk revocation (line, what was asked, result), kept a day for its author."""
    body = bulk_uploads.read_upload(badger_app(), _owner(), token)  # NotFound: expired or another's
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="badger-revocations.csv"'},
    )


# ------------------------------------------------------------------------------------- audit log


AUDIT_SORTS = {"when": _l("When"), "who": _l("Who"), "what": _l("What")}


def _audit_list():
    filters = activity.filters_from(request.args)
    kept = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v}
    lst = list_view(
        "dashboard.audit_log",
        sorts=tuple(AUDIT_SORTS),
        default_sort="when",
        filters=kept,
        export_endpoint="dashboard.audit_csv",
    )
    return lst, activity.query_of(filters), kept


@bp.get("/audit")
@membership_required("owner")
def audit_log(slug):
    lst, query, kept = _audit_list()
    with badger_app().transaction() as session:
        lst.fetch(lambda q: audit.event_page(session, g.issuer.id, q, **query))
        described = activity.describe(session, g.issuer, list(lst.page.rows))
        actors = [
            (
                actor,
                activity.describe(session, g.issuer, [{"action": "", "actor": actor, "actor_label": label}])[0]["who"],
            )
            for actor, label in audit.actors(session, g.issuer.id)
        ]
    return _render(
        "dashboard/audit.html",
        events=described,
        lst=lst,
        sorts=list(AUDIT_SORTS.items()),
        filters=kept,
        kinds=activity.KINDS,
        actors=actors,
    )


@bp.get("/audit.csv")
@membership_required("owner")
def audit_csv(slug):
    """The log (with the page's filters, search and sort; every event) as a CSV for
    spreadsheets, in the reader's language: dates, people, actions and details as the page
    shows them."""
    lst, query, _kept = _audit_list()
    with badger_app().transaction() as session:
        page = audit.event_page(session, g.issuer.id, lst.query.everything(), **query)
        rows = activity.export_rows(session, g.issuer, list(page.rows))
    return csv_response(activity.CSV_HEADER, rows, f"badger-audit-{g.issuer.slug}.csv")


# -------------------------------------------------------------------------------------- bulk jobs

JOB_SORTS = {
    "created": _l("Started on"),
    "badge": _l("Badge"),
    "source": _l("File"),
    "state": _l("State"),
    "total": _l("Lines"),
    "by": _l("Started by"),
}
JOB_STATE_LABELS = {
    "queued": _l("Waiting"),
    "running": _l("In progress"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}


def _job_list():
    return list_view(
        "dashboard.jobs", sorts=tuple(JOB_SORTS), default_sort="created", export_endpoint="dashboard.jobs_csv"
    )


@bp.get("/jobs")
@membership_required("viewer")
def jobs(slug):
    lst = _job_list()
    with badger_app().transaction() as session:
        lst.fetch(lambda query: bulk_jobs.job_page(session, g.issuer, query))
        rows = [
            {
                "id": j.id,
                "created_at": j.created_at,
                "badge": name,
                "source": j.source,
                "by": j.actor_label,
                "state": j.state,
                "progress": bulk_jobs.job_progress(j),
            }
            for j, name in lst.page.rows
        ]
    return _render(
        "dashboard/jobs.html", lst=lst, rows=rows, sorts=list(JOB_SORTS.items()), state_labels=JOB_STATE_LABELS
    )


@bp.get("/jobs.csv")
@membership_required("viewer")
def jobs_csv(slug):
    """Every bulk job (searched and sorted as on the page) as a CSV for spreadsheets."""
    lst = _job_list()
    with badger_app().transaction() as session:
        page = bulk_jobs.job_page(session, g.issuer, lst.query.everything())
        rows = [
            (
                format_datetime(j.created_at, "short"),
                name,
                j.source,
                j.actor_label,
                str(JOB_STATE_LABELS.get(j.state, j.state)),
                j.total,
                j.issued,
                j.skipped,
                j.failed,
                format_datetime(j.finished_at, "short") if j.finished_at else "",
            )
            for j, name in page.rows
        ]
    header = (
        _l("Started on"),
        _l("Badge"),
        _l("File"),
        _l("Started by"),
        _l("State"),
        _l("Lines"),
        _l("Issued"),
        _l("Skipped"),
        _l("Failed"),
        _l("Finished on"),
    )
    return csv_response(header, rows, f"badger-envois-{g.issuer.slug}.csv")

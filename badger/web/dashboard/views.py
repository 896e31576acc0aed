"""The partner dashboard (/dashboard/<slug>/...): the pages programme staff use to define badge
classes, issue (one or a CSV file), follow bulk jobs, revoke or suspend, and read the audit log.

Thin (docs/architecture.md, "Thin edges"): every view checks the member's role
(``auth.membership_required``: viewer reads, issuer changes, owner reads the audit log),
validates a Flask-WTF form (CSRF included), calls one service per step in one transaction, and
renders. Bad input re-renders the form with messages (status 400), never a 500.
"""

from __future__ import annotations

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
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from badger.achievements import service as achievements
from badger.achievements import uploads as image_uploads
from badger.achievements.images import achievement_image
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
    StatusForm,
    form_field,
)
from badger.web.fields import choices
from badger.web.responses import image_response, uuid_or_404

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard/<slug>")

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
AUDIT_PAGE = 50
LIST_LIMIT = 500

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


@bp.get("/badges")
@membership_required("viewer")
def badge_classes(slug):
    with badger_app().transaction() as session:
        rows = achievements.list_achievements(session, g.issuer, drafts=True)
        items = [
            {
                "id": r.id,
                "name": r.name,
                "published": r.published is not False,
                "updated_at": r.updated_at,
                "type": achievements.editable_fields(r)["achievement_type"],
            }
            for r in rows
        ]
    return _render("dashboard/badges.html", items=items, type_labels=ACHIEVEMENT_TYPE_LABELS)


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
    return _csv_response(header, rows, f"badger-resultat-{job_id[:8]}.csv")


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


@bp.get("/credentials")
@membership_required("viewer")
def credentials(slug):
    app = badger_app()
    form = CredentialFilterForm(request.args)
    form.status.choices = choices([("", _("All"))] + list(STATUS_LABELS.items()))
    with app.transaction() as session:
        form.achievement.choices = choices(
            [("", _("All"))] + [(a.id, a.name) for a in achievements.list_achievements(session, g.issuer, drafts=True)]
        )
        form.validate()
        achievement = (
            form.achievement.data if form.achievement.data in {c.value for c in form.achievement.choices} else None
        )
        status = form.status.data if form.status.data in STATUS_LABELS else None
        rows = issuance_rows.credential_rows(
            app,
            session,
            g.issuer,
            email=form.email.data or None,
            achievement=achievement or None,
            status=status,
            limit=LIST_LIMIT,
        )
    return _render("dashboard/credentials.html", form=form, rows=rows, limit=LIST_LIMIT, export_args=request.args)


def _csv_response(header, rows, name: str) -> Response:
    """A CSV for French spreadsheets (core.csv_export.spreadsheet_chunks), headers translated."""
    body = "".join(spreadsheet_chunks([str(h) for h in header], rows))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/credentials.csv")
@membership_required("viewer")
def credentials_csv(slug):
    """The issued badges (with the list's filters) as a CSV for spreadsheets."""
    app = badger_app()
    form = CredentialFilterForm(request.args)
    with app.transaction() as session:
        known = {a.id for a in achievements.list_achievements(session, g.issuer, drafts=True)}
        achievement = request.args.get("achievement") if request.args.get("achievement") in known else None
        status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
        email = (form.email.data or "").strip() or None
        rows = issuance_rows.credential_rows(
            app, session, g.issuer, email=email, achievement=achievement, status=status, limit=100_000
        )
    header = (_l("Issued on"), _l("Badge"), _l("Recipient"), _l("Status"), _l("Reason"), _l("Address of the badge"))
    return _csv_response(
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
            for r in rows
        ),
        f"badger-badges-delivres-{g.issuer.slug}.csv",
    )


@bp.get("/badges.csv")
@membership_required("viewer")
def badge_classes_csv(slug):
    """The badge classes as a CSV for spreadsheets."""
    app = badger_app()
    with app.transaction() as session:
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
            for r in achievements.list_achievements(session, g.issuer, drafts=True)
        ]
    header = (_l("Name"), _l("Kind of badge"), _l("Published"), _l("Last changed"), _l("Public page"))
    return _csv_response(header, rows, f"badger-badges-{g.issuer.slug}.csv")


@bp.get("/bulk/template.csv")
@membership_required("issuer")
def bulk_template(slug):
    """A CSV to fill in for a bulk issuance: the columns the upload reads, one example line."""
    rows = [("camille@example.org", "Camille Le Goff", "https://example.org/fresque", _("Ran a climate fresco"))]
    return _csv_response(("email", "name", "evidence_url", "narrative"), rows, "badger-modele.csv")


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


# ------------------------------------------------------------------------------------- audit log


@bp.get("/audit")
@membership_required("owner")
def audit_log(slug):
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    filters = activity.filters_from(request.args)
    with badger_app().transaction() as session:
        events = audit.events(
            session, g.issuer.id, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE, **activity.query_of(filters)
        )
        described = activity.describe(session, g.issuer, events[:AUDIT_PAGE])
        actors = [
            (
                actor,
                activity.describe(session, g.issuer, [{"action": "", "actor": actor, "actor_label": label}])[0]["who"],
            )
            for actor, label in audit.actors(session, g.issuer.id)
        ]
    kept = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v}
    return _render(
        "dashboard/audit.html",
        events=described,
        page=page,
        has_next=len(events) > AUDIT_PAGE,
        filters=kept,
        kinds=activity.KINDS,
        actors=actors,
    )


@bp.get("/audit.csv")
@membership_required("owner")
def audit_csv(slug):
    """The log (with the page's filters) as a CSV for spreadsheets, in the reader's language:
    dates, people, actions and details as the page shows them."""
    app = badger_app()
    issuer_slug = g.issuer.slug
    query = activity.query_of(activity.filters_from(request.args))
    with app.transaction() as session:
        rows = activity.export_rows(session, g.issuer, audit.events(session, g.issuer.id, limit=None, **query))
    body = "".join(spreadsheet_chunks([str(h) for h in activity.CSV_HEADER], rows))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="badger-audit-{issuer_slug}.csv"'},
    )

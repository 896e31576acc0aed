"""Dashboard pages of programmes (/dashboard/<slug>/programmes/...): programmes and their
milestones, the roster (CSV import), attendance (checkboxes or CSV), confirming a milestone
(its badge goes to every attendee through the bulk service), pathways and endorsements.

Thin (docs/architecture.md, "Thin edges"): each view checks the member's role with
``auth.membership_required`` (viewers read; issuers and owners change), calls the programme
services in one transaction and renders. Forms carry the CSRF token (Flask-WTF CSRFProtect checks
every POST). Bad input re-renders the page with the problems (status 400), never a 500.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from badger.achievements import service as achievements
from badger.bulk import service as bulk
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuers import service as issuers
from badger.programmes import endorsements, learners, pathways
from badger.programmes import service as programmes
from badger.web.auth import membership_required, render
from badger.web.current import badger_app
from badger.web.listing import csv_response, list_view
from badger.web.responses import is_uuid, uuid_or_404

__all__ = ["bp"]

bp = Blueprint("programmes", __name__, url_prefix="/dashboard/<slug>/programmes")


KIND_LABELS = {"session": _l("Session"), "webinar": _l("Webinar"), "roadmap": _l("Roadmap"), "other": _l("Other")}
RULE_LABELS = {"all": _l("All of them"), "n_of": _l("A number of them")}
PROBLEM_LABELS = {
    "roster.invalid_email": _l("invalid e-mail address"),
    "roster.missing_name": _l("the name is missing"),
    "roster.too_long": _l("the value is too long"),
    "roster.unknown_role": _l("unknown role"),
    "roster.duplicate": _l("this e-mail address is already on another line"),
    "attendance.not_on_roster": _l("not on the roster"),
}
FIELD_LABELS = {"email": _l("E-mail"), "name": _l("Name"), "organisation": _l("Organisation"), "role": _l("Role")}
# What a refused request means for the person filling the form.
ERRORS = {
    "csv.empty": _l("The CSV file is empty."),
    "csv.too_large": _l("The CSV file is too large."),
    "csv.encoding": _l("The CSV file must be UTF-8 text."),
    "csv.invalid": _l("This file is not a readable CSV file."),
    "csv.too_many_rows": _l("The CSV file has too many rows."),
    "csv.missing_columns": _l("The CSV file lacks a required column (email, name)."),
    "milestone.no_attendees": _l("Tick the participants who attended before confirming."),
    "programme.name_taken": _l("A programme with this name already exists."),
    "milestone.name_taken": _l("A milestone with this name already exists."),
    "pathway.exists": _l("This badge is already awarded by a pathway."),
    "pathway.too_few": _l("Choose at least two required badges."),
    "pathway.self_requirement": _l("A pathway cannot require itself."),
    "pathway.cycle": _l(
        "A required badge is itself a pathway that requires this badge: the two would wait for each other."
    ),
    "pathway.invalid_count": _l("The number of required badges is not valid."),
    "endorsement.missing_comment": _l("Write a comment for the endorsement."),
    "endorsement.exists": _l("Your partner already endorses it."),
    "endorsement.self": _l("A partner cannot endorse itself."),
    "endorsement.invalid_target": _l("Choose what you endorse."),
    "input.invalid_date": _l("A date is not valid (YYYY-MM-DD, the end after the start)."),
    "input.invalid_kind": _l("Choose a kind of milestone."),
    "achievement.draft": _l("This badge is a draft: publish it before issuing it."),
}


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("issuer") is not None:
        values["slug"] = g.issuer.slug


def _message(exc: BadgerError) -> str:
    return str(ERRORS.get(exc.code) or _("This could not be saved: check the form."))


def _page(template: str, status: int = 200, **context):
    role = g.get("role")
    return render(
        template,
        status,
        issuer=g.issuer,
        role=role,
        can_edit=role in ("issuer", "owner"),
        kind_labels=KIND_LABELS,
        rule_labels=RULE_LABELS,
        problem_labels=PROBLEM_LABELS,
        field_labels=FIELD_LABELS,
        **context,
    )


def _issuer(session):
    return issuers.get_issuer(session, g.issuer.slug)


def _published(session, issuer) -> list:
    return [a for a in achievements.list_achievements(session, issuer) if a.published]


# ------------------------------------------------------------------------------------ programmes


def _index(status: int = 200, error: str | None = None):
    with badger_app().transaction() as session:
        issuer = _issuer(session)
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "milestones": len(programmes.milestones(session, p)),
                "participants": len(programmes.participants(session, p)),
            }
            for p in programmes.list_programmes(session, issuer)
        ]
        context = dict(programmes=rows, error=error, default_roles=", ".join(programmes.DEFAULT_ROLES))
    # Rendered after the transaction: the dashboard layout opens its own (SQLite allows one writer).
    return _page("programmes/index.html", status, **context)


@bp.get("/")
@membership_required("viewer")
def index(slug):
    return _index()


@bp.post("/")
@membership_required("viewer", write="issuer")
def create(slug):
    app = badger_app()
    roles = [r.strip() for r in request.form.get("roles", "").split(",") if r.strip()]
    try:
        with app.transaction() as session:
            row = programmes.create_programme(
                app,
                session,
                _issuer(session),
                name=request.form.get("name", ""),
                description=request.form.get("description") or None,
                roles=roles or programmes.DEFAULT_ROLES,
                actor=current_user.actor,
            )
            programme_id = row.id
    except (InvalidInput, Conflict) as exc:
        return _index(400, _message(exc))
    flash(_("Programme created."), "success")
    return redirect(url_for("programmes.programme", programme_id=programme_id))


def _programme_page(programme_id: str, status: int = 200, **extra):
    app = badger_app()
    with app.transaction() as session:
        issuer = _issuer(session)
        programme = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
        ticked = programmes.attendance(session, programme)
        milestone_rows = []
        for m in programmes.milestones(session, programme):
            badge = achievements.get_achievement(session, m.achievement_id)
            milestone_rows.append(
                {
                    "id": m.id,
                    "name": m.name,
                    "kind": m.kind,
                    "starts_on": m.starts_on,
                    "ends_on": m.ends_on,
                    "place": m.place,
                    "badge": badge.name,
                    "attendees": sum(1 for mid, _p in ticked if mid == m.id),
                    "confirmed_at": m.confirmed_at,
                }
            )
        lst = _roster_list(programme.id)
        lst.fetch(lambda query: programmes.participant_page(session, programme, query))
        people = [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "role": p.role,
                "email": p.email,
                "milestones": sum(1 for _m, pid in ticked if pid == p.id),
            }
            for p in lst.page.rows
        ]
        context = dict(
            programme=programme,
            roles=programmes.roles_of(programme),
            milestones=milestone_rows,
            participants=people,
            lst=lst,
            sorts=list(ROSTER_SORTS.items()),
            badges=[{"id": a.id, "name": a.name} for a in _published(session, issuer)],
            kinds=programmes.KINDS,
            **extra,
        )
    # Rendered after the transaction: the dashboard layout opens its own (SQLite allows one writer).
    return _page("programmes/programme.html", status, **context)


@bp.get("/<programme_id>")
@membership_required("viewer")
def programme(slug, programme_id):
    return _programme_page(programme_id)


ROSTER_SORTS = {
    "name": _l("Name"),
    "organisation": _l("Organisation"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "added": _l("Added on"),
}


def _roster_list(programme_id: str):
    return list_view(
        "programmes.programme",
        sorts=tuple(ROSTER_SORTS),
        default_sort="name",
        default_desc=False,
        values={"programme_id": programme_id},
        export_endpoint="programmes.roster_csv",
    )


@bp.get("/<programme_id>/roster.csv")
@membership_required("viewer")
def roster_csv(slug, programme_id):
    """The whole roster (searched and sorted as on the page) as a CSV for spreadsheets, with
    the milestones each person attended."""
    app = badger_app()
    with app.transaction() as session:
        issuer = _issuer(session)
        programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
        lst = _roster_list(programme_row.id)
        page = programmes.participant_page(session, programme_row, lst.query.everything())
        ticked = programmes.attendance(session, programme_row)
        rows = [
            (
                p.name,
                p.email,
                p.organisation,
                p.role,
                sum(1 for _m, pid in ticked if pid == p.id),
                format_datetime(p.created_at, "short"),
            )
            for p in page.rows
        ]
        name = programme_row.id[:8]
    header = (_l("Name"), _l("E-mail"), _l("Organisation"), _l("Role"), _l("Milestones attended"), _l("Added on"))
    return csv_response(header, rows, f"badger-participants-{name}.csv")


@bp.post("/<programme_id>/milestones")
@membership_required("viewer", write="issuer")
def add_milestone(slug, programme_id):
    app = badger_app()
    form = request.form
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            programmes.add_milestone(
                app,
                session,
                issuer,
                programme_row,
                name=form.get("name", ""),
                kind=form.get("kind", ""),
                achievement_id=form.get("achievement", ""),
                starts_on=form.get("starts_on") or None,
                ends_on=form.get("ends_on") or None,
                place=form.get("place") or None,
                actor=current_user.actor,
            )
    except NotFound as exc:
        if exc.code == "programme.not_found":
            raise
        return _programme_page(programme_id, 400, milestone_error=_("Choose one of your published badges."))
    except (InvalidInput, Conflict) as exc:
        return _programme_page(programme_id, 400, milestone_error=_message(exc))
    flash(_("Milestone added."), "success")
    return redirect(url_for("programmes.programme", programme_id=programme_id))


@bp.post("/<programme_id>/roster")
@membership_required("viewer", write="issuer")
def import_roster(slug, programme_id):
    app = badger_app()
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            report = programmes.import_roster(app, session, issuer, programme_row, data, actor=current_user.actor)
    except InvalidInput as exc:
        return _programme_page(programme_id, 400, roster_error=_message(exc))
    if not report.ok:
        return _programme_page(programme_id, 400, roster_problems=report.problems)
    flash(
        _(
            "Roster imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("programmes.programme", programme_id=programme_id))


@bp.post("/<programme_id>/participants/<participant_id>/link")
@membership_required("viewer", write="issuer")
def learner_link(slug, programme_id, participant_id):
    """Show (and with ``rotate``, renew) the private page link of one participant."""
    app = badger_app()
    with app.transaction() as session:
        issuer = _issuer(session)
        programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
        person = next(
            (p for p in programmes.participants(session, programme_row) if p.id == uuid_or_404(participant_id)), None
        )
        if person is None:
            abort(404)
        if request.form.get("rotate"):
            url = learners.rotate(
                app, session, lookup=person.recipient_lookup, actor=current_user.actor, issuer_id=issuer.id
            )
            flash(_("A new link was made for %(name)s; the previous one no longer works.", name=person.name), "success")
        else:
            url = learners.send_link(app, session, email=person.email, issuer_id=issuer.id)
        name = person.name
    return _programme_page(programme_id, learner={"name": name, "url": url})


# ------------------------------------------------------------------------------------ attendance


def _milestone_page(programme_id: str, milestone_id: str, status: int = 200, **extra):
    app = badger_app()
    with app.transaction() as session:
        issuer = _issuer(session)
        programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
        milestone = programmes.get_milestone(session, programme_row, uuid_or_404(milestone_id))
        present = {p.id for p in programmes.attendees(session, milestone)}
        people = [
            {"id": p.id, "name": p.name, "organisation": p.organisation, "role": p.role, "present": p.id in present}
            for p in programmes.participants(session, programme_row)
        ]
        badge = achievements.get_achievement(session, milestone.achievement_id)
        job = None
        if milestone.last_job_id:
            job = _job(session, issuer, milestone.last_job_id)
        context = dict(
            programme=programme_row,
            milestone=milestone,
            participants=people,
            badge=badge,
            present_count=len(present),
            job=job,
            **extra,
        )
    # Rendered after the transaction: the dashboard layout opens its own (SQLite allows one writer).
    return _page("programmes/milestone.html", status, **context)


def _job(session, issuer, job_id: str):
    try:
        return bulk.job_progress(bulk.get_job(session, issuer, job_id))
    except BadgerError:
        return None


@bp.get("/<programme_id>/milestones/<milestone_id>")
@membership_required("viewer")
def milestone(slug, programme_id, milestone_id):
    return _milestone_page(programme_id, milestone_id)


@bp.post("/<programme_id>/milestones/<milestone_id>/attendance")
@membership_required("viewer", write="issuer")
def mark_attendance(slug, programme_id, milestone_id):
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            milestone_row = programmes.get_milestone(session, programme_row, uuid_or_404(milestone_id))
            present = {p.lower() for p in request.form.getlist("present") if is_uuid(p)}
            programmes.mark_attendance(
                app, session, issuer, programme_row, milestone_row, present, actor=current_user.actor
            )
    except InvalidInput:
        return _milestone_page(
            programme_id, milestone_id, 400, attendance_error=_("A ticked participant is not on the roster.")
        )
    flash(_("Attendance saved."), "success")
    return redirect(url_for("programmes.milestone", programme_id=programme_id, milestone_id=milestone_id))


@bp.post("/<programme_id>/milestones/<milestone_id>/attendance.csv")
@membership_required("viewer", write="issuer")
def import_attendance(slug, programme_id, milestone_id):
    app = badger_app()
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            milestone_row = programmes.get_milestone(session, programme_row, uuid_or_404(milestone_id))
            report = programmes.import_attendance(
                app, session, issuer, programme_row, milestone_row, data, actor=current_user.actor
            )
    except InvalidInput as exc:
        return _milestone_page(programme_id, milestone_id, 400, attendance_error=_message(exc))
    if not report.ok:
        return _milestone_page(programme_id, milestone_id, 400, attendance_problems=report.problems)
    flash(
        _(
            "Attendance imported: %(added)d ticked, %(unchanged)d already ticked.",
            added=report.created,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("programmes.milestone", programme_id=programme_id, milestone_id=milestone_id))


@bp.post("/<programme_id>/milestones/<milestone_id>/confirm")
@membership_required("viewer", write="issuer")
def confirm(slug, programme_id, milestone_id):
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = _issuer(session)
            programme_row = programmes.get_programme(session, issuer, uuid_or_404(programme_id))
            milestone_row = programmes.get_milestone(session, programme_row, uuid_or_404(milestone_id))
            programmes.confirm_milestone(app, session, issuer, programme_row, milestone_row, actor=current_user.actor)
    except (InvalidInput, Conflict) as exc:
        return _milestone_page(programme_id, milestone_id, 400, attendance_error=_message(exc))
    flash(_("Milestone confirmed: the badges are being issued to the attendees."), "success")
    return redirect(url_for("programmes.milestone", programme_id=programme_id, milestone_id=milestone_id))


# -------------------------------------------------------------------------------------- pathways


def _pathways_page(status: int = 200, *, chosen: str | None = None, **extra):
    """The pathways and the form for a new one, in two steps (no script needed): first the badge
    the pathway awards (badges already awarded by a pathway are not offered), then its required
    badges, among which neither that badge nor a pathway requiring it is offered."""
    with badger_app().transaction() as session:
        issuer = _issuer(session)
        rows, taken = [], set()
        for p in pathways.list_pathways(session, issuer):
            awarded = achievements.get_achievement(session, p.achievement_id)
            taken.add(p.achievement_id)
            required = pathways.requirements(session, p)
            rows.append(
                {
                    "id": p.id,
                    "name": awarded.name,
                    "rule": p.rule,
                    "required": p.required_count or len(required),
                    "total": len(required),
                    "requirements": [a.name for a in required],
                    "awards": len(pathways.awards(session, p)),
                }
            )
        published = _published(session, issuer)
        targets = [a for a in published if a.id not in taken]
        target = next((a for a in targets if a.id == chosen), None)
        candidates = pathways.requirement_choices(session, target.id, published) if target is not None else []
        context = dict(
            pathways=rows,
            badges=[{"id": a.id, "name": a.name} for a in targets],
            target={"id": target.id, "name": target.name} if target is not None else None,
            candidates=[{"id": a.id, "name": a.name} for a in candidates],
            **extra,
        )
    # Rendered after the transaction: the dashboard layout opens its own (SQLite allows one writer).
    return _page("programmes/pathways.html", status, **context)


@bp.get("/pathways")
@membership_required("viewer")
def pathways_index(slug):
    return _pathways_page(chosen=request.args.get("badge") or None)


@bp.post("/pathways")
@membership_required("viewer", write="issuer")
def create_pathway(slug):
    app = badger_app()
    form = request.form
    count = form.get("required_count", "").strip()
    try:
        with app.transaction() as session:
            pathways.create_pathway(
                app,
                session,
                _issuer(session),
                achievement_id=form.get("achievement", ""),
                requirement_ids=form.getlist("requirements"),
                rule=form.get("rule", "all"),
                required_count=int(count) if count.isdigit() else None,
                actor=current_user.actor,
            )
    except NotFound:
        return _pathways_page(400, chosen=form.get("achievement"), error=_("Choose one of your published badges."))
    except (InvalidInput, Conflict) as exc:
        return _pathways_page(400, chosen=form.get("achievement"), error=_message(exc))
    flash(_("Pathway created: the badge will be awarded automatically."), "success")
    return redirect(url_for("programmes.pathways_index"))


# ---------------------------------------------------------------------------------- endorsements


def _endorsements_page(status: int = 200, **extra):
    with badger_app().transaction() as session:
        issuer = _issuer(session)
        targets = []
        for other in issuers.list_issuers(session):
            if other.id == issuer.id:
                continue
            targets.append({"value": f"issuer:{other.slug}", "label": _("Partner: %(name)s", name=other.name)})
            for a in _published(session, other):
                targets.append({"value": f"achievement:{a.id}", "label": f"{other.name} — {a.name}"})
        context = dict(
            targets=targets,
            given=endorsements.given(session, issuer),
            received=endorsements.received(session, issuer),
            **extra,
        )
    # Rendered after the transaction: the dashboard layout opens its own (SQLite allows one writer).
    return _page("programmes/endorsements.html", status, **context)


@bp.get("/endorsements")
@membership_required("viewer")
def endorsements_index(slug):
    return _endorsements_page()


@bp.post("/endorsements")
@membership_required("viewer", write="issuer")
def endorse(slug):
    app = badger_app()
    kind, _sep, value = request.form.get("target", "").partition(":")
    try:
        with app.transaction() as session:
            endorsements.endorse(
                app,
                session,
                _issuer(session),
                comment=request.form.get("comment", ""),
                achievement_id=value if kind == "achievement" else None,
                issuer_slug=value if kind == "issuer" else None,
                actor=current_user.actor,
            )
    except NotFound:
        return _endorsements_page(400, error=_("Choose what you endorse."))
    except (InvalidInput, Conflict) as exc:
        return _endorsements_page(400, error=_message(exc))
    flash(_("Endorsement signed and published."), "success")
    return redirect(url_for("programmes.endorsements_index"))

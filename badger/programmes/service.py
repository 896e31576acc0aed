"""Programmes: milestones, rosters and attendance, and issuing a milestone's badge to everyone
who attended it.

A programme ("CEC Ouest 2023") belongs to one issuer. Its milestones (sessions, webinars, the
roadmap, other) each award one of the issuer's badge classes; its roles (dirigeant·e, Planet
Champion, coach, facilitateur·rice) qualify the participants of the roster.

Roster CSV: a header line then one participant per line, columns ``organisation``, ``name``,
``role``, ``email`` in any order (French headers ``structure``, ``nom``, ``rôle``, ``e-mail`` /
``courriel`` too; comma or semicolon separated; UTF-8, a BOM is fine). Every row is checked
(e-mail, name, role among the programme's roles, an e-mail twice in the file) and the import is
all or nothing: one bad row, nothing is written and every problem is reported with its line.
A participant is known by their e-mail (its keyed hash): re-importing updates their name,
organisation and role, never adds them twice.

Attendance is ticked per milestone (dashboard checkboxes) or imported from a CSV with an
``email`` column (participants of the roster only; all or nothing as well).

Confirming a milestone issues its badge to every attendee through the bulk machinery
(`badger.bulk.service.start` with one row per attendee, sorted by e-mail); the bulk service
issues nothing twice, so confirming again (or twice at the same moment) only issues to
attendees ticked since. Every change records an audit event in the same transaction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, overload

from badger.achievements.service import get_achievement
from badger.bulk import service as bulk
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.core.listing import ListQuery, Page
from badger.credentials.identity import normalise_email
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuance.issuing import recipient_lookup
from badger.issuers.models import Issuer
from badger.programmes import repository as repo
from badger.programmes.models import Milestone, Participant, Programme

__all__ = [
    "KINDS",
    "DEFAULT_ROLES",
    "RosterRow",
    "RosterProblem",
    "RosterReport",
    "create_programme",
    "get_programme",
    "list_programmes",
    "roles_of",
    "add_milestone",
    "milestone_awarded_date",
    "find_participant",
    "get_milestone",
    "milestones",
    "participants",
    "parse_roster",
    "import_roster",
    "attendance",
    "attendees",
    "mark_attendance",
    "import_attendance",
    "confirm_milestone",
    "MAX_ROWS",
]

KINDS = ("session", "webinar", "roadmap", "other")
DEFAULT_ROLES = ("dirigeant·e", "Planet Champion", "coach", "facilitateur·rice")
MAX_ROWS = 5000
MAX_CSV_BYTES = 2 * 1024 * 1024

_HEADERS = {
    "organisation": "organisation",
    "organization": "organisation",
    "structure": "organisation",
    "entreprise": "organisation",
    "name": "name",
    "nom": "name",
    "person": "name",
    "personne": "name",
    "role": "role",
    "rôle": "role",
    "email": "email",
    "e-mail": "email",
    "courriel": "email",
    "mail": "email",
}


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    name: str
    organisation: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RosterProblem:
    line: int
    field: str
    code: str  # roster.invalid_email, roster.missing_name, roster.unknown_role, roster.duplicate, ...
    value: str = ""


@dataclass
class RosterReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": [p.__dict__ for p in self.problems],
        }


@overload
def _text(value, what: str, limit: int, required: Literal[True] = ...) -> str: ...
@overload
def _text(value, what: str, limit: int, required: bool = ...) -> str | None: ...
def _text(value, what: str, limit: int, required: bool = True) -> str | None:
    if value is None or not str(value).strip():
        if required:
            raise InvalidInput(f"{what} is required", code=f"input.missing_{what}")
        return None
    value = str(value).replace("\t", " ").strip()
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", code=f"input.invalid_{what}")
    return value


# ------------------------------------------------------------------------------------ programmes


def create_programme(
    app: Badger,
    session: Session,
    issuer: Issuer,
    *,
    name: str,
    description: str | None = None,
    roles=DEFAULT_ROLES,
    actor: audit.Actor = audit.SYSTEM,
) -> Programme:
    """A new programme of ``issuer``. Raises InvalidInput, Conflict (name taken)."""
    name = _text(name, "name", 300)
    description = _text(description, "description", 5000, required=False)
    roles = [_text(r, "role", 100) for r in (roles or ())]
    if len(set(roles)) != len(roles):
        raise InvalidInput("a role is listed twice", code="input.invalid_role")
    if repo.programme_by_name(session, issuer.id, name) is not None:
        raise Conflict("a programme with this name exists", code="programme.name_taken")
    row = Programme(
        id=app.new_id(),
        issuer_id=issuer.id,
        name=name,
        description=description,
        roles=json.dumps(roles, ensure_ascii=False),
        created_at=app.clock(),
    )
    session.add(row)
    session.flush()
    audit.record(
        app, session, issuer_id=issuer.id, actor=actor, action="programme.create", target=row.id, detail={"name": name}
    )
    return row


def get_programme(session: Session, issuer: Issuer, programme_id: str) -> Programme:
    row = session.get(Programme, programme_id) if isinstance(programme_id, str) and programme_id else None
    if row is None or row.issuer_id != issuer.id:
        raise NotFound("no such programme", code="programme.not_found")
    return row


def find_programme(session: Session, issuer: Issuer, name: str) -> Programme | None:
    return repo.programme_by_name(session, issuer.id, name)


def list_programmes(session: Session, issuer: Issuer) -> list[Programme]:
    return repo.programmes_of(session, issuer.id)


def roles_of(programme: Programme) -> list[str]:
    return json.loads(programme.roles)


# ------------------------------------------------------------------------------------ milestones


def _date(value, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{what} must be a date (YYYY-MM-DD)", code="input.invalid_date") from None


def add_milestone(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    *,
    name: str,
    kind: str,
    achievement_id: str,
    starts_on=None,
    ends_on=None,
    place: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> Milestone:
    """A milestone of ``programme`` awarding the badge class ``achievement_id`` (the issuer's).
    Raises InvalidInput (kind, dates, name), NotFound (badge class), Conflict (name taken)."""
    if programme.issuer_id != issuer.id:
        raise NotFound("no such programme", code="programme.not_found")
    name = _text(name, "name", 300)
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", code="input.invalid_kind")
    achievement = get_achievement(session, achievement_id, issuer=issuer)
    starts, ends = _date(starts_on, "start date"), _date(ends_on, "end date")
    if starts and ends and ends < starts:
        raise InvalidInput("the end date is before the start date", code="input.invalid_date")
    if repo.milestone_by_name(session, programme.id, name) is not None:
        raise Conflict("a milestone with this name exists", code="milestone.name_taken")
    row = Milestone(
        id=app.new_id(),
        programme_id=programme.id,
        name=name,
        kind=kind,
        starts_on=starts,
        ends_on=ends,
        place=_text(place, "place", 200, required=False),
        achievement_id=achievement.id,
        position=len(repo.milestones_of(session, programme.id)),
    )
    session.add(row)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="milestone.create",
        target=row.id,
        detail={"programme": programme.id, "name": name, "achievement": achievement.id},
    )
    return row


def get_milestone(session: Session, programme: Programme, milestone_id: str) -> Milestone:
    row = session.get(Milestone, milestone_id) if isinstance(milestone_id, str) and milestone_id else None
    if row is None or row.programme_id != programme.id:
        raise NotFound("no such milestone", code="milestone.not_found")
    return row


def milestones(session: Session, programme: Programme) -> list[Milestone]:
    return repo.milestones_of(session, programme.id)


def find_milestone(session: Session, programme: Programme, name: str) -> Milestone | None:
    return repo.milestone_by_name(session, programme.id, name)


# ---------------------------------------------------------------------------------------- roster


PARTICIPANT_SORTS = tuple(repo.PARTICIPANT_SORTS)


def participant_page(session: Session, programme: Programme, query: ListQuery) -> Page:
    """One page of a programme's roster, searched in names, e-mail addresses and organisations,
    sorted by a key of PARTICIPANT_SORTS."""
    rows, total = repo.participant_page(
        session, programme.id, search=query.q, sort=query.sort, desc=query.desc, offset=query.offset, limit=query.limit
    )
    return Page(rows, total, query)


def participants(session: Session, programme: Programme) -> list[Participant]:
    return repo.participants_of(session, programme.id)


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not isinstance(data, (bytes, bytearray)) or not data.strip():
        raise InvalidInput("the CSV file is empty", code="csv.empty")
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput("the CSV file is too large", code="csv.too_large")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8 text", code="csv.encoding") from None
    if "\x00" in text:
        raise InvalidInput("the CSV file must be text", code="csv.encoding")
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InvalidInput(f"unreadable CSV: {exc}", code="csv.invalid") from None
    lines = [(n, row) for n, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise InvalidInput("the CSV file is empty", code="csv.empty")
    header = [_HEADERS.get(cell.strip().lower()) or cell.strip().lower() for cell in lines[0][1]]
    if len(lines) - 1 > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} rows per file", code="csv.too_many_rows")
    return header, lines[1:]


def parse_roster(data: bytes, roles=None) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Rows and per-row problems of a roster CSV (module docstring). Raises InvalidInput for a
    file that is not a readable CSV with at least the ``email`` and ``name`` columns."""
    header, lines = _read_csv(data)
    if "email" not in header or "name" not in header:
        raise InvalidInput(
            "the roster needs the columns email and name (and organisation, role)", code="csv.missing_columns"
        )
    rows: list[RosterRow]
    problems: list[RosterProblem]
    seen: dict[str, int]
    rows, problems, seen = [], [], {}
    for number, cells in lines:
        values = {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(header)}
        problem_count = len(problems)
        try:
            email = normalise_email(values.get("email", ""))
        except BadgerError:
            problems.append(RosterProblem(number, "email", "roster.invalid_email", values.get("email", "")))
            email = None
        name = values.get("name", "").replace("\t", " ")
        if not name:
            problems.append(RosterProblem(number, "name", "roster.missing_name"))
        elif len(name) > 300:
            problems.append(RosterProblem(number, "name", "roster.too_long", name[:40]))
        organisation = values.get("organisation", "").replace("\t", " ") or None
        if organisation and len(organisation) > 300:
            problems.append(RosterProblem(number, "organisation", "roster.too_long", organisation[:40]))
        role = values.get("role", "") or None
        if role is not None and roles is not None and role not in roles:
            problems.append(RosterProblem(number, "role", "roster.unknown_role", role[:100]))
        if email is not None:
            if email in seen:
                problems.append(RosterProblem(number, "email", "roster.duplicate", str(seen[email])))
            else:
                seen[email] = number
        if len(problems) == problem_count:
            assert email is not None  # an unreadable e-mail added a problem
            rows.append(RosterRow(number, email, name, organisation, role))
    return rows, problems


def import_roster(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    data: bytes,
    *,
    actor: audit.Actor = audit.SYSTEM,
    dry_run: bool = False,
) -> RosterReport:
    """Import (or preview, ``dry_run``) a roster CSV: all rows or none (module docstring).
    -> the report (created / updated / unchanged, problems). Raises InvalidInput for an
    unreadable file."""
    if programme.issuer_id != issuer.id:
        raise NotFound("no such programme", code="programme.not_found")
    rows, problems = parse_roster(data, roles_of(programme))
    report = RosterReport(rows=rows, problems=problems)
    if problems:
        return report
    now = app.clock()
    for row in rows:
        lookup = recipient_lookup(app, row.email)
        existing = repo.participant_by_lookup(session, programme.id, lookup)
        if existing is None:
            report.created += 1
            if not dry_run:
                session.add(
                    Participant(
                        id=app.new_id(),
                        programme_id=programme.id,
                        recipient_lookup=lookup,
                        email=row.email,
                        name=row.name,
                        organisation=row.organisation,
                        role=row.role,
                        created_at=now,
                        updated_at=now,
                    )
                )
        elif (existing.name, existing.organisation, existing.role, existing.email) != (
            row.name,
            row.organisation,
            row.role,
            row.email,
        ):
            report.updated += 1
            if not dry_run:
                existing.name, existing.organisation, existing.role = row.name, row.organisation, row.role
                existing.email, existing.updated_at = row.email, now
        else:
            report.unchanged += 1
    if not dry_run:
        session.flush()
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="roster.import",
            target=programme.id,
            detail={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    return report


# ------------------------------------------------------------------------------------ attendance


def attendance(session: Session, programme: Programme) -> set[tuple[str, str]]:
    """{(milestone id, participant id)} ticked."""
    return repo.attendance_of(session, programme.id)


def attendees(session: Session, milestone: Milestone) -> list[Participant]:
    return repo.attendees(session, milestone.id)


def mark_attendance(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    milestone: Milestone,
    present_ids,
    *,
    actor: audit.Actor = audit.SYSTEM,
) -> dict:
    """Make the attendance of ``milestone`` exactly ``present_ids`` (participant ids of the
    programme: the ticked checkboxes). Credentials already issued are not taken back.
    -> {"added", "removed"}. Raises InvalidInput for a participant not on the roster."""
    if programme.issuer_id != issuer.id or milestone.programme_id != programme.id:
        raise NotFound("no such milestone", code="milestone.not_found")
    roster = {p.id for p in repo.participants_of(session, programme.id)}
    present = set(present_ids or ())
    if not present <= roster:
        raise InvalidInput("a ticked participant is not on the roster", code="attendance.unknown_participant")
    current = {p.id for p in repo.attendees(session, milestone.id)}
    now = app.clock()
    added = repo.set_attendance(session, milestone.id, present - current, present=True, at=now, by=actor.id)
    removed = repo.set_attendance(session, milestone.id, current - present, present=False, at=now, by=actor.id)
    if added or removed:
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="attendance.mark",
            target=milestone.id,
            detail={"added": added, "removed": removed},
        )
    return {"added": added, "removed": removed}


def import_attendance(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    milestone: Milestone,
    data: bytes,
    *,
    actor: audit.Actor = audit.SYSTEM,
) -> RosterReport:
    """Tick the participants listed in a CSV with an ``email`` column (added to the current
    attendance; all rows or none). -> report (``created`` = newly ticked, ``unchanged`` = already
    ticked, problems per line: invalid e-mail, not on the roster, twice in the file)."""
    if programme.issuer_id != issuer.id or milestone.programme_id != programme.id:
        raise NotFound("no such milestone", code="milestone.not_found")
    header, lines = _read_csv(data)
    if "email" not in header:
        raise InvalidInput("the attendance file needs an email column", code="csv.missing_columns")
    index = header.index("email")
    report, seen, ids = RosterReport(), set(), set()
    for number, cells in lines:
        raw = cells[index].strip() if index < len(cells) else ""
        try:
            email = normalise_email(raw)
        except BadgerError:
            report.problems.append(RosterProblem(number, "email", "roster.invalid_email", raw[:320]))
            continue
        if email in seen:
            report.problems.append(RosterProblem(number, "email", "roster.duplicate", email))
            continue
        seen.add(email)
        participant = repo.participant_by_lookup(session, programme.id, recipient_lookup(app, email))
        if participant is None:
            report.problems.append(RosterProblem(number, "email", "attendance.not_on_roster", email))
            continue
        ids.add(participant.id)
    if report.problems:
        return report
    current = {p.id for p in repo.attendees(session, milestone.id)}
    report.unchanged = len(ids & current)
    report.created = repo.set_attendance(
        session, milestone.id, ids - current, present=True, at=app.clock(), by=actor.id
    )
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="attendance.import",
        target=milestone.id,
        detail={"added": report.created, "unchanged": report.unchanged},
    )
    return report


def find_participant(app: Badger, session: Session, programme: Programme, email: str) -> Participant | None:
    """The roster entry of this e-mail address in the programme, if any."""
    return repo.participant_by_lookup(session, programme.id, recipient_lookup(app, email))


def milestone_awarded_date(milestone: Milestone) -> str | None:
    """The awardedDate of a milestone's badge: the day it ended (its only day, if one), as
    `issuing.awarded_date` reads a date; None when the milestone has no date."""
    day = milestone.ends_on or milestone.starts_on
    return day.isoformat() if day is not None else None


def confirm_milestone(
    app: Badger,
    session: Session,
    issuer: Issuer,
    programme: Programme,
    milestone: Milestone,
    *,
    actor: audit.Actor = audit.SYSTEM,
):
    """Issue the milestone's badge to every attendee through the bulk service; -> the bulk Job
    (it runs after the caller commits). Idempotent: the bulk service skips attendees who already
    hold the badge. Raises InvalidInput (nobody ticked), NotFound."""
    if programme.issuer_id != issuer.id or milestone.programme_id != programme.id:
        raise NotFound("no such milestone", code="milestone.not_found")
    people = repo.attendees(session, milestone.id)
    if not people:
        raise InvalidInput("tick the participants who attended before confirming", code="milestone.no_attendees")
    # Sorted by e-mail: concurrent jobs of two milestones then lock learners in the same order.
    awarded = milestone_awarded_date(milestone)
    rows = [
        bulk.BulkRow(email=p.email, name=p.name, line=n, awarded_date=awarded)
        for n, p in enumerate(sorted(people, key=lambda p: p.email), start=1)
    ]
    job = bulk.start(
        app,
        session,
        issuer,
        milestone.achievement_id,
        rows,
        actor=actor,
        notify=True,
        source=f"milestone:{milestone.id}",
    )
    milestone.confirmed_at = app.clock()
    milestone.last_job_id = job.id
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="milestone.confirm",
        target=milestone.id,
        detail={"attendees": len(rows), "job": milestone.last_job_id},
    )
    return job

"""Bulk issuance from a CSV file: parse, check (dry run), and run as a job.

The database is the source of truth (badger.bulk.models). ``start()`` stores the job and
one row per line in the caller's transaction; runners (badger.bulk.runner: a thread of the
web or CLI process, or ``badger worker``) then take chunks of pending rows and, in ONE
transaction per chunk, issue those credentials and mark the rows done with their credential
ids. A runner killed in the middle loses its uncommitted chunk entirely, and the rows are
pending again for whoever comes next: nothing is lost, nothing is issued twice.

One holder per badge class, across re-runs and concurrent jobs, is a database guarantee, not
only a pre-check: every credential issued here carries the idempotency key
``bulk:<achievement id>:<recipient lookup>`` (the keyed hash of the normalised e-mail), and
``credentials`` has a unique constraint on (issuer_id, idempotency_key). Two jobs racing for
the same recipient: the second insert waits for the first transaction and then fails on the
constraint; that row is recorded as skipped. We do not rely on issuing.issue's own answer to a
reused key, because it compares a fingerprint of the whole request (name, evidence): the same
person with their name spelt differently in a second file is still the same holder, so it must
be "skipped", not a conflict (and not a second credential). Within a chunk, rows are issued in
the order of their keys, so two transactions wait on each other's keys in one direction only
(no deadlock between jobs).

Anyone who already has a credential of this badge class is skipped, whatever its status: a
revoked one too, because re-running an old file must not undo a revocation (issue it again one
at a time if that is really meant).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import cast

from email_validator import EmailNotValidError, validate_email

from badger.achievements.service import get_achievement
from badger.bulk import repository as repo
from badger.bulk.models import Job, JobRow
from badger.core import audit, queue
from badger.core.app import Badger
from badger.core.csv_export import csv_chunks
from badger.core.db import Session, on_commit, savepoint
from badger.core.listing import ListQuery, Page
from badger.credentials.identity import normalise_email
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuance import repository as store_repo
from badger.issuers.models import Issuer

__all__ = [
    "BulkRow",
    "Problem",
    "DryRun",
    "DryRunRow",
    "parse_csv",
    "dry_run",
    "start",
    "get_job",
    "list_jobs",
    "job_progress",
    "job_rows",
    "result_csv",
    "report",
    "run_chunk",
    "fail_next_row",
    "finish",
    "fail",
    "Careful",
    "idempotency_key",
    "MAX_BYTES",
    "MAX_ROWS",
    "CHUNK_SIZE",
    "RESULT_COLUMNS",
]

log = logging.getLogger("badger.jobs")

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
TASK = "bulk.run"  # the queue task that runs a job (registered in badger.application.wire)
RQ_JOB_TIMEOUT = 900  # RQ's own limit for one message (above runner.STEP_BUDGET + one chunk)
# Rows per transaction. Each chunk pays fixed queries (claim, holders, used keys, one status
# counter step per list, counters, commit), so bigger chunks cost less a row; runners sharing a
# job never clash (a status list gives each position once) and never wait for each other's
# chunks. 500 rows is about half a second of work: a killed runner loses little, a job's
# progress moves often, and a 10,000-row job still has 20 chunks to share between workers.
CHUNK_SIZE = 500
MAX_NAME, MAX_NARRATIVE, MAX_URL = 300, 5000, 2000
RESULT_COLUMNS = ("line", "email", "name", "outcome", "credential_url", "problem")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")
_DELIMITERS = (",", ";", "\t")
# A file without a header has these columns; ``awarded_date`` needs a header (below).
_COLUMNS = ("email", "name", "evidence_url", "narrative")
# Header names recognised, in French and English, after _header_key() (lower case, no accents,
# spaces and dashes as "_").
_HEADERS = {
    "email": {
        "email",
        "e_mail",
        "mail",
        "courriel",
        "adresse_email",
        "adresse_e_mail",
        "adresse_mail",
        "adresse_courriel",
        "adresse_electronique",
        "email_address",
        "recipient_email",
    },
    "name": {
        "name",
        "nom",
        "nom_complet",
        "full_name",
        "display_name",
        "recipient_name",
        "nom_prenom",
        "prenom_nom",
        "titulaire",
        "apprenant",
        "apprenante",
        "learner",
    },
    "first_name": {"prenom", "first_name", "given_name", "firstname"},
    "last_name": {"nom_de_famille", "last_name", "family_name", "surname", "lastname"},
    "evidence_url": {
        "evidence_url",
        "evidence",
        "evidence_link",
        "preuve",
        "url_preuve",
        "preuve_url",
        "lien_preuve",
        "lien_de_la_preuve",
        "url",
    },
    "narrative": {
        "narrative",
        "recit",
        "evidence_narrative",
        "narration",
        "commentaire",
        "comment",
        "description_preuve",
        "recit_preuve",
    },
    # OB 3.0 awardedDate: YYYY-MM-DD or a date-time with a timezone.
    "awarded_date": {"awarded_date", "awarded_on", "awardeddate", "date_obtention", "obtenu_le", "date_d_obtention"},
}
_HEADER_OF = {name: column for column, names in _HEADERS.items() for name in names}


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class BulkRow:
    """One recipient line of the file. ``line`` is the 1-based line number where it starts."""

    email: str
    name: str | None
    evidence_url: str | None = None
    narrative: str | None = None
    line: int = 0
    awarded_date: str | None = None


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM; UTF-16 with BOM (spreadsheets' "Unicode text"); else
    Windows-1252, what French spreadsheets export as "CSV"."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput("the file is not readable text (bad UTF-16)", code="bulk.encoding") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidInput("the file is neither UTF-8 nor Windows-1252 text", code="bulk.encoding") from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the first non-blank line: the most frequent of , ; tab outside quotes
    (comma when there is none: a file of e-mails only)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_key(cell: str) -> str:
    folded = unicodedata.normalize("NFKD", cell.strip().lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[\s\-.']+", "_", folded).strip("_")


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is a header row, else None. Raises InvalidInput for a
    header with unknown or repeated columns, or without an e-mail column."""
    if any("@" in cell for cell in cells):
        return None
    keys = [_header_key(cell) for cell in cells]
    if not any(key in _HEADER_OF for key in keys):
        return None
    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        column = _HEADER_OF.get(key)
        if column is None:
            raise InvalidInput(
                f"line 1: unknown column {cells[index].strip()!r}; the columns are email, name, "
                "evidence_url, narrative, awarded_date (or courriel, nom, preuve, recit, date_obtention)",
                code="bulk.unknown_column",
            )
        if column in positions:
            raise InvalidInput(f"line 1: column {cells[index].strip()!r} appears twice", code="bulk.duplicate_column")
        positions[column] = index
    if "email" not in positions:
        raise InvalidInput("line 1: the header has no e-mail column (email or courriel)", code="bulk.missing_column")
    if "name" in positions and ("first_name" in positions or "last_name" in positions):
        # "Prénom;Nom;Courriel": "nom" is then the family name.
        positions["last_name"] = positions.pop("name")
    return positions


def _cell(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    value = cells[index].strip()
    return value or None


def parse_csv(data: bytes) -> list[BulkRow]:
    """The recipients of a CSV file: ``email,name[,evidence_url,narrative]``.

    Input: the file's bytes (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252), ``,``
    ``;`` or tab separated, with an optional header row (English or French names: email/e-mail/
    courriel, name/nom (or prénom + nom), evidence_url/preuve, narrative/récit). Blank lines are
    ignored. Output: one BulkRow per recipient line, with its line number. Raises InvalidInput
    (codes ``bulk.*``, message with the line number) for a file over 10 MB or 50,000 rows, an
    unreadable encoding, broken quoting, unknown header columns or too many columns; the rows'
    own problems (bad e-mail, missing name...) are for dry_run() to report, line by line."""
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("the CSV file must be bytes", code="bulk.invalid_file")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", code="bulk.too_large")
    text = _decode(bytes(data))
    if "\x00" in text:
        raise InvalidInput("the file contains NUL characters: is it really a CSV file?", code="bulk.invalid_file")
    if not text.strip():
        raise InvalidInput("the file is empty", code="bulk.empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True)
    rows: list[BulkRow] = []
    positions: dict[str, int] | None = None
    first = True
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidInput(f"line {previous_end + 1}: {exc}", code="bulk.malformed_csv") from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank line, or a line of empty cells (";;;" from a spreadsheet)
        if first:
            first = False
            positions = _header(cells)
            if positions is not None:
                continue
            positions = {column: index for index, column in enumerate(_COLUMNS)}
            header_less = True
        else:
            header_less = positions == {column: index for index, column in enumerate(_COLUMNS)}
        assert positions is not None  # set on the first non-blank line
        used = max(positions.values()) + 1
        if len(cells) > used and any(cell.strip() for cell in cells[used:]):
            expected = "email, name, evidence_url, narrative" if header_less else "the header's"
            raise InvalidInput(f"line {line}: {len(cells)} columns, more than {expected}", code="bulk.too_many_columns")
        name = _cell(cells, positions.get("name"))
        if name is None and ("first_name" in positions or "last_name" in positions):
            parts = [_cell(cells, positions.get("first_name")), _cell(cells, positions.get("last_name"))]
            name = " ".join(part for part in parts if part) or None
        rows.append(
            BulkRow(
                email=_cell(cells, positions["email"]) or "",
                name=name,
                evidence_url=_cell(cells, positions.get("evidence_url")),
                narrative=_cell(cells, positions.get("narrative")),
                line=line,
                awarded_date=_cell(cells, positions.get("awarded_date")),
            )
        )
        if len(rows) > MAX_ROWS:
            raise InvalidInput(
                f"line {line}: more than {MAX_ROWS:,} rows; split the file".replace(",", " "), code="bulk.too_many_rows"
            )
    if not rows:
        raise InvalidInput("the file has no recipient rows", code="bulk.empty")
    return rows


# ---------------------------------------------------------------------------------------------
# Checking rows


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass
class DryRunRow:
    line: int
    email: str
    name: str | None
    outcome: str  # "issue", "skip" (duplicate, already holds it) or "error" (would fail)
    problems: list[Problem] = field(default_factory=list)
    credential_id: str | None = None  # the credential already held

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "email": self.email,
            "name": self.name,
            "outcome": self.outcome,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class DryRun:
    """What start() would do with these rows, row by row, writing nothing."""

    achievement_id: str
    rows: list[DryRunRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ok_count(self) -> int:
        """Rows that would be issued."""
        return sum(1 for r in self.rows if r.outcome == "issue")

    @property
    def skip_count(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "skip")

    @property
    def error_count(self) -> int:
        """Rows that would fail (invalid e-mail, missing name, bad evidence URL...)."""
        return sum(1 for r in self.rows if r.outcome == "error")

    def as_dict(self) -> dict:
        return {
            "dryRun": True,
            "achievement": self.achievement_id,
            "total": self.total,
            "ok": self.ok_count,
            "skipped": self.skip_count,
            "errors": self.error_count,
            "rows": [r.as_dict() for r in self.rows if r.problems],
        }


def _row_problems(row: BulkRow) -> list[Problem]:
    """What is wrong with the row itself (no database needed)."""
    problems = []
    email = row.email or ""
    if not email:
        problems.append(Problem("bulk.missing_email", "the e-mail is missing"))
    else:
        try:
            _validate_email(email)
            normalise_email(email)  # and what the credential's identity hash accepts
        except EmailNotValidError as exc:
            problems.append(Problem("bulk.invalid_email", f"invalid e-mail: {exc}"))
        except InvalidInput as exc:
            problems.append(Problem("bulk.invalid_email", f"invalid e-mail: {exc}"))
    if not row.name:
        problems.append(Problem("bulk.missing_name", "the name is missing"))
    elif len(row.name) > MAX_NAME or _CONTROL.search(row.name):
        problems.append(Problem("bulk.invalid_name", f"the name must be text of at most {MAX_NAME} characters"))
    if row.evidence_url and (len(row.evidence_url) > MAX_URL or not _HTTP_URL.fullmatch(row.evidence_url)):
        problems.append(Problem("bulk.invalid_evidence_url", "the evidence must be an http(s) URL"))
    if row.narrative and (len(row.narrative) > MAX_NARRATIVE or _CONTROL.search(row.narrative)):
        problems.append(
            Problem("bulk.invalid_narrative", f"the narrative must be text of at most {MAX_NARRATIVE} characters")
        )
    if row.awarded_date:
        try:
            issuing.awarded_date(row.awarded_date)
        except InvalidInput:
            problems.append(Problem("bulk.invalid_awarded_date", "the awarded date must be YYYY-MM-DD"))
    return problems


# A plain ASCII dot-atom local part: a subset of what email_validator accepts (RFC 5322 §3.2.3
# atext, dots between atoms). An address made of such a local part and a domain email_validator
# accepted already is accepted without running it again (see _validate_email).
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")


@lru_cache(maxsize=1024)
def _domain_accepted(domain: str) -> bool:
    try:
        validate_email(f"postmaster@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _validate_email(email: str) -> None:
    """email_validator's syntax check (no DNS lookups), with its domain check done once per
    domain: a cohort's ten thousand addresses share a handful of domains, and checking a domain
    (IDNA, special-use names) is most of its cost. The domain check does not depend on the local
    part; an address that is not plainly ASCII, too long, or on a domain refused goes through
    the whole check, which gives the message. Raises EmailNotValidError."""
    local, at, domain = email.rpartition("@")
    if at and len(local) <= 64 and len(email) <= 254 and _PLAIN_LOCAL.fullmatch(local) and _domain_accepted(domain):
        return
    validate_email(email, check_deliverability=False)


def _held_problem(status: str) -> Problem:
    if status == "revoked":
        return Problem("bulk.revoked", "this person's credential of this badge class was revoked: not issued again")
    if status == "suspended":
        return Problem("bulk.already_holds", "this person already holds this badge (suspended)")
    return Problem("bulk.already_holds", "this person already holds this badge")


def _check(app: Badger, rows: list[BulkRow]) -> list[tuple[BulkRow, list[Problem], str | None, int | None]]:
    """(row, problems, recipient lookup, line of the first occurrence when a duplicate)."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        problems = _row_problems(row)
        lookup = first = None
        if not any(p.code in ("bulk.missing_email", "bulk.invalid_email") for p in problems):
            lookup = issuing.recipient_lookup(app, row.email)
        if lookup is not None and not problems:  # an invalid row does not hide a later valid one
            first = seen.setdefault(lookup, row.line)
            if first == row.line:
                first = None
        out.append((row, problems, lookup, first))
    return out


def _check_size(rows) -> list[BulkRow]:
    rows = list(rows)
    if not rows:
        raise InvalidInput("there are no rows to issue", code="bulk.empty")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"more than {MAX_ROWS} rows; split the file", code="bulk.too_many_rows")
    if not all(isinstance(row, BulkRow) for row in rows):
        raise InvalidInput("rows must be BulkRow values", code="bulk.invalid_rows")
    lines = [row.line for row in rows]
    if len(set(lines)) != len(lines) or not all(isinstance(n, int) and n > 0 for n in lines):
        # Rows built by a program rather than parse_csv(): number them in order.
        rows = [replace(row, line=n) for n, row in enumerate(rows, start=1)]
    return rows


def dry_run(app: Badger, session: Session, issuer: Issuer, achievement_id: str, rows) -> DryRun:
    """Every row's problems, writing nothing: invalid e-mail (syntax, no DNS), missing name, bad
    evidence URL, e-mail repeated in the file, person already holding this badge (any status).
    Raises NotFound when the badge class is not ``issuer``'s, InvalidInput for no/too many rows."""
    achievement = get_achievement(session, achievement_id, issuer=issuer)
    checked = _check(app, _check_size(rows))
    held = repo.holders(session, achievement.id, [lookup for _, _, lookup, _ in checked if lookup])
    out = []
    for row, problems, lookup, first in checked:
        if problems:
            outcome = "error"
        elif first is not None:
            outcome = "skip"
            problems = [Problem("bulk.duplicate_email", f"the same e-mail as line {first}")]
        elif lookup in held:
            outcome = "skip"
            problems = [_held_problem(held[lookup][1])]
        else:
            outcome = "issue"
        out.append(
            DryRunRow(
                line=row.line,
                email=row.email,
                name=row.name,
                outcome=outcome,
                problems=problems,
                credential_id=held[lookup][0] if lookup in held else None,
            )
        )
    return DryRun(achievement_id=achievement.id, rows=out)


# ---------------------------------------------------------------------------------------------
# Jobs


def idempotency_key(achievement_id: str, lookup: str) -> str:
    """The key a bulk-issued credential carries: one per (badge class, normalised e-mail)."""
    return f"bulk:{achievement_id}:{lookup}"


def start(
    app: Badger,
    session: Session,
    issuer: Issuer,
    achievement_id: str,
    rows,
    *,
    actor: audit.Actor,
    notify: bool = False,
    source: str | None = None,
    dispatch: bool = True,
) -> Job:
    """Store a bulk issuance job in the caller's transaction and, once that commits, hand it to
    the runners (badger.bulk.runner: a thread here, or the workers when BADGER_QUEUE_URL is
    set). ``dispatch=False`` leaves the running to the caller (the CLI runs it synchronously
    with jobs.run()). Rows that cannot be issued (invalid e-mail, missing name...) are failed
    at once, repeated e-mails skipped; the rest are pending. Idempotent: re-running the same
    rows issues nothing twice (they end "skipped"). Recorded as ``bulk.start`` by ``actor``.
    Raises NotFound (badge class not ``issuer``'s), InvalidInput (no rows, more than 50,000)."""
    achievement = get_achievement(session, achievement_id, issuer=issuer)
    checked = _check(app, _check_size(rows))
    now = app.clock()
    job = Job(
        id=app.new_id(),
        issuer_id=issuer.id,
        kind="bulk_issue",
        achievement_id=achievement.id,
        state="queued",
        total=len(checked),
        done=0,
        issued=0,
        skipped=0,
        failed=0,
        notify=bool(notify),
        actor=actor.id,
        actor_label=actor.label,
        source=(source or "")[:300] or None,
        created_at=now,
    )
    values = []
    for row, problems, lookup, first in checked:
        value = {
            "job_id": job.id,
            "line": row.line,
            "email": row.email[:320],
            "name": row.name,
            "evidence_url": row.evidence_url,
            "narrative": row.narrative,
            "awarded_date": row.awarded_date,
            "recipient_lookup": lookup,
            "state": "pending",
            "outcome": None,
            "credential_id": None,
            "problem_code": None,
            "problem": None,
        }
        if problems:
            value.update(
                state="done",
                outcome="failed",
                problem_code=problems[0].code,
                problem="; ".join(p.message for p in problems),
            )
            job.failed += 1
        elif first is not None:
            value.update(
                state="done",
                outcome="skipped",
                problem_code="bulk.duplicate_email",
                problem=f"the same e-mail as line {first}",
            )
            job.skipped += 1
        values.append(value)
    job.done = job.failed + job.skipped
    repo.add_job(session, job)
    repo.add_rows(session, values)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="bulk.start",
        target=job.id,
        detail={"achievement": achievement.id, "rows": job.total, "source": job.source},
    )
    if dispatch:
        job_id = job.id
        on_commit(session, lambda: dispatch_job(app, job_id))
    return job


def dispatch_job(app: Badger, job_id: str) -> None:
    """Hand a committed job to the runners (the task TASK, badger.bulk.runner.run_task):
    ``settings.bulk_runners`` queue messages when BADGER_QUEUE_URL is set (that many workers may
    share the job's chunks), else a thread of this process.
    Never raises: a job that could not be handed over is found again in the database
    (runner.resume, and the worker's periodic look for abandoned jobs)."""
    try:
        queue.submit(
            app,
            TASK,
            job_id,
            copies=app.settings.bulk_runners,
            timeout=RQ_JOB_TIMEOUT,
            description=f"bulk job {job_id}",
        )
    except Exception:  # Redis away, or anything else: the database has the job
        log.exception("job %s could not be dispatched now; it will be resumed from the database", job_id)


def get_job(session: Session, issuer: Issuer, job_id: str) -> Job:
    """The job, if it is ``issuer``'s (NotFound otherwise, like another partner's resources)."""
    job = repo.job(session, job_id) if isinstance(job_id, str) and 0 < len(job_id) <= 36 else None
    if job is None or job.issuer_id != issuer.id:
        raise NotFound("no such job", code="job.not_found")
    return job


def list_jobs(session: Session, issuer: Issuer, *, limit: int = 50, offset: int = 0) -> list[Job]:
    """The issuer's jobs, newest first."""
    return repo.jobs_of(session, issuer.id, limit=limit, offset=offset)


JOB_SORTS = tuple(repo.JOB_SORTS)


def job_page(session: Session, issuer: Issuer, query: ListQuery) -> Page:
    """One page of the issuer's jobs as (job, badge class name), searched in the file name, the
    badge class and who started it, sorted by a key of JOB_SORTS."""
    rows, total = repo.job_page(
        session, issuer.id, search=query.q, sort=query.sort, desc=query.desc, offset=query.offset, limit=query.limit
    )
    return Page(rows, total, query)


def job_progress(job: Job) -> dict:
    """{state: queued|running|done|failed, total, done, issued, skipped, failed, percent}."""
    percent = round(100.0 * job.done / job.total, 1) if job.total else 100.0
    return {
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "issued": job.issued,
        "skipped": job.skipped,
        "failed": job.failed,
        "percent": percent,
    }


def _credential_url(base: str | None, credential_id: str | None) -> str | None:
    return f"{base}/credentials/{credential_id}" if base and credential_id else None


def _base_url(session: Session, job: Job, app: Badger | None) -> str | None:
    if app is not None:
        return app.base_url
    # Without the container: the origin the badge class was published under.
    achievement = get_achievement(session, job.achievement_id, drafts=True)
    return achievement.document and _origin_of(achievement.document)


def _origin_of(document: str) -> str | None:
    match = re.search(r'"id"\s*:\s*"([^"]+)/achievements/[^"/]+"', document)
    return match.group(1) if match else None


def _row_dict(row: JobRow, base: str | None) -> dict:
    return {
        "line": row.line,
        "email": row.email,
        "name": row.name,
        "outcome": row.outcome or "pending",
        "credentialId": row.credential_id,
        "credentialUrl": _credential_url(base, row.credential_id),
        "problem": {"code": row.problem_code, "message": row.problem} if row.problem_code else None,
    }


def job_rows(
    session: Session,
    job: Job,
    *,
    offset: int = 0,
    limit: int = 100,
    outcome: str | None = None,
    app: Badger | None = None,
) -> tuple[list[dict], int]:
    """(one page of per-row results in file order, number of rows matching ``outcome``)."""
    base = _base_url(session, job, app)
    rows = repo.rows_of(session, job.id, offset=offset, limit=limit, outcome=outcome)
    return [_row_dict(row, base) for row in rows], repo.count_rows(session, job.id, outcome=outcome)


def result_csv(session: Session, job: Job, app: Badger | None = None) -> Iterator[str]:
    """The job's per-row results as CSV text, in chunks (streams large jobs):
    line,email,name,outcome,credential_url,problem (outcome: issued, skipped, failed, pending)."""
    base = _base_url(session, job, app)
    return csv_chunks(
        RESULT_COLUMNS,
        (
            (
                row.line,
                row.email,
                row.name,
                row.outcome or "pending",
                _credential_url(base, row.credential_id),
                row.problem,
            )
            for row in repo.iter_rows(session, job.id)
        ),
    )


def report(session: Session, job: Job) -> dict:
    """The CLI's report: {job, state, total, issued, skipped, failed, errors: [{line, email,
    problems}]} (errors are the failed rows)."""
    errors = []
    offset = 0
    while True:
        rows = repo.rows_of(session, job.id, offset=offset, limit=1000, outcome="failed")
        errors += [
            {"line": r.line, "email": r.email, "problems": [{"code": r.problem_code, "message": r.problem}]}
            for r in rows
        ]
        if len(rows) < 1000:
            break
        offset += 1000
    progress = job_progress(job)
    return {
        "job": job.id,
        "state": progress["state"],
        "total": job.total,
        "issued": job.issued,
        "skipped": job.skipped,
        "failed": job.failed,
        "errors": errors,
    }


# ---------------------------------------------------------------------------------------------
# One step of a job (called by badger.bulk.runner in its own transaction)


@dataclass
class _Outcomes:
    """What became of each row of a chunk; applied to the rows at the end of the chunk, so that
    their UPDATEs go to the database in one batch rather than one per row."""

    rows: dict = field(default_factory=dict)  # JobRow -> (outcome, credential id, Problem | None)

    def set(
        self, row: JobRow, outcome: str, *, credential_id: str | None = None, problem: Problem | None = None
    ) -> None:
        self.rows[row] = (outcome, credential_id, problem)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.rows.values() if value[0] == outcome)

    def apply(self, session: Session) -> None:
        repo.record_rows(
            session,
            [
                (row, outcome, credential_id, problem.code if problem else None, problem.message if problem else None)
                for row, (outcome, credential_id, problem) in self.rows.items()
            ],
        )


class Careful(Exception):
    """A row failed in the fast path: redo the chunk with a savepoint per row."""


def _request(job: Job, row: JobRow) -> tuple[str, issuing.IssueRequest]:
    """(Idempotency-Key, request) of a pending row (pending rows have a recipient lookup)."""
    key = idempotency_key(job.achievement_id, cast(str, row.recipient_lookup))
    evidence: tuple[dict[str, str], ...] = ()
    if row.evidence_url or row.narrative:
        evidence = ({k: v for k, v in (("id", row.evidence_url), ("narrative", row.narrative)) if v},)
    return key, issuing.IssueRequest(
        achievement=job.achievement_id,
        email=row.email,
        name=row.name,
        evidence=evidence,
        awarded_date=issuing.awarded_date(row.awarded_date) if row.awarded_date else None,
    )


def _issue_batch(
    app: Badger,
    session: Session,
    job: Job,
    issuer: Issuer,
    actor: audit.Actor,
    rows: list[JobRow],
    outcomes: _Outcomes,
    inserted: set[str],
) -> None:
    """The fast path: the chunk's rows issued as one batch (issuing.issue_batch). Any refusal
    or clash raises Careful: the caller's savepoint undoes the batch and the chunk is redone
    row by row, each in its savepoint."""
    if not rows:
        return
    pairs = [_request(job, row) for row in rows]
    for attempt in range(3):
        try:
            credentials = issuing.issue_batch(
                app,
                session,
                issuer,
                [request for _, request in pairs],
                idempotency_keys=[key for key, _ in pairs],
                actor=actor,
                notify=job.notify,
            )
            break
        except Conflict as exc:
            # A key a concurrent job issued, or status indexes that kept clashing with a
            # concurrent runner's draws (issue_batch redraws those rows itself): the batch left
            # nothing behind, try again.
            if attempt == 2 or exc.code != "store.unique_conflict":
                raise Careful() from exc
        except BadgerError as exc:
            raise Careful() from exc
    for row, credential in zip(rows, credentials, strict=True):
        if credential.id in inserted:
            outcomes.set(row, "issued", credential_id=credential.id)
        else:  # the credential a concurrent job had just committed
            outcomes.set(row, "skipped", credential_id=credential.id, problem=_held_problem(credential.status))


def _issue_row(
    app: Badger,
    session: Session,
    job: Job,
    issuer: Issuer,
    actor: audit.Actor,
    row: JobRow,
    outcomes: _Outcomes,
    inserted: set[str],
    careful: bool,
) -> None:
    key, request = _request(job, row)
    for _attempt in range(3):
        try:
            if careful:
                with savepoint(session):  # a row that fails leaves nothing behind
                    credential = issuing.issue(
                        app, session, issuer, request, idempotency_key=key, actor=actor, notify=job.notify
                    )
            else:
                credential = issuing.issue(
                    app, session, issuer, request, idempotency_key=key, actor=actor, notify=job.notify
                )
        except Conflict:
            # Raised by issuing.issue after its own savepoint rolled back: the session is usable.
            previous = store_repo.credential_by_idempotency_key(session, issuer.id, key)
            if previous is not None:  # a concurrent job issued it first (and committed)
                outcomes.set(row, "skipped", credential_id=previous.id, problem=_held_problem(previous.status))
                return
            continue  # nothing holds the key after all (the clash did not commit): try again
        except BadgerError as exc:
            if not careful:
                # issue() may have written something before refusing (a hook after the insert):
                # only a savepoint makes it safe to record the row as failed and go on.
                raise Careful() from exc
            outcomes.set(row, "failed", problem=Problem(exc.code, str(exc)[:1000] or exc.code))
            return
        if credential.id in inserted:
            outcomes.set(row, "issued", credential_id=credential.id)
        else:  # issuing.issue answered the credential a concurrent job had just committed
            outcomes.set(row, "skipped", credential_id=credential.id, problem=_held_problem(credential.status))
        return
    outcomes.set(row, "failed", problem=Problem("bulk.conflict", "could not be issued: please retry"))


def run_chunk(
    app: Badger, session: Session, job: Job, runner: str, lease_until, *, size: int = CHUNK_SIZE, careful: bool = False
) -> int:
    """Claim up to ``size`` pending rows of ``job`` and issue them, in the caller's transaction
    (which also records the rows' outcomes and the job's counters, and renews ``runner``'s
    lease). Returns how many rows were processed: 0 when none is left to claim. ``careful``
    puts each row in a savepoint, so that a row issuing.issue refuses is recorded as failed;
    without it (the fast path) such a row raises Careful and the caller redoes the chunk
    carefully. Raises NotFound when the badge class or the issuer is gone."""
    rows = repo.claim_chunk(session, job.id, size)
    if not rows:
        return 0
    issuer = session.get(Issuer, job.issuer_id)
    if issuer is None:
        raise NotFound("the job's issuer no longer exists", code="issuer.not_found")
    # Held for the whole chunk: the identity map keeps only what is referenced, and issuing.issue
    # looks the badge class up by id for every row (a query each time once it is collected).
    _achievement = get_achievement(session, job.achievement_id, issuer=issuer)
    actor = audit.Actor(job.actor, job.actor_label)
    # Only valid rows are left pending, and they all have a recipient lookup.
    held = repo.holders(session, job.achievement_id, cast("list[str]", [row.recipient_lookup for row in rows]))
    inserted = repo.inserted_credential_ids(session)
    outcomes = _Outcomes()
    # Key order: concurrent chunks wait on each other's keys in one direction only (no deadlock).
    batch = []
    for row in sorted(rows, key=lambda r: r.recipient_lookup or ""):
        if row.recipient_lookup in held:
            credential_id, status = held[row.recipient_lookup]
            outcomes.set(row, "skipped", credential_id=credential_id, problem=_held_problem(status))
        elif careful:
            _issue_row(app, session, job, issuer, actor, row, outcomes, inserted, careful)
        else:
            batch.append(row)
    _issue_batch(app, session, job, issuer, actor, batch, outcomes, inserted)
    outcomes.apply(session)
    repo.record_chunk(
        session,
        job.id,
        done=len(rows),
        issued=outcomes.count("issued"),
        skipped=outcomes.count("skipped"),
        failed=outcomes.count("failed"),
        runner=runner,
        lease_until=lease_until,
    )
    return len(rows)


def fail_next_row(session: Session, job: Job, runner: str, lease_until, reason: str) -> bool:
    """Mark the next pending row failed (it broke its chunk several times on its own)."""
    rows = repo.claim_chunk(session, job.id, 1)
    if not rows:
        return False
    outcomes = _Outcomes()
    outcomes.set(rows[0], "failed", problem=Problem("bulk.internal_error", reason[:1000]))
    outcomes.apply(session)
    repo.record_chunk(session, job.id, done=1, issued=0, skipped=0, failed=1, runner=runner, lease_until=lease_until)
    return True


def finish(app: Badger, session: Session, job_id: str) -> bool:
    """Mark the job done when no row is pending any more, once (``bulk.finish`` in the audit log)."""
    if not repo.finish_job(session, job_id, app.clock()):
        return False
    job = repo.job(session, job_id)
    assert job is not None  # its row was just updated
    session.refresh(job)
    audit.record(
        app,
        session,
        issuer_id=job.issuer_id,
        actor=audit.Actor(job.actor, job.actor_label),
        action="bulk.finish",
        target=job.id,
        detail={"issued": job.issued, "skipped": job.skipped, "failed": job.failed, "total": job.total},
    )
    return True


def fail(app: Badger, session: Session, job_id: str, error: str) -> bool:
    """Mark the whole job failed (its badge class or issuer is gone)."""
    if not repo.fail_job(session, job_id, app.clock(), error):
        return False
    job = repo.job(session, job_id)
    assert job is not None  # its row was just updated
    session.refresh(job)
    audit.record(
        app,
        session,
        issuer_id=job.issuer_id,
        actor=audit.Actor(job.actor, job.actor_label),
        action="bulk.finish",
        target=job.id,
        detail={"state": "failed", "error": error[:500]},
    )
    return True

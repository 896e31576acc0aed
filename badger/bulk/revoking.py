"""Revoking many badges at once: from a selection in the credentials list, or from a CSV file.

Two steps, like bulk issuing. ``plan`` reads what was asked (credential ids or addresses, or an
e-mail address and a badge class per line) and sorts it into the badges that will be revoked and
the lines that will not, with why (not found, already revoked, unreadable line). Nothing is
written. ``revoke_all`` then revokes the planned badges with one reason, through
``issuance.revocation.revoke`` (the one revoke path: audit event and status_changed event
each), in the caller's single transaction: an error on any of them (one revoked meanwhile, a
refused reason) raises, and the edge rolls every change back. There is no partial write."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from badger.achievements import service as achievements
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.identity import normalise_email
from badger.errors import InvalidInput
from badger.issuance import issuing, revocation
from badger.issuance import repository as issuance_repo
from badger.issuers.models import Issuer

__all__ = ["Reference", "Plan", "parse_references", "references_of_ids", "plan", "revoke_all", "MAX_REFERENCES"]

MAX_REFERENCES = 10_000
MAX_BYTES = 2 * 1024 * 1024
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Header names, in English and French, of the columns read.
_HEADERS = {
    "credential": "credential",
    "id": "credential",
    "url": "credential",
    "address": "credential",
    "badge_url": "credential",
    "adresse": "credential",
    "adresse du badge": "credential",
    "address of the badge": "credential",
    "email": "email",
    "e-mail": "email",
    "courriel": "email",
    "badge": "badge",
    "badge class": "badge",
    "achievement": "badge",
    "classe de badge": "badge",
}


@dataclass(frozen=True)
class Reference:
    """One thing asked to be revoked: a credential (its id or address), or an e-mail address and
    a badge class (its name or id). ``problem``: why the line could not be read."""

    line: int
    text: str
    credential: str | None = None
    email: str | None = None
    badge: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Target:
    line: int
    text: str
    credential_id: str
    badge: str
    recipient: str | None


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, code)


def _plausible(email: str) -> bool:
    try:
        normalise_email(email)
    except InvalidInput:
        return False
    return True


def references_of_ids(ids: list[str]) -> list[Reference]:
    """A selection from the list: one reference per credential id, numbered from 1."""
    return [Reference(i, value, credential=value) for i, value in enumerate(ids[:MAX_REFERENCES], start=1)]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file is not text", code="revoke.invalid_file")


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


def parse_references(data: bytes) -> list[Reference]:
    """The lines of an uploaded CSV file (``,`` ``;`` or tab separated, UTF-8 or Windows-1252):
    either one column of credential ids or addresses (header optional: credential, id, url,
    adresse), or the columns email and badge (the badge class's name or id). Raises InvalidInput
    for a file that cannot be read at all; a line that cannot be used gets its ``problem``."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("the file is larger than 2 MB", code="revoke.too_large")
    text = _decode(bytes(data))
    if "\x00" in text or not text.strip():
        raise InvalidInput("the file is empty or not text", code="revoke.invalid_file")
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(f"the file is not a readable CSV file ({exc})", code="revoke.malformed_csv") from None
    columns: dict[str, int] | None = None
    out: list[Reference] = []
    for number, cells in enumerate(lines, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if columns is None:
            named = {_HEADERS[cell.lower()]: i for i, cell in enumerate(cells) if cell.lower() in _HEADERS}
            if named:
                columns = named
                continue
            columns = {"credential": 0} if len(cells) == 1 or _UUID.search(cells[0]) else {"email": 0, "badge": 1}
        if len(out) >= MAX_REFERENCES:
            raise InvalidInput(f"the file has more than {MAX_REFERENCES} lines", code="revoke.too_many")
        text_of = " ; ".join(c for c in cells if c)[:300]

        credential, email, badge = (_cell(cells, columns, name) for name in ("credential", "email", "badge"))
        if credential:
            match = _UUID.search(credential)
            out.append(
                Reference(number, text_of, credential=match.group(0).lower())
                if match
                else Reference(number, text_of, problem="revoke.unreadable_credential")
            )
        elif email or badge:
            if not _plausible(email):
                out.append(Reference(number, text_of, problem="revoke.invalid_email"))
            elif not badge:
                out.append(Reference(number, text_of, problem="revoke.missing_badge"))
            else:
                out.append(Reference(number, text_of, email=email, badge=badge))
        else:
            out.append(Reference(number, text_of, problem="revoke.empty_line"))
    if not out:
        raise InvalidInput("the file lists no badge", code="revoke.empty")
    return out


def plan(app: Badger, session: Session, issuer: Issuer, references: list[Reference]) -> Plan:
    """Which badges ``references`` name, and which lines name none that can be revoked (codes:
    the line's own problem, revoke.not_found, revoke.unknown_badge, revoke.already_revoked,
    revoke.duplicate). Reads only."""
    result = Plan()
    classes = achievements.list_achievements(session, issuer, drafts=True)
    names = {a.id: a.name for a in classes}
    by_name = {a.name.casefold(): a.id for a in classes}
    wanted_ids = [r.credential for r in references if r.credential]
    found = {row.id: row for row in issuance_repo.credentials_by_ids(session, issuer.id, wanted_ids)}
    pairs = []
    for r in references:
        if r.email and r.badge:
            badge_id = r.badge if r.badge in names else by_name.get(r.badge.casefold())
            if badge_id is not None:
                pairs.append((issuing.recipient_lookup(app, r.email), badge_id))
    held = issuance_repo.credentials_of_recipients(session, issuer.id, pairs)
    seen: set[str] = set()
    for r in references:
        if r.problem:
            result.problems.append((r.line, r.text, r.problem))
            continue
        rows = []
        if r.credential:
            rows = [found[r.credential]] if r.credential in found else []
        else:
            badge_id = r.badge if r.badge in names else by_name.get((r.badge or "").casefold())
            if badge_id is None:
                result.problems.append((r.line, r.text, "revoke.unknown_badge"))
                continue
            rows = held.get((issuing.recipient_lookup(app, r.email or ""), badge_id), [])
        if not rows:
            result.problems.append((r.line, r.text, "revoke.not_found"))
            continue
        live = [row for row in rows if row.status != revocation.REVOKED]
        if not live:
            result.problems.append((r.line, r.text, "revoke.already_revoked"))
            continue
        for row in live:
            if row.id in seen:
                result.problems.append((r.line, r.text, "revoke.duplicate"))
                continue
            seen.add(row.id)
            result.targets.append(Target(r.line, r.text, row.id, names.get(row.achievement_id, ""), row.recipient_name))
    return result


def revoke_all(
    app: Badger, session: Session, issuer: Issuer, credential_ids: list[str], *, reason: str, actor: audit.Actor
) -> int:
    """Revoke each of ``credential_ids`` (the issuer's) with ``reason``, through
    revocation.revoke -> how many. Raises (InvalidInput for the reason, Conflict when one was
    revoked meanwhile, NotFound): the caller's transaction is then rolled back as a whole."""
    if not credential_ids:
        raise InvalidInput("nothing to revoke", code="revoke.empty")
    rows = {row.id: row for row in issuance_repo.credentials_by_ids(session, issuer.id, credential_ids)}
    if any(credential_id not in rows for credential_id in credential_ids):
        raise InvalidInput("a badge of the list is no longer there", code="revoke.not_found")
    # In the order of their slots, so their status lists are locked in one order (sequence):
    # two revocations of one issuer's badges at once then queue instead of deadlocking.
    for row in sorted((rows[c] for c in credential_ids), key=lambda r: (r.status_index or 0, r.id)):
        revocation.revoke(app, session, row, reason=reason, actor=actor)
    return len(credential_ids)

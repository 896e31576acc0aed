"""The audit log and "recent activity" as staff read them: a label for every action, names
instead of ids (badge classes, credentials, programmes, milestones, pathways, people), no
empty values, filters by kind, person and date, and the CSV export in the reader's language
for spreadsheets (badger.core.csv_export.SPREADSHEET: BOM, semicolons)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badger.accounts import service as accounts
from badger.achievements.models import Achievement
from badger.core.csv_export import spreadsheet_chunks
from badger.issuance.models import Credential
from badger.programmes.models import Milestone, Pathway, Programme

__all__ = ["ACTION_LABELS", "KINDS", "describe", "filters_from", "query_of", "export_rows", "export_csv", "CSV_HEADER"]

# Every audit action (badger.core.audit), as staff read it.
ACTION_LABELS = {
    "achievement.create": _l("Badge created"),
    "achievement.update": _l("Badge edited"),
    "achievement.publish": _l("Badge published"),
    "credential.issue": _l("Badge issued"),
    "credential.revoke": _l("Badge revoked"),
    "credential.suspend": _l("Badge suspended"),
    "credential.unsuspend": _l("Suspension lifted"),
    "credential.resend_email": _l("Badge e-mail sent again"),
    "bulk.start": _l("Bulk issuance started"),
    "bulk.finish": _l("Bulk issuance finished"),
    "key.rotate": _l("Signing keys renewed"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "staff.invite": _l("Staff member invited"),
    "staff.invite_revoke": _l("Invitation withdrawn"),
    "staff.join": _l("Staff member joined"),
    "staff.role_change": _l("Role changed"),
    "staff.remove": _l("Staff member removed"),
    "partner.create": _l("Partner created"),
    "endorsement.create": _l("Endorsement given"),
    "programme.create": _l("Programme created"),
    "milestone.create": _l("Milestone created"),
    "milestone.confirm": _l("Milestone confirmed and its badge issued"),
    "roster.import": _l("Participants imported"),
    "attendance.import": _l("Attendance imported"),
    "attendance.mark": _l("Attendance recorded"),
    "pathway.create": _l("Pathway created"),
    "pathway.award": _l("Pathway badge awarded"),
    "learner.rotate_link": _l("Learner link renewed"),
    "email_template.update": _l("E-mail wording changed"),
    "email_template.reset": _l("E-mail wording reset"),
    "issuer.show_holder_count": _l("Holder counts shown or hidden"),
    "issuer.linkedin": _l("LinkedIn organisation id changed"),
    "issuer.status_form": _l("Form of the status entries changed"),
    "claim.open": _l("Claim window opened"),
    "claim.close": _l("Claim window closed"),
    "claim.issue": _l("Badge claimed with a code"),
    "claim.queued": _l("Badge claim queued"),
    "endorsement.accept": _l("Endorsement accepted by the holder"),
    "endorsement.credential": _l("Learner's badge endorsed"),
    "jury.invite": _l("Jury member invited"),
    "recognition.mode": _l("How the badge is earned changed"),
    "vcapi.issue": _l("Credential issued through the VC API"),
    "vcapi.status": _l("Status changed through the VC API"),
    "wallet.offer": _l("Wallet offer made"),
    "wallet.redeem": _l("Badge added to a wallet"),
    "wallet.settings": _l("Wallet settings changed"),
}
# The kinds of the filter: an action's prefix (before the dot).
KINDS = {
    "credential": _l("Badges issued, revoked or suspended"),
    "achievement": _l("Badge classes"),
    "bulk": _l("Bulk issuance"),
    "programme": _l("Programmes"),
    "milestone": _l("Milestones"),
    "pathway": _l("Pathways"),
    "roster": _l("Participants"),
    "attendance": _l("Attendance"),
    "staff": _l("Staff"),
    "token": _l("API tokens"),
    "key": _l("Signing keys"),
    "email_template": _l("E-mails"),
    "learner": _l("Learner links"),
}
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "name": _l("Name"),
    "from": _l("Before"),
    "to": _l("After"),
    "role": _l("Role"),
    "rows": _l("Lines"),
    "source": _l("File"),
    "format": _l("Format"),
    "published": _l("Published"),
    "fields": _l("Fields"),
    "achievement": _l("Badge"),
    "attendees": _l("Attendees"),
    "issued": _l("Issued"),
    "skipped": _l("Skipped"),
    "failed": _l("Failed"),
    "total": _l("Total"),
    "user": _l("Person"),
    "label": _l("Label"),
    "programme": _l("Programme"),
    "pathway": _l("Pathway"),
    "components": _l("Components"),
    "created": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "added": _l("Added"),
    "removed": _l("Removed"),
    "show": _l("Shown"),
    "active": _l("Active"),
    "subject": _l("Subject"),
    "body": _l("Text"),
    "state": _l("State"),
    "error": _l("Error"),
    "endorser": _l("Endorser"),
    "kind": _l("Kind"),
    "target": _l("Target"),
    "rule": _l("Rule"),
    "required": _l("Required"),
    "owner": _l("Owner"),
    "linkedin": _l("LinkedIn organisation id"),
}
_ROLE_LABELS = {"viewer": _l("Viewer"), "issuer": _l("Issuer"), "owner": _l("Owner")}
_STATUS_LABELS = {"active": _l("Active"), "revoked": _l("Revoked"), "suspended": _l("Suspended")}
_HIDDEN_DETAILS = {"job"}  # a job id says nothing to a person; the target names what was done
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CSV_HEADER = (_l("When"), _l("Who"), _l("What"), _l("About"), _l("Details"))


class _Names:
    """Names for the ids an event holds, looked up once per page and only within the partner."""

    def __init__(self, session, issuer):
        self.session, self.issuer, self.cache = session, issuer, {}

    def of(self, value: str) -> str | None:
        if value in self.cache:
            return self.cache[value]
        name = self._lookup(value)
        self.cache[value] = name
        return name

    def _lookup(self, value: str) -> str | None:
        session, issuer_id = self.session, self.issuer.id
        credential = session.get(Credential, value)
        if credential is not None and credential.issuer_id == issuer_id:
            badge = session.get(Achievement, credential.achievement_id)
            holder = _holder(credential)
            badge_name = badge.name if badge else _("Badge")
            return f"{badge_name} — {holder}" if holder else badge_name
        achievement = session.get(Achievement, value)
        if achievement is not None and achievement.issuer_id == issuer_id:
            return achievement.name
        programme = session.get(Programme, value)
        if programme is not None and programme.issuer_id == issuer_id:
            return programme.name
        milestone = session.get(Milestone, value)
        if milestone is not None:
            parent = session.get(Programme, milestone.programme_id)
            if parent is not None and parent.issuer_id == issuer_id:
                return f"{milestone.name} ({parent.name})"
        pathway = session.get(Pathway, value)
        if pathway is not None and pathway.issuer_id == issuer_id:
            return getattr(pathway, "name", None) or _("Pathway")
        user = accounts.get_user(session, value)
        if user is not None:
            return f"{user.name} ({user.email})"
        return None

    def who(self, actor: str, label: str | None) -> str:
        if actor.startswith("user:"):
            user = accounts.get_user(self.session, actor[5:])
            if user is not None:
                return f"{user.name} ({user.email})"
        if actor.startswith("token:"):
            return _("API token “%(label)s”", label=label) if label else _("API token")
        if actor == "cli":
            return _("Command line")
        if actor == "system":
            return _("Badger (automatic)")
        return label or actor


def _holder(credential: Credential) -> str | None:
    try:
        subject = json.loads(credential.document).get("credentialSubject") or {}
    except ValueError:
        return None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    for item in subject.get("identifier") or [] if isinstance(subject, dict) else []:
        if isinstance(item, dict) and item.get("identityType") == "name" and item.get("hashed") is False:
            return item.get("identityHash")
    return None


def _value(names: _Names, key: str, value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("from", "to", "role") and value in _ROLE_LABELS:
        return str(_ROLE_LABELS[value])
    if key in ("from", "to") and value in _STATUS_LABELS:
        return str(_STATUS_LABELS[value])
    if isinstance(value, list):
        return ", ".join(str(names.of(v) or v) if isinstance(v, str) and _UUID.match(v) else str(v) for v in value)
    if isinstance(value, str) and _UUID.match(value):
        return names.of(value) or _("(deleted)")
    return value


def describe(session, issuer, events: list[dict]) -> list[dict]:
    """Each event with ``action_label``, ``who``, ``about`` (the target's name) and
    ``details`` [(label, value)], ids replaced by names and empty values left out."""
    names = _Names(session, issuer)
    out = []
    for event in events:
        detail: dict = event["detail"] if isinstance(event.get("detail"), dict) else {}
        details = []
        for key, raw in detail.items():
            if key in _HIDDEN_DETAILS:
                continue
            value = _value(names, key, raw)
            if value is not None:
                details.append((str(DETAIL_LABELS.get(key, key)), value))
        target = event.get("target")
        about = (names.of(target) or _("(deleted)")) if isinstance(target, str) and _UUID.match(target) else target
        out.append(
            dict(
                event,
                action_label=str(ACTION_LABELS.get(event["action"], event["action"])),
                who=names.who(event.get("actor") or "", event.get("actor_label")),
                about=about or "",
                details=details,
            )
        )
    return out


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filters_from(args) -> dict:
    """The filters of the audit page from its query string (unknown values are ignored):
    kind (an action prefix of KINDS), actor (an actor id), since / until (YYYY-MM-DD)."""
    kind = args.get("kind") if args.get("kind") in KINDS else None
    actor = args.get("actor") or None
    if actor is not None and (len(actor) > 80 or not re.match(r"^(user|token):[0-9a-f-]{1,64}$|^(cli|system)$", actor)):
        actor = None
    since, until = _day(args.get("since")), _day(args.get("until"))
    return {"kind": kind, "actor": actor, "since": since, "until": until}


def query_of(filters: dict) -> dict:
    """The filters as audit.events keywords (dates as UTC instants: until is inclusive)."""
    since, until = filters.get("since"), filters.get("until")
    return {
        "prefix": filters.get("kind"),
        "actor": filters.get("actor"),
        "since": datetime.combine(since, time.min, UTC) if since else None,
        "until": datetime.combine(until, time.min, UTC) + timedelta(days=1) if until else None,
    }


def export_rows(session, issuer, events) -> list[list]:
    described = describe(session, issuer, events)
    french = str(get_locale() or "fr").startswith("fr")
    colon, sep = ("\u00a0:", "\u00a0; ") if french else (":", "; ")
    return [
        [
            format_datetime(_instant(e["at"]), "short"),
            e["who"],
            e["action_label"],
            e["about"],
            sep.join(f"{label}{colon} {value}" for label, value in e["details"]),
        ]
        for e in described
    ]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def export_csv(session, issuer, events) -> str:
    """The events as a CSV for spreadsheets in the reader's language."""
    return "".join(spreadsheet_chunks([str(h) for h in CSV_HEADER], export_rows(session, issuer, events)))

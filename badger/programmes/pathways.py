"""Pathways: a badge class earned by holding others ("all of" them, or "N of" them), awarded
automatically when the last component lands.

How it is awarded. `on_issued` runs at the end of `issuing.issue()`, in the issuing
transaction. For each pathway of the same issuer that requires the badge class just issued, it
takes a lock on the learner (their `learner_links` row: SELECT ... FOR UPDATE on PostgreSQL;
SQLite transactions are serialised by BEGIN IMMEDIATE), then counts the learner's *active*
credentials for the requirements. Because every component issuance takes the same lock after
inserting its credential, the last of two concurrent issuances sees the other's credential
once it holds the lock, so a pathway completed by two milestones confirmed at the same moment
is still awarded. The award row is unique per (pathway, recipient lookup): a pathway credential
is issued once per learner, by construction of the database.

The pathway credential carries its components as OB 3.0 Evidence: ``id`` = the component
credential URL, ``name`` = its badge class name, ``narrative`` = when it was issued.

Revocation rule (chosen and documented here, tested in tests/service/test_pathways.py):
- when a component credential is revoked or suspended, the pathway credential built on it is
  *suspended* (Bitstring Status List, reversible) with the reason
  ``component revoked: <badge class name>`` (or ``component suspended: ...``), shown on its page;
- when that component is unsuspended, the pathway credential is unsuspended, unless another of
  its components is still revoked or suspended (then it stays suspended, for that one);
- a suspension a person made by hand is never lifted automatically (only suspensions recorded
  in ``pathway_awards.suspended_for`` are);
- a learner who was awarded a pathway is not awarded it again (revoked or not): staff decide.
The hook is `on_status_changed`, called by the revocation service after every status change.
"""

from __future__ import annotations

import json
from typing import cast

from badger.achievements.models import Achievement
from badger.achievements.service import get_achievement
from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.core.events import Issued
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing, revocation
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.programmes import links
from badger.programmes import repository as repo
from badger.programmes.models import (
    LearnerLink,
    Pathway,
    PathwayAward,
    PathwayRequirement,
)

__all__ = [
    "RULES",
    "create_pathway",
    "get_pathway",
    "list_pathways",
    "requirement_choices",
    "requirements",
    "progress",
    "on_issued",
    "on_credentials_issued",
    "on_status_changed",
    "awards",
    "recipient_name",
]

RULES = ("all", "n_of")
# The learner is e-mailed their pathway badge like any badge issued with notify (mail service).
NOTIFY_LEARNER = True
_MAX_DEPTH = 8  # nesting of pathways checked for cycles


def create_pathway(
    app: Badger,
    session: Session,
    issuer: Issuer,
    *,
    achievement_id: str,
    requirement_ids,
    rule: str = "all",
    required_count: int | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> Pathway:
    """Make ``achievement_id`` (a badge class of ``issuer``) a pathway earned by holding the
    badge classes ``requirement_ids`` (all of them, or ``required_count`` of them with rule
    "n_of"). Raises InvalidInput (bad rule or count, fewer than 2 requirements, the pathway
    among its own requirements: ``pathway.self_requirement``, or a required pathway requiring
    it: ``pathway.cycle``), NotFound (a badge class not this issuer's), Conflict (that
    badge class is already a pathway)."""
    target = get_achievement(session, achievement_id, issuer=issuer)
    ids: list[str] = []
    for requirement in requirement_ids or ():
        row = get_achievement(session, requirement, issuer=issuer)
        if row.id not in ids:
            ids.append(row.id)
    if target.id in ids:
        raise InvalidInput("a pathway cannot require its own badge class", code="pathway.self_requirement")
    if any(_requires(session, r, target.id, 0) for r in ids):
        raise InvalidInput("a required badge class is a pathway that requires this one (a cycle)", code="pathway.cycle")
    if len(ids) < 2:
        raise InvalidInput("a pathway needs at least two required badge classes", code="pathway.too_few")
    if rule not in RULES:
        raise InvalidInput("rule must be 'all' or 'n_of'", code="pathway.invalid_rule")
    if rule == "n_of":
        if (
            isinstance(required_count, bool)
            or not isinstance(required_count, int)
            or not 1 <= required_count <= len(ids)
        ):
            raise InvalidInput(f"the number required must be between 1 and {len(ids)}", code="pathway.invalid_count")
    else:
        required_count = None
    if repo.pathway_by_achievement(session, target.id) is not None:
        raise Conflict("this badge class is already a pathway", code="pathway.exists")
    pathway = Pathway(
        id=app.new_id(),
        issuer_id=issuer.id,
        achievement_id=target.id,
        rule=rule,
        required_count=required_count,
        created_at=app.clock(),
    )
    session.add(pathway)
    session.flush()
    for position, requirement in enumerate(ids):
        session.add(PathwayRequirement(pathway_id=pathway.id, achievement_id=requirement, position=position))
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="pathway.create",
        target=pathway.id,
        detail={"achievement": target.id, "rule": rule, "required": _needed(pathway, len(ids))},
    )
    return pathway


def _requires(session: Session, achievement_id: str, target_id: str, depth: int) -> bool:
    """Whether the pathway awarding ``achievement_id`` (if it is one) requires ``target_id``,
    directly or through nested pathways (a cycle would award forever)."""
    pathway = repo.pathway_by_achievement(session, achievement_id)
    if pathway is None or depth > _MAX_DEPTH:
        return depth > _MAX_DEPTH
    return any(
        r.id == target_id or _requires(session, r.id, target_id, depth + 1)
        for r in repo.requirements(session, pathway.id)
    )


def requirement_choices(session: Session, achievement_id: str, candidates: list[Achievement]) -> list[Achievement]:
    """The badge classes among ``candidates`` that the pathway awarding ``achievement_id`` may
    require: not itself, and none that is a pathway requiring it, directly or through nested
    pathways (what ``create_pathway`` refuses)."""
    return [a for a in candidates if a.id != achievement_id and not _requires(session, a.id, achievement_id, 0)]


def get_pathway(session: Session, pathway_id: str, *, issuer: Issuer | None = None) -> Pathway:
    row = session.get(Pathway, pathway_id) if isinstance(pathway_id, str) and pathway_id else None
    if row is None or (issuer is not None and row.issuer_id != issuer.id):
        raise NotFound("no such pathway", code="pathway.not_found")
    return row


def list_pathways(session: Session, issuer: Issuer) -> list[Pathway]:
    return repo.pathways_of(session, issuer.id)


def requirements(session: Session, pathway: Pathway) -> list[Achievement]:
    return repo.requirements(session, pathway.id)


def awards(session: Session, pathway: Pathway):
    return repo.awards_of(session, pathway.id)


def _needed(pathway: Pathway, count: int) -> int:
    return pathway.required_count if pathway.rule == "n_of" and pathway.required_count else count


def _held(session: Session, lookup: str, required: list[Achievement]) -> dict[str, Credential]:
    """{achievement id: the learner's oldest active credential of it}."""
    held: dict[str, Credential] = {}
    for credential in repo.active_holdings(session, lookup, [a.id for a in required]):
        held.setdefault(credential.achievement_id, credential)
    return held


def progress(session: Session, recipient_lookup: str, pathway: Pathway) -> dict:
    """A learner's progress on ``pathway``: ``{"pathway", "achievement", "name", "rule",
    "required", "held_count", "held": [{"achievement", "name", "credential"}], "missing":
    [{"achievement", "name"}], "complete", "credential"}`` (ids are store ids; "credential" is
    the pathway credential id once awarded). Only active credentials count."""
    required = repo.requirements(session, pathway.id)
    held = _held(session, recipient_lookup, required)
    target = session.get(Achievement, pathway.achievement_id)
    award = repo.award_of(session, pathway.id, recipient_lookup)
    needed = _needed(pathway, len(required))
    return {
        "pathway": pathway.id,
        "achievement": pathway.achievement_id,
        "name": target.name if target else "",
        "rule": pathway.rule,
        "required": needed,
        "total": len(required),
        "held_count": min(len(held), len(required)),
        "held": [{"achievement": a.id, "name": a.name, "credential": held[a.id].id} for a in required if a.id in held],
        "missing": [{"achievement": a.id, "name": a.name} for a in required if a.id not in held],
        "complete": len(held) >= needed,
        "credential": award.credential_id if award is not None else None,
    }


def recipient_name(row: Credential) -> str | None:
    """The display name carried by a credential (the unhashed "name" IdentityObject), if any."""
    try:
        subject = json.loads(row.document).get("credentialSubject") or {}
    except (ValueError, AttributeError):
        return None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    for identifier in subject.get("identifier") or [] if isinstance(subject, dict) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            return identifier.get("identityHash")
    return None


def _lock(app: Badger, session: Session, lookup: str) -> LearnerLink:
    return repo.lock_learner(session, lookup, lambda: links.new_link_row(app, lookup))


def on_credentials_issued(*, app: Badger, session: Session, issued: list[Issued], **_payload: object) -> None:
    """Subscriber of the event ``credentials_issued`` (badger.application.wire): the pathways
    requiring each badge class of the batch are looked up once, and only learners of a badge
    class some pathway of the issuer requires are looked at."""
    requiring: dict[tuple[str, str], list[Pathway]] = {}
    for item in issued:
        row = item.credential
        if not item.email or not row.recipient_lookup:
            continue
        key = (row.achievement_id, row.issuer_id)
        if key not in requiring:
            requiring[key] = [
                p for p in repo.pathways_requiring(session, row.achievement_id) if p.issuer_id == row.issuer_id
            ]
        if requiring[key]:
            on_issued(app, session, row, item.email, pathways=requiring[key])


def on_issued(
    app: Badger,
    session: Session,
    credential_row: Credential,
    email: str | None = None,
    *,
    pathways: list[Pathway] | None = None,
) -> list[Credential]:
    """Called for each credential issued, with the credential just stored: issue the
    pathway credentials the learner now earns (same issuer, same recipient lookup), once each.
    E-mail recipients only (a DID recipient has no lookup). -> the pathway credentials issued."""
    lookup = credential_row.recipient_lookup
    if not email or not lookup:
        return []
    if pathways is None:  # the pathways requiring this badge class (given when known for a batch)
        pathways = [
            p
            for p in repo.pathways_requiring(session, credential_row.achievement_id)
            if p.issuer_id == credential_row.issuer_id
        ]
    if not pathways:
        return []
    _lock(app, session, lookup)
    issued: list[Credential] = []
    for pathway in pathways:
        if repo.award_of(session, pathway.id, lookup) is not None:
            continue
        required = repo.requirements(session, pathway.id)
        held = _held(session, lookup, required)
        if len(held) < _needed(pathway, len(required)):
            continue
        credential = _award(
            app,
            session,
            pathway,
            lookup,
            email,
            [held[a.id] for a in required if a.id in held],
            recipient_name(credential_row),
        )
        if credential is not None:
            issued.append(credential)
    return issued


def _award(
    app: Badger,
    session: Session,
    pathway: Pathway,
    lookup: str,
    email: str,
    components: list[Credential],
    name: str | None,
) -> Credential | None:
    issuer = session.get(Issuer, pathway.issuer_id)
    assert issuer is not None  # pathway.issuer_id is a foreign key
    names = {c.achievement_id: cast(Achievement, session.get(Achievement, c.achievement_id)).name for c in components}
    evidence = [
        {
            "id": app.url("credentials", c.id),
            "name": names[c.achievement_id],
            "narrative": f"Badge « {names[c.achievement_id]} » délivré le {xsd_datetime(c.issued_at)[:10]}.",
        }
        for c in components
    ]
    request = issuing.IssueRequest(achievement=pathway.achievement_id, email=email, name=name, evidence=tuple(evidence))
    holder: dict = {}

    def make_credential() -> Credential:
        # issue() calls on_issued for the pathway credential too: a pathway that requires this
        # one (nested pathways; cycles are refused by create_pathway) is awarded from there.
        row = issuing.issue(app, session, issuer, request, actor=audit.SYSTEM, notify=NOTIFY_LEARNER)
        holder["row"] = row
        return row

    def make_award(row: Credential) -> PathwayAward:
        return PathwayAward(
            id=app.new_id(),
            pathway_id=pathway.id,
            recipient_lookup=lookup,
            credential_id=row.id,
            components=json.dumps([c.id for c in components]),
            created_at=app.clock(),
        )

    award = repo.insert_award(session, make_credential, make_award)
    if award is None:
        return None  # awarded concurrently (the unique constraint said so): nothing was kept
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=audit.SYSTEM,
        action="pathway.award",
        target=award.credential_id,
        detail={"pathway": pathway.id, "components": len(components)},
    )
    return holder["row"]


def on_status_changed(
    *, app: Badger, session: Session, credential: Credential, actor: audit.Actor = audit.SYSTEM
) -> None:
    """Subscriber of the event ``status_changed`` (badger.application.wire): apply the
    revocation rule (module docstring) to the pathway credentials built on it."""
    for award in repo.awards_with_component(session, credential.id):
        pathway_credential = session.get(Credential, award.credential_id)
        if pathway_credential is None:
            continue
        component_name = cast(Achievement, session.get(Achievement, credential.achievement_id)).name  # a foreign key
        if credential.status in ("revoked", "suspended"):
            if pathway_credential.status == "active":
                award.suspended_for = credential.id
                session.flush()
                revocation.suspend(
                    app,
                    session,
                    pathway_credential,
                    reason=f"component {credential.status}: {component_name}",
                    actor=audit.SYSTEM,
                )
        elif credential.status == "active" and award.suspended_for == credential.id:
            others = [session.get(Credential, c) for c in json.loads(award.components) if c != credential.id]
            still = next((c for c in others if c is not None and c.status != "active"), None)
            if still is None:
                award.suspended_for = None
                session.flush()
                if pathway_credential.status == "suspended":
                    revocation.unsuspend(
                        app,
                        session,
                        pathway_credential,
                        reason=f"component reinstated: {component_name}",
                        actor=audit.SYSTEM,
                    )
            else:
                award.suspended_for = still.id
                session.flush()

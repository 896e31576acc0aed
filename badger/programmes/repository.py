"""Queries for programmes, attendance, pathways, endorsements and learner links. They flush,
never commit (the caller owns the transaction)."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badger.achievements.models import Achievement
from badger.core.db import contains, page_of
from badger.issuance.models import Credential
from badger.programmes.models import (
    Attendance,
    Endorsement,
    LearnerLink,
    Milestone,
    Participant,
    Pathway,
    PathwayAward,
    PathwayRequirement,
    Programme,
)

__all__ = [
    "programmes_of",
    "programme_by_name",
    "milestones_of",
    "milestone_by_name",
    "milestones_awarding",
    "participants_of",
    "participant_page",
    "PARTICIPANT_SORTS",
    "participant_by_lookup",
    "attendance_of",
    "attendees",
    "set_attendance",
    "pathways_of",
    "pathway_by_achievement",
    "requirements",
    "pathways_requiring",
    "award_of",
    "awards_of",
    "awards_with_component",
    "insert_award",
    "active_holdings",
    "credentials_of",
    "lock_learner",
    "learner_link",
    "learner_link_by_token_hash",
    "endorsements_of",
    "endorsement_of",
    "endorsements_by",
]


# ------------------------------------------------------------------------------------ programmes


def programmes_of(session: Session, issuer_id: str) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme).where(Programme.issuer_id == issuer_id).order_by(Programme.created_at, Programme.name)
        )
    )


def programme_by_name(session: Session, issuer_id: str, name: str) -> Programme | None:
    return session.scalar(select(Programme).where(Programme.issuer_id == issuer_id, Programme.name == name))


def milestones_of(session: Session, programme_id: str) -> list[Milestone]:
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.programme_id == programme_id)
            .order_by(Milestone.position, Milestone.starts_on, Milestone.name)
        )
    )


def milestone_by_name(session: Session, programme_id: str, name: str) -> Milestone | None:
    return session.scalar(select(Milestone).where(Milestone.programme_id == programme_id, Milestone.name == name))


def milestones_awarding(session: Session, achievement_id: str) -> list[Milestone]:
    return list(session.scalars(select(Milestone).where(Milestone.achievement_id == achievement_id)))


def participants_of(session: Session, programme_id: str) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.programme_id == programme_id)
            .order_by(Participant.organisation, Participant.name, Participant.id)
        )
    )


def participant_by_lookup(session: Session, programme_id: str, lookup: str) -> Participant | None:
    return session.scalar(
        select(Participant).where(Participant.programme_id == programme_id, Participant.recipient_lookup == lookup)
    )


def attendance_of(session: Session, programme_id: str) -> set[tuple[str, str]]:
    """{(milestone id, participant id)} ticked in this programme."""
    rows = session.execute(
        select(Attendance.milestone_id, Attendance.participant_id)
        .join(Milestone, Milestone.id == Attendance.milestone_id)
        .where(Milestone.programme_id == programme_id)
    )
    return {(m, p) for m, p in rows}


def attendees(session: Session, milestone_id: str) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant)
            .join(Attendance, Attendance.participant_id == Participant.id)
            .where(Attendance.milestone_id == milestone_id)
            .order_by(Participant.email)
        )
    )


def set_attendance(session: Session, milestone_id: str, participant_ids: set[str], *, present: bool, at, by) -> int:
    """Tick (``present``) or untick participants; -> how many rows changed. Ticking an already
    ticked participant changes nothing (a savepoint absorbs a concurrent identical tick)."""
    current = set(session.scalars(select(Attendance.participant_id).where(Attendance.milestone_id == milestone_id)))
    if not present:
        gone = participant_ids & current
        if gone:
            session.execute(
                delete(Attendance).where(Attendance.milestone_id == milestone_id, Attendance.participant_id.in_(gone))
            )
            session.flush()
        return len(gone)
    changed = 0
    for participant_id in sorted(participant_ids - current):
        try:
            with session.begin_nested():
                session.add(
                    Attendance(milestone_id=milestone_id, participant_id=participant_id, marked_at=at, marked_by=by)
                )
                session.flush()
            changed += 1
        except IntegrityError:
            pass
    return changed


# -------------------------------------------------------------------------------------- pathways


def pathways_of(session: Session, issuer_id: str) -> list[Pathway]:
    return list(
        session.scalars(select(Pathway).where(Pathway.issuer_id == issuer_id).order_by(Pathway.created_at, Pathway.id))
    )


def pathway_by_achievement(session: Session, achievement_id: str) -> Pathway | None:
    return session.scalar(select(Pathway).where(Pathway.achievement_id == achievement_id))


def requirements(session: Session, pathway_id: str) -> list[Achievement]:
    return list(
        session.scalars(
            select(Achievement)
            .join(PathwayRequirement, PathwayRequirement.achievement_id == Achievement.id)
            .where(PathwayRequirement.pathway_id == pathway_id)
            .order_by(PathwayRequirement.position, Achievement.name)
        )
    )


def pathways_requiring(session: Session, achievement_id: str) -> list[Pathway]:
    return list(
        session.scalars(
            select(Pathway)
            .join(PathwayRequirement, PathwayRequirement.pathway_id == Pathway.id)
            .where(PathwayRequirement.achievement_id == achievement_id)
            .order_by(Pathway.created_at, Pathway.id)
        )
    )


def award_of(session: Session, pathway_id: str, lookup: str) -> PathwayAward | None:
    return session.scalar(
        select(PathwayAward).where(PathwayAward.pathway_id == pathway_id, PathwayAward.recipient_lookup == lookup)
    )


def awards_of(session: Session, pathway_id: str) -> list[PathwayAward]:
    return list(
        session.scalars(
            select(PathwayAward)
            .where(PathwayAward.pathway_id == pathway_id)
            .order_by(PathwayAward.created_at, PathwayAward.id)
        )
    )


def awards_with_component(session: Session, credential_id: str) -> list[PathwayAward]:
    # components is a JSON list of uuids: a uuid in quotes cannot match anything else.
    return list(session.scalars(select(PathwayAward).where(PathwayAward.components.contains(f'"{credential_id}"'))))


def insert_award(session: Session, make_credential, make_award) -> PathwayAward | None:
    """In one savepoint: ``make_credential()`` (issues the pathway credential) then insert
    ``make_award(credential)``. When (pathway, recipient) is already awarded, the unique
    constraint refuses the award and the savepoint takes the credential back with it -> None."""
    try:
        with session.begin_nested():
            credential = make_credential()
            award = make_award(credential)
            session.add(award)
            session.flush()
        return award
    except IntegrityError as exc:
        if "pathway_awards" not in str(exc) and "uq_pathway_awards" not in str(exc):
            raise
        return None


def active_holdings(session: Session, lookup: str, achievement_ids: list[str]) -> list[Credential]:
    """Active credentials of this recipient for these badge classes, oldest first."""
    if not achievement_ids:
        return []
    return list(
        session.scalars(
            select(Credential)
            .where(
                Credential.recipient_lookup == lookup,
                Credential.achievement_id.in_(achievement_ids),
                Credential.status == "active",
            )
            .order_by(Credential.issued_at, Credential.id)
        )
    )


def credentials_of(session: Session, lookup: str) -> list[Credential]:
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.recipient_lookup == lookup)
            .order_by(Credential.issued_at.desc(), Credential.id)
        )
    )


# --------------------------------------------------------------------------------- learner links


def lock_learner(session: Session, lookup: str, make_row) -> LearnerLink:
    """The learner's row, created if missing (``make_row()``), locked until the transaction
    ends (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions are already serialised by
    BEGIN IMMEDIATE). Every pathway decision about one learner happens under this lock, so the
    last of two concurrent component issuances sees the other's credential."""
    if session.get(LearnerLink, lookup) is None:
        try:
            with session.begin_nested():
                session.add(make_row())
                session.flush()
        except IntegrityError:
            pass  # created concurrently: the select below waits for, then locks, that row
    link = session.scalar(
        select(LearnerLink)
        .where(LearnerLink.recipient_lookup == lookup)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert link is not None  # created above, or concurrently by another transaction
    return link


def learner_link(session: Session, lookup: str) -> LearnerLink | None:
    return session.get(LearnerLink, lookup)


def learner_link_by_token_hash(session: Session, token_hash: str) -> LearnerLink | None:
    return session.scalar(select(LearnerLink).where(LearnerLink.token_hash == token_hash))


# ---------------------------------------------------------------------------------- endorsements


def endorsements_of(session: Session, target_kind: str, target_id: str) -> list[Endorsement]:
    return list(
        session.scalars(
            select(Endorsement)
            .where(Endorsement.target_kind == target_kind, Endorsement.target_id == target_id)
            .order_by(Endorsement.created_at, Endorsement.id)
        )
    )


def endorsement_of(session: Session, endorser_id: str, target_kind: str, target_id: str) -> Endorsement | None:
    return session.scalar(
        select(Endorsement).where(
            Endorsement.endorser_id == endorser_id,
            Endorsement.target_kind == target_kind,
            Endorsement.target_id == target_id,
        )
    )


def endorsements_by(session: Session, endorser_id: str) -> list[Endorsement]:
    return list(
        session.scalars(
            select(Endorsement)
            .where(Endorsement.endorser_id == endorser_id)
            .order_by(Endorsement.created_at, Endorsement.id)
        )
    )


# Sortable columns of a programme's roster (an allow-list: core.listing).
PARTICIPANT_SORTS = {
    "name": Participant.name,
    "email": Participant.email,
    "organisation": Participant.organisation,
    "role": Participant.role,
    "added": Participant.created_at,
}


def participant_page(
    session: Session,
    programme_id: str,
    *,
    search: str = "",
    sort: str = "name",
    desc: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Participant], int]:
    """One page of a programme's roster and its total count; ``search``: in the name, e-mail
    address or organisation (contains, any case)."""
    query = select(Participant).where(Participant.programme_id == programme_id)
    if search:
        query = query.where(
            or_(
                contains(Participant.name, search),
                contains(Participant.email, search),
                contains(Participant.organisation, search),
            )
        )
    column = PARTICIPANT_SORTS.get(sort, Participant.name)
    return page_of(
        session, query, order=[column.desc() if desc else column.asc(), Participant.id], offset=offset, limit=limit
    )

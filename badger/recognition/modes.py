"""How a badge class is earned: by staff (the default), on attendance (programmes), through a
pathway, on request (one reviewer), or by a jury (N reviewers, a threshold of approvals).

The mode is the partner's statement, shown in plain words on the public page; ``request`` and
``jury`` also open the class to badge requests (badger.recognition.requests)."""

from __future__ import annotations

from badger.achievements.service import get_achievement
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import InvalidInput
from badger.issuers.models import Issuer
from badger.recognition import repository as repo
from badger.recognition.models import RecognitionMode

__all__ = ["MODES", "OPEN_MODES", "MAX_JURY", "get_mode", "set_mode", "describe"]

MODES = ("staff", "attendance", "pathway", "request", "jury")
OPEN_MODES = ("request", "jury")  # a "Request this badge" button on the public page
MAX_JURY = 20


def get_mode(session: Session, achievement_id: str) -> dict:
    """``{"mode", "jury_size", "threshold", "open"}``; a class that says nothing is "staff"."""
    row = repo.mode_of(session, achievement_id)
    if row is None:
        return {"mode": "staff", "jury_size": 1, "threshold": 1, "open": False}
    return {"mode": row.mode, "jury_size": row.jury_size, "threshold": row.threshold, "open": row.mode in OPEN_MODES}


def set_mode(
    app: Badger,
    session: Session,
    issuer: Issuer,
    achievement_id: str,
    mode: str,
    *,
    jury_size: int | None = None,
    threshold: int | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> RecognitionMode:
    """Say how the badge class is earned. ``request`` means one reviewer (size 1, threshold 1);
    ``jury`` needs 2 <= jury_size <= MAX_JURY and 1 <= threshold <= jury_size. Raises
    InvalidInput (field ``mode``, ``jury_size`` or ``threshold``), NotFound."""
    achievement = get_achievement(session, achievement_id, issuer=issuer)
    if mode not in MODES:
        raise InvalidInput("unknown way of earning the badge", code="recognition.invalid_mode", field="mode")
    size, needed = 1, 1
    if mode == "jury":
        try:
            size, needed = int(jury_size or 0), int(threshold or 0)
        except (TypeError, ValueError):
            size, needed = 0, 0
        if not 2 <= size <= MAX_JURY:
            raise InvalidInput(
                f"a jury has 2 to {MAX_JURY} members", code="recognition.invalid_jury_size", field="jury_size"
            )
        if not 1 <= needed <= size:
            raise InvalidInput(
                "the threshold is between 1 and the jury's size",
                code="recognition.invalid_threshold",
                field="threshold",
            )
    row = repo.mode_of(session, achievement.id)
    if row is None:
        row = RecognitionMode(achievement_id=achievement.id, issuer_id=issuer.id)
        session.add(row)
    row.mode, row.jury_size, row.threshold, row.updated_at = mode, size, needed, app.clock()
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="recognition.mode",
        target=achievement.id,
        detail={"mode": mode, "jury_size": size, "threshold": needed},
    )
    return row


def describe(mode: dict) -> tuple[str, dict]:
    """The plain-words sentence key of a mode and its values (the web layer translates)."""
    return mode["mode"], {"size": mode["jury_size"], "threshold": mode["threshold"]}

"""Partner statistics: per badge class, how many credentials were issued, what state they are
in, and how often they were verified (verification events, badger.verifying.service)."""

from __future__ import annotations

from badger.core.db import Session
from badger.issuance import repository as issuance_repo
from badger.issuers.models import Issuer
from badger.verifying import repository as verifying_repo

__all__ = ["overview", "COUNTS"]

COUNTS = ("issued", "active", "revoked", "suspended", "verifications", "verified")


def overview(session: Session, issuer: Issuer) -> dict:
    """Counts for each of the issuer's badge classes (oldest first, also those never issued).

    Output: ``{"achievements": [{"id", "name", "issued", "active", "revoked", "suspended",
    "verifications", "verified"}, ...], "totals": {"issued", ..., "verified"}}``; ``id`` is the
    badge class UUID, ``verifications`` counts every check of one of its credentials (verify
    page, API, command line, VC-API; not views of the credential's public page), ``verified`` those that passed.
    """
    verifications = verifying_repo.verification_counts(session, issuer.id)
    rows = []
    for achievement_id, name, _created, issued, active, revoked, suspended in issuance_repo.credential_counts(
        session, issuer.id
    ):
        checked, passed = verifications.get(achievement_id, (0, 0))
        rows.append(
            {
                "id": achievement_id,
                "name": name,
                "issued": int(issued),
                "active": int(active),
                "revoked": int(revoked),
                "suspended": int(suspended),
                "verifications": checked,
                "verified": passed,
            }
        )
    totals = {key: sum(row[key] for row in rows) for key in COUNTS}
    return {"achievements": rows, "totals": totals}

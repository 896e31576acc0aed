"""Partner statistics: per badge class, how many credentials were issued, what state they are
in, and how often they were verified (verification events, badger.verifying.service)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from badger.core.db import Session
from badger.issuance import repository as issuance_repo
from badger.issuers.models import Issuer
from badger.verifying import repository as verifying_repo

__all__ = ["overview", "monthly", "COUNTS", "MONTHS", "TIME_ZONE"]

COUNTS = ("issued", "active", "revoked", "suspended", "verifications", "verified")
MONTHS = 12
TIME_ZONE = "Europe/Paris"  # the months of the charts are the partners' calendar months


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


def _month_starts(now: datetime, months: int, zone: ZoneInfo) -> list[date]:
    """The first days of the ``months`` calendar months ending with ``now``'s, and of the next."""
    local = now.astimezone(zone)
    index = local.year * 12 + local.month - 1 - (months - 1)
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(months + 1)]


def monthly(session: Session, issuer: Issuer, *, now: datetime, months: int = MONTHS) -> list[dict]:
    """Credentials issued and verification events (not page views) per calendar month (in
    TIME_ZONE) for the last ``months`` months up to ``now``'s, oldest first, months with
    nothing included -> ``[{"month": date (its first day), "issued": int, "verifications":
    int}, ...]``. Counted in the database, two queries whatever the number of rows."""
    zone = ZoneInfo(TIME_ZONE)
    starts = _month_starts(now, months, zone)
    bounds = [datetime(d.year, d.month, 1, tzinfo=zone).astimezone(UTC) for d in starts]
    issued = issuance_repo.issued_per_period(session, issuer.id, bounds)
    verified = verifying_repo.verifications_per_period(session, issuer.id, bounds)
    return [
        {"month": month, "issued": i, "verifications": v}
        for month, i, v in zip(starts[:-1], issued, verified, strict=True)
    ]

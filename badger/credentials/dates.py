"""The one parser of credential dates: XML Schema ``dateTimeStamp`` (RFC 3339 with an offset).

VC Data Model 2.0 §4.9 (validity period) and OB 3.0 use dateTime values with a timezone;
``created`` in proofs too (VC Data Integrity §2.1).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["parse_datetime"]

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_datetime(value: Any) -> datetime | None:
    """A dateTime with timezone -> aware UTC datetime (fraction kept to the microsecond,
    truncated), or None for anything else (no offset, month 13, 24:00:00, leap second 60,
    an offset beyond ±14:00 as XML Schema bounds it)."""
    if not isinstance(value, str):
        return None
    m = _DATETIME.fullmatch(value)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = m.groups()
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    offset = timedelta(0)
    if not zulu:
        hours, minutes = int(off_h), int(off_m)
        if minutes > 59 or hours * 60 + minutes > 14 * 60:
            return None
        offset = timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
    try:
        return local - offset
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        return None

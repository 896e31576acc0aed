"""CSV downloads (audit log, bulk results): streamed in chunks, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

__all__ = ["csv_chunks", "safe_cell"]

CHUNK = 64 * 1024


def safe_cell(value) -> str:
    """A cell a spreadsheet would take for a formula gets a leading quote (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """``header`` then ``rows`` as CSV text in chunks of about 64 KiB (so large exports stream);
    every cell goes through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

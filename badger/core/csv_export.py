"""CSV downloads (audit log, bulk results, lists): streamed in chunks, safe to open in a
spreadsheet. What French spreadsheets (Excel, LibreOffice in a French
locale) open as columns without an import dialog: ``spreadsheet_chunks`` (BOM, semicolons)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

__all__ = ["csv_chunks", "safe_cell", "spreadsheet_chunks"]

CHUNK = 64 * 1024


def safe_cell(value) -> str:
    """A cell a spreadsheet would take for a formula gets a leading quote (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_chunks(
    header: Iterable[str], rows: Iterable[Iterable], *, delimiter: str = ",", bom: bool = False
) -> Iterator[str]:
    """``header`` then ``rows`` as CSV text in chunks of about 64 KiB (so large exports stream);
    every cell goes through safe_cell (None is an empty cell). ``bom``: start with U+FEFF (the
    UTF-8 byte order mark once encoded), which spreadsheets take as "this file is UTF-8"."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def spreadsheet_chunks(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """csv_chunks for people: UTF-8 with a byte order mark and semicolons, what French
    spreadsheets open as columns (a comma is their decimal separator)."""
    return csv_chunks(header, rows, delimiter=";", bom=True)

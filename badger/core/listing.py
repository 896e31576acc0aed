"""One way for every list of the dashboard to be sorted, searched and paged.

A ``ListQuery`` is what the reader asked (search text, sort column, direction, page, page
size), read from query parameters by ``parse``: anything unknown or malformed falls back to
the list's default, so a hand-edited address never fails. The sort column is a key of the
list's allow-list (its repository maps each key to a column); the search runs in SQL
(``core.db.page_of``). A ``Page`` is one page of rows with the total count of the filtered
list. Exports ask for every row of the same filtered, sorted list (``ListQuery.everything``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

__all__ = ["ListQuery", "Page", "parse", "PAGE_SIZES", "MAX_SEARCH"]

PAGE_SIZES = (25, 50, 100, 200)
MAX_SEARCH = 200  # characters of search text kept
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    sort: str = ""
    desc: bool = True
    page: int = 1
    per_page: int = PAGE_SIZES[1]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def limit(self) -> int | None:
        return self.per_page or None

    def everything(self) -> ListQuery:
        """The same list, every row (page size 0: no limit): what an export reads."""
        return replace(self, page=1, per_page=0)

    def args(self, **changes) -> dict:
        """The query parameters that give this list back (with ``changes``), defaults left out."""
        values = {"q": self.q, "sort": self.sort, "dir": "desc" if self.desc else "asc", "page": self.page}
        values["per_page"] = self.per_page
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Page:
    rows: Sequence
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        size = self.query.per_page
        return max(1, -(-self.total // size)) if size else 1

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return self.query.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.query.offset + len(self.rows)

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and ``around`` on each side of the
        current one; None marks a gap."""
        current, last = self.query.page, self.pages
        wanted = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
        out: list[int | None] = []
        previous = 0
        for number in sorted(wanted):
            if number - previous > 1:
                out.append(None)
            out.append(number)
            previous = number
        return out


def _int(value, default: int) -> int:
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) <= 7 else default


def parse(
    args: Mapping[str, str],
    *,
    sorts: Sequence[str],
    default_sort: str,
    default_desc: bool = True,
    per_page: int = PAGE_SIZES[1],
) -> ListQuery:
    """What the reader asked of a list whose sortable columns are ``sorts`` (an allow-list):
    ``q``, ``sort``, ``dir`` (asc|desc), ``page``, ``per_page`` (one of PAGE_SIZES). Unknown or
    malformed values give the defaults; a page past the end is the caller's empty page."""
    sort = args.get("sort") or ""
    if sort not in sorts:
        sort, desc = default_sort, default_desc
    else:
        direction = args.get("dir")
        desc = direction == "desc" if direction in ("asc", "desc") else default_desc
    q = " ".join(str(args.get("q") or "").split())[:MAX_SEARCH]
    q = "".join(ch for ch in q if ch.isprintable())
    size = _int(args.get("per_page"), per_page)
    page = _int(args.get("page"), 1)
    return ListQuery(
        q=q,
        sort=sort,
        desc=desc,
        page=min(max(page, 1), MAX_PAGE),
        per_page=size if size in PAGE_SIZES else per_page,
    )

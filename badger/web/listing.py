"""The dashboard's lists, one way: read the reader's request (``core.listing.parse``: search,
sort among an allow-list, page, page size; anything malformed gives the defaults), fetch one
page through the list's service (SQL does the search, sort and count), link pages and column
headers (templates/dashboard/_list.html), and export the whole filtered list as a CSV for
French spreadsheets (``csv_response``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask import Response, request, url_for

from badger.core.csv_export import spreadsheet_chunks
from badger.core.listing import PAGE_SIZES, ListQuery, Page, parse

__all__ = ["ListView", "list_view", "csv_response"]


@dataclass
class ListView:
    """A list as a page shows it: where it lives (``endpoint`` and its ``values``, e.g. the
    programme id), the filters kept in its links (``filters``), what was asked, and the page."""

    endpoint: str
    query: ListQuery
    default: ListQuery
    values: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    export_endpoint: str | None = None
    page: Page | None = None
    sizes: Sequence[int] = PAGE_SIZES

    def fetch(self, fetch: Callable[[ListQuery], Page]) -> Page:
        """The page asked for; past the last page, the last page."""
        page = fetch(self.query)
        if not page.rows and page.total and self.query.page > page.pages:
            self.query = ListQuery(self.query.q, self.query.sort, self.query.desc, page.pages, self.query.per_page)
            page = fetch(self.query)
        self.page = page
        return page

    def _args(self, query: ListQuery) -> dict:
        """Query parameters for ``query``: the filters, then only what differs from the default."""
        args = dict(self.filters)
        if query.q:
            args["q"] = query.q
        if not (query.sort == self.default.sort and query.desc == self.default.desc):
            args.update(sort=query.sort, dir="desc" if query.desc else "asc")
        if query.page > 1:
            args["page"] = query.page
        if query.per_page != self.default.per_page:
            args["per_page"] = query.per_page
        return args

    def url(self, **changes) -> str:
        query = ListQuery(
            q=changes.get("q", self.query.q),
            sort=changes.get("sort", self.query.sort),
            desc=changes.get("desc", self.query.desc),
            page=changes.get("page", self.query.page),
            per_page=changes.get("per_page", self.query.per_page),
        )
        return url_for(self.endpoint, **self.values, **self._args(query))

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; the column already sorted by turns around. Back to the first page."""
        desc = not self.query.desc if key == self.query.sort else key in ("issued", "updated", "created", "when")
        return self.url(sort=key, desc=desc, page=1)

    def sorted_as(self, key: str) -> str | None:
        """aria-sort of a column header: ascending, descending, or None (not sorted by it)."""
        if key != self.query.sort:
            return None
        return "descending" if self.query.desc else "ascending"

    def export_url(self) -> str | None:
        if self.export_endpoint is None:
            return None
        args = {k: v for k, v in self._args(self.query).items() if k not in ("page", "per_page")}
        return url_for(self.export_endpoint, **self.values, **args)

    def hidden(self) -> dict:
        """What the search form sends beside the search text: the filters and the sort."""
        return {k: v for k, v in self._args(self.query).items() if k not in ("q", "page")}


def list_view(
    endpoint: str,
    *,
    sorts: Sequence[str],
    default_sort: str,
    default_desc: bool = True,
    values: Mapping | None = None,
    filters: Mapping | None = None,
    export_endpoint: str | None = None,
    args: Mapping | None = None,
) -> ListView:
    """The list the request asks for (``args``: the query string by default)."""
    default = ListQuery(sort=default_sort, desc=default_desc)
    query = parse(
        request.args if args is None else args, sorts=sorts, default_sort=default_sort, default_desc=default_desc
    )
    return ListView(
        endpoint=endpoint,
        query=query,
        default=default,
        values=dict(values or {}),
        filters={k: v for k, v in (filters or {}).items() if v not in (None, "")},
        export_endpoint=export_endpoint,
    )


def csv_response(header: Iterable, rows: Iterable[Iterable], name: str) -> Response:
    """A CSV for French spreadsheets (core.csv_export.spreadsheet_chunks: UTF-8 with BOM,
    semicolons), headers translated, as an attachment called ``name``."""
    body = "".join(spreadsheet_chunks([str(h) for h in header], rows))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})

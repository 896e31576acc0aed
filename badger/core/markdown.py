"""Markdown for texts that partners write and learners read (criteria narratives, OB 3.0 says
they may be Markdown): rendered with markdown-it-py (CommonMark, raw HTML off), then cleaned
with nh3 (an allow-list sanitiser) so that nothing a partner types can run in a visitor's
browser. Shared by the public pages (``{{ text|markdown }}``), the dashboard's preview and the
partners' e-mail texts.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["render", "ALLOWED_TAGS"]

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    }
)
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "breaks": a single newline is a line break, as people who do not know Markdown expect.
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})


def render(text: str | None) -> Markup:
    """Safe HTML for ``text`` (Markdown or plain text). Links keep http(s) and mailto only and
    get rel="nofollow noopener noreferrer"."""
    if not text:
        return Markup("")
    html = _parser().render(text)
    # Headings shift down two levels: a narrative's "# Title" must not compete with the page's h1/h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)

"""Form helpers shared by the dashboard and account forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice

__all__ = ["choices"]


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (WTForms 3.3 deprecates plain tuples); a label
    may be a lazy translation, rendered as text."""
    return [SelectChoice(value, label) for value, label in pairs]

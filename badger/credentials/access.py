"""Reading fields whose JSON shape varies (a string or an object with ``id``)."""

from __future__ import annotations

from typing import Any

__all__ = ["issuer_id"]


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer's id: ``issuer`` is a URI or a Profile object with ``id`` (VC 2.0 §4.7)."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None

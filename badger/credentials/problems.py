"""A problem found in a document: a stable code, where, and a technical detail in English.

Human messages (French and English) are looked up by code in badger.verification.messages;
the detail is for logs and experts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str = ""
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = {"code": self.code, "detail": self.detail}
        if self.path:
            out["path"] = self.path
        return out

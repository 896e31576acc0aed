"""The verification result: one entry per check, in a fixed order (docs/interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from badger.verification.messages import message

__all__ = ["Check", "VerificationResult", "CHECK_ORDER", "PASSED", "FAILED", "SKIPPED", "WARNING"]

PASSED, FAILED, SKIPPED, WARNING = "passed", "failed", "skipped", "warning"
CHECK_ORDER = ("format", "schema", "proof", "issuer", "dates", "status", "recipient")


@dataclass(frozen=True)
class Check:
    check: str
    status: str
    code: str
    detail: str = ""
    problems: tuple[Any, ...] = ()

    def as_dict(self, lang: str = "fr") -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "status": self.status,
            "code": self.code,
            "message": message(self.code, lang),
        }
        if self.detail:
            out["detail"] = self.detail
        if self.problems:
            out["problems"] = [{**p.as_dict(), "message": message(p.code, lang)} for p in self.problems]
        return out


@dataclass(frozen=True)
class VerificationResult:
    """``verified`` is True only when no check failed (warnings and skipped checks do not fail)."""

    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    format: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    verification_method: str | None = None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.status != FAILED for c in self.checks) and self.credential is not None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.check == name), None)

    @property
    def codes(self) -> list[str]:
        """Codes of failed checks and of their problems (for tests and logs)."""
        out = []
        for c in self.checks:
            if c.status == FAILED:
                out.append(c.code)
                out.extend(p.code for p in c.problems)
        return out

    def as_dict(self, lang: str = "fr") -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [c.as_dict(lang) for c in self.checks],
            "credential": self.summary or None,
        }

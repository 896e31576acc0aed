"""Verification of Open Badges 3.0 / VC credentials: one result, one entry per check."""

from badger.verification.messages import LANGUAGES, message
from badger.verification.result import (
    CHECK_ORDER,
    FAILED,
    PASSED,
    SKIPPED,
    WARNING,
    Check,
    VerificationResult,
)
from badger.verification.status import StatusListChecker
from badger.verification.verifier import (
    MAX_INPUT_BYTES,
    StatusChecker,
    StatusOutcome,
    verify,
)

__all__ = [
    "verify",
    "VerificationResult",
    "Check",
    "StatusChecker",
    "StatusOutcome",
    "StatusListChecker",
    "message",
    "LANGUAGES",
    "CHECK_ORDER",
    "PASSED",
    "FAILED",
    "SKIPPED",
    "WARNING",
    "MAX_INPUT_BYTES",
]

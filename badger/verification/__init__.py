"""Verification of any W3C Verifiable Credential (Open Badges 3.0 rules for Open Badges): one
result, one entry per check."""

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
    ENVELOPED_JWT_PREFIX,
    MAX_INPUT_BYTES,
    StatusChecker,
    StatusOutcome,
    is_compact_jws,
    is_open_badge,
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
    "ENVELOPED_JWT_PREFIX",
    "is_compact_jws",
    "is_open_badge",
]

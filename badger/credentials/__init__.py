"""The OB 3.0 / VC 2.0 credential model: vocabulary, builders, recipient identity, validation.

Domain code: no clock, no randomness, no I/O beyond the bundled schemas. Ids, dates and salts
are arguments. See `builders` (unsigned documents), `identity` (hashed e-mail IdentityObjects)
and `validation` (problems with stable codes).
"""

from __future__ import annotations

from .builders import (
    achievement,
    achievement_credential,
    alignment,
    endorsement_credential,
    evidence,
    format_datetime,
    image,
    profile,
    result,
    result_description,
)
from .identity import (
    hash_identity,
    identity_object,
    matches_identity,
    name_identity_object,
    normalise_email,
)
from .problems import Problem
from .validation import check, validate

__all__ = [
    "Problem",
    "achievement",
    "achievement_credential",
    "alignment",
    "check",
    "endorsement_credential",
    "evidence",
    "format_datetime",
    "hash_identity",
    "identity_object",
    "image",
    "matches_identity",
    "name_identity_object",
    "normalise_email",
    "profile",
    "result",
    "result_description",
    "validate",
]

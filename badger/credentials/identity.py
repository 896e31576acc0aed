"""Recipient identity: hashed e-mail IdentityObjects, display names, and matching a known e-mail.

OB 3.0 §"IdentityObject" (https://www.imsglobal.org/spec/ob/v3p0/#identityobject) and
§"IdentityHash" (#identityhash): an IdentityHash is ``<algorithm>$<hex digest>`` of the UTF-8
bytes of the identifier with the salt appended (no separator). The algorithms are ``sha256``
and ``md5`` (the latter only survives from the OB 2.0 era; Badger never writes it); the digest
may be upper- or lower-case hex. §"Verify the Recipient Using an Identifier" (#verify-identifier)
is what `matches_identity` implements.

E-mail normalisation (a Badger decision; OB 3.0 says nothing about case or Unicode forms):
the address is stripped of surrounding white space, put in Unicode NFC and lower-cased, both
before hashing and before matching. Almost no mail provider treats the local part as
case-sensitive, and learners type their address differently from one day to the next; without
this a verifier holding "Alice@Example.org" could not match a badge issued to
"alice@example.org". NFC makes "é" typed precomposed or decomposed hash the same.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from typing import Any

from badger.errors import InvalidInput

from .vocab import IDENTITY_OBJECT

__all__ = [
    "IDENTITY_TYPE_EMAIL",
    "IDENTITY_TYPE_NAME",
    "normalise_email",
    "hash_identity",
    "identity_object",
    "name_identity_object",
    "matches_identity",
]

# Values of OB 3.0 IdentifierTypeEnum used by Badger.
IDENTITY_TYPE_EMAIL = "emailAddress"
IDENTITY_TYPE_NAME = "name"
# OB 2.0 recipients (and the VC 1.1 examples of early OB 3.0 drafts) said "email".
_EMAIL_IDENTITY_TYPES = frozenset({IDENTITY_TYPE_EMAIL, "email"})

_HASH_ALGORITHMS = {"sha256": hashlib.sha256, "md5": hashlib.md5}
_HEX_LENGTH = {"sha256": 64, "md5": 32}

# RFC 5322 "atext" for the dot-atom local part; any non-ASCII character is also allowed
# (RFC 6531, internationalised e-mail). Quoted local parts and domain literals are refused:
# nobody signs up with them and they make hashing ambiguous.
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]")
_LABEL_ASCII = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _canonical(email: str) -> str:
    # NFC after lower-casing: lower() can leave a decomposed sequence (e.g. "ǰ").
    return unicodedata.normalize("NFC", email.strip().lower())


def _valid_local(local: str) -> bool:
    if not local or len(local.encode("utf-8")) > 64:
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    for ch in local:
        if ch == ".":
            continue
        if ord(ch) < 128:
            if not _ATEXT.fullmatch(ch):
                return False
        elif unicodedata.category(ch)[0] in "CZ":  # controls, separators, unassigned
            return False
    return True


def _valid_label(label: str) -> bool:
    if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
        return False
    if label.isascii():
        return bool(_LABEL_ASCII.match(label))
    # An internationalised label: letters, marks and digits of any script, plus hyphens.
    return all(ch == "-" or unicodedata.category(ch)[0] in "LMN" for ch in label)


def normalise_email(email: str) -> str:
    """Return the canonical form Badger hashes and compares: stripped, NFC, lower-case.

    Input: an e-mail address as typed. Output: the normalised address.
    Errors: InvalidInput (code ``identity.invalid_email``) when it is not a plausible mailbox:
    exactly one "@"; a dot-atom local part of at most 64 UTF-8 bytes (ASCII atext or any
    non-ASCII character, RFC 6531); a domain of at least two dot-separated labels of letters,
    digits or hyphens (any script), at most 63 characters each, the last one not numeric;
    at most 254 characters in all. Quoted local parts, domain literals ("[192.0.2.1]") and
    dotless domains are refused on purpose. No DNS look-up is made.
    Spec: OB 3.0 §"IdentityObject" (identityType ``emailAddress``); the normalisation itself
    is Badger's choice (module docstring).
    """
    if not isinstance(email, str):
        raise InvalidInput("e-mail address must be a string", code="identity.invalid_email", field="email")
    return _normalised(email)


# An issued row's address is normalised several times (the bulk row check, the recipient
# lookup, the identity object): the last few thousand answers are kept (a refusal is not).
@lru_cache(maxsize=4096)
def _normalised(email: str) -> str:
    canonical = _canonical(email)
    if len(canonical) > 254 or canonical.count("@") != 1:
        raise InvalidInput(f"not an e-mail address: {email!r}", code="identity.invalid_email", field="email")
    local, domain = canonical.split("@")
    labels = domain.split(".")
    if (
        not _valid_local(local)
        or len(labels) < 2
        or not all(_valid_label(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInput(f"not an e-mail address: {email!r}", code="identity.invalid_email", field="email")
    return canonical


def hash_identity(value: str, salt: str | None) -> str:
    """Hash an identifier the OB 3.0 way: ``"sha256$" + hex(sha256(utf8(value + salt)))``.

    Input: the identifier exactly as it must be hashed (callers normalise e-mails first, see
    `identity_object`) and the salt (None or "" means unsalted). Output: the IdentityHash string.
    Errors: TypeError for non-string arguments.
    Spec: OB 3.0 §"IdentityHash" (#identityhash): salt appended, no separator.
    """
    if not isinstance(value, str) or (salt is not None and not isinstance(salt, str)):
        raise TypeError("value and salt must be strings")
    digest = hashlib.sha256((value + (salt or "")).encode("utf-8")).hexdigest()
    return "sha256$" + digest


def identity_object(email: str, salt: str) -> dict[str, Any]:
    """Build the hashed e-mail IdentityObject for a credentialSubject ``identifier``.

    Input: the learner's e-mail (normalised here) and a non-empty salt chosen by the caller
    (e.g. ``secrets.token_hex(16)``; domain code never draws randomness). Output:
    ``{"type": "IdentityObject", "identityHash": "sha256$…", "identityType": "emailAddress",
    "hashed": true, "salt": salt}``.
    Errors: InvalidInput for an invalid e-mail or an empty salt (an unsalted e-mail hash can be
    reversed with a precomputed table of addresses).
    Spec: OB 3.0 §"IdentityObject" (#identityobject).
    """
    if not isinstance(salt, str) or not salt:
        raise InvalidInput("a non-empty salt is required", code="identity.missing_salt")
    return {
        "type": IDENTITY_OBJECT,
        "identityHash": hash_identity(normalise_email(email), salt),
        "identityType": IDENTITY_TYPE_EMAIL,
        "hashed": True,
        "salt": salt,
    }


def name_identity_object(name: str) -> dict[str, Any]:
    """Build the plaintext IdentityObject that carries a learner's display name.

    AchievementSubject has no ``name`` property; OB 3.0 IdentifierTypeEnum has ``name``, and an
    IdentityObject with ``hashed: false`` holds the plaintext in ``identityHash``. This is the
    standards-exact place for a display name. The name is then public to anyone who sees the
    credential: only add it when the learner asked for it.
    Input: the display name. Output: ``{"type": "IdentityObject", "identityHash": name,
    "identityType": "name", "hashed": false}``.
    Errors: InvalidInput for an empty or non-string name.
    Spec: OB 3.0 §"IdentityObject", §"IdentifierTypeEnum".
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("display name must be a non-empty string", code="identity.invalid_name")
    return {
        "type": IDENTITY_OBJECT,
        "identityHash": name,
        "identityType": IDENTITY_TYPE_NAME,
        "hashed": False,
    }


def _hash_matches(identity_hash: str, candidates: list[str], salt: str) -> bool:
    algorithm, sep, expected = identity_hash.partition("$")
    algorithm = algorithm.lower()
    if not sep or algorithm not in _HASH_ALGORITHMS or len(expected) != _HEX_LENGTH[algorithm]:
        return False
    expected = expected.lower()
    if not expected.isascii():  # compare_digest refuses non-ASCII str; such a hash matches nothing
        return False
    hasher = _HASH_ALGORITHMS[algorithm]
    found = False
    for candidate in candidates:
        digest = hasher((candidate + salt).encode("utf-8")).hexdigest()
        # Constant time, and no short-cut, so timing does not tell which form matched.
        found |= hmac.compare_digest(digest, expected)
    return found


def matches_identity(identity: dict[str, Any], email: str) -> bool:
    """Tell whether a recipient identity designates the given e-mail address.

    Input: an OB 3.0 IdentityObject (``identityHash``/``identityType``/``hashed``/``salt``) or an
    OB 2.0 recipient (``identity``/``type``/``hashed``/``salt``), and the known e-mail.
    Output: True when the identity type is ``emailAddress`` (or the OB 2.0 ``email``) and
    - hashed: the ``sha256$``/``md5$`` hash of the known e-mail plus the salt equals the stored
      one (hex compared case-insensitively); the normalised e-mail is tried, and so is the e-mail
      exactly as given, because other issuers may have hashed the address as typed;
    - not hashed: the stored plaintext equals the known e-mail after normalisation.
    False otherwise, including for malformed identities or a non-string e-mail. Never raises.
    Spec: OB 3.0 §"Verify the Recipient Using an Identifier" (#verify-identifier),
    §"IdentityHash" (md5 and sha256 are the only algorithms).
    """
    if not isinstance(identity, dict) or not isinstance(email, str):
        return False
    identity_type = identity.get("identityType", identity.get("type"))
    value = identity.get("identityHash", identity.get("identity"))
    if identity_type not in _EMAIL_IDENTITY_TYPES or not isinstance(value, str):
        return False
    canonical = _canonical(email)
    if not canonical:
        return False
    if identity.get("hashed") is True:
        salt = identity.get("salt") or ""
        if not isinstance(salt, str):
            return False
        candidates = [canonical]
        if email.strip() != canonical:
            candidates.append(email.strip())
        return _hash_matches(value, candidates, salt)
    return _canonical(value) == canonical

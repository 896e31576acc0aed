"""W3C Bitstring Status List v1.0: the bitstring, its encoding, the list credential, entries.

Spec sections used (REC, 2025-05-15): §2.1 BitstringStatusListEntry, §2.2
BitstringStatusListCredential, §3.2 Validate Algorithm, §3.3 Bitstring Generation Algorithm,
§3.4 Bitstring Expansion Algorithm.

- The bitstring is GZIP-compressed, base64url-encoded without padding and given the multibase
  prefix ``u``. It is at least 16 KB (131,072 entries): herd privacy.
- Index 0 is the left-most bit, i.e. the most significant bit of the first byte.
- A status of ``statusSize`` bits for entry ``i`` starts at bit ``i * statusSize``.

Everything here is pure: no clock (validity dates are the caller's business, and gzip's
header timestamp is pinned to 0), no network, and the caller verifies the list credential's
proof before asking what a bit says. Legacy ``StatusList2021Entry`` / ``StatusList2021Credential``
(VC 1.1, encodedList without a multibase prefix) are read, never written.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import re
import zlib
from typing import Any, NamedTuple

from badger.credentials.vocab import (
    LEGACY_STATUS_CREDENTIAL as LEGACY_CREDENTIAL,
)
from badger.credentials.vocab import (
    LEGACY_STATUS_ENTRY as LEGACY_ENTRY,
)
from badger.credentials.vocab import (
    LEGACY_STATUS_SUBJECT as LEGACY_SUBJECT,
)
from badger.credentials.vocab import (
    STATUS_LIST_CREDENTIAL,
    STATUS_LIST_ENTRY,
    STATUS_LIST_SUBJECT,
    VC_TYPE,
    VC_V2_CONTEXT,
)
from badger.errors import StatusListError

__all__ = [
    "MIN_BITS",
    "DEFAULT_MAX_BITS",
    "MAX_STATUS_SIZE",
    "STATUS_LIST_SUBJECT",
    "LEGACY_ENTRY",
    "LEGACY_CREDENTIAL",
    "LEGACY_SUBJECT",
    "StatusEntry",
    "new_list",
    "encode_list",
    "decode_list",
    "get_bit",
    "set_bit",
    "get_status",
    "set_status",
    "status_list_credential",
    "status_entry",
    "parse_entry",
    "check_status",
]

# §2.2 / §3.2: at least 16 KB uncompressed, i.e. 131,072 one-bit entries.
MIN_BITS = 131_072
# Decompression-bomb guard: 16 MiB of bitstring (134 million one-bit entries) is far beyond
# any real list, while a few KB of gzip can inflate to gigabytes.
DEFAULT_MAX_BITS = 16 * 1024 * 1024 * 8
# A status value wider than a byte has no use in practice; a cap keeps arithmetic bounded.
MAX_STATUS_SIZE = 8

# Not in badger.credentials.vocab yet; spelled once here.

_WRITABLE_PURPOSES = ("revocation", "suspension")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_DECIMAL = re.compile(r"[0-9]{1,18}")


def _fail(message: str, code: str = "status.invalid_list") -> StatusListError:
    return StatusListError(message, code=code)


# --- the bitstring ----------------------------------------------------------------------------


def new_list(size_bits: int = MIN_BITS) -> bytearray:
    """A fresh all-zero bitstring (§3.3 step 1).

    Input: the size in bits, a multiple of 8 and at least MIN_BITS (131,072, the herd-privacy
    minimum). Output: a zeroed bytearray of ``size_bits // 8`` bytes. Raises StatusListError
    for a size below the minimum or not a multiple of 8.
    """
    if isinstance(size_bits, bool) or not isinstance(size_bits, int):
        raise TypeError("size_bits must be an int")
    if size_bits < MIN_BITS or size_bits % 8:
        raise _fail(f"a status list has a multiple of 8 bits, at least {MIN_BITS}", "status.list_too_short")
    return bytearray(size_bits // 8)


def encode_list(bits: bytes | bytearray, *, min_bits: int = MIN_BITS) -> str:
    """Compress and encode a bitstring for ``encodedList`` (§3.3 step 3).

    Input: the raw bitstring. Output: ``"u"`` + base64url (no padding) of its GZIP
    compression. The gzip header carries mtime 0, so the same bits always give the same
    string (no clock). Raises StatusListError when the bitstring is shorter than ``min_bits``.
    """
    if len(bits) * 8 < min_bits:
        raise _fail(f"the bitstring has {len(bits) * 8} bits, fewer than {min_bits}", "status.list_too_short")
    # Level 6: level 9 is ~15x slower on a 16 KB list for output ~20 % smaller (a few hundred
    # bytes), which no verifier notices.
    compressed = gzip.compress(bytes(bits), compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    """Inflate every gzip member of ``raw`` without ever holding more than max_bytes + 1."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing only
        try:
            out += inflater.decompress(raw, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise _fail(f"encodedList is not valid GZIP data: {exc}") from exc
        if len(out) > max_bytes:
            raise _fail(f"encodedList inflates beyond {max_bytes} bytes", "status.list_too_large")
        if not inflater.eof:
            raise _fail("encodedList GZIP data is truncated")
        raw = inflater.unused_data
        # RFC 1952 allows several members back to back; anything else trailing is garbage.
        if not raw:
            return bytes(out)


def decode_list(
    encoded: object,
    *,
    max_bits: int = DEFAULT_MAX_BITS,
    min_bits: int = MIN_BITS,
    allow_unprefixed: bool = False,
) -> bytearray:
    """Decode an ``encodedList`` value into the bitstring (§3.4 Bitstring Expansion).

    Input: ``"u"`` + base64url of GZIP data (padding tolerated). With ``allow_unprefixed``
    the StatusList2021 form without the multibase prefix is accepted too. Output: the
    bitstring as a bytearray. Raises StatusListError for a missing prefix, bad base64url,
    bad or truncated GZIP, output above ``max_bits`` (decompression-bomb guard: inflation
    stops there) or below ``min_bits`` (§3.2, STATUS_LIST_LENGTH_ERROR).
    """
    if not isinstance(encoded, str):
        raise _fail("encodedList must be a string")
    if encoded.startswith("u"):
        body = encoded[1:]
    elif allow_unprefixed:
        body = encoded
    else:
        raise _fail("encodedList lacks the multibase base64url prefix 'u'")
    max_bytes = max_bits // 8
    # A compressed list never needs to be larger than its raw bits: refuse before decoding.
    if len(body) > max_bytes * 4 // 3 + 1024:
        raise _fail("encodedList is too long", "status.list_too_large")
    if not _BASE64URL.fullmatch(body):
        raise _fail("encodedList is not base64url")
    body = body.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _fail(f"encodedList is not base64url: {exc}") from exc
    bits = _gunzip(raw, max_bytes)
    if len(bits) * 8 < min_bits:
        raise _fail(
            f"the status list has {len(bits) * 8} bits, fewer than the minimum {min_bits}",
            "status.list_too_short",
        )
    return bytearray(bits)


def _check_index(bits: bytes | bytearray, index: int, size: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError("a status list index must be an int")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_STATUS_SIZE:
        raise _fail(f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}", "status.bad_entry")
    position = index * size
    if index < 0 or position + size > len(bits) * 8:
        raise _fail(f"index {index} is outside a list of {len(bits) * 8 // size} entries", "status.range_error")
    return position


def get_status(bits: bytes | bytearray, index: int, size: int = 1) -> int:
    """The ``size``-bit status of entry ``index`` (§3.2 step 10), most significant bit first.

    Input: a bitstring, the entry index, the statusSize. Output: an int in
    ``[0, 2**size)``. Raises StatusListError (RANGE_ERROR) for an index outside the list or
    an unsupported size.
    """
    position = _check_index(bits, index, size)
    value = 0
    for bit in range(position, position + size):
        value = (value << 1) | ((bits[bit >> 3] >> (7 - (bit & 7))) & 1)
    return value


def set_status(bits: bytearray, index: int, value: int, size: int = 1) -> None:
    """Set the ``size``-bit status of entry ``index`` in place (§3.3 step 2).

    Input: a mutable bitstring, the entry index, the value, the statusSize. Output: None.
    Raises StatusListError for an index outside the list, an unsupported size or a value
    that does not fit in ``size`` bits.
    """
    position = _check_index(bits, index, size)
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < (1 << size):
        raise _fail(f"status value {value!r} does not fit in {size} bit(s)", "status.bad_value")
    for offset in range(size):
        bit = position + offset
        mask = 1 << (7 - (bit & 7))
        if (value >> (size - 1 - offset)) & 1:
            bits[bit >> 3] |= mask
        else:
            bits[bit >> 3] &= ~mask & 0xFF


def get_bit(bits: bytes | bytearray, index: int) -> int:
    """The bit at ``index`` (0 = left-most bit of the first byte), as 0 or 1 (§2.2).

    Raises StatusListError (RANGE_ERROR) for an index outside the bitstring.
    """
    return get_status(bits, index, 1)


def set_bit(bits: bytearray, index: int, value: int | bool) -> None:
    """Set the bit at ``index`` (0 = left-most bit of the first byte) to 0 or 1, in place.

    Raises StatusListError for an index outside the bitstring or a value other than 0/1.
    """
    set_status(bits, index, value, 1)


# --- documents --------------------------------------------------------------------------------


def status_list_credential(
    *,
    id: str,
    issuer: str | dict[str, Any],
    purpose: str,
    encoded_list: str,
    valid_from: str,
    valid_until: str | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential (§2.2), ready for the proof suite.

    Input: the list credential URL (also the ``statusListCredential`` of entries), the issuer
    (URL/DID or a Profile dict with an ``id``), the purpose ("revocation" or "suspension"),
    an ``encodedList`` from ``encode_list``, and ``validFrom`` (and optionally ``validUntil``)
    as XML Schema dateTimeStamp strings supplied by the caller. Output: a new dict with the
    VC 2.0 context only (it defines the status terms), the two types and a credentialSubject
    ``{id: id + "#list", type: "BitstringStatusList", statusPurpose, encodedList}``.
    Raises StatusListError for an empty id or issuer, another purpose, or an encodedList
    that does not decode to a valid list.
    """
    if not isinstance(id, str) or not id:
        raise _fail("the status list credential needs an id (its URL)", "status.bad_credential")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise _fail("the status list credential needs an issuer id", "status.bad_credential")
    if purpose not in _WRITABLE_PURPOSES:
        raise _fail(f"statusPurpose must be one of {_WRITABLE_PURPOSES}", "status.bad_purpose")
    if not isinstance(valid_from, str) or not valid_from:
        raise _fail("validFrom is required", "status.bad_credential")
    decode_list(encoded_list)  # never publish a list a verifier would reject
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": [VC_TYPE, STATUS_LIST_CREDENTIAL],
        "issuer": copy.deepcopy(issuer),  # a new document, sharing nothing with the caller's
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = {
        "id": f"{id}#list",
        "type": STATUS_LIST_SUBJECT,
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }
    return credential


def status_entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The BitstringStatusListEntry for a credential's ``credentialStatus`` (§2.1).

    Input: the status list credential URL, the credential's index in it, the purpose
    ("revocation" or "suspension"). Output: a new dict ``{id: list_url + "#" + index, type,
    statusPurpose, statusListIndex (a base-10 string, as §2.1 requires),
    statusListCredential}``. Raises StatusListError for an empty URL, a negative or non-int
    index, or another purpose.
    """
    if not isinstance(list_url, str) or not list_url:
        raise _fail("statusListCredential URL is required", "status.bad_entry")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise _fail("statusListIndex must be a non-negative integer", "status.bad_entry")
    if purpose not in _WRITABLE_PURPOSES:
        raise _fail(f"statusPurpose must be one of {_WRITABLE_PURPOSES}", "status.bad_purpose")
    return {
        "id": f"{list_url}#{index}",
        "type": STATUS_LIST_ENTRY,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


class StatusEntry(NamedTuple):
    """A parsed credentialStatus entry (BitstringStatusListEntry or StatusList2021Entry)."""

    list_url: str
    index: int  # type: ignore[assignment]  # NamedTuple field deliberately shadows tuple.index
    purpose: str
    size: int | None  # statusSize when the entry states it
    legacy: bool  # True for StatusList2021Entry


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _size(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STATUS_SIZE:
        raise _fail(f"{where} statusSize must be an integer from 1 to {MAX_STATUS_SIZE}", "status.bad_entry")
    return value


def parse_entry(entry: dict[str, Any]) -> StatusEntry:
    """Read one ``credentialStatus`` entry (§2.1; StatusList2021Entry accepted for reading).

    Input: the entry dict. Output: a StatusEntry. ``statusListIndex`` is read from a base-10
    string, as §2.1 requires, and also from a JSON integer, which some issuers write (the
    1EdTech validator fixtures do). Raises StatusListError for another type, a missing or
    malformed purpose, index, URL or statusSize.
    """
    if not isinstance(entry, dict):
        raise _fail("credentialStatus entry must be an object", "status.bad_entry")
    types = _types(entry.get("type"))
    if STATUS_LIST_ENTRY in types:
        legacy = False
    elif LEGACY_ENTRY in types:
        legacy = True
    else:
        raise _fail(f"unsupported credentialStatus type {entry.get('type')!r}", "status.unsupported_type")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _fail("statusPurpose is missing", "status.bad_entry")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise _fail("statusListCredential is missing", "status.bad_entry")
    raw_index = entry.get("statusListIndex")
    if isinstance(raw_index, int) and not isinstance(raw_index, bool) and raw_index >= 0:
        index = raw_index
    elif isinstance(raw_index, str) and _DECIMAL.fullmatch(raw_index):
        index = int(raw_index)
    else:
        raise _fail(f"statusListIndex {raw_index!r} is not a non-negative integer", "status.bad_entry")
    return StatusEntry(url, index, purpose, _size(entry.get("statusSize"), "the entry's"), legacy)


def check_status(
    entry: dict[str, Any],
    list_credential: dict[str, Any],
    *,
    min_entries: int = MIN_BITS,
    max_bits: int = DEFAULT_MAX_BITS,
) -> int:
    """The status of a credential in its status list (§3.2 Validate Algorithm, steps 5-10).

    Input: the credential's ``credentialStatus`` entry and the list credential, whose proof
    the caller has already verified (steps 4) and whose validity period the caller checks
    against its own clock. Output: the status value: for statusSize 1, 1 means revoked /
    suspended and 0 means not. Legacy StatusList2021 entries and credentials are read too.

    The list credential's ``id`` is not compared with the entry's ``statusListCredential``:
    §2.2 makes the match optional (it is a MAY) and the binding is the URL the caller
    dereferenced.

    Raises StatusListError when the entry or the list credential is malformed, the types do
    not pair up, the purposes differ (STATUS_VERIFICATION_ERROR), the list is shorter than
    ``min_entries`` entries (STATUS_LIST_LENGTH_ERROR), the index is out of range
    (RANGE_ERROR) or the encodedList is bad or inflates beyond ``max_bits``.
    """
    parsed = parse_entry(entry)
    if not isinstance(list_credential, dict):
        raise _fail("the status list credential must be an object", "status.bad_credential")
    expected_credential, expected_subject = (
        (LEGACY_CREDENTIAL, LEGACY_SUBJECT) if parsed.legacy else (STATUS_LIST_CREDENTIAL, STATUS_LIST_SUBJECT)
    )
    if expected_credential not in _types(list_credential.get("type")):
        raise _fail(f"the status list credential is not a {expected_credential}", "status.bad_credential")
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise _fail("the status list credential has no single credentialSubject", "status.bad_credential")
    if expected_subject not in _types(subject.get("type")):
        raise _fail(f"credentialSubject type is not {expected_subject}", "status.bad_credential")

    # §2.2: credentialSubject.statusPurpose is one or more strings.
    purposes = _types(subject.get("statusPurpose"))
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise _fail("credentialSubject.statusPurpose is missing", "status.bad_credential")
    if parsed.purpose not in purposes:
        raise _fail(f"the entry's purpose {parsed.purpose!r} is not the list's {purposes!r}", "status.purpose_mismatch")

    subject_size = _size(subject.get("statusSize"), "the list's")
    if parsed.size is not None and subject_size is not None and parsed.size != subject_size:
        raise _fail("the entry and the list disagree on statusSize", "status.bad_entry")
    size = parsed.size or subject_size or 1

    bits = decode_list(subject.get("encodedList"), max_bits=max_bits, min_bits=0, allow_unprefixed=parsed.legacy)
    # §3.2 step 9: the minimum counts entries, so wider statuses need a longer bitstring.
    if len(bits) * 8 // size < min_entries:
        raise _fail(
            f"the status list has {len(bits) * 8 // size} entries, fewer than the minimum {min_entries}",
            "status.list_too_short",
        )
    return get_status(bits, parsed.index, size)

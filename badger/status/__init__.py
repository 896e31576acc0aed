"""Credential status: W3C Bitstring Status List v1.0 (bitstring, list credential, entries)."""

from __future__ import annotations

from badger.status.bitstring import (
    DEFAULT_MAX_BITS,
    LEGACY_CREDENTIAL,
    LEGACY_ENTRY,
    LEGACY_SUBJECT,
    MAX_STATUS_SIZE,
    MIN_BITS,
    STATUS_LIST_SUBJECT,
    StatusEntry,
    check_status,
    decode_list,
    encode_list,
    get_bit,
    get_status,
    new_list,
    parse_entry,
    set_bit,
    set_status,
    status_entry,
    status_list_credential,
)

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

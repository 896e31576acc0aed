"""Bitstring Status List: W3C and 1EdTech vectors, bit order, round trips, hostile lists."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badger.errors import StatusListError
from badger.status import (
    MIN_BITS,
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

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
W3C = VECTORS / "w3c-bitstring-status-list"
ONEEDTECH = VECTORS / "1edtech-validator-ob30"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def encode_raw(raw: bytes, *, prefix: str = "u") -> str:
    """encodedList built without the code under test."""
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def set_positions(bits: bytes) -> list[int]:
    """Indices of the 1 bits, reading each byte most significant bit first."""
    return [i * 8 + j for i, byte in enumerate(bits) if byte for j in range(8) if byte & (0x80 >> j)]


def list_credential(bits: bytes | bytearray, purpose: str = "revocation") -> dict:
    return status_list_credential(
        id="https://badges.example.org/status/1",
        issuer="did:web:badges.example.org",
        purpose=purpose,
        encoded_list=encode_list(bits),
        valid_from="2025-01-01T00:00:00Z",
    )


# --- vectors ----------------------------------------------------------------------------------


def test_w3c_example_list_is_131072_zero_bits():
    credential = load(W3C / "status-list-credential.json")
    bits = decode_list(credential["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072
    assert not any(bits)


def test_w3c_revocable_credential_entry():
    entry = load(W3C / "revocable-credential.json")["credentialStatus"]
    parsed = parse_entry(entry)
    assert (parsed.list_url, parsed.index, parsed.purpose, parsed.legacy) == (
        "https://example.com/credentials/status/3",
        94567,
        "revocation",
        False,
    )
    assert check_status(entry, load(W3C / "status-list-credential.json")) == 0
    # status_entry writes exactly the spec's example.
    assert status_entry(list_url=parsed.list_url, index=94567, purpose="revocation") == entry


def test_w3c_revocation_and_suspension_entries():
    entries = load(W3C / "credential-with-revocation-and-suspension.json")["credentialStatus"]
    parsed = [parse_entry(e) for e in entries]
    assert [(p.purpose, p.index) for p in parsed] == [("revocation", 94567), ("suspension", 23452)]
    revocation_list = load(W3C / "status-list-credential.json")
    assert check_status(entries[0], revocation_list) == 0
    with pytest.raises(StatusListError) as excinfo:
        check_status(entries[1], revocation_list)  # a suspension entry against a revocation list
    assert excinfo.value.code == "status.purpose_mismatch"


def test_w3c_list_credential_shape():
    example = load(W3C / "status-list-credential.json")
    built = status_list_credential(
        id=example["id"],
        issuer=example["issuer"],
        purpose="revocation",
        encoded_list=example["credentialSubject"]["encodedList"],
        valid_from=example["validFrom"],
    )
    # The example's subject id uses another path (".../status/3#list"); we derive it from id.
    assert built["credentialSubject"].pop("id") == example["id"] + "#list"
    example["credentialSubject"].pop("id")
    assert built == example


@pytest.mark.parametrize("name", ["credential-status-revoked.json", "credential-status-revoked-blank-nodes.json"])
def test_1edtech_list_has_bit_23_set(name):
    status_list = load(ONEEDTECH / "bit-string-list" / "testlist")
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == MIN_BITS
    assert set_positions(bits) == [23]
    entry = load(ONEEDTECH / "bit-string-list" / name)["credentialStatus"]
    assert entry["statusListIndex"] == 23  # a JSON number there, not the string §2.1 asks for
    assert check_status(entry, status_list) == 1


def test_1edtech_revocation_list_type_is_not_a_bitstring_entry():
    entry = load(ONEEDTECH / "credential-status-revoked.json")["credentialStatus"]
    with pytest.raises(StatusListError) as excinfo:
        parse_entry(entry)
    assert excinfo.value.code == "status.unsupported_type"


# --- bits -------------------------------------------------------------------------------------


def test_index_zero_is_the_leftmost_bit():
    bits = new_list()
    set_bit(bits, 0, 1)
    set_bit(bits, 7, True)
    set_bit(bits, 8, 1)
    assert bits[:2] == bytes([0b1000_0001, 0b1000_0000])
    assert [get_bit(bits, i) for i in (0, 1, 7, 8, 9)] == [1, 0, 1, 1, 0]
    set_bit(bits, 7, 0)
    assert bits[0] == 0b1000_0000


def test_multi_bit_status():
    bits = new_list()
    set_status(bits, 1, 3, size=2)  # bits 2 and 3
    set_status(bits, 2, 2, size=2)  # bits 4 and 5 -> "10"
    assert bits[0] == 0b0011_1000
    assert [get_status(bits, i, 2) for i in range(4)] == [0, 3, 2, 0]
    with pytest.raises(StatusListError):
        set_status(bits, 0, 4, size=2)


def test_range_errors():
    bits = new_list()
    for index in (-1, MIN_BITS):
        with pytest.raises(StatusListError) as excinfo:
            get_bit(bits, index)
        assert excinfo.value.code == "status.range_error"
    with pytest.raises(StatusListError):
        get_status(bits, MIN_BITS // 2, 2)
    with pytest.raises(StatusListError):
        set_bit(bits, 0, 2)
    with pytest.raises(TypeError):
        get_bit(bits, True)


def test_new_list_sizes():
    assert len(new_list()) == 16_384
    assert len(new_list(MIN_BITS * 2)) == 32_768
    for size in (8, MIN_BITS - 8, MIN_BITS + 1):
        with pytest.raises(StatusListError):
            new_list(size)


def test_encoding_is_gzip_base64url_multibase_and_deterministic():
    bits = new_list()
    set_bit(bits, 42, 1)
    encoded = encode_list(bits)
    assert encoded.startswith("uH4sI")  # 'u' + base64url of the gzip magic 1f 8b 08
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==")) == bytes(bits)
    assert encode_list(bits) == encoded  # no timestamp in the gzip header
    with pytest.raises(StatusListError):
        encode_list(bytes(1024))


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_BITS - 1), max_size=300))
def test_round_trip_random_index_sets(indices):
    bits = new_list()
    for index in indices:
        set_bit(bits, index, 1)
    # Independent model of "index 0 is the left-most bit": a big-endian integer.
    expected = sum(1 << (MIN_BITS - 1 - i) for i in indices).to_bytes(MIN_BITS // 8, "big")
    assert bytes(bits) == expected
    decoded = decode_list(encode_list(bits))
    assert decoded == bits
    assert set_positions(decoded) == sorted(indices)
    credential = list_credential(bits)
    for index in list(indices)[:20]:
        assert check_status(status_entry(list_url=credential["id"], index=index, purpose="revocation"), credential) == 1


def test_issue_revoke_reinstate_flow():
    bits = new_list()
    entry = status_entry(list_url="https://badges.example.org/status/1", index=1234, purpose="suspension")
    assert check_status(entry, list_credential(bits, "suspension")) == 0
    set_bit(bits, 1234, 1)
    assert check_status(entry, list_credential(bits, "suspension")) == 1
    set_bit(bits, 1234, 0)
    assert check_status(entry, list_credential(bits, "suspension")) == 0


# --- decoding hostile or broken lists -----------------------------------------------------------


def test_decompression_bomb_is_stopped():
    # About 100 MiB of zeros, compressed in a streamed way (never held in memory): ~100 KB.
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    compressed = b"".join(deflater.compress(block) for _ in range(100)) + deflater.flush()
    assert len(compressed) < 200_000
    with pytest.raises(StatusListError) as excinfo:
        decode_list(encode_raw(compressed))
    assert excinfo.value.code == "status.list_too_large"


def test_lower_cap_by_parameter():
    encoded = encode_list(new_list())
    with pytest.raises(StatusListError) as excinfo:
        decode_list(encoded, max_bits=MIN_BITS - 8)
    assert excinfo.value.code == "status.list_too_large"


def test_multi_member_gzip_is_read():
    half = bytes(MIN_BITS // 16)
    raw = gzip.compress(half, mtime=0) + gzip.compress(b"\x80" + half[1:], mtime=0)
    bits = decode_list(encode_raw(raw))
    assert set_positions(bits) == [MIN_BITS // 2]


def test_padding_is_tolerated_on_read():
    raw = gzip.compress(bytes(MIN_BITS // 8), mtime=0)
    assert len(decode_list("u" + base64.urlsafe_b64encode(raw).decode())) == MIN_BITS // 8


@pytest.mark.parametrize(
    "encoded",
    [
        encode_raw(gzip.compress(bytes(MIN_BITS // 8), mtime=0), prefix=""),  # no multibase prefix
        encode_raw(gzip.compress(bytes(MIN_BITS // 8), mtime=0), prefix="z"),  # base58 prefix
        "u" + "!!!!",  # not base64url
        "uH4sI+AAAA/",  # standard base64, not base64url
        "u",  # nothing
        "uA",  # impossible base64 length
        encode_raw(zlib.compress(bytes(MIN_BITS // 8))),  # zlib, not gzip
        encode_raw(gzip.compress(bytes(MIN_BITS // 8), mtime=0)[:-12]),  # truncated
        encode_raw(gzip.compress(bytes(MIN_BITS // 8), mtime=0) + b"junk"),  # trailing garbage
        encode_raw(gzip.compress(bytes(1024), mtime=0)),  # fewer than 131,072 bits
        encode_raw(b"\x00" * 10_000_000),  # far too long to be a compressed list
    ],
)
def test_bad_encoded_lists(encoded):
    with pytest.raises(StatusListError):
        decode_list(encoded, max_bits=8 * 1024 * 1024)


def test_non_string_encoded_list():
    with pytest.raises(StatusListError):
        decode_list(b"uH4sI")


# --- check_status: malformed entries and list credentials ---------------------------------------


@pytest.fixture
def revoked_23():
    bits = new_list()
    set_bit(bits, 23, 1)
    credential = list_credential(bits)
    entry = status_entry(list_url=credential["id"], index=23, purpose="revocation")
    return entry, credential


@pytest.mark.parametrize(
    "change",
    [
        {"statusListIndex": "-1"},
        {"statusListIndex": "abc"},
        {"statusListIndex": " 23"},
        {"statusListIndex": True},
        {"statusListIndex": 2.5},
        {"statusListIndex": None},
        {"statusPurpose": ""},
        {"statusListCredential": None},
        {"type": "RevocationList2020Status"},
        {"statusSize": 0},
        {"statusSize": "1"},
    ],
)
def test_malformed_entries(revoked_23, change):
    entry, credential = revoked_23
    with pytest.raises(StatusListError):
        check_status({**entry, **change}, credential)


def test_index_out_of_range(revoked_23):
    entry, credential = revoked_23
    with pytest.raises(StatusListError) as excinfo:
        check_status({**entry, "statusListIndex": str(MIN_BITS)}, credential)
    assert excinfo.value.code == "status.range_error"


def test_purpose_mismatch(revoked_23):
    entry, credential = revoked_23
    with pytest.raises(StatusListError) as excinfo:
        check_status({**entry, "statusPurpose": "suspension"}, credential)
    assert excinfo.value.code == "status.purpose_mismatch"


def test_list_with_several_purposes(revoked_23):
    entry, credential = revoked_23
    credential["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
    assert check_status(entry, credential) == 1


def _without(path: tuple[str, ...]):
    def change(credential):
        target = credential
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    "mutate",
    [
        _without(("credentialSubject",)),
        _without(("credentialSubject", "encodedList")),
        _without(("credentialSubject", "statusPurpose")),
        _without(("credentialSubject", "type")),
        _without(("type",)),
        lambda c: c.update(type=["VerifiableCredential"]),
        lambda c: c.update(credentialSubject=[c["credentialSubject"], c["credentialSubject"]]),
        lambda c: c["credentialSubject"].update(encodedList=42),
        lambda c: c["credentialSubject"].update(encodedList=encode_raw(gzip.compress(bytes(1024), mtime=0))),
        lambda c: c["credentialSubject"].update(statusSize=2),  # entry says 1 implicitly; list too short for 2
    ],
)
def test_malformed_list_credentials(revoked_23, mutate):
    entry, credential = revoked_23
    credential = copy.deepcopy(credential)
    mutate(credential)
    with pytest.raises(StatusListError):
        check_status(entry, credential)


def test_short_list_is_a_length_error(revoked_23):
    entry, credential = revoked_23
    credential["credentialSubject"]["encodedList"] = encode_list(bytes(1024), min_bits=0)
    with pytest.raises(StatusListError) as excinfo:
        check_status(entry, credential)
    assert excinfo.value.code == "status.list_too_short"
    # An ecosystem may set another lower bound (§3.2 step 2).
    assert check_status(entry, credential, min_entries=8192) == 0


def test_wider_status_needs_more_entries():
    bits = bytearray(MIN_BITS // 8 * 2)  # 131,072 two-bit entries
    set_status(bits, 7, 2, size=2)
    credential = list_credential(bits)
    entry = {**status_entry(list_url=credential["id"], index=7, purpose="revocation"), "statusSize": 2}
    assert check_status(entry, credential) == 2
    short = list_credential(new_list())
    with pytest.raises(StatusListError) as excinfo:
        check_status(entry, short)
    assert excinfo.value.code == "status.list_too_short"


def test_legacy_status_list_2021():
    bits = new_list()
    set_bit(bits, 5, 1)
    raw = gzip.compress(bytes(bits), mtime=0)
    legacy_list = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1"],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": "did:example:12345",
        "issuanceDate": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": "https://example.com/status/3#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encode_raw(raw, prefix=""),  # StatusList2021 has no multibase prefix
        },
    }
    entry = {
        "id": "https://example.com/credentials/status/3#5",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://example.com/credentials/status/3",
    }
    assert parse_entry(entry).legacy
    assert check_status(entry, legacy_list) == 1
    # The two families do not mix.
    with pytest.raises(StatusListError):
        check_status({**entry, "type": "BitstringStatusListEntry"}, legacy_list)


# --- builders ---------------------------------------------------------------------------------


def test_builder_refuses_bad_input():
    good = dict(
        id="https://badges.example.org/status/1",
        issuer={"id": "did:web:badges.example.org", "type": "Profile"},
        purpose="revocation",
        encoded_list=encode_list(new_list()),
        valid_from="2025-01-01T00:00:00Z",
    )
    assert status_list_credential(**good)["issuer"]["id"] == "did:web:badges.example.org"
    assert status_list_credential(**good, valid_until="2026-01-01T00:00:00Z")["validUntil"] == "2026-01-01T00:00:00Z"
    for change in (
        {"id": ""},
        {"issuer": {"type": "Profile"}},
        {"purpose": "message"},
        {"encoded_list": "uAAAA"},
        {"valid_from": ""},
    ):
        with pytest.raises(StatusListError):
            status_list_credential(**{**good, **change})
    for kwargs in (
        {"list_url": "", "index": 1, "purpose": "revocation"},
        {"list_url": "https://x", "index": -1, "purpose": "revocation"},
        {"list_url": "https://x", "index": True, "purpose": "revocation"},
        {"list_url": "https://x", "index": 1, "purpose": "refresh"},
    ):
        with pytest.raises(StatusListError):
            status_entry(**kwargs)

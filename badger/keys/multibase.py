"""Multibase and Multikey encodings of public and secret keys.

Controlled Identifiers 1.0 §2.2.2 (Multikey): ``publicKeyMultibase`` is the multibase
base58-btc (prefix ``z``) of a multicodec header followed by the raw key bytes. Headers used
here (multicodec table, varint-encoded): ed25519-pub 0xed, ed25519-priv 0x1300,
p256-pub 0x1200 and p384-pub 0x1201 (33- and 49-byte compressed points), p256-priv 0x1306 and
p384-priv 0x1307 (32- and 48-byte scalars).
"""

from __future__ import annotations

from badger.errors import KeyMaterialError

__all__ = [
    "ED25519_PUB",
    "ED25519_PRIV",
    "P256_PUB",
    "P384_PUB",
    "P256_PRIV",
    "P384_PRIV",
    "multibase_encode",
    "multibase_decode",
    "encode_multikey",
    "decode_multikey",
]

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
P384_PUB = b"\x81\x24"
P256_PRIV = b"\x86\x26"
P384_PRIV = b"\x87\x26"

# Some tools (the OB 3.0 implementation guide among them) encode the 64-byte seed||public form.
_HEADERS = {
    ED25519_PUB: ("ed25519-pub", (32,)),
    ED25519_PRIV: ("ed25519-priv", (32, 64)),
    P256_PUB: ("p256-pub", (33,)),
    P384_PUB: ("p384-pub", (49,)),
    P256_PRIV: ("p256-priv", (32,)),
    P384_PRIV: ("p384-priv", (48,)),
}


# Base58-btc (draft-msporny-base58 §3, the Bitcoin alphabet), ten digits at a time: a digit at
# a time on a 512-bit integer (the base58 package) costs ~50 µs a signature, and signing or
# verifying one credential encodes or decodes several (proofValue, multikeys). Same output as
# the base58 package, checked by tests/keys/test_multibase.py on random bytes.
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 58**2 two-digit strings, by value
_PAIR_VALUES = {pair: i for i, pair in enumerate(_PAIRS)}
_CHUNK = 58**10


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    parts = []
    while n:
        n, chunk = divmod(n, _CHUNK)
        c4, p5 = divmod(chunk, 3364)
        c3, p4 = divmod(c4, 3364)
        c2, p3 = divmod(c3, 3364)
        p1, p2 = divmod(c2, 3364)
        parts.append(_PAIRS[p1] + _PAIRS[p2] + _PAIRS[p3] + _PAIRS[p4] + _PAIRS[p5])
    digits = "".join(reversed(parts)).lstrip("1")
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def _b58decode(text: str) -> bytes:
    text = text.rstrip()  # as the base58 package: trailing whitespace is ignored
    stripped = text.lstrip("1")
    zeros = len(text) - len(stripped)
    # Left-padded with "1" (the digit 0) to whole chunks of ten digits: the value is unchanged.
    padded = "1" * (-len(stripped) % 10) + stripped
    n = 0
    pv = _PAIR_VALUES
    try:
        for i in range(0, len(padded), 10):
            chunk = (
                (((pv[padded[i : i + 2]] * 3364 + pv[padded[i + 2 : i + 4]]) * 3364 + pv[padded[i + 4 : i + 6]]) * 3364)
                + pv[padded[i + 6 : i + 8]]
            ) * 3364 + pv[padded[i + 8 : i + 10]]
            n = n * _CHUNK + chunk
    except KeyError as exc:
        raise ValueError(f"invalid character in {exc.args[0]!r}") from None
    return b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


def multibase_encode(data: bytes) -> str:
    """bytes -> ``z`` + base58-btc (the only multibase base Data Integrity EdDSA uses)."""
    return "z" + _b58encode(bytes(data))


def multibase_decode(value: str) -> bytes:
    """``z``-prefixed base58-btc -> bytes. Raises KeyMaterialError for any other form."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise KeyMaterialError("not a base58-btc multibase value", code="key.bad_multibase")
    try:
        return _b58decode(value[1:])
    except ValueError as exc:
        raise KeyMaterialError(f"invalid base58-btc: {exc}", code="key.bad_multibase") from exc


def encode_multikey(header: bytes, raw: bytes) -> str:
    """Multikey value for raw key bytes with the given multicodec header."""
    return multibase_encode(header + raw)


def decode_multikey(value: str) -> tuple[str, bytes]:
    """Multikey value -> (codec name, raw key bytes). Raises KeyMaterialError."""
    data = multibase_decode(value)
    for header, (name, size) in _HEADERS.items():
        if data.startswith(header):
            raw = data[len(header) :]
            if len(raw) not in size:
                raise KeyMaterialError(f"{name} key has a wrong length", code="key.bad_length")
            return name, raw
    raise KeyMaterialError("unsupported multicodec key type", code="key.unsupported_type")

"""badger.keys.multibase's base58-btc gives the base58 package's bytes and text exactly."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badger.errors import KeyMaterialError
from badger.keys.multibase import multibase_decode, multibase_encode


@settings(max_examples=2000)
@given(st.binary(max_size=120))
def test_encoding_and_decoding_equal_the_base58_package(data):
    text = base58.b58encode(data).decode("ascii")
    assert multibase_encode(data) == "z" + text
    if text:  # "z" alone is refused (not a value)
        assert multibase_decode("z" + text) == base58.b58decode(text) == data


@settings(max_examples=500)
@given(st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", min_size=1, max_size=100))
def test_any_base58_text_decodes_as_the_base58_package_does(text):
    assert multibase_decode("z" + text) == base58.b58decode(text)


@pytest.mark.parametrize("bad", ["z0abc", "zIl", "zabc O", "z" + "1" * 5 + "+", "x123", "z", 5])
def test_anything_else_is_refused(bad):
    with pytest.raises(KeyMaterialError):
        multibase_decode(bad)


def test_leading_zero_bytes_and_trailing_whitespace():
    assert multibase_encode(b"\0\0\1") == "z112"
    assert multibase_decode("z112 \n") == b"\0\0\1"
    assert multibase_decode("z111") == b"\0\0\0"

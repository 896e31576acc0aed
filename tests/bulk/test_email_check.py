"""The bulk check's e-mail validation: email_validator's answer, with its domain check done once
per domain (bulk.service._validate_email). Property: it refuses exactly what email_validator
refuses, with the same message."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from badger.bulk.service import _validate_email

_LOCAL = st.text(alphabet='ab.Z09_%+-!#é "@', min_size=0, max_size=70)
_DOMAIN = st.one_of(
    st.sampled_from(
        ["exemple.fr", "cec-ouest.org", "a.b", "localhost", "test", "xn--bcher-kva.de", "bücher.de", "-x.fr", "x..fr"]
    ),
    st.text(alphabet="abc.-0é", min_size=0, max_size=12),
    st.builds(lambda n: "a" * n + ".fr", st.integers(min_value=60, max_value=260)),
)


def _answer(check, email: str) -> str | None:
    try:
        check(email)
    except EmailNotValidError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@settings(max_examples=400, deadline=None)
@given(_LOCAL, _DOMAIN)
def test_same_answer_as_email_validator(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    assert _answer(_validate_email, email) == _answer(lambda e: validate_email(e, check_deliverability=False), email)


@pytest.mark.parametrize(
    "email",
    [
        "p0@exemple.fr",
        "anne.durand+cec@exemple.fr",
        "a@localhost",
        "a@test",
        "a..b@exemple.fr",
        ".a@exemple.fr",
        "a@exemple",
        "é@exemple.fr",
        "a@b@exemple.fr",
        "a" * 65 + "@exemple.fr",
        "a@" + "b" * 250 + ".fr",
    ],
)
def test_examples(email: str) -> None:
    expected = _answer(lambda e: validate_email(e, check_deliverability=False), email)
    assert _answer(_validate_email, email) == expected
    assert _answer(_validate_email, email) == expected  # the domain's answer, remembered

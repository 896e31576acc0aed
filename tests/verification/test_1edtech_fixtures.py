"""Must show 2: every valid 1EdTech fixture verifies (JSON, baked PNG/SVG, JSON and JWT forms);
every ``simple-err-*`` case fails with the problem its name says."""

from __future__ import annotations

import pytest

from badger.verification import StatusListChecker, verify
from tests.verification.conftest import FIXTURE_NOW, fixture_bytes, fixture_json

VALID = [
    "simple.json",
    "simple-did-key-method.json",
    "simple-did-web-method.json",
    "complete.json",
    "endorsement-valid.json",
    "simple_v1.json",
    "simple-multiple-proofs.json",
    "simple-eddsa-2022.json",
    "simple-context-alias.json",
    "simple-context-version.json",
]
BAKED = [
    "simple-json.png",
    "simple-json.svg",
    "simple-jwt.png",
    "simple-jwt.svg",
    "simple-jwt_v1.png",
    "simple-jwt_v1.svg",
]

# file -> (the check that fails, the code it fails with [, a problem code that must appear])
ERRORS = {
    "simple-err-context.json": ("schema", "context.order"),
    "simple-err-issued.json": ("dates", "dates.not_yet_valid"),
    "simple-err-expired.json": ("dates", "dates.expired"),
    "simple-err-issuer.json": ("issuer", "issuer.missing"),
    "simple-err-proof-value.json": ("proof", "proof.signature_mismatch"),
    "simple-err-proof-method.json": ("proof", "proof.key_unresolved"),
    "simple-err-proof-method-no-scheme.json": ("proof", "proof.key_unresolved"),
    "simple-err-proof-method-unknown-did-method.json": ("proof", "proof.key_unresolved"),
    "simple-err-proof-method-unknown-scheme.json": ("proof", "proof.key_unresolved"),
    "simple-err-type.json": ("schema", "schema.type"),
    "simple-err-issuer-type.json": ("schema", "schema.type"),
    "simple-err-issuer-parentorg-type.json": ("schema", "schema.type"),
    "simple-err-issuer-otheridentifier-type.json": ("schema", "schema.type"),
    "simple-err-credential-subject-type.json": ("schema", "schema.type"),
    "simple-err-credential-subject-profile-type.json": ("schema", "schema.type"),
    "simple-err-credential-subject-identifier-type.json": ("schema", "schema.type"),
    "simple-err-credential-subject-result-type.json": ("schema", "schema.type"),
    "simple-err-credential-subject-achievement-result-description-type.json": ("schema", "schema.type"),
    "simple-err-evidence-type.json": ("schema", "schema.type"),
}


def _verify(data, resolver, **kw):
    return verify(data, resolver=resolver, now=FIXTURE_NOW, **kw)


@pytest.mark.parametrize("name", VALID)
def test_valid_json_fixture_verifies(name, fixture_resolver):
    result = _verify(fixture_json(name), fixture_resolver)
    assert result.verified, result.as_dict("en")
    assert [c.check for c in result.checks] == ["format", "schema", "proof", "issuer", "dates", "status", "recipient"]


@pytest.mark.parametrize("name", BAKED)
def test_baked_fixture_verifies(name, fixture_resolver):
    result = _verify(fixture_bytes(name), fixture_resolver)
    assert result.verified, result.as_dict("en")
    assert result.format == name.rsplit(".", 1)[1]


def test_fixture_without_proof_fails():
    result = verify(fixture_json("simple-noproof.json"), resolver=None, now=FIXTURE_NOW)
    assert not result.verified and result.check("proof").code == "proof.missing"


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_fixture_fails_for_its_reason(name, fixture_resolver):
    check_name, code = ERRORS[name]
    result = _verify(fixture_json(name), fixture_resolver)
    assert not result.verified
    check = result.check(check_name)
    assert check.status == "failed", result.as_dict("en")
    assert code == check.code or code in [p.code for p in check.problems], result.as_dict("en")


def test_endorsement_with_unreachable_schema_status_and_refresh(fixture_resolver):
    """Its extra schema, 1EdTechRevocationList status and refresh service live at URLs nobody
    serves: the extra schema is reported, the status cannot be established, and its proof does
    not match its (edited) content either."""

    def unreachable(url):
        raise AssertionError("not reached: the status type is not a Bitstring Status List")

    checker = StatusListChecker(unreachable, resolver=fixture_resolver, now=FIXTURE_NOW)
    result = _verify(fixture_json("endorsement-err-schema-status-refresh.json"), fixture_resolver, status=checker)
    assert not result.verified
    assert result.check("schema").code == "schema.unknown_schema"
    assert result.check("status").code == "status.unavailable"


def test_legacy_complete_v1_is_reported_expired(fixture_resolver):
    # VC 1.1 form; expired in 2020 and signed with a key ("#key-1") published nowhere.
    result = _verify(fixture_json("complete_v1.json"), fixture_resolver)
    assert result.check("dates").code == "dates.expired"
    assert result.check("proof").code == "proof.key_unresolved"


def test_revoked_fixture_is_revoked_with_the_signed_list(fixture_resolver, fixture_status_lists):
    credential = fixture_json("bit-string-list/credential-status-revoked.json")
    checker = StatusListChecker(fixture_status_lists.__getitem__, resolver=fixture_resolver, now=FIXTURE_NOW)
    result = _verify(credential, fixture_resolver, status=checker)
    assert result.check("proof").status == "passed"
    assert result.check("status").code == "status.revoked"
    assert not result.verified
    # Without a status checker the status is reported as not checked (a warning, not a pass).
    assert _verify(credential, fixture_resolver).check("status").status == "warning"


def test_messages_follow_the_language(fixture_resolver):
    result = _verify(fixture_json("simple-err-expired.json"), fixture_resolver)
    fr = {c["check"]: c["message"] for c in result.as_dict("fr")["checks"]}
    en = {c["check"]: c["message"] for c in result.as_dict("en")["checks"]}
    assert fr["dates"] == "Le badge a expiré." and en["dates"] == "The badge has expired."

"""validate(): the 1EdTech JSON Schemas plus rules a schema cannot say (OB 3.0 §Verification step 1)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from badger.credentials import builders as b
from badger.credentials import validation as v
from badger.credentials.identity import identity_object
from badger.credentials.problems import Problem
from badger.credentials.validation import check, validate
from badger.errors import InvalidCredential
from badger.resources import load_json

OB30 = Path(__file__).resolve().parent.parent / "vectors" / "1edtech-validator-ob30"
SPEC_VECTOR = Path(__file__).resolve().parent.parent / "vectors" / "ob3-spec-eddsa-rdfc-2022-vector"


def load(name: str) -> dict:
    return json.loads((OB30 / name).read_text(encoding="utf-8"))


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in problems]


# ----------------------------------------------------------------------------- 1EdTech fixtures

VALID = [
    "simple.json",
    "simple-did-key-method.json",
    "simple-did-web-method.json",
    "complete.json",
    "simple_v1.json",  # VC 1.1: issuanceDate, credentials/v1 + ob context.json
    "endorsement-valid.json",
    "simple-multiple-proofs.json",
    "simple-eddsa-2022.json",  # VC 1.1 + context-3.0.1
    "simple-context-alias.json",
    "simple-context-version.json",  # context-3.0.2
    "credential-status-revoked.json",  # VC 1.1, 1EdTechRevocationList: revocation is the verifier's
    "bit-string-list/credential-status-revoked.json",
    "bit-string-list/credential-status-revoked-blank-nodes.json",
    "sd/derivedcredential.json",
]


@pytest.mark.parametrize("name", VALID)
def test_valid_fixtures_have_no_problem(name):
    assert validate(load(name), mode="verify") == []


def test_spec_vector_is_valid_as_issued():
    for name in ("credential-unsigned.json", "credential-signed.json"):
        doc = json.loads((SPEC_VECTOR / name).read_text(encoding="utf-8"))
        assert validate(doc, mode="issue") == []


# Listed as valid, but the files break the current OB 3.0 schema in one place each.
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # No credentialSubject.achievement, which AchievementSubject requires (1..1).
        ("simple-noproof.json", [("schema.required", "/credentialSubject/achievement")]),
        # One of the creator's embedded endorsements has no name; EndorsementCredential requires it.
        ("complete_v1.json", [("schema.required", "/credentialSubject/achievement/creator/endorsement/1/name")]),
    ],
)
def test_valid_listed_fixtures_with_a_real_defect(name, expected):
    assert codes(validate(load(name), mode="verify")) == expected


@pytest.mark.parametrize(
    ("name", "code", "path"),
    [
        ("simple-err-type.json", "schema.type", "/type"),
        ("simple-err-context.json", "context.order", "/@context"),
        ("simple-err-issuer.json", "schema.required", "/issuer"),
        ("simple-err-issuer-type.json", "schema.type", "/issuer/type"),
        ("simple-err-issuer-parentorg-type.json", "schema.type", "/issuer/parentOrg/type"),
        ("simple-err-issuer-otheridentifier-type.json", "schema.type", "/issuer/otherIdentifier/1/type"),
        ("simple-err-credential-subject-type.json", "schema.type", "/credentialSubject/type"),
        ("simple-err-credential-subject-identifier-type.json", "schema.type", "/credentialSubject/identifier/0/type"),
        ("simple-err-credential-subject-result-type.json", "schema.type", "/credentialSubject/result/1/type"),
        ("simple-err-credential-subject-profile-type.json", "schema.type", "/credentialSubject/source/type"),
        (
            "simple-err-credential-subject-achievement-result-description-type.json",
            "schema.type",
            "/credentialSubject/achievement/resultDescription/2/type",
        ),
        ("simple-err-evidence-type.json", "schema.type", "/evidence/1/type"),
    ],
)
def test_error_fixtures_give_the_problem_their_name_says(name, code, path):
    problems = codes(validate(load(name), mode="verify"))
    assert (code, path) in problems
    # Nothing else, except defects the files also carry (the fixtures were cut down from
    # simple.json by hand, and the 1EdTech validator stops at the first failure).
    extra = {
        "simple-err-type.json": [("schema.required", "/credentialSubject/achievement")],
        "simple-err-issuer.json": [("schema.required", "/credentialSubject/achievement")],
        "simple-err-context.json": [
            ("schema.required", "/credentialSubject/achievement"),
            ("schema.required", "/validFrom"),  # issuanceDate without the VC 1.1 context
        ],
        "simple-err-credential-subject-identifier-type.json": [
            ("identity.hash_format", "/credentialSubject/identifier/0/identityHash"),  # "asdjhsadas"
        ],
    }.get(name, [])
    assert sorted(problems) == sorted([(code, path)] + extra)


@pytest.mark.parametrize(
    "name",
    [
        # validUntil == validFrom: expired at verification time, not malformed.
        "simple-err-expired.json",
        # Proof failures: unresolvable or malformed verification methods, a tampered value.
        "simple-err-proof-method.json",
        "simple-err-proof-method-no-scheme.json",
        "simple-err-proof-method-unknown-scheme.json",
        "simple-err-proof-method-unknown-did-method.json",
        "simple-err-proof-value.json",
        # Its failures are fetches: a second credentialSchema URL that does not resolve, the
        # 1EdTechRevocationList and the refresh service. Offline, the document is well formed.
        "endorsement-err-schema-status-refresh.json",
    ],
)
def test_verifier_failures_are_not_validation_problems(name):
    assert validate(load(name), mode="verify") == []


def test_not_yet_valid_is_the_verifiers_call():
    # validFrom in 2040 is only "not yet valid" against a clock; the file also lacks the achievement.
    assert codes(validate(load("simple-err-issued.json"))) == [("schema.required", "/credentialSubject/achievement")]


def test_issue_mode_is_strict_about_contexts_and_legacy_names():
    assert validate(load("simple.json"), mode="issue") == []
    assert codes(validate(load("simple-context-version.json"), mode="issue")) == [("context.legacy", "/@context/1")]
    assert codes(validate(load("simple-did-key-method.json"), mode="issue")) == [("context.extra", "/@context/2")]
    legacy = codes(validate(load("simple_v1.json"), mode="issue"))
    assert ("context.legacy", "/@context/0") in legacy
    assert ("dates.legacy_property", "/issuanceDate") in legacy
    assert ("schema.required", "/validFrom") in legacy


# ----------------------------------------------------------------------------- synthetic cases


def typical() -> dict:
    issuer = b.profile(id="https://badger.example/issuers/tap-vannes", name="Territoire apprenant pays de Vannes")
    return b.achievement_credential(
        id="urn:uuid:2d3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b",
        issuer=issuer,
        achievement=b.achievement(
            id="https://badger.example/achievements/fresquathon-2023",
            name="Fresquathon 2023",
            description="Animer une fresque du climat pendant le fresquathon d'octobre 2023.",
            criteria_narrative="Avoir animé au moins une fresque.",
            image="https://badger.example/img/fresque.png",
            alignments=[
                b.alignment(
                    target_name="Animer une fresque du climat", target_url="https://badger.example/competences/fresque"
                )
            ],
        ),
        recipient=identity_object("yann@exemple.bzh", "sel-de-guerande"),
        valid_from="2023-10-14T18:00:00+02:00",
        evidence=[b.evidence(id="https://badger.example/evidence/7", name="Photo")],
    )


def _set(path, value):
    def mutate(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        doc[last] = value

    return mutate


def _pop(path):
    def mutate(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        del doc[last]

    return mutate


def _legacy(doc):
    doc["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    doc["issuanceDate"] = doc.pop("validFrom")


IDENT = ("credentialSubject", "identifier", 0)
ACH = ("credentialSubject", "achievement")

CASES = [
    ("issuer without id", _pop(("issuer", "id")), "issue", [("schema.required", "/issuer/id")]),
    ("name is a number", _set(("name",), 5), "issue", [("schema.json_type", "/name")]),
    ("impossible date", _set(("validFrom",), "2023-13-01T00:00:00Z"), "issue", [("schema.format", "/validFrom")]),
    ("date without timezone", _set(("validFrom",), "2023-01-01T00:00:00"), "issue", [("schema.format", "/validFrom")]),
    (
        "unknown identityType",
        _set(IDENT + ("identityType",), "mail"),
        "issue",
        [("schema.enum", "/credentialSubject/identifier/0/identityType")],
    ),
    (
        "extra IdentityObject property",
        _set(IDENT + ("email",), "x@y.fr"),
        "issue",
        [("schema.additional_property", "/credentialSubject/identifier/0/email")],
    ),
    (
        "Image type as an array",
        _set(ACH + ("image", "type"), ["Image"]),
        "issue",
        [("schema.type", "/credentialSubject/achievement/image/type")],
    ),
    (
        "no criteria",
        _pop(ACH + ("criteria",)),
        "issue",
        [("schema.required", "/credentialSubject/achievement/criteria")],
    ),
    (
        "no alignment URL",
        _pop(ACH + ("alignment", 0, "targetUrl")),
        "issue",
        [("schema.required", "/credentialSubject/achievement/alignment/0/targetUrl")],
    ),
    (
        "unknown achievementType",
        _set(ACH + ("achievementType",), "Thing"),
        "issue",
        [("schema.enum", "/credentialSubject/achievement/achievementType")],
    ),
    ("evidence as a string", _set(("evidence",), "https://x.example/e"), "issue", [("schema.json_type", "/evidence")]),
    ("type as a lone string", _set(("type",), "OpenBadgeCredential"), "issue", [("schema.type", "/type")]),
    ("no type", _pop(("type",)), "issue", [("schema.type", "/type")]),
    ("no subject type", _pop(("credentialSubject", "type")), "issue", [("schema.type", "/credentialSubject/type")]),
    (
        "anonymous subject",
        _pop(("credentialSubject", "identifier")),
        "issue",
        [("subject.unidentified", "/credentialSubject")],
    ),
    (
        "relative subject id",
        _set(("credentialSubject", "id"), "yann"),
        "issue",
        [("subject.invalid_id", "/credentialSubject/id")],
    ),
    (
        "inverted dates",
        _set(("validUntil",), "2023-10-14T16:59:59+01:00"),
        "issue",
        [("dates.inverted", "/validUntil")],
    ),
    ("equal dates", _set(("validUntil",), "2023-10-14T16:00:00Z"), "issue", []),
    ("relative issuer id", _set(("issuer", "id"), "tap-vannes"), "issue", [("issuer.invalid_id", "/issuer/id")]),
    ("bad DID issuer", _set(("issuer",), "did:web:"), "issue", [("issuer.invalid_id", "/issuer")]),
    ("DID issuer", _set(("issuer",), "did:web:badger.example:issuers:tap"), "issue", []),
    (
        "short sha256",
        _set(IDENT + ("identityHash",), "sha256$abc"),
        "issue",
        [("identity.hash_format", "/credentialSubject/identifier/0/identityHash")],
    ),
    (
        "md5 hash",
        _set(IDENT + ("identityHash",), "md5$" + "a" * 32),
        "issue",
        [("identity.weak_hash", "/credentialSubject/identifier/0/identityHash")],
    ),
    ("md5 hash verified", _set(IDENT + ("identityHash",), "md5$" + "A" * 32), "verify", []),
    ("contexts reversed", lambda d: d["@context"].reverse(), "verify", [("context.order", "/@context/1")]),
    ("no OB context", lambda d: d["@context"].pop(), "verify", [("context.missing_ob", "/@context")]),
    (
        "OB context third",
        lambda d: d["@context"].insert(1, "https://w3id.org/security/data-integrity/v2"),
        "verify",
        [("context.order", "/@context/2")],
    ),
    ("no context", _pop(("@context",)), "verify", [("context.missing", "/@context")]),
    ("context is a number", _set(("@context",), 3), "verify", [("context.invalid", "/@context")]),
    (
        "extra context issued",
        lambda d: d["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"),
        "issue",
        [("context.extra", "/@context/2")],
    ),
    (
        "extra context verified",
        lambda d: d["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"),
        "verify",
        [],
    ),
    ("legacy verified", _legacy, "verify", []),
    (
        "legacy with a bad date",
        lambda d: (_legacy(d), _set(("issuanceDate",), "hier")(d)),
        "verify",
        [("schema.format", "/issuanceDate")],
    ),
    (
        "legacy without a date",
        lambda d: (_legacy(d), _pop(("issuanceDate",))(d)),
        "verify",
        [("schema.required", "/issuanceDate")],
    ),
    (
        "legacy inverted",
        lambda d: (_legacy(d), _set(("expirationDate",), "2001-01-01T00:00:00Z")(d)),
        "verify",
        [("dates.inverted", "/expirationDate")],
    ),
    ("legacy without id", lambda d: (_legacy(d), _pop(("id",))(d)), "verify", []),
    (
        "legacy issued",
        _legacy,
        "issue",
        [
            ("schema.required", "/validFrom"),
            ("context.legacy", "/@context/0"),
            ("dates.legacy_property", "/issuanceDate"),
        ],
    ),
    (
        "embedded endorsement with a bad type",
        _set(ACH + ("endorsement",), [{**load("endorsement-valid.json"), "type": ["VerifiableCredential"]}]),
        "verify",
        [("schema.type", "/credentialSubject/achievement/endorsement/0/type")],
    ),
    (
        "embedded endorsement without context",
        _set(("endorsement",), [{k: v for k, v in load("endorsement-valid.json").items() if k != "@context"}]),
        "verify",
        [("context.missing", "/endorsement/0/@context")],
    ),
]


@pytest.mark.parametrize(("label", "mutate", "mode", "expected"), CASES, ids=[c[0] for c in CASES])
def test_synthetic_problems(label, mutate, mode, expected):
    doc = typical()
    assert validate(doc, mode="issue") == []
    mutate(doc)
    assert sorted(codes(validate(doc, mode=mode))) == sorted(expected)


# ----------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], [("document.not_object", "")]),
        (None, [("document.not_object", "")]),
        ("{}", [("document.not_object", "")]),
        ({}, [("document.unknown_type", "/type")]),
        ({"type": ["Foo"]}, [("document.unknown_type", "/type")]),
        ({"type": ["Profile"], "name": "x"}, [("schema.required", "/id")]),
    ],
)
def test_junk_gives_problems_not_exceptions(doc, expected):
    assert codes(validate(doc)) == expected


def test_deep_nesting_gives_a_problem():
    doc = typical()
    node = doc["issuer"]
    for i in range(5000):
        node["parentOrg"] = {"id": f"https://x.example/{i}", "type": ["Profile"]}
        node = node["parentOrg"]
    assert codes(validate(doc)) == [("schema.invalid", "")]


def test_unknown_mode_is_a_programming_error():
    with pytest.raises(ValueError):
        validate(typical(), mode="lenient")  # type: ignore[arg-type]


def test_validate_does_not_mutate():
    doc = load("complete_v1.json")
    before = copy.deepcopy(doc)
    validate(doc)
    assert doc == before


def test_check():
    check(typical())
    doc = typical()
    del doc["issuer"]
    doc["validUntil"] = "2000-01-01T00:00:00Z"
    with pytest.raises(InvalidCredential) as info:
        check(doc)
    assert codes(info.value.problems) == [("schema.required", "/issuer"), ("dates.inverted", "/validUntil")]
    assert info.value.code == "schema.invalid"
    with pytest.raises(InvalidCredential):
        check(load("simple_v1.json"))  # fine to verify, never to issue
    check(load("simple_v1.json"), mode="verify")


# ----------------------------------------------------------------------------- compiled schemas


@pytest.mark.parametrize("kind", sorted(v._SCHEMA_FILES))
def test_compiled_validators_are_cached_and_offline(kind):
    assert v._validator(kind) is v._validator(kind)
    # Every $ref stays inside the file (compiling would raise otherwise).
    assert v._compile(load_json(v._SCHEMA_FILES[kind]))


def _all_documents():
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(OB30.rglob("*.json"))]
    for _, mutate, _, _ in CASES:
        doc = typical()
        mutate(doc)
        docs.append(doc)
    return docs


@pytest.mark.parametrize("kind", ["achievement", "endorsement"])
def test_compiled_schema_agrees_with_the_published_one(kind):
    """The type switches are an optimisation: the verdict must be the published schema's."""
    raw = Draft201909Validator(load_json(v._SCHEMA_FILES[kind]), format_checker=v._FORMATS)
    compiled = v._validator(kind)
    for doc in _all_documents():
        assert raw.is_valid(doc) == compiled.is_valid(doc)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,)
            yield from _paths(value, prefix + (index,))


def _mutations(doc):
    replacements = [None, 1, "x", [], {}, ["x"], [{}], {"en": "x"}]
    for path in _paths(doc):
        yield _pop(path)
        for value in replacements:
            yield _set(path, value)


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("achievement", lambda: load("simple.json")),
        ("achievement", typical),
        ("endorsement", lambda: load("endorsement-valid.json")),
    ],
)
def test_compiled_schema_agrees_on_every_single_mutation(kind, source):
    raw = Draft201909Validator(load_json(v._SCHEMA_FILES[kind]), format_checker=v._FORMATS)
    compiled = v._validator(kind)
    for mutate in _mutations(source()):
        doc = source()
        mutate(doc)
        assert raw.is_valid(doc) == compiled.is_valid(doc), doc
        assert isinstance(validate(doc), list)

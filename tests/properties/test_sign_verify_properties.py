"""Issue "must show 4": any learner text signs and verifies; any single mutation fails.

Two proof formats, one claim each way:

* Data Integrity (``DataIntegrityProof`` / ``eddsa-rdfc-2022``), signed with a did:key:
  every learner name, e-mail and evidence narrative (all of Unicode, long strings) signs and
  verifies, with the recipient check passing; any single mutation that changes the signed
  RDF dataset or the proof options makes the proof check fail. JSON key order, whitespace and
  the order of ``type`` values (a JSON-LD @type is a set) do not matter.
* VC-JWT (ES256, kid resolved from the issuer's controller document): every text verifies and
  round-trips; changing any single character of the compact JWS fails.

What "a mutation" means here, and why some JSON edits are not mutations
--------------------------------------------------------------------------
The proof signs the RDF dataset (RDFC-1.0 canonical N-Quads), not the JSON bytes. A JSON
edit that leaves the dataset unchanged therefore keeps the proof valid, in Badger and in
Digital Bazaar's verifier alike (checked with the interop harness). Such edits are excluded
from the mutation property below, on purpose:

* a member whose value is null, [] or {} with no properties (JSON-LD drops them);
* an "@type" member repeating a type already given by its alias "type" (JSON-LD 1.1 merges
  the two into one set);
* a member whose key is a JSON-LD keyword that node objects ignore (``@index``, ``@language``,
  ``@direction``, ``@version``, ...) or an ``@context`` that redefines nothing;
* a number changed beyond the 16 significant digits of JSON-LD's canonical xsd:double form
  (JSON-LD 1.1 API, "Object to RDF Conversion": "%1.15E"), or 3.0 written 3 (the same
  JSON-LD integer);
* a proof ``@context`` that prefixes the document's (eddsa-rdfc-2022 §3.3.2 step 4 checks the
  prefix; the proof context itself is not signed).

Everything else — one character of any string (values, ids, types, dates, hashes, contexts,
proof fields), a property renamed, added with a real value, or deleted, a list element
deleted, a boolean flipped, a number changed — must fail.
"""

from __future__ import annotations

import copy
import json
import re
import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from badger.credentials.builders import (
    achievement,
    achievement_credential,
    evidence,
    profile,
)
from badger.credentials.identity import identity_object, normalise_email
from badger.credentials.validation import validate
from badger.credentials.vocab import OB_CREDENTIAL_CONTEXT
from badger.errors import InvalidInput
from badger.jsonld import canonicalize
from badger.keys import (
    ChainResolver,
    DidKeyResolver,
    Ed25519KeyPair,
    StaticResolver,
    did_document,
    did_key,
    generate_jwt_key,
    public_jwk,
)
from badger.proofs import vc_jwt
from badger.proofs.data_integrity import add_proof
from badger.verification import FAILED, PASSED, verify

# One key per module: Ed25519 for Data Integrity (did:key), P-256 for VC-JWT.
PAIR = Ed25519KeyPair.generate()
DID = did_key(PAIR)
VM = f"{DID}#{PAIR.public_key_multibase}"
DI_RESOLVER = ChainResolver(DidKeyResolver())

JWT_ISSUER = "https://badges.example/issuers/x"
JWT_KID = f"{JWT_ISSUER}#jwt-1"
JWT_KEY = generate_jwt_key("ES256")
JWT_RESOLVER = StaticResolver({JWT_ISSUER: did_document(JWT_ISSUER, jwks=[("#jwt-1", public_jwk(JWT_KEY))])})

VALID_FROM = "2024-09-02T08:30:00Z"
CREATED = "2024-09-02T08:30:05Z"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SALT = "sel-de-guérande-42"

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(*, issuer_id: str, name: str | None, email: str, narrative: str) -> dict:
    """An unsigned OpenBadgeCredential carrying the learner's texts, built by the builders."""
    return achievement_credential(
        id="urn:uuid:6f1c8a52-7d7e-4f7b-9a55-2f0a3c1d9e21",
        issuer=profile(id=issuer_id, name="Réseau des tiers-lieux d'Occitanie", url="https://badges.example"),
        achievement=achievement(
            id="https://badges.example/achievements/soudure-arc",
            name="Soudure à l'arc — niveau 1",
            description="Souder deux tôles d'acier bout à bout en sécurité.",
            criteria_narrative="Réaliser trois cordons validés par un·e formateur·rice.",
            tags=["soudure", "fabrication"],
            credits_available=2.5,
        ),
        recipient=identity_object(email, SALT),
        recipient_name=name,
        valid_from=VALID_FROM,
        evidence=[evidence(narrative=narrative, name="Cordons")],
    )


# What issue-mode validation refuses in text (badger.credentials.validation, rule
# text.control_character): C0 controls but LF and CR, and DEL.
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def sign_di(credential: dict) -> dict:
    return add_proof(credential, keypair=PAIR, verification_method=VM, created=CREATED)


def verify_di(document, email: str | None = None):
    return verify(document, resolver=DI_RESOLVER, now=NOW, email=email)


def _assert_verified(result, *, recipient: bool):
    failed = [(c.check, c.code, c.detail) for c in result.checks if c.status == FAILED]
    assert result.verified, failed
    assert result.check("proof").status == PASSED
    assert result.check("issuer").status == PASSED
    if recipient:
        assert result.check("recipient").status == PASSED


# ------------------------------------------------------------------------------- strategies

# Hand-picked texts a French learning network meets, and the Unicode that breaks naive code.
SAMPLE_TEXTS = [
    "Élodie Dupré",
    "François-Xavier Le Bœuf",
    "Maëlys N'Guessan",
    "ÇA VA, ÆSCHYLE ? « guillemets » — tiret cadratin…",
    "👩🏽‍🔧 soudeuse 🏳️‍🌈 🇫🇷",  # ZWJ sequences, skin tone, flags
    "e\u0301le\u0300ve",  # decomposed accents (combining marks)
    "مريم بنت محمد",  # Arabic, right to left
    "\u202eevil\u202c name",  # bidi override
    "李小龍 / 김민준 / ひらがな",
    "Z\u0351\u0308\u0334a\u0360l\u0338g\u0489o",  # stacked combining marks
    "line one\nline two\r\n\ttabbed",
    'quote " backslash \\ and \u2028 separator',
    "\ufeffBOM and \u00a0nbsp",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral \U0010fffd",
    "x" * 4000,
    "é🎉" * 1500,
]

# st.text() draws from all of Unicode except surrogates (which are not text: JSON text and
# UTF-8 cannot carry a lone one). Nothing else is filtered: the builders take any string.
any_text = st.one_of(
    st.text(max_size=60),
    st.text(min_size=500, max_size=3000),
    st.sampled_from(SAMPLE_TEXTS),
)
# name_identity_object refuses a name that is empty or white space only (str.strip()): a
# display name must display something. A narrative only has to be non-empty.
names = any_text.filter(lambda s: s.strip())
narratives = any_text.filter(bool)

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"


def _email_strategy(*, marks: bool):
    """Addresses built by normalise_email's own rules (and filtered through it).

    Local part: dot-separated atoms of ASCII atext or any non-ASCII character outside
    categories C and Z (RFC 6531). Domain: labels of letters, marks and digits of any script
    (or ASCII LDH labels), a non-numeric last label. ``marks=False`` leaves combining marks out.
    """
    excluded = ("C", "Z") if marks else ("C", "Z", "M")
    local_char = st.one_of(st.sampled_from(_ATEXT), st.characters(min_codepoint=0x80, exclude_categories=excluded))
    local = st.lists(st.text(alphabet=local_char, min_size=1, max_size=12), min_size=1, max_size=3).map(".".join)
    ascii_label = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
    idn_label = st.text(
        alphabet=st.characters(categories=("L", "M", "N") if marks else ("L", "N")), min_size=1, max_size=12
    )
    tld = st.one_of(st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True), idn_label)
    return st.builds(
        lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
        local,
        st.lists(st.one_of(ascii_label, idn_label), min_size=1, max_size=3),
        tld,
    ).filter(_accepted)


def _accepted(address: str) -> bool:
    try:
        normalise_email(address)
    except InvalidInput:
        return False
    return True


emails = _email_strategy(marks=True)
# Combining marks are left out where case is changed: normalise_email applies NFC before
# lower(), and lower() can leave a letter and a mark that NFC would compose ("J\u030c" ->
# "j\u030c", whose NFC is "\u01f0"), so such an address and its case variant may not match.
emails_without_marks = _email_strategy(marks=False)


def _case_changed(address: str) -> str:
    """Upper-case every character that has a simple (one to one, reversible) case pair.

    Characters without one (ß -> SS, ς -> Σ -> σ, ı -> I -> i, ...) are left as they are:
    lower() does not undo their upper(), so normalisation cannot promise to match them.
    """
    out = []
    for ch in address:
        upper = ch.upper()
        out.append(upper if len(upper) == 1 and upper.lower() == ch else ch)
    return "".join(out)


# --------------------------------------------------------------- Data Integrity: round trip


@MANY
@given(name=names, email=emails, narrative=narratives)
@example(name="Élodie Dupré", email="Élodie.Dupré@Exemple.FR", narrative="Trois cordons réussis 🎉")
@example(name="e\u0301lodie", email="e\u0301lodie@exemple.fr", narrative="e\u0301")
@example(name="李小龍", email="用户@例子.广告", narrative="مريم")
def test_any_learner_text_signs_and_verifies(name, email, narrative):
    credential = build(issuer_id=DID, name=name, email=email, narrative=narrative)
    # Issuance refuses one kind of text, on purpose: control characters other than newline and
    # carriage return (verifiers in circulation canonicalize them differently). Nothing else.
    codes = {p.code for p in validate(credential, mode="issue")}
    assert codes == ({"text.control_character"} if _CONTROL.search(name + narrative) else set())
    signed = sign_di(credential)
    result = verify_di(signed, email=email)
    _assert_verified(result, recipient=True)
    identifiers = result.credential["credentialSubject"]["identifier"]
    assert identifiers[-1]["identityHash"] == name
    assert result.credential["evidence"][0]["narrative"] == narrative
    # Through JSON text as well (what the web form and the API receive), UTF-8 and escaped.
    for text in (json.dumps(signed, ensure_ascii=False), json.dumps(signed)):
        _assert_verified(verify_di(text, email=email), recipient=True)
    _assert_verified(verify_di(json.dumps(signed, ensure_ascii=False).encode("utf-8"), email=email), recipient=True)


@FAST
@given(email=emails_without_marks)
@example(email="Élodie.Dupré@Exemple.FR")
@example(email="ÉLODIE.DUPRÉ@EXEMPLE.FR")
@example(email="josé.garcía@correo.es")
@example(email="ΑΛΈΞΗΣ@ΠΑΡΆΔΕΙΓΜΑ.ΔΟΚΙΜΉ")
def test_recipient_matches_a_case_changed_address(email):
    signed = sign_di(build(issuer_id=DID, name="Élodie", email=email, narrative="ok"))
    for variant in {_case_changed(email), email.lower(), f"  {_case_changed(email)} "}:
        _assert_verified(verify_di(signed, email=variant), recipient=True)


def test_recipient_matches_precomposed_and_decomposed_accents():
    signed = sign_di(build(issuer_id=DID, name="Élodie", email="élodie.dupré@exemple.fr", narrative="ok"))
    for variant in (
        "e\u0301lodie.dupre\u0301@exemple.fr",
        "E\u0301LODIE.DUPRE\u0301@EXEMPLE.FR",
        "Élodie.Dupré@Exemple.fr",
    ):
        _assert_verified(verify_di(signed, email=variant), recipient=True)


@FAST
@given(email=emails, other=emails)
def test_recipient_check_fails_for_another_address(email, other):
    assume(normalise_email(email) != normalise_email(other))
    signed = sign_di(build(issuer_id=DID, name="Élodie", email=email, narrative="ok"))
    result = verify_di(signed, email=other)
    assert not result.verified
    assert result.check("recipient").code == "recipient.mismatch"
    assert result.check("proof").status == PASSED


# ----------------------------------------------------------------- Data Integrity: mutations

# The credential every mutation starts from: accents, emoji, a number, booleans, lists.
BASE = sign_di(
    build(
        issuer_id=DID,
        name="Maëlys 👩🏽‍🔧 N'Guessan",
        email="Maelys.NGuessan@Exemple.fr",
        narrative="Trois cordons « propres » validés ✅\nVoir photos.",
    )
)


def _paths(node, prefix=()):
    """Every (path, value) below ``node``; a path is a tuple of keys and list indexes."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,), value
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,), value
            yield from _paths(value, prefix + (index,))


def _parent(doc, path):
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _jsonld_number(value) -> str:
    """The lexical form JSON-LD gives a JSON number in RDF (JSON-LD 1.1 API, Object to RDF)."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e21):
        return str(int(value))
    return f"{value:.15E}"


STRING_PATHS = [p for p, v in _paths(BASE) if isinstance(v, str)]
MEMBER_PATHS = [p for p, _ in _paths(BASE) if isinstance(p[-1], str)]
ELEMENT_PATHS = [p for p, _ in _paths(BASE) if isinstance(p[-1], int)]
OBJECT_PATHS = [()] + [p for p, v in _paths(BASE) if isinstance(v, dict)]
SCALAR_PATHS = [p for p, v in _paths(BASE) if isinstance(v, (bool, int, float))]
assert len(STRING_PATHS) > 30 and SCALAR_PATHS and ELEMENT_PATHS  # the base is rich enough

# Replacement characters: anything, plus the near misses that a naive check would miss.
_replacement = st.one_of(
    st.characters(),
    st.sampled_from("0123456789abcdefABCDEF zZ:#/.-_@é\u0301\u00a0"),
)


@st.composite
def char_changes(draw):
    path = draw(st.sampled_from(STRING_PATHS))
    value = _parent(BASE, path)[path[-1]]
    assume(value)
    index = draw(st.integers(0, len(value) - 1))
    new = draw(st.one_of(_replacement, st.just(value[index].swapcase())))
    assume(new != value[index])
    return ("change a character", path, value[:index] + new + value[index + 1 :])


@st.composite
def renames(draw):
    path = draw(st.sampled_from(MEMBER_PATHS))
    key = path[-1]
    index = draw(st.integers(0, len(key) - 1))
    new = draw(_replacement)
    renamed = key[:index] + new + key[index + 1 :]
    assume(new != key[index] and renamed not in _parent(BASE, path))
    return ("rename", path, renamed)


# Keys to add: terms the contexts define, the two keywords that always say something about a
# node (@id, @type), and arbitrary keys. Other keyword keys are excluded: node objects ignore
# most of them (see the module docstring).
_DEFINED_TERMS = [
    "@id",
    "@type",
    "id",
    "type",
    "name",
    "description",
    "image",
    "url",
    "email",
    "tag",
    "narrative",
    "genre",
    "validUntil",
    "awardedDate",
    "creditsAvailable",
    "expires",
    "nonce",
    "domain",
    "challenge",
    "identifier",
    "salt",
    "hashed",
    "achievementType",
    "inLanguage",
    "version",
]
_new_key = st.one_of(
    st.sampled_from(_DEFINED_TERMS),
    st.text(min_size=1, max_size=12).filter(lambda k: not k.startswith("@")),
)
_new_value = st.one_of(
    st.text(min_size=1, max_size=20),
    st.sampled_from(["https://evil.example/x", "2030-01-01T00:00:00Z", "urn:uuid:0", "Achievement"]),
    st.integers(),
    st.booleans(),
    st.builds(lambda v: {"name": v}, st.text(min_size=1, max_size=10)),
    st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=2),
)


@st.composite
def additions(draw):
    path = draw(st.sampled_from(OBJECT_PATHS))
    target = _parent(BASE, path + ("",)) if path else BASE
    key = draw(_new_key)
    assume(key not in target)
    value = draw(_new_value)
    values = value if isinstance(value, list) else [value]
    if key == "@type":
        # JSON-LD 1.1 merges "@type" with its alias "type" (a set): repeating a type is a no-op.
        existing = target.get("type", [])
        existing = existing if isinstance(existing, list) else [existing]
        assume(not all(v in existing for v in values))
    return ("add", path + (key,), value)


@st.composite
def deletions(draw):
    return ("delete", draw(st.sampled_from(MEMBER_PATHS + ELEMENT_PATHS)), None)


@st.composite
def scalar_changes(draw):
    path = draw(st.sampled_from(SCALAR_PATHS))
    value = _parent(BASE, path)[path[-1]]
    if isinstance(value, bool):
        return ("flip", path, not value)
    new = draw(st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False)))
    assume(_jsonld_number(new) != _jsonld_number(value))
    return ("change a number", path, new)


mutations = st.one_of(char_changes(), renames(), additions(), deletions(), scalar_changes())


def apply(document: dict, mutation) -> dict:
    kind, path, new = mutation
    doc = copy.deepcopy(document)
    parent = _parent(doc, path)
    if kind == "rename":
        # Keep the member's place: key order is irrelevant, but a rename should be only a rename.
        items = [(new if k == path[-1] else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    elif kind == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutation=mutations)
@example(
    mutation=(
        "change a character",
        ("proof", "proofValue"),
        BASE["proof"]["proofValue"][:-1] + ("2" if BASE["proof"]["proofValue"][-1] != "2" else "3"),
    )
)
@example(mutation=("change a character", ("proof", "created"), CREATED.replace(":05Z", ":06Z")))
@example(mutation=("change a character", ("proof", "verificationMethod"), VM[:-1] + ("a" if VM[-1] != "a" else "b")))
@example(
    mutation=(
        "change a character",
        ("credentialSubject", "identifier", 0, "identityHash"),
        BASE["credentialSubject"]["identifier"][0]["identityHash"].upper().replace("SHA256$", "sha256$"),
    )
)
@example(mutation=("flip", ("credentialSubject", "identifier", 0, "hashed"), False))
@example(mutation=("change a number", ("credentialSubject", "achievement", "creditsAvailable"), 2.75))
@example(mutation=("delete", ("credentialSubject", "achievement", "tag", 1), None))
@example(mutation=("add", ("proof", "expires"), "2030-01-01T00:00:00Z"))
def test_any_single_mutation_fails(mutation):
    mutated = apply(BASE, mutation)
    assert mutated != BASE
    # Not verified, and for the right reason: the proof check itself fails (a schema or date
    # failure alone could hide a mutation the signature does not cover).
    result = verify_di(mutated)
    assert not result.verified, f"{mutation!r} still verifies"
    proof = result.check("proof")
    assert proof is not None and proof.status == FAILED, (mutation, result.checks)
    # With the recipient check as well. Only `verified` is asserted here: matches_identity
    # raises TypeError on a non-ASCII identityHash (see the report), which verify() turns into
    # a bare "internal error" result without a proof check.
    assert not verify_di(mutated, email="maelys.nguessan@exemple.fr").verified


def test_the_unmutated_base_verifies():
    _assert_verified(verify_di(BASE, email="maelys.nguessan@exemple.fr"), recipient=True)


def test_reordering_contexts_fails():
    mutated = {**BASE, "@context": list(reversed(BASE["@context"]))}
    assert not verify_di(mutated).verified


# ------------------------------------------------------- Data Integrity: what must not matter


@st.composite
def shuffled(draw, node):
    """The same JSON value with the members of every object in a random order."""
    if isinstance(node, dict):
        keys = draw(st.permutations(list(node)))
        return {k: draw(shuffled(node[k])) for k in keys}
    if isinstance(node, list):
        return [draw(shuffled(item)) for item in node]
    return node


@FAST
@given(
    document=shuffled(BASE),
    indent=st.sampled_from([None, 0, 1, 4, "\t", " \n "]),
    separators=st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\t")]),
    ascii_only=st.booleans(),
)
def test_key_order_and_whitespace_are_irrelevant(document, indent, separators, ascii_only):
    text = json.dumps(document, indent=indent, separators=separators, ensure_ascii=ascii_only)
    _assert_verified(verify_di(text, email="maelys.nguessan@exemple.fr"), recipient=True)
    _assert_verified(verify_di(document, email="maelys.nguessan@exemple.fr"), recipient=True)


@st.composite
def with_types_reordered(draw, node):
    """The same document with every ``type`` array in a random order (JSON-LD @type is a set)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "type" and isinstance(value, list):
                out[key] = list(draw(st.permutations(value)))
            else:
                out[key] = draw(with_types_reordered(value))
        return out
    if isinstance(node, list):
        return [draw(with_types_reordered(item)) for item in node]
    return node


@settings(max_examples=10, deadline=None)
@given(document=with_types_reordered(BASE))
def test_order_of_type_values_is_irrelevant(document):
    _assert_verified(verify_di(document), recipient=False)


def test_order_of_type_values_is_irrelevant_explicitly():
    # The only multi-valued type of the base: ["VerifiableCredential", "OpenBadgeCredential"].
    reordered = {**BASE, "type": list(reversed(BASE["type"]))}
    assert reordered["type"] != BASE["type"]
    _assert_verified(verify_di(reordered), recipient=False)


def test_json_ld_equivalent_forms_still_verify():
    # The same RDF written another way: a one-element array as a single value, a repeated set
    # member, a proof as a one-element proof set, a proof @context equal to the document's, an
    # "@type" beside its alias "type" repeating a type (JSON-LD 1.1 merges them).
    achievement_single_type = apply(BASE, ("set", ("credentialSubject", "achievement", "type"), "Achievement"))
    repeated_type = apply(BASE, ("set", ("type",), BASE["type"] + ["OpenBadgeCredential"]))
    proof_set = apply(BASE, ("set", ("proof",), [BASE["proof"]]))
    proof_context = apply(BASE, ("set", ("proof", "@context"), list(OB_CREDENTIAL_CONTEXT)))
    type_keyword_too = apply(BASE, ("set", ("credentialSubject", "achievement", "@type"), "Achievement"))
    for document in (achievement_single_type, repeated_type, proof_set, proof_context, type_keyword_too):
        _assert_verified(verify_di(document), recipient=False)


def test_doubles_are_signed_to_sixteen_significant_digits():
    # Spec-inherent (JSON-LD 1.1 API "Object to RDF Conversion" writes an xsd:double as
    # "%1.15E"; Digital Bazaar's verifier agrees): 2.5 and 2.5000000000000004 are the same RDF
    # literal "2.500000000000000E0". A change at the 16th significant digit is signed, one at
    # the 17th is not; a credential that needs every bit of a double cannot rely on the proof.
    path = ("credentialSubject", "achievement", "creditsAvailable")
    assert _parent(BASE, path)[path[-1]] == 2.5
    assert verify_di(apply(BASE, ("set", path, 2.5000000000000004))).verified
    assert not verify_di(apply(BASE, ("set", path, 2.500000000000001))).verified


@pytest.mark.parametrize(
    "text, escaped",
    [("a\bb", "a\\bb"), ("a\fb", "a\\fb"), ("a\x00b", "a\\u0000b"), ("a\x1fb", "a\\u001Fb"), ("a\x7fb", "a\\u007Fb")],
)
def test_canonical_n_quads_escape_control_characters(text, escaped):
    # RDFC-1.0 canonical N-Quads (RDF 1.2 N-Quads canonical form): ECHAR for \b \t \n \f \r " \\,
    # UCHAR with upper-case hex for the other C0 controls and DEL. pyld 3.3 alone escaped only
    # \\ \t \n \r ", so such a text did not verify with rdf-canonize 5 (Digital Bazaar).
    nquads = canonicalize(build(issuer_id=DID, name="n", email="a@example.org", narrative=text))
    assert f'"{escaped}"' in nquads


FORGED_NODES = {
    "an Evidence entry": (
        "evidence",
        lambda doc: doc["evidence"].append(
            {"id": "0:x", "type": ["Evidence"], "name": "Forged", "narrative": "Never happened"}
        ),
    ),
    "a Result": (
        "credentialSubject",
        lambda doc: doc["credentialSubject"].__setitem__("result", [{"id": "9:r", "type": ["Result"], "value": "A+"}]),
    ),
    "an Image": (
        "achievement",
        lambda doc: doc["credentialSubject"]["achievement"].__setitem__("image", {"id": "0:x", "type": "Image"}),
    ),
    "an @type with a digit scheme": ("credential", lambda doc: doc.__setitem__("@type", "0:")),
    "an @type with a space": (
        "criteria",
        lambda doc: doc["credentialSubject"]["achievement"]["criteria"].__setitem__("@type", "urn:x y"),
    ),
}


@pytest.mark.parametrize("what", list(FORGED_NODES))
def test_nodes_with_unsigned_iris_are_refused(what):
    # pyld's toRDF silently drops an @id / @type / IRI value without an RFC 3987 scheme (or
    # with white space): a node added with one would be shown but not signed. Safe mode must
    # refuse exactly those (it once took any "x:y" for absolute, and these forgeries verified).
    _, forge = FORGED_NODES[what]
    forged = copy.deepcopy(BASE)
    forge(forged)
    assert not verify_di(forged).verified, f"{what} added to a signed credential still verifies"


# -------------------------------------------------------------------------------- VC-JWT


def sign_jwt(credential: dict) -> str:
    return vc_jwt.sign(credential, private_key=JWT_KEY, kid=JWT_KID)


def verify_jwt(token, email: str | None = None):
    return verify(token, resolver=JWT_RESOLVER, now=NOW, email=email)


@FAST
@given(name=names, email=emails, narrative=narratives)
@example(name="Élodie Dupré", email="Élodie.Dupré@Exemple.FR", narrative="Trois cordons réussis 🎉")
@example(name="a\bb\x00", email="a@example.org", narrative="\x7f\x1f")
def test_any_learner_text_in_a_vc_jwt_verifies(name, email, narrative):
    credential = build(issuer_id=JWT_ISSUER, name=name, email=email, narrative=narrative)
    token = sign_jwt(credential)
    result = verify_jwt(token, email=email)
    _assert_verified(result, recipient=True)
    assert result.format == "jwt"
    assert result.credential == credential  # every character survives the round trip
    _assert_verified(verify_jwt(token.encode("ascii"), email=email), recipient=True)  # as bytes too


JWT_BASE = sign_jwt(build(issuer_id=JWT_ISSUER, name="Maëlys 👩🏽‍🔧", email="maelys@exemple.fr", narrative="ok ✅"))
_JWS_ALPHABET = string.ascii_letters + string.digits + "-_"


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(JWT_BASE) - 1),
    new=st.one_of(st.sampled_from(_JWS_ALPHABET + ". =+/"), st.characters()),
)
@example(index=len(JWT_BASE) - 1, new="A")  # the spare bits of the signature's last character
@example(index=JWT_BASE.index("."), new="A")
@example(index=0, new=" ")
def test_flipping_any_character_of_a_vc_jwt_fails(index, new):
    assume(new != JWT_BASE[index])
    token = JWT_BASE[:index] + new + JWT_BASE[index + 1 :]
    result = verify_jwt(token, email="maelys@exemple.fr")
    assert not result.verified, f"changing character {index} to {new!r} still verifies"


def test_the_unmutated_vc_jwt_verifies():
    _assert_verified(verify_jwt(JWT_BASE, email="MAELYS@EXEMPLE.FR"), recipient=True)

"""Canonicalization by template (badger.jsonld.template) equals the general path, byte for byte.

Generated credentials of a few badge classes, rows drawn at random: any Unicode name (control
characters, quotes, backslashes), e-mail or DID recipients, evidence lists of 0-3 entries with
or without URL / narrative / name, absent and present validUntil, URLs of several schemes,
values that look like compact IRIs or context terms. One canonicalizer sees them all in turn
(so templates are reused across rows of a shape, and new shapes appear as the examples go).
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badger.credentials.builders import achievement, achievement_credential, evidence, profile
from badger.credentials.identity import identity_object
from badger.jsonld import canonicalize
from badger.jsonld.template import TemplateCanonicalizer, shape_key

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CANONICALIZER = TemplateCanonicalizer()

text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", '"', "\\", "\n\r\t\b\f\x00\x7f", "é€𝄞", "a:b", "name", "Badge", "id", "_:b0"]),
)
urls = st.one_of(
    st.builds(
        lambda p: "https://evidence.example/" + p, st.text(alphabet=string.ascii_letters + "/?#=%-", max_size=20)
    ),
    st.sampled_from(
        [
            "http://a.example",
            "urn:uuid:1c1e4b62-0000-4000-8000-000000000000",
            "mailto:someone@example.org",
            "xsd:string",
            "did:web:example.org",
        ]
    ),
)
dids = st.one_of(
    st.builds(
        lambda s: "did:example:" + s, st.text(alphabet=string.ascii_letters + string.digits + ".-_:%", min_size=1)
    ),
    st.sampled_from(["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:web:a.example:users:1"]),
)
emails = st.one_of(st.emails(), st.sampled_from(["élève@exemple.fr", "a+b@c.example"]))


@st.composite
def evidences(draw):
    out = []
    for _ in range(draw(st.integers(0, 3))):
        url = draw(st.none() | urls)
        narrative = draw(st.none() | text.filter(bool))
        if url is None and not narrative:
            narrative = "x"
        name = draw(st.none() | text.filter(bool))
        out.append(evidence(id=url, narrative=narrative, name=name))
    return out


@st.composite
def credentials(draw):
    document = draw(_credentials())
    raw = draw(st.none() | st.sampled_from(["https://a.example/x y", "relative", "_:b1", "@id", "name", "xsd:string"]))
    if raw is not None and document.get("evidence"):  # values the builders refuse, set by hand
        document["evidence"][0]["id"] = raw
    return document


@st.composite
def _credentials(draw):
    badge = draw(st.integers(0, 2))
    recipient = draw(st.one_of(dids, emails.map(lambda e: [identity_object(e, "0f1e2d3c")])))
    return achievement_credential(
        id=draw(st.one_of(st.builds(lambda n: f"https://badges.example/credentials/{n}", st.integers(0)), urls)),
        issuer=profile(id="did:web:badges.example", name="CEC Ouest", url="https://badges.example"),
        achievement=achievement(
            id=f"https://badges.example/achievements/{badge}",
            name=["Planète", "Climat", "Ω"][badge],
            description="Démarche climat.",
            criteria_narrative="Six camps de base." if badge != 1 else None,
            criteria_id="https://badges.example/criteria" if badge == 1 else None,
        ),
        recipient=recipient,
        recipient_name=draw(st.none() | text.filter(lambda s: bool(s.strip()))),
        valid_from=draw(st.sampled_from(["2024-01-01T00:00:00Z", "2026-12-03T22:16:32Z", "not a date"])),
        valid_until=draw(st.none() | st.sampled_from(["2030-01-01T00:00:00Z"])),
        evidence=draw(evidences()),
        credential_status=[
            {
                "id": f"https://badges.example/status/r#{i}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(i),
                "statusListCredential": "https://badges.example/status/r",
            }
            for i in [draw(st.integers(0, 131071))]
        ],
    )


def _general(document):
    try:
        return canonicalize(document)
    except Exception as exc:  # noqa: BLE001 - both paths must raise the same kind
        return type(exc)


def _template(document):
    try:
        return CANONICALIZER.canonicalize(document)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@SETTINGS
@given(credentials())
def test_template_equals_general_path(document):
    assert _template(document) == _general(document)


@SETTINGS
@given(credentials(), credentials())
def test_second_row_of_a_shape_uses_the_first_rows_template(first, second):
    _template(first)
    assert _template(second) == _general(second)


def test_rows_of_one_shape_share_a_template_and_values_do_not_change_the_key():
    canonicalizer = TemplateCanonicalizer()
    docs = [
        achievement_credential(
            id=f"https://badges.example/credentials/{i}",
            issuer=profile(id="did:web:badges.example", name="CEC"),
            achievement=achievement(id="https://badges.example/a/1", name="B", description="d", criteria_narrative="c"),
            recipient=[identity_object(f"p{i}@exemple.fr", "00ff")],
            recipient_name=name,
            valid_from="2024-01-01T00:00:00Z",
        )
        for i, name in enumerate(["Zoé", 'Ana "A"', "x\\y\n", "𝄞"])
    ]
    keys = {shape_key(d)[0] for d in docs}  # type: ignore[index]
    assert len(keys) == 1
    for document in docs:
        assert canonicalizer.canonicalize(document) == canonicalize(document)
    assert canonicalizer.hits == 4 and canonicalizer.misses == 0


def test_values_that_change_the_graph_change_the_key():
    base = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "https://a.example/1", "name": "x"}
    key = shape_key(base)[0]  # type: ignore[index]
    assert shape_key({**base, "id": "urn:uuid:1"})[0] != key  # type: ignore[index]  # another scheme
    assert shape_key({**base, "id": "relative"})[0] != key  # type: ignore[index]  # not an IRI
    assert shape_key({**base, "name": ["x", "y"]})[0] != key  # type: ignore[index]  # array length
    assert shape_key({**base, "name": 3})[0] != key  # type: ignore[index]  # a number's RDF form is its value
    assert shape_key({**base, "type": ["VerifiableCredential"]})[0] != key  # type: ignore[index]
    assert shape_key({**base, "@context": [{"name": "@id"}]}) is None  # inline contexts: general path

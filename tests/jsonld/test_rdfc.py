"""badger.jsonld.rdfc (RDFC-1.0 when first-degree hashes tell every blank node apart) gives
pyld's full RDFC-1.0 output byte for byte, and steps aside (None) whenever it cannot."""

from __future__ import annotations

import copy
import glob

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from pyld.canon import URDNA2015

from badger.credentials.builders import achievement, achievement_credential, evidence, profile
from badger.credentials.identity import identity_object
from badger.jsonld import canonicalize, default_loader
from badger.jsonld.canonical import _options, _Processor
from badger.jsonld.rdfc import RDF_LANGSTRING, XSD_STRING, canonical_nquads, quads_of_dataset
from tests.conftest import VECTORS, load_vector

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pyld(dataset: dict) -> str:
    """pyld's own RDFC-1.0 (URDNA2015) on a copy of the dataset (it mutates its input)."""
    return URDNA2015().main(copy.deepcopy(dataset), {"algorithm": "URDNA2015", "format": "application/n-quads"})


def _dataset(document: dict) -> dict:
    return _Processor(safe=False).to_rdf(document, dict(_options(None), produceGeneralizedRdf=False))


blank = st.sampled_from([f"_:b{i}" for i in range(5)])
iri = st.sampled_from(["https://a.example/x", "urn:y", "did:key:z6Mk", "https://a.example/é"])
literal_value = st.one_of(st.text(max_size=8), st.sampled_from(["", '"', "\\", "\n\t\x00\x7f", "a b"]))


@st.composite
def terms(draw, *, kinds):
    kind = draw(st.sampled_from(kinds))
    if kind == "blank node":
        return {"type": kind, "value": draw(blank)}
    if kind == "IRI":
        return {"type": kind, "value": draw(iri)}
    datatype = draw(st.sampled_from([XSD_STRING, RDF_LANGSTRING, "http://www.w3.org/2001/XMLSchema#dateTime"]))
    term = {"type": "literal", "value": draw(literal_value), "datatype": datatype}
    if datatype == RDF_LANGSTRING:
        term["language"] = draw(st.sampled_from(["fr", "en-GB"]))
    return term


@st.composite
def datasets(draw):
    dataset: dict[str, list] = {}
    for _ in range(draw(st.integers(0, 14))):
        graph = draw(st.sampled_from(["@default", "@default", "https://g.example/1", "_:b3", "_:b4"]))
        triple = {
            "subject": draw(terms(kinds=["blank node", "IRI"])),
            "predicate": {
                "type": "IRI",
                "value": draw(st.sampled_from(["https://p.example/a", "https://p.example/b"])),
            },
            "object": draw(terms(kinds=["blank node", "IRI", "literal"])),
        }
        dataset.setdefault(graph, []).append(triple)
    return dataset


@SETTINGS
@given(datasets())
def test_equals_pyld_on_random_graphs_or_steps_aside(dataset):
    simple = canonical_nquads(quads_of_dataset(dataset))
    if simple is not None:
        assert simple == _pyld(dataset)


def test_steps_aside_when_first_degree_hashes_collide_or_a_node_refers_to_itself():
    p = {"type": "IRI", "value": "https://p.example/a"}
    # two blank nodes pointing at each other look alike at first degree: N-degree hashing decides
    pair = {
        "@default": [
            {
                "subject": {"type": "blank node", "value": "_:x"},
                "predicate": p,
                "object": {"type": "blank node", "value": "_:y"},
            },
            {
                "subject": {"type": "blank node", "value": "_:y"},
                "predicate": p,
                "object": {"type": "blank node", "value": "_:x"},
            },
        ]
    }
    assert canonical_nquads(quads_of_dataset(pair)) is None
    loop = {
        "@default": [
            {
                "subject": {"type": "blank node", "value": "_:x"},
                "predicate": p,
                "object": {"type": "blank node", "value": "_:x"},
            }
        ]
    }
    assert canonical_nquads(quads_of_dataset(loop)) is None
    # the general entry point still answers, through pyld's full algorithm
    doc = {
        "@graph": [
            {"@id": "_:x", "https://p.example/a": {"@id": "_:y"}},
            {"@id": "_:y", "https://p.example/a": {"@id": "_:x"}},
        ]
    }
    assert canonicalize(doc, safe=False) == _pyld(_dataset(doc))


def test_takes_the_simple_path_and_equals_pyld_on_every_vector():
    files = sorted(glob.glob(str(VECTORS / "1edtech-validator-ob30" / "*.json"))) + sorted(
        glob.glob(str(VECTORS / "w3c-vc-di-eddsa" / "TestVectors" / "**" / "*.json"), recursive=True)
        + glob.glob(str(VECTORS / "w3c-vc-di-ecdsa" / "TestVectors" / "**" / "*.json"), recursive=True)
    )
    simple_ones = 0
    for path in files:
        doc = load_vector(path[len(str(VECTORS)) + 1 :])
        if not isinstance(doc, dict) or "@context" not in doc:
            continue
        try:
            dataset = _dataset(doc)
        except jsonld.JsonLdError:
            continue
        simple = canonical_nquads(quads_of_dataset(dataset))
        if simple is not None:
            assert simple == _pyld(dataset), path
            simple_ones += 1
    assert simple_ones > 30


def test_the_ob3_spec_vector_canonical_form():
    doc = load_vector("ob3-spec-eddsa-rdfc-2022-vector/credential-unsigned.json")
    expected = (VECTORS / "ob3-spec-eddsa-rdfc-2022-vector" / "document-canon.txt").read_text()
    assert canonical_nquads(quads_of_dataset(_dataset(doc))) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(max_size=30),
    evidence_count=st.integers(0, 4),
    email=st.emails(),
)
def test_generated_credentials_equal_stock_pyld(name, evidence_count, email):
    document = achievement_credential(
        id="https://badges.example/credentials/1",
        issuer=profile(id="did:web:badges.example", name=name.strip() or "CEC"),
        achievement=achievement(id="https://badges.example/a/1", name="B", description="d", criteria_narrative="c"),
        recipient=[identity_object(email, "0f1e2d3c")],
        valid_from="2024-01-01T00:00:00Z",
        evidence=[evidence(narrative=f"n{name} {i}") for i in range(evidence_count)],
    )
    stock = jsonld.JsonLdProcessor().normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": default_loader(), "base": None},
    )
    assert canonicalize(document) == stock

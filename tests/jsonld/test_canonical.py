"""Offline loader, safe mode, poison guard, and agreement with stock pyld."""

from __future__ import annotations

import glob

import pytest
from pyld import canon, jsonld

from badger.errors import (
    CanonicalizationLimit,
    DroppedTerm,
    JsonLdError,
    UnknownContext,
)
from badger.jsonld import (
    Limits,
    StaticDocumentLoader,
    canonicalize,
    default_loader,
    expand,
)
from badger.jsonld.canonical import _options, _Processor
from badger.jsonld.rdfc import least_ndegree_work, quads_of_dataset
from badger.jsonld.template import TemplateCanonicalizer
from badger.resources import load_json
from tests.conftest import VECTORS, load_vector

VC2 = "https://www.w3.org/ns/credentials/v2"


def test_every_bundled_context_is_indexed_and_loads():
    index = load_json("contexts/index.json")
    loader = default_loader()
    for url in index:
        assert isinstance(loader(url)["document"], dict)
        assert loader(url)["tag"] == "static"


def test_unknown_context_is_an_error_never_a_fetch():
    with pytest.raises(UnknownContext):
        canonicalize({"@context": ["https://example.com/ctx.jsonld"], "id": "urn:x"})
    with pytest.raises(UnknownContext):
        StaticDocumentLoader()("https://www.w3.org/ns/credentials/v3")


def test_extra_documents_can_be_added_per_loader():
    loader = StaticDocumentLoader({"https://example.com/ctx": {"@context": {"x": "https://example.com/x"}}})
    out = canonicalize({"@context": "https://example.com/ctx", "@id": "urn:a", "x": "1"}, loader=loader)
    assert out == '<urn:a> <https://example.com/x> "1" .\n'


@pytest.mark.parametrize(
    "doc, fragment",
    [
        (
            {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "id": "urn:x",
                "type": ["VerifiableCredential"],
                "foo": "bar",
            },
            "foo",
        ),
        ({"@context": [VC2], "id": "urn:x", "type": ["VerifiableCredential"], "nickname": "bar"}, "nickname"),
        ({"@context": [VC2], "id": "relative/thing", "type": ["VerifiableCredential"]}, "relative @id"),
        ({"@context": [VC2], "id": "urn:x", "type": ["VerifiableCredential", "MadeUpType"]}, "relative @type"),
    ],
)
def test_safe_mode_refuses_what_would_not_be_signed(doc, fragment):
    with pytest.raises(DroppedTerm) as err:
        canonicalize(doc)
    assert fragment in str(err.value)
    canonicalize(doc, safe=False)  # without safe mode the term is silently dropped


def test_safe_mode_accepts_every_valid_spec_credential():
    for name in ("simple.json", "complete.json", "endorsement-valid.json", "simple_v1.json"):
        doc = load_vector("1edtech-validator-ob30/" + name)
        expand({k: v for k, v in doc.items() if k != "proof"})


def test_malformed_jsonld_is_a_jsonld_error():
    for bad in ({"@context": 5}, {"@context": [VC2], "@id": 5}, {"@context": {"@version": 2}}):
        with pytest.raises(JsonLdError):
            canonicalize(bad)


def _poison(n: int) -> dict:
    # A clique of blank nodes that all look alike: RDFC-1.0's Hash N-Degree Quads must try
    # permutations of them (RDFC-1.0 §"Dataset Poisoning").
    ids = [f"_:b{i}" for i in range(n)]
    return {"@graph": [{"@id": a, "http://example.com/p": [{"@id": b} for b in ids if b != a]} for a in ids]}


def test_poison_graph_is_stopped_by_the_work_limit():
    with pytest.raises(CanonicalizationLimit):
        canonicalize(_poison(12), safe=False)


def test_blank_node_and_quad_limits():
    with pytest.raises(CanonicalizationLimit):
        canonicalize(_poison(4), safe=False, limits=Limits(max_blank_nodes=3))
    with pytest.raises(CanonicalizationLimit):
        canonicalize(_poison(4), safe=False, limits=Limits(max_quads=5))
    assert canonicalize(_poison(3), safe=False).count("\n") == 6


def test_agrees_with_stock_pyld_on_every_fixture():
    """The context memo in badger.jsonld must not change a single byte."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": default_loader(),
        "base": None,
    }
    files = sorted(glob.glob(str(VECTORS / "1edtech-validator-ob30" / "*.json"))) + sorted(
        glob.glob(str(VECTORS / "w3c-vc-di-eddsa" / "TestVectors" / "**" / "*.json"), recursive=True)
    )
    checked = 0
    for path in files:
        doc = load_vector(path[len(str(VECTORS)) + 1 :])
        if not isinstance(doc, dict) or "@context" not in doc:
            continue
        try:
            expected = jsonld.JsonLdProcessor().normalize(doc, dict(options))
        except jsonld.JsonLdError:
            with pytest.raises(JsonLdError):  # refused by both
                canonicalize(doc, safe=False)
            continue
        assert canonicalize(doc, safe=False) == expected, path
        checked += 1
    assert checked > 30


def test_a_certain_poison_is_refused_before_pyld_and_a_small_clique_is_not(monkeypatch):
    """least_ndegree_work is a lower bound: a clique pyld canonicalizes within the bound is left to
    pyld (same bytes); a clique whose permutations certainly exceed it never reaches pyld's
    first-degree step (linear, but deep copies: most of a large clique's time)."""
    dataset = _Processor(safe=False).to_rdf(_poison(3), dict(_options(None), produceGeneralizedRdf=False))
    quads = quads_of_dataset(dataset)
    assert 0 < least_ndegree_work(quads, 10**9) < Limits().max_work(len(quads))
    assert canonicalize(_poison(3), safe=False).count("\n") == 6
    entered = []
    monkeypatch.setattr(canon.URDNA2015, "hash_first_degree_quads", lambda *a: entered.append(a))
    with pytest.raises(CanonicalizationLimit):
        canonicalize(_poison(12), safe=False)
    assert entered == []


def test_the_template_path_bounds_a_poison_shape_before_learning_it():
    """Seen twice, a shape is learnt by expanding it: the general path's bound on its arrays comes
    first, so a large clique is refused as quickly the second time as the first."""
    doc = {"@context": {"@vocab": "https://example.com/"}, **_poison(100)}
    canonicalizer = TemplateCanonicalizer()
    for _ in range(2):
        with pytest.raises(CanonicalizationLimit, match="too many values"):
            canonicalizer.canonicalize(doc, learn=False)
    assert canonicalizer.hits == 0

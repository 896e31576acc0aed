"""RDFC-1.0 for datasets whose blank nodes are told apart by their first-degree hashes.

Why this is written here: RDFC-1.0 (RDF Dataset Canonicalization, W3C Recommendation 2024)
gives every blank node a canonical label. When each blank node's "Hash First Degree Quads"
(§4.6) is unique, the algorithm of §4.4 issues the labels in the order of those hashes
(§4.4.3 step 5: "for each hash ... in code point order, if the identifier list has one entry,
issue a canonical identifier") and never reaches the Hash N-Degree Quads step (§4.8), the only
part whose cost can explode. That is the case of almost every credential (an OB 3.0
credential has 2-4 blank nodes, each with its own properties). pyld implements the whole
algorithm on dicts of dicts and deep-copies each quad per blank node, which makes it ~70 % of
the time of signing one credential; pyoxigraph is fast but has no bound on the N-degree step
(a "poison" graph, RDFC-1.0 §6, could make it run for ever). So: this module handles only the
simple case, on quads whose terms are already serialized, and answers None on anything else
(two blank nodes with the same first-degree hash, a blank node twice in one quad): the caller
then runs pyld's full algorithm under Badger's work budget (canonical._GuardedRDFC).

The output is byte-identical to pyld's (tests/jsonld/test_rdfc.py compares them on generated
graphs, the W3C / 1EdTech vectors and generated credentials):
- a term is serialized as pyld's ``serialize_nquad`` does (IRIs in ``<>``, blank nodes by
  label, literals quoted with RDFC-1.0's canonical escaping ``rdfc_escape``, which pyld is
  given too, a
  datatype unless it is xsd:string, a language for rdf:langString);
- the first-degree hash of a blank node (§4.6) is the SHA-256 of the sorted N-Quads of the quads
  it appears in, itself written ``_:a`` and any other blank node ``_:z``; a quad appears once
  per mention, as in pyld's blank node to quads map;
- the canonical labels ``_:c14n0``, ``_:c14n1``... go to the blank nodes in code point order of
  their hashes (§4.4.3 step 5, §4.5 Issue Identifier);
- the result is every quad with its blank nodes relabelled, serialized, sorted in code point
  order and joined (§4.4.3 step 7, §4.3 "canonical n-quads form"), duplicates kept as pyld does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["Quad", "canonical_nquads", "least_ndegree_work", "serialize_term", "quads_of_dataset", "rdfc_escape"]

# (subject, predicate, object, graph name or None), each term already in N-Quads form: "<iri>",
# "_:label" or a quoted literal with its datatype / language suffix.
Quad = tuple[str, str, str, str | None]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_ECHAR = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\x7f"\\\\]')


def rdfc_escape(value: str) -> str:
    """Escape a literal as RDFC-1.0 canonical N-Quads require (RDFC-1.0 §4 / RDF 1.2 N-Quads
    "canonical form"): ECHAR for backslash, quote, \\b \\t \\n \\f \\r; UCHAR (upper-case hex)
    for the other C0 controls and DEL. pyld 3.3 escapes only \\ \\t \\n \\r and the quote, so a
    name with a control character would hash differently from jsonld.js' rdf-canonize 5
    (canonical.py gives pyld this function)."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    return _NEEDS_ESCAPE.sub(lambda m: _ECHAR.get(m.group()) or f"\\u{ord(m.group()):04X}", value)


def serialize_term(kind: str, value: str, datatype: str | None = None, language: str | None = None) -> str:
    """One RDF term in N-Quads form, exactly as pyld's serialize_nquad writes it."""
    if kind == "IRI":
        return "<" + value + ">"
    if kind == "blank node":
        return value
    text = '"' + rdfc_escape(value) + '"'
    if datatype == RDF_LANGSTRING:
        return text + "@" + language if language else text
    if datatype != XSD_STRING:
        return text + "^^<" + str(datatype) + ">"
    return text


def _component(c: dict[str, Any]) -> str:
    return serialize_term(c["type"], c["value"], c.get("datatype"), c.get("language"))


def quads_of_dataset(dataset: dict[str, list[dict[str, Any]]]) -> list[Quad]:
    """The quads of a pyld RDF dataset ({graph name: [triple dicts]}), terms serialized."""
    quads: list[Quad] = []
    for graph, triples in dataset.items():
        g = None if graph == "@default" else (graph if graph.startswith("_:") else "<" + graph + ">")
        for t in triples:
            quads.append((_component(t["subject"]), _component(t["predicate"]), _component(t["object"]), g))
    return quads


def _line(s: str, p: str, o: str, g: str | None) -> str:
    return f"{s} {p} {o} {g} .\n" if g is not None else f"{s} {p} {o} .\n"


def _mentions(quads: Sequence[Quad]) -> dict[str, list[Quad]] | None:
    """Each blank node's quads (once per mention, as pyld's blank node to quads map), or None
    when a blank node appears twice in one quad."""
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        s, _, o, g = quad
        blank_s = s[0] == "_"
        blank_o = o[0] == "_"
        blank_g = g is not None and g[0] == "_"
        if blank_s:
            mentions.setdefault(s, []).append(quad)
        if blank_o:
            if blank_s and o == s:
                return None
            mentions.setdefault(o, []).append(quad)
        if blank_g:
            if (blank_s and g == s) or (blank_o and g == o):
                return None
            mentions.setdefault(g, []).append(quad)  # type: ignore[arg-type]
    return mentions


def _first_degree_hash(node: str, its_quads: list[Quad]) -> str:
    """Hash First Degree Quads (RDFC-1.0 §4.6): the node itself ``_:a``, other blank nodes ``_:z``."""
    lines = []
    for s, p, o, g in its_quads:
        if s[0] == "_":
            s = "_:a" if s == node else "_:z"
        if o[0] == "_":
            o = "_:a" if o == node else "_:z"
        if g is not None and g[0] == "_":
            g = "_:a" if g == node else "_:z"
        lines.append(_line(s, p, o, g))
    lines.sort()
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def canonical_nquads(quads: Sequence[Quad]) -> str | None:
    """RDFC-1.0 canonical N-Quads of ``quads``, or None when the N-degree step would be needed
    (or a blank node appears twice in one quad): the caller then runs the full algorithm."""
    mentions = _mentions(quads)
    if mentions is None:
        return None
    if not mentions:
        return "".join(sorted(_line(*q) for q in quads))
    by_hash: dict[str, str] = {}
    for node, its_quads in mentions.items():
        digest = _first_degree_hash(node, its_quads)
        if digest in by_hash:
            return None  # two blank nodes look alike at first degree: Hash N-Degree Quads decides
        by_hash[digest] = node
    label = {node: f"_:c14n{i}" for i, (_, node) in enumerate(sorted(by_hash.items()))}
    out = []
    for s, p, o, g in quads:
        if s[0] == "_":
            s = label[s]
        if o[0] == "_":
            o = label[o]
        if g is not None and g[0] == "_":
            g = label[g]
        out.append(_line(s, p, o, g))
    out.sort()
    return "".join(out)


def least_ndegree_work(quads: Sequence[Quad], ceiling: int) -> int:
    """A lower bound on the permutations the full algorithm will walk, counted as the work guard
    counts them (each permutation of m nodes: 1 + m units), stopping once above ``ceiling``.

    Why it holds: the first group of blank nodes sharing a first-degree hash (in code point order
    of the hashes) is hashed with Hash N-Degree Quads before any of the nodes sharing a hash has a
    canonical identifier (RDFC-1.0 §4.4.3 steps 5-6). In that step (§4.8.3 step 3) a related
    blank node hashes (§4.7) its position, its predicate and, lacking any identifier, its
    first-degree hash: related nodes of that group alike in those three fall in one list, and
    every permutation of that list is walked (§4.8.3 step 5.4). So a node of that group with m
    such look-alike neighbours costs at least m! permutations: pyld's deep copies of the
    first-degree step (seconds on a large clique) are not worth paying for an input the guard
    will refuse anyway. Returns 0 when nothing collides."""
    mentions = _mentions(quads)
    if not mentions:
        return 0
    hashes = {node: _first_degree_hash(node, its_quads) for node, its_quads in mentions.items()}
    groups: dict[str, list[str]] = {}
    for node, digest in hashes.items():
        groups.setdefault(digest, []).append(node)
    colliding = sorted(digest for digest, nodes in groups.items() if len(nodes) > 1)
    if not colliding:
        return 0
    first = colliding[0]
    alike = set(colliding)
    m = 0
    for node in groups[first]:
        lists: dict[tuple[str, str, str], int] = {}
        for s, p, o, g in mentions[node]:
            for position, term in (("s", s), ("o", o), ("g", g)):
                if term is not None and term != node and term[0] == "_" and hashes[term] in alike:
                    key = (position, "" if position == "g" else p, hashes[term])
                    lists[key] = lists.get(key, 0) + 1
        m = max(m, max(lists.values(), default=0))
    work = 0
    permutations = 1
    for k in range(1, m + 1):
        permutations *= k
        work = permutations * (1 + m)
        if work > ceiling:
            return work
    return work

"""RDFC-1.0 canonicalization by template: JSON-LD to RDF once per document *shape*.

Why: for an OB 3.0 credential, JSON-LD expansion and RDF conversion are ~85 % of a
canonicalization, yet every credential of a badge class has the same structure and differs only
in a few values (id, dates, recipient hash, name, evidence). No library does this, so it is
written here on top of pyld; the canonicalization algorithm itself is the general path's
(``canonical.run_rdfc``: rdfc.py when every blank node has its own first-degree hash, else
pyld's RDFC-1.0 with canonical.py's work guard), run on each document's own dataset.

How (and why the output is byte-identical to ``canonicalize``):

1. The *shape key* of a document is its JSON structure with every string leaf replaced by its
   class; everything that can change how JSON-LD reads the document is in the key verbatim:
   object keys, array lengths, ``@context``, ``type``/``@type`` values, every ``@``-keyword's
   value, numbers, booleans and null. The class of a string says which IRI it would be read as:
   ``("i", scheme, has "//")`` for a string of the form of an absolute IRI (the pattern pyld's
   toRDF keeps), plain for anything else. Only documents whose ``@context`` is a list of URLs
   (bundled, immutable contexts) are templated; anything else takes the general path.
2. The template of a key: the document with each string leaf replaced by a unique *sentinel* of
   the same class (``scheme:[//]badger-slot-<nonce>-<n>`` or ``badger-slot-<nonce>-<n>``) is
   converted to an RDF dataset by pyld (safe mode, as the general path). Each sentinel must then
   appear only as the whole value of IRIs (subject, object, graph name) or the whole lexical
   form of literals; a slot whose sentinel was transformed (a compact IRI, a vocabulary-relative
   term, an ``@json`` literal, a language tag...) is *pinned*: its value joins the key and the
   template is built again with that value in place. A key whose sentinel document fails (a
   relative IRI in safe mode, for instance) is not templated: the general path answers (and
   raises what it raises).
3. Per document: the values are put back into fresh copies of the template's terms (the RDF
   term kind is kept from the template: an IRI stays an IRI, a literal keeps its datatype or
   language; N-Quads escaping happens in the serializer, as in the general path), exact
   duplicate quads are dropped (a dataset is a set: JSON-LD merges equal values), and RDFC-1.0
   runs. The fixed terms of a template are serialized once (``_compile``): per document only
   the slot terms are, and the quads go to rdfc.py as N-Quads terms (pyld's dicts are built
   only when it steps aside). A value in an IRI slot that is a term of a bundled context is refused (a @vocab
   position would map it): the document takes the general path.
4. Every new template is checked once against the general path on the document that created
   it; a difference (which would be a bug) disables the key and is logged.

Property tests (tests/properties/test_template_properties.py) compare both paths on generated
credentials (Unicode, empty and absent optional fields, evidence lists of different lengths,
URLs, e-mails, DIDs).

Spec: JSON-LD 1.1 Processing Algorithms §5.2 (IRI expansion), §8 (RDF serialization);
RDF Dataset Canonicalization (RDFC-1.0) §4.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from badger.errors import CanonicalizationLimit
from badger.jsonld.budget import BudgetExceeded
from badger.jsonld.budget import current as current_budget
from badger.jsonld.canonical import (
    Limits,
    _check_shape,
    _map_error,
    _options,
    _Processor,
    canonicalize,
    run_rdfc,
)
from badger.jsonld.loader import bundled_contexts
from badger.jsonld.rdfc import Quad, serialize_term

__all__ = ["TemplateCanonicalizer", "canonicalize_by_template", "default_canonicalizer", "shape_key"]

log = logging.getLogger(__name__)

# pyld's toRDF test for an absolute IRI (see canonical._RDF_IRI); blank node ids ("_:") are
# structure, never a slot.
_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?[^\s]*$")
_STRUCTURAL_KEYS = frozenset({"@context", "type", "@type"})


def _term_names() -> frozenset[str]:
    names: set[str] = set()
    stack: list[Any] = list(bundled_contexts().values())
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            names.update(k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(names)


_TERMS: frozenset[str] | None = None


def _terms() -> frozenset[str]:
    global _TERMS
    if _TERMS is None:
        _TERMS = _term_names()
    return _TERMS


def _classify(value: str) -> Any:
    known = _CLASSES.get(value)
    if known is not None:
        return known
    m = _IRI.match(value)
    cls = _PLAIN if m is None or value.startswith("_:") else ("i", m.group(1), m.group(2) is not None)
    if len(_CLASSES) >= 8192:  # the values repeated across rows (names, contexts, URLs) stay
        _CLASSES.clear()
    _CLASSES[value] = cls
    return cls


_CLASSES: dict[str, Any] = {}


# Tokens of the flat shape key; objects, so that no key or value can be mistaken for them. The
# key is unambiguous: inside an object keys and values alternate, and a value is one token or a
# bracketed run.
_OPEN_OBJECT, _CLOSE_OBJECT, _OPEN_LIST, _CLOSE_LIST, _PLAIN = (object() for _ in range(5))


def _walk(node: Any, values: list[str], out: list[Any], structural: bool) -> None:
    """Append the shape of ``node`` to ``out``; string leaves that are values go to ``values``.

    Runs twice per issued credential (validation by shape, then canonicalization), so string
    leaves of objects and lists, most of the nodes, are handled inline rather than by a call."""
    kind = type(node)
    append = out.append
    if kind is dict:
        append(_OPEN_OBJECT)
        for k, v in node.items():
            append(k)
            inner = structural or k in _STRUCTURAL_KEYS or k[:1] == "@"
            if type(v) is str:
                if inner:
                    append(("=", v))
                else:
                    values.append(v)
                    append(_CLASSES.get(v) or _classify(v))
            else:
                _walk(v, values, out, inner)
        append(_CLOSE_OBJECT)
    elif kind is list:
        append(_OPEN_LIST)
        for v in node:
            if type(v) is str:
                if structural:
                    append(("=", v))
                else:
                    values.append(v)
                    append(_CLASSES.get(v) or _classify(v))
            else:
                _walk(v, values, out, structural)
        append(_CLOSE_LIST)
    elif kind is str:
        if structural:
            append(("=", node))
        else:
            values.append(node)
            append(_classify(node))
    elif isinstance(node, str):  # a str subclass: its text, as the general path reads it
        _walk(str(node), values, out, structural)
    elif isinstance(node, dict):
        _walk(dict(node), values, out, structural)
    elif isinstance(node, list):
        _walk(list(node), values, out, structural)
    else:
        # numbers, booleans, null: their value decides their RDF form (xsd:integer / xsd:double...)
        append(("=", type(node).__name__, repr(node)))


def shape_key(document: dict[str, Any]) -> tuple[Any, list[str]] | None:
    """(shape key, the document's string values in order), or None when not templatable."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if not all(isinstance(c, str) for c in contexts):
        return None
    values: list[str] = []
    out: list[Any] = []
    try:
        _walk(document, values, out, False)
    except (TypeError, RecursionError):  # a key that is not a string, absurd depth
        return None
    return tuple(out), values


def _replace(node: Any, values: list[str], index: list[int], structural: bool) -> Any:
    """``node`` with its string values replaced, in the order _walk found them."""
    if isinstance(node, str):
        if structural:
            return node
        i = index[0]
        index[0] += 1
        return values[i]
    if isinstance(node, dict):
        return {
            k: _replace(v, values, index, structural or k in _STRUCTURAL_KEYS or k.startswith("@"))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_replace(v, values, index, structural) for v in node]
    return node


# A template: the quads as (subject, predicate, object, graph) term tuples, where a term is
# (kind, value, datatype, language) and a slot term has value None and a slot index.
_Term = tuple[str, Any, Any, Any]


@dataclass(frozen=True)
class _Template:
    quads: tuple[tuple[Any, ...], ...]  # ((s, p, o, g), ...) with terms or ("slot", i, kind, dt, lang)
    iri_slots: frozenset[int]
    limits: Limits
    # The same quads with every fixed term already in N-Quads form (a str) and every slot term
    # an index into slot_terms ((slot, kind, datatype, language)), serialized per document.
    serialized: tuple[tuple[Any, ...], ...] = ()
    slot_terms: tuple[tuple[Any, ...], ...] = ()


def _compile(quads: tuple[tuple[Any, ...], ...]) -> tuple[tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]:
    slot_terms: dict[tuple[Any, ...], int] = {}

    def one(term: Any) -> Any:
        if term is None:
            return None
        if term[0] == "slot":
            return slot_terms.setdefault(term[1:], len(slot_terms))
        return serialize_term(*term)

    serialized = tuple(tuple(one(t) for t in quad) for quad in quads)
    return serialized, tuple(slot_terms)


@dataclass
class _Shape:
    pinned: frozenset[int]
    templates: dict[tuple[str, ...], _Template | None]


def _sentinel(nonce: str, n: int, value: str) -> str:
    cls = _classify(value)
    if cls is _PLAIN:
        return f"badger-slot-{nonce}-{n}"
    return f"{cls[1]}:{'//' if cls[2] else ''}badger-slot-{nonce}-{n}"


class _NotTemplatable(Exception):
    pass


def _to_dataset(document: dict[str, Any], loader: Any) -> dict[str, list[dict[str, Any]]]:
    options = dict(_options(loader), produceGeneralizedRdf=False)
    return _Processor(safe=True).to_rdf(document, options)  # type: ignore[no-any-return]


def _build(document: dict[str, Any], values: list[str], pinned: frozenset[int], loader: Any, limits: Limits) -> Any:
    """A template, or the set of slots to pin (a frozenset) when some sentinel was transformed."""
    nonce = secrets.token_hex(6)
    sentinels = [v if i in pinned else _sentinel(nonce, i, v) for i, v in enumerate(values)]
    by_sentinel = {s: i for i, s in enumerate(sentinels) if i not in pinned}
    marker = f"badger-slot-{nonce}-"
    try:
        dataset = _to_dataset(_replace(document, sentinels, [0], False), loader)
    except Exception as exc:  # noqa: BLE001 - the general path gives the real error
        raise _NotTemplatable() from exc
    quads: list[tuple[Any, ...]] = []
    found: set[int] = set()
    iri_slots: set[int] = set()
    bad: set[int] = set()
    blank: set[str] = set()

    def term(component: dict[str, Any] | None, position: str) -> Any:
        if component is None:
            return None
        kind, value = component["type"], component["value"]
        datatype, language = component.get("datatype"), component.get("language")
        if kind == "blank node":
            blank.add(value)
        if position != "predicate" and value in by_sentinel:
            slot = by_sentinel[value]
            found.add(slot)
            if kind == "IRI":
                iri_slots.add(slot)
            elif kind != "literal":
                bad.add(slot)
            return ("slot", slot, kind, datatype, language)
        for part in (value, datatype or "", language or ""):
            if marker in part:  # a sentinel transformed: which slot?
                for s, i in by_sentinel.items():
                    if s in part or s.split(":", 1)[-1] in part:
                        bad.add(i)
                if not bad:
                    raise _NotTemplatable()
        return (kind, value, datatype, language)

    count = 0
    for graph, triples in dataset.items():
        g = None if graph == "@default" else {"type": "blank node" if graph.startswith("_:") else "IRI", "value": graph}
        for t in triples:
            count += 1
            quads.append(
                (term(t["subject"], "s"), term(t["predicate"], "predicate"), term(t["object"], "o"), term(g, "g"))
            )
    missing = {i for i in range(len(values)) if i not in pinned and i not in found}
    bad |= missing  # dropped or transformed beyond recognition
    if bad:
        return frozenset(pinned | bad)
    if count > limits.max_quads or len(blank) > limits.max_blank_nodes:
        raise _NotTemplatable()  # the general path raises the limit error
    serialized, slot_terms = _compile(tuple(quads))
    return _Template(
        quads=tuple(quads), iri_slots=frozenset(iri_slots), limits=limits, serialized=serialized, slot_terms=slot_terms
    )


def _fits(template: _Template, values: list[str]) -> bool:
    """False when a value cannot go in its slot: a context term in an IRI slot (see 3. above)."""
    terms = _terms()
    return not any(values[i] in terms for i in template.iri_slots)


def _fill_serialized(template: _Template, values: list[str]) -> list[Quad]:
    """The document's quads in N-Quads form (exact duplicates dropped, as in ``_fill``)."""
    filled = [serialize_term(kind, values[slot], dt, lang) for slot, kind, dt, lang in template.slot_terms]
    quads = [
        (
            s if type(s) is str else filled[s],
            p,
            o if type(o) is str else filled[o],
            g if g is None or type(g) is str else filled[g],
        )
        for s, p, o, g in template.serialized
    ]
    return list(dict.fromkeys(quads))


def _fill(template: _Template, values: list[str]) -> dict[str, list[dict[str, Any]]]:
    """A fresh pyld dataset with ``values`` in the slots (for pyld's full RDFC-1.0)."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[Any, ...]] = set()
    for quad in template.quads:
        real = tuple((c[2], values[c[1]], c[3], c[4]) if c is not None and c[0] == "slot" else c for c in quad)
        if real in seen:
            continue
        seen.add(real)
        s, p, o, g = real
        triple = {"subject": _component(s), "predicate": _component(p), "object": _component(o)}
        dataset.setdefault("@default" if g is None else g[1], []).append(triple)
    return dataset


def _component(term: _Term) -> dict[str, Any]:
    kind, value, datatype, language = term
    out: dict[str, Any] = {"type": kind, "value": value}
    if datatype is not None:
        out["datatype"] = datatype
    if language is not None:
        out["language"] = language
    return out


class TemplateCanonicalizer:
    """Canonical N-Quads by template, identical to ``canonicalize(document)`` (default loader,
    safe mode). ``learn=False`` uses only known shapes (verification of other parties'
    documents): a shape is learned on its second sighting, so a one-off document costs nothing
    extra. Thread-safe; at most ``max_shapes`` shapes are kept (least recently used out)."""

    def __init__(self, *, max_shapes: int = 256, limits: Limits = Limits()):
        self._shapes: OrderedDict[Any, _Shape | None] = OrderedDict()
        self._sightings: OrderedDict[Any, int] = OrderedDict()
        self._max = max_shapes
        self._limits = limits
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._shapes.clear()
            self._sightings.clear()

    def canonicalize(self, document: dict[str, Any], *, learn: bool = True, keyed: Any = None) -> str:
        """``keyed``: ``shape_key(document)`` when the caller computed it already (issuance
        validates by shape first); it must be the key of this very document, unchanged since."""
        if keyed is None:
            keyed = shape_key(document)
        if keyed is None:
            return canonicalize(document, limits=self._limits)
        key, values = keyed
        with self._lock:
            known = key in self._shapes
            shape = self._shapes.get(key)
            if known:
                self._shapes.move_to_end(key)
            elif not learn:
                seen = self._sightings.get(key, 0) + 1
                self._sightings[key] = seen
                if len(self._sightings) > self._max * 4:
                    self._sightings.popitem(last=False)
                if seen < 2:
                    self.misses += 1
                    return canonicalize(document, limits=self._limits)
        first = False
        if not known:
            try:  # learning expands the document: the general path's bound on its arrays first
                _check_shape(document, self._limits)
            except CanonicalizationLimit:
                return canonicalize(document, limits=self._limits)  # which refuses it the same way
            shape, first = self._learn(key, document, values), True
        if shape is None:
            self.misses += 1
            return canonicalize(document, limits=self._limits)
        pinned_values = tuple(values[i] for i in sorted(shape.pinned))
        if pinned_values in shape.templates:
            template = shape.templates[pinned_values]
        else:
            first = True
            template = self._template(document, values, shape.pinned)
            with self._lock:
                if len(shape.templates) >= 64:
                    shape.templates.clear()
                shape.templates[pinned_values] = template
        if template is None or not _fits(template, values):
            self.misses += 1
            return canonicalize(document, limits=self._limits)
        result = self._rdfc(template, values)
        if first:  # a new template answers once in both ways: they must agree
            expected = canonicalize(document, limits=self._limits)
            if expected != result:
                log.error("template canonicalization differs from the general path; shape disabled")
                with self._lock:
                    shape.templates[pinned_values] = None
                return expected
        self.hits += 1
        return result

    def _rdfc(self, template: _Template, values: list[str]) -> str:
        try:
            return run_rdfc(lambda: _fill(template, values), self._limits, _fill_serialized(template, values))
        except CanonicalizationLimit as exc:
            spending = current_budget()
            if spending is not None:  # as canonical.canonicalize: a poison input is refused whole
                spending.refuse(str(exc))
            raise
        except BudgetExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - as the general path
            raise _map_error(exc) from exc

    def _template(self, document: dict[str, Any], values: list[str], pinned: frozenset[int]) -> _Template | None:
        try:
            built = _build(document, values, pinned, None, self._limits)
        except _NotTemplatable:
            return None
        return built if isinstance(built, _Template) else None

    def _learn(self, key: Any, document: dict[str, Any], values: list[str]) -> _Shape | None:
        """Find the slots to pin for this shape (twice at most: pinning is stable)."""
        pinned: frozenset[int] = frozenset()
        shape: _Shape | None = None
        for _ in range(3):
            try:
                built = _build(document, values, pinned, None, self._limits)
            except _NotTemplatable:
                break
            if isinstance(built, _Template):
                shape = _Shape(pinned=pinned, templates={tuple(values[i] for i in sorted(pinned)): built})
                break
            pinned = built
        with self._lock:
            self._shapes[key] = shape
            if len(self._shapes) > self._max:
                self._shapes.popitem(last=False)
        return shape


_DEFAULT = TemplateCanonicalizer()


def canonicalize_by_template(
    document: dict[str, Any], *, loader: Any = None, learn: bool = True, keyed: Any = None
) -> str:
    """``canonicalize(document, loader=loader)``, by template when the default (bundled,
    immutable) loader is used. ``learn=False`` for documents from elsewhere (verification):
    only shapes seen before are templated. ``keyed``: the document's ``shape_key``, when known.
    Raises what ``canonicalize`` raises."""
    if loader is not None:
        return canonicalize(document, loader=loader)
    return _DEFAULT.canonicalize(document, learn=learn, keyed=keyed)


def default_canonicalizer() -> TemplateCanonicalizer:
    """The process-wide canonicalizer behind canonicalize_by_template (counters, clear())."""
    return _DEFAULT

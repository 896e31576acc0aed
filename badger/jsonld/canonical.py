"""JSON-LD expansion and RDF Dataset Canonicalization (RDFC-1.0) with the guards Badger needs.

- The algorithm is always named: RDFC-1.0, which pyld calls "URDNA2015" (pyld's default is the
  older URGNA2012, which would produce different bytes).
- The loader is always passed explicitly (never pyld's network loader, never a global).
- Safe mode (as in VC Data Integrity §4.x "safe mode" / jsonld.js ``safe: true``): a property
  that expansion would drop, or an ``@id`` / ``@type`` that stays a relative IRI (which RDF
  conversion silently drops), is an error — otherwise it would be displayed but not signed.
- Poison guard (RDFC-1.0 §"Security Considerations": poison graphs can make the Hash N-Degree
  Quads step exponential): bounded quads, blank nodes and N-degree hashing work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from pyld import canon as _pyld_canon
from pyld import jsonld
from pyld import nquads as _pyld_nquads
from pyld.canon import URDNA2015

from badger.errors import CanonicalizationLimit, DroppedTerm, JsonLdError
from badger.jsonld import budget as _budget
from badger.jsonld.loader import StaticDocumentLoader, bundled_contexts
from badger.jsonld.rdfc import canonical_nquads, least_ndegree_work, quads_of_dataset, rdfc_escape

__all__ = ["Limits", "ALGORITHM", "canonicalize", "expand", "default_loader"]

# RDFC-1.0 is the published name of URDNA2015 (RDF Dataset Canonicalization, W3C REC 2024).
ALGORITHM = "URDNA2015"


@dataclass(frozen=True)
class Limits:
    """Bounds on one canonicalization; generous for any real credential (a few hundred quads)."""

    max_quads: int = 20_000
    max_blank_nodes: int = 2_000
    max_ndegree_calls: int = 2_000
    # Hash-N-Degree *work* (not only calls: one call on a clique walks every permutation of its
    # neighbours): each call, each related blank node hashed and each permutation element
    # walked is one unit, and each identifier of the issuer deep-copied per permutation four. Allowed: a floor plus an allowance per quad, so the bound grows with
    # the input's size but never with the exponential cost a poison graph asks for. Measured:
    # real credentials need 0 (no first-degree hash collision) to a few hundred units, a unit
    # costs about 1 µs, so the floor is well under 0.1 s; a clique of 4 blank nodes needs
    # ~6,000, of 5 ~80,000 (refused), of 40 (34 KB) more than the age of the universe allows.
    work_floor: int = 50_000
    work_per_quad: int = 2
    # Expansion is quadratic in the number of values of one property (pyld's node map compares
    # each new value with every value already there): the sum of the squared lengths of the
    # document's arrays is bounded before expansion starts (~1 µs a comparison). A real
    # credential's arrays hold a few dozen items at most.
    max_array_work: int = 250_000
    max_json_values: int = 50_000

    def max_work(self, quads: int) -> int:
        return self.work_floor + self.work_per_quad * quads


_DEFAULT_LOADER: StaticDocumentLoader | None = None


def default_loader() -> StaticDocumentLoader:
    """The shared loader holding only the bundled contexts."""
    global _DEFAULT_LOADER
    if _DEFAULT_LOADER is None:
        _DEFAULT_LOADER = StaticDocumentLoader()
    return _DEFAULT_LOADER


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc, unused-ignore]  # pyld has no type hints
    """pyld's processor, memoising context processing by (active context, local context).

    Why: pyld caches a processed context per *active context uuid*, but every type-scoped context
    (OB 3.0 scopes most of its terms by type) makes a fresh child context with a new uuid, so the
    same scoped contexts are re-processed for every node of every credential (~70 % of the
    time). Processing is a pure function of (active context, local context, flags) and the
    results are frozen, so reusing them gives identical output; tests compare against stock
    pyld on the spec vectors and on generated credentials.
    """

    _memo: dict[tuple[Any, ...], Any] = {}
    _MEMO_MAX = 4096

    def __init__(self, *, safe: bool):
        self._dropped: list[str] = []
        super().__init__(on_property_dropped=lambda iri: self._dropped.append(str(iri)))
        self._safe = safe

    def expand(self, input_: Any, options: Any) -> Any:
        """pyld's expansion, then safe mode (also used by to_rdf, so one expansion suffices)."""
        expanded = super().expand(input_, options)
        if self._safe:
            if self._dropped:
                raise DroppedTerm("terms not defined by any context: " + ", ".join(sorted(set(self._dropped))))
            problems: list[str] = []
            _check_expanded(expanded, problems)
            if problems:
                raise DroppedTerm("; ".join(problems[:5]))
        return expanded

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: Any = False,
        propagate: Any = True,
        validate_scoped: Any = True,
        cycles: Any = None,
    ) -> Any:
        local_key = _static_key(local_ctx)
        uid = active_ctx.get("_uuid")
        if local_key is None or uid is None or cycles:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (uid, local_key, override_protected, propagate, validate_scoped, id(options["documentLoader"]))
        result = self._memo.get(key)
        if result is None:
            result = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
            if len(self._memo) >= self._MEMO_MAX:
                self._memo.clear()
            self._memo[key] = result
        return result


def _static_key(ctx: Any) -> Any:
    """A memo key for a local context that cannot change, or None.

    Only context URLs (whose documents are the bundled, immutable ones) and the context objects
    inside the bundled documents (which live as long as the process, so id() is stable) are
    memoised; an inline context in a document under verification is processed afresh.
    """
    if isinstance(ctx, str):
        return ctx
    if isinstance(ctx, list) and all(isinstance(c, str) for c in ctx):
        return tuple(ctx)
    if isinstance(ctx, dict) and id(ctx) in _bundled_object_ids():
        return ("obj", id(ctx))
    return None


_BUNDLED_IDS: frozenset[int] | None = None


def _bundled_object_ids() -> frozenset[int]:
    global _BUNDLED_IDS
    if _BUNDLED_IDS is None:
        ids: set[int] = set()
        stack = list(bundled_contexts().values())
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ids.add(id(node))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        _BUNDLED_IDS = frozenset(ids)
    return _BUNDLED_IDS


# pyld serialises every quad through this module-level function; giving it the canonical
# escaping is the smallest change that makes its RDFC-1.0 output conform (and it only differs
# from pyld's own on control characters other than tab, newline and carriage return).
_pyld_nquads.escape = rdfc_escape


class _GuardedRDFC(URDNA2015):  # type: ignore[misc, unused-ignore]  # pyld has no type hints
    """RDFC-1.0 with a work budget on the N-degree hashing step (the exponential part), charged
    also to the verification's Budget when one is active (badger.jsonld.budget)."""

    def __init__(self, limits: Limits, quads: int):
        super().__init__()
        self._limits = limits
        self._calls = 0
        self._work = 0
        self._max_work = limits.max_work(quads)
        self._issuers: list[Any] = []  # the issuer of each Hash-N-Degree call in progress
        self._budget = _budget.current()
        if self._budget is not None:
            self._budget.dataset(quads)

    def spend(self, units: int) -> None:
        self._work += units
        if self._work > self._max_work:
            raise CanonicalizationLimit("canonicalization work limit reached (poison graph?)")
        if self._budget is not None:
            self._budget.spend(units)

    def main(self, dataset: Any, options: Any) -> Any:
        token = _METER.set(self)
        try:
            return super().main(dataset, options)
        finally:
            _METER.reset(token)

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        self._calls += 1
        if self._calls > self._limits.max_ndegree_calls:
            raise CanonicalizationLimit("canonicalization work limit reached (poison graph?)")
        self.spend(1)
        self._issuers.append(issuer)
        try:
            return super().hash_n_degree_quads(id_, issuer)
        finally:
            self._issuers.pop()

    def permutation_cost(self, permutation: Any) -> int:
        """One permutation: pyld deep-copies the call's issuer (its map and its order: about four
        object copies per identifier), then walks the permutation."""
        issuer = self._issuers[-1] if self._issuers else None
        return 1 + len(permutation) + (4 * len(issuer.existing) if issuer is not None else 0)

    def hash_related_blank_node(self, related: Any, quad: Any, issuer: Any, position: Any) -> Any:
        self.spend(1)
        return super().hash_related_blank_node(related, quad, issuer, position)


# The canonicalization running in this context, charged for every permutation pyld's
# Hash-N-Degree step walks (pyld calls the module-level ``permutations`` generator; wrapping it
# is the only way to meter that loop without copying pyld's algorithm).
_METER: ContextVar[_GuardedRDFC | None] = ContextVar("badger_rdfc_meter", default=None)
_pyld_permutations = _pyld_canon.permutations


def _metered_permutations(elements: Any) -> Iterator[Any]:
    meter = _METER.get()
    for permutation in _pyld_permutations(elements):
        if meter is not None:
            meter.spend(meter.permutation_cost(permutation))
        yield permutation


_pyld_canon.permutations = _metered_permutations


def _options(loader: Any) -> dict[str, Any]:
    return {
        "documentLoader": loader or default_loader(),
        # No document base: pyld would otherwise resolve a relative @id against its placeholder
        # http://example.org/base/ (jsonld.js leaves it relative and drops it); safe mode refuses it.
        "base": None,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
    }


def _map_error(exc: Exception) -> JsonLdError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, JsonLdError):
            return cause
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return JsonLdError(f"JSON-LD processing failed: {_describe(exc)}")


def _describe(exc: BaseException | None) -> str:
    parts: list[str] = []
    while exc is not None and len(parts) < 4:
        parts.append(str(getattr(exc, "message", None) or exc).split("\n")[0])
        exc = exc.__cause__ or getattr(exc, "cause", None)
    return " / ".join(p for p in parts if p)


def _check_expanded(node: Any, problems: list[str]) -> None:
    """Safe mode, second half: no relative IRIs left in @id / @type / property keys."""
    if isinstance(node, list):
        for item in node:
            _check_expanded(item, problems)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id":
            if isinstance(value, str) and not _absolute_or_blank(value):
                problems.append(f"relative @id {value!r}")
        elif key == "@type":
            if "@value" in node:  # a datatype
                if isinstance(value, str) and value != "@json" and not _absolute_or_blank(value):
                    problems.append(f"relative datatype {value!r}")
            else:
                for t in value if isinstance(value, list) else [value]:
                    if isinstance(t, str) and not _absolute_or_blank(t):
                        problems.append(f"relative @type {t!r}")
        elif key == "@value":
            continue
        else:
            if not key.startswith("@") and not _absolute_or_blank(key):
                problems.append(f"relative property {key!r}")
            _check_expanded(value, problems)


# The test pyld's toRDF applies before keeping a subject, predicate or IRI object (a scheme,
# a colon, no whitespace; "_" for blank nodes): anything else is silently dropped from the
# signed data, so safe mode must refuse exactly what it would drop.
_RDF_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")  # pyld: [+-.] is a range


def _absolute_or_blank(iri: str) -> bool:
    return _RDF_IRI.match(iri) is not None


def _check_shape(document: Any, limits: Limits) -> None:
    """Refuse, before expansion, a document whose arrays would make it quadratic (see Limits)."""
    stack, values, array_work = [document], 0, 0
    while stack:
        node = stack.pop()
        values += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            array_work += len(node) * len(node)
            stack.extend(node)
        if values > limits.max_json_values or array_work > limits.max_array_work:
            raise CanonicalizationLimit("the document has too many values to canonicalize")


def expand(document: dict[str, Any], *, loader: Any = None, safe: bool = True) -> list[Any]:
    """JSON-LD 1.1 expansion of ``document`` with the offline loader.

    Raises UnknownContext (a context that is not bundled), DroppedTerm (safe mode), JsonLdError.
    """
    try:
        return cast("list[Any]", _Processor(safe=safe).expand(document, _options(loader)))
    except (DroppedTerm, CanonicalizationLimit):
        raise
    except Exception as exc:  # pyld wraps loader errors; find ours
        raise _map_error(exc) from exc


def canonicalize(document: dict[str, Any], *, loader: Any = None, safe: bool = True, limits: Limits = Limits()) -> str:
    """RDFC-1.0 canonical N-Quads (a str, one quad per line, sorted) of a JSON-LD document.

    Input: a JSON-LD document (dict). Output: the canonical N-Quads. Raises UnknownContext,
    DroppedTerm (safe mode), CanonicalizationLimit (poison guard), JsonLdError.
    Spec: RDF Dataset Canonicalization (RDFC-1.0) §4; VC Data Integrity §4 (transformation).
    """
    spending = _budget.current()
    try:
        return _canonicalize(document, loader, safe, limits, spending)
    except CanonicalizationLimit as exc:
        if spending is not None:  # a poison input: the whole verification is refused (a 4xx)
            spending.refuse(str(exc))
        raise


def _canonicalize(document: dict[str, Any], loader: Any, safe: bool, limits: Limits, spending: Any) -> str:
    options = dict(_options(loader), produceGeneralizedRdf=False)
    _check_shape(document, limits)
    if spending is not None:
        spending.check()  # the verification's deadline, before the expansion starts
    try:
        dataset = _Processor(safe=safe).to_rdf(document, options)
    except DroppedTerm:
        raise
    except Exception as exc:
        raise _map_error(exc) from exc
    quads = sum(len(triples) for triples in dataset.values())
    if quads > limits.max_quads:
        raise CanonicalizationLimit(f"{quads} quads exceed the limit of {limits.max_quads}")
    blank = {
        c["value"]
        for triples in dataset.values()
        for t in triples
        for c in (t["subject"], t["object"])
        if c.get("type") == "blank node"
    }
    if len(blank) > limits.max_blank_nodes:
        raise CanonicalizationLimit(f"{len(blank)} blank nodes exceed the limit of {limits.max_blank_nodes}")
    return run_rdfc(dataset, limits, quads_of_dataset(dataset))


def run_rdfc(dataset: Any, limits: Limits, quads: list[Any] | None = None) -> str:
    """RDFC-1.0 of a pyld dataset whose size was checked: the simple case (every blank node told
    apart by its first-degree hash) by ``rdfc.canonical_nquads``, anything else by pyld's full
    algorithm under the work guard. ``quads``: the dataset's quads serialized, when the caller
    has them (``dataset`` may then be a function building the pyld dataset, only on fallback)."""
    if quads is not None:
        spending = _budget.current()
        if spending is not None:
            spending.check()  # the deadline, as the guarded path checks it
        simple = canonical_nquads(quads)
        if simple is not None:
            return simple
        # A graph whose N-degree step certainly exceeds the guard's bound is refused before
        # pyld's first-degree step, linear but slow (deep copies: ~0.7 s on a 100-node clique).
        ceiling = limits.max_work(len(quads))
        if least_ndegree_work(quads, ceiling) > ceiling:
            raise CanonicalizationLimit("canonicalization work limit reached (poison graph?)")
    if callable(dataset):
        dataset = dataset()
    count = sum(len(triples) for triples in dataset.values())
    try:
        guarded = _GuardedRDFC(limits, count)
        return cast(str, guarded.main(dataset, {"algorithm": ALGORITHM, "format": "application/n-quads"}))
    except (CanonicalizationLimit, _budget.BudgetExceeded):
        raise
    except Exception as exc:
        raise _map_error(exc) from exc

"""Validate OB 3.0 documents: the 1EdTech JSON Schemas, then the rules a schema cannot say.

`validate(doc)` returns a list of `Problem`s and never raises for a bad document; `check(doc)`
raises InvalidCredential with the same list, for issuance to call before signing.

Schemas. The bundled files are 1EdTech's "JSON-LD adaptation" schemas (draft 2019-09): every
``$ref`` is internal (``#/$defs/…``), so a `referencing.Registry` whose retrieve function
refuses everything is enough and the network is never touched. They accept the compacted
JSON-LD forms: a single value where an array is allowed, and a language map
(``{"fr": "…", "en": "…"}``) wherever a string is. Two consequences:
- most ``oneOf``s choose between branches that take different JSON types (a string, an
  object, an array). When `_compile` can prove that, it replaces the ``oneOf`` by a type switch
  that evaluates only the branch for the value's type. The result is the same, it is faster,
  and errors come from the branch that applies instead of from every branch;
- a ``type`` given as a single string passes the schema whatever the string says (only the
  array form must *contain* the expected name), so `_walk` checks ``type`` at every
  position the OB 3.0 data model fixes, as the 1EdTech validator's type probes do.

Legacy VC 1.1 credentials (``@context`` https://www.w3.org/2018/credentials/v1 then an OB
context; ``issuanceDate``/``expirationDate``) are still in wallets. OB 3.0 §"Verification" says
they use those names instead of ``validFrom``/``validUntil``, but the bundled schemas only know
the VC 2.0 names. In mode "verify" such a credential (or embedded endorsement) is therefore
validated through a view in which ``issuanceDate``/``expirationDate`` are renamed, the early
OB 3.0 identityType "email" reads "emailAddress", and a missing ``id`` is tolerated (optional
in VC 1.1). Problems are reported with the document's own names and paths. Mode "issue" never
accepts them: Badger writes VC 2.0 only.

Problem codes (``Problem.code``), each with a JSON pointer ``path``:
    schema.required            a required property is missing (path names it)
    schema.type                ``type`` missing or without the expected name (path ends in /type)
    schema.format              a date-time or date that does not parse (RFC 3339, with timezone)
    schema.enum                a value outside a closed vocabulary (e.g. identityType)
    schema.pattern             a string that does not match the schema's pattern
    schema.json_type           a value of the wrong JSON type (e.g. a number for a name)
    schema.additional_property a property the schema forbids (IdentityObject, Image, …)
    schema.invalid             any other schema failure
    document.not_object        the document is not a JSON object
    document.unknown_type      ``type`` names neither a credential nor a Profile
    context.invalid            ``@context`` is not a list of URLs / objects
    context.missing            no ``@context``
    context.order              the VC context is not the first entry (absent or misplaced), or
                               the OB context does not come right after it
    context.missing_ob         no Open Badges context
    context.legacy             issue mode: VC 1.1 or an OB context older than 3.0.3
    context.extra              issue mode: anything beyond the [VC 2.0, OB 3.0.3] pair
    dates.inverted             validFrom (issuanceDate) is after validUntil (expirationDate)
    dates.legacy_property      issue mode: issuanceDate / expirationDate present
    issuer.invalid_id          the issuer id is not an absolute URI or a DID
    subject.unidentified       credentialSubject has neither ``id`` nor ``identifier``
    subject.invalid_id         credentialSubject ``id`` is not an absolute URI
    identity.hash_format       a hashed identityHash is not sha256$<64 hex> or md5$<32 hex>
    identity.weak_hash         issue mode: an md5 identityHash
    text.control_character     issue mode: a string holds a control character other than
                               newline / carriage return (verifiers in circulation canonicalize
                               them differently, so the signature would not verify everywhere)

Spec: OB 3.0 §"Verification" (https://www.imsglobal.org/spec/ob/v3p0/#verification) step 1,
§"Compacted document form" (why the schemas accept single values and language maps), the
data model (Appendix B) for what each ``type`` must be; VC Data Model 2.0 §"Contexts",
§"Validity Period".
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any, Literal, NoReturn, cast

import jsonschema_rs
from jsonschema import Draft201909Validator, FormatChecker, ValidationError, validators
from referencing import Registry
from referencing.exceptions import NoSuchResource

from badger.errors import InvalidCredential
from badger.resources import load_json

from .dates import parse_datetime
from .problems import Problem
from .vcdm import is_presentation, vcdm_problems
from .vocab import (
    ACHIEVEMENT,
    ACHIEVEMENT_SUBJECT,
    ADDRESS,
    ALIGNMENT,
    ENDORSEMENT_CREDENTIAL_TYPE,
    ENDORSEMENT_SUBJECT,
    EVIDENCE,
    GEO_COORDINATES,
    IDENTIFIER_ENTRY,
    IDENTITY_OBJECT,
    IMAGE,
    OB_CONTEXT,
    OB_CONTEXTS,
    OB_CREDENTIAL_TYPES,
    PROFILE,
    RELATED,
    RESULT,
    RESULT_DESCRIPTION,
    RUBRIC_CRITERION_LEVEL,
    VC_TYPE,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
)

__all__ = ["Mode", "validate", "check"]

Mode = Literal["issue", "verify"]

_SCHEMA_FILES = {
    "achievement": "jsonschema/ob_v3p0_achievementcredential_schema.json",
    "endorsement": "jsonschema/ob_v3p0_endorsementcredential_schema.json",
    "profile": "jsonschema/ob_v3p0_profile_schema.json",
}

# ---------------------------------------------------------------------------------------------
# Dates

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_parse_datetime = parse_datetime  # the one dateTime parser (badger.credentials.dates)


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")  # type: ignore[untyped-decorator, unused-ignore]  # jsonschema: untyped
def _is_date_time(value: Any) -> bool:
    return not isinstance(value, str) or _parse_datetime(value) is not None


@_FORMATS.checks("date", raises=ValueError)  # type: ignore[untyped-decorator, unused-ignore]  # jsonschema: untyped
def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE.match(value)) and date.fromisoformat(value) is not None


# ---------------------------------------------------------------------------------------------
# Schema compilation

_SWITCH = "x-badger-switch"
_LANGMAP = "x-badger-langmap"
_LANGUAGE_KEYS = "^[a-z]{2}(-[A-Z]{2})?$"


def _is_language_map(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("type") == "object"
        and isinstance(node.get("propertyNames"), dict)
        and node["propertyNames"].get("pattern") == _LANGUAGE_KEYS
    )


# The draft 2019-09 type tests, inlined: the switch runs once per property of a credential.
_IS_TYPE = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _switch_branch(branches: Any, instance: Any) -> Any:
    for index, (tests, _types, subschema) in enumerate(branches):
        if any(test(instance) for test in tests):
            return index, subschema
    return None, None


def _switch_keyword(validator: Any, branches: Any, instance: Any, schema: Any) -> Any:
    """Validate against the one branch whose JSON types admit the instance (see `_compile`)."""
    index, subschema = _switch_branch(branches, instance)
    if index is None:
        expected = sorted({t for _, types, _ in branches for t in types})
        yield ValidationError(
            f"{instance!r} is not of type {', '.join(map(repr, expected))}",
            validator="type",
            validator_value=expected,
        )
    elif subschema is not None:  # None: the branch only asked for this JSON type
        yield from validator.descend(instance, subschema, schema_path=index)


def _properties_keyword(validator: Any, properties: Any, instance: Any, schema: Any) -> Any:
    """Draft 2019-09 ``properties``, minus a descent into switches that are settled already."""
    if not isinstance(instance, dict):
        return
    for name, subschema in properties.items():
        if name not in instance:
            continue
        value = instance[name]
        if len(subschema) == 1 and _SWITCH in subschema:
            index, branch = _switch_branch(subschema[_SWITCH], value)
            if index is not None and branch is None:
                continue
        yield from validator.descend(value, subschema, path=name, schema_path=name)


_DRAFT_ITEMS = Draft201909Validator.VALIDATORS["items"]


def _items_keyword(validator: Any, items: Any, instance: Any, schema: Any) -> Any:
    """Draft 2019-09 ``items``, with the same short-cut as `_properties_keyword`."""
    if isinstance(items, dict) and len(items) == 1 and _SWITCH in items and isinstance(instance, list):
        for index, item in enumerate(instance):
            found, branch = _switch_branch(items[_SWITCH], item)
            if found is None or branch is not None:
                yield from validator.descend(item, items, path=index)
        return
    yield from _DRAFT_ITEMS(validator, items, instance, schema)


def _language_map_keyword(validator: Any, inner: Any, instance: Any, schema: Any) -> Any:
    """A JSON-LD language map alternative: one error, so it never outranks the real branch."""
    if not validator.is_type(instance, "object"):
        yield ValidationError(f"{instance!r} is not of type 'object'", validator="type", validator_value="object")
        return
    if any(True for _ in validator.descend(instance, inner)):
        yield ValidationError(f"{instance!r} is not a language map")


_Validator = validators.extend(
    Draft201909Validator,
    {
        _SWITCH: _switch_keyword,
        _LANGMAP: _language_map_keyword,
        "properties": _properties_keyword,
        "items": _items_keyword,
    },
)

# Keywords whose value is a map of names to subschemas, a subschema, or a list of subschemas.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = (
    "additionalProperties",
    "propertyNames",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
# Annotations: they never change a result, and each costs a dictionary step per evaluation.
_ANNOTATIONS = ("title", "description", "$comment", "examples", "default")


def _compile(raw: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a bundled schema, faster to run and with the same results.

    - a ``oneOf`` whose branches provably accept disjoint JSON types becomes a type switch
      (`_switch_keyword`); a branch that only asks for that type is not evaluated at all;
    - a language-map alternative is wrapped (`_language_map_keyword`) so that it yields one
      error instead of one per property;
    - annotations are dropped.
    Raises ValueError for a ``$ref`` that leaves the file, so validation never goes online.
    """
    defs = raw.get("$defs", {})

    def json_types(node: Any, seen: frozenset[str] = frozenset(), keep_integer: bool = False) -> frozenset[str] | None:
        # The JSON types a subschema can accept, when the schema says so plainly; else None.
        if not isinstance(node, dict):
            return None
        if isinstance(node.get("type"), (str, list)):
            t = [node["type"]] if isinstance(node["type"], str) else node["type"]
            return frozenset(x if keep_integer or x != "integer" else "number" for x in t)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
            return json_types(defs.get(ref[len("#/$defs/") :]), seen | {ref}, keep_integer)
        if isinstance(node.get("allOf"), list):
            known = [s for s in (json_types(x, seen, keep_integer) for x in node["allOf"]) if s is not None]
            return frozenset.intersection(*known) if known else None
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list):
                sets = [json_types(x, seen, keep_integer) for x in node[key]]
                return None if any(s is None for s in sets) else frozenset().union(*cast("list[frozenset[str]]", sets))
        return None

    def schema(node: Any, root: bool = False) -> Any:
        if not isinstance(node, dict):
            return node  # true/false schemas
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            raise ValueError(f"bundled schema refers outside itself: {ref}")
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS and not root:
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: schema(sub) for name, sub in value.items()}
            elif key in _SCHEMA_ONE:
                out[key] = schema(value)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [schema(sub) for sub in value]
            elif key == "items":
                out[key] = [schema(sub) for sub in value] if isinstance(value, list) else schema(value)
            else:
                out[key] = value
        if _is_language_map(node):
            return {_LANGMAP: out}
        branches = node.get("oneOf")
        if isinstance(branches, list) and branches:
            sets = [json_types(b) for b in branches]
            known = cast("list[frozenset[str]]", sets)  # only read once all() has ruled out None
            disjoint = all(s is not None for s in sets) and all(
                not (known[i] & known[j]) for i in range(len(sets)) for j in range(i + 1, len(sets))
            )
            if disjoint:
                switch = []
                for branch, sub in zip(branches, out.pop("oneOf"), strict=True):
                    trivial = isinstance(sub, dict) and set(sub) == {"type"}
                    types = sorted(cast(frozenset[str], json_types(branch, keep_integer=True)))  # not None: disjoint
                    tests = tuple(_IS_TYPE[t] for t in types)
                    switch.append((tests, types, None if trivial else sub))
                out[_SWITCH] = switch
        return out

    return cast("dict[str, Any]", schema(raw, root=True))


def _refuse(uri: str) -> NoReturn:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs field; referencing's stubs omit it


@cache
def _validator(kind: str) -> Any:
    """The compiled validator for one bundled schema; built once per process."""
    schema = _compile(load_json(_SCHEMA_FILES[kind]))
    return _Validator(schema, registry=Registry(retrieve=_refuse), format_checker=_FORMATS)  # type: ignore[call-arg]  # attrs field; stubs omit it


# The yes/no answer first, from jsonschema-rs (Rust, draft 2019-09, ~20 times faster than
# python-jsonschema on these schemas); only an invalid document goes through python-jsonschema,
# whose errors become the problems (codes, details and paths stay exactly theirs). Both apply
# the same two formats with the same functions and nothing else; tests/credentials/
# test_fast_schema_check.py checks that both answer alike on every vector and on generated
# documents, valid and broken.
def _is_date_safe(value: Any) -> bool:
    try:
        return bool(_is_date(value))
    except ValueError:
        return False


_RS_FORMATS = {"date-time": _is_date_time, "date": _is_date_safe}


def _rs_validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft201909Validator(
        schema, formats=_RS_FORMATS, validate_formats=True, ignore_unknown_formats=True, retriever=_refuse
    )


@cache
def _fast_validator(kind: str) -> Any:
    return _rs_validator(load_json(_SCHEMA_FILES[kind]))


@cache
def _fast_status_validator(kind: str) -> Any:
    raw = load_json(_SCHEMA_FILES[kind])
    return _rs_validator({"$schema": raw.get("$schema"), "$defs": raw["$defs"], "$ref": "#/$defs/CredentialStatus"})


def _schema_valid(kind: str, view: Any, status_entries: list[Any]) -> bool:
    """True when the bundled schema (and each status entry's own schema) accepts ``view``."""
    try:
        return _fast_validator(kind).is_valid(view) and all(
            _fast_status_validator(kind).is_valid(entry) for _, entry, _ in status_entries
        )
    except Exception:  # noqa: BLE001 - anything odd: python-jsonschema decides
        return False


@cache
def _status_validator(kind: str) -> Any:
    """The validator of one ``credentialStatus`` entry: the bundled schema's CredentialStatus."""
    raw = load_json(_SCHEMA_FILES[kind])
    schema = _compile({"$schema": raw.get("$schema"), "$defs": raw["$defs"], "$ref": "#/$defs/CredentialStatus"})
    return _Validator(schema, registry=Registry(retrieve=_refuse), format_checker=_FORMATS)  # type: ignore[call-arg]  # attrs field; stubs omit it


def _status_entries(view: dict[str, Any], kind: str) -> Any:
    """Several credentialStatus entries -> (view holding the first, [(index, entry, validator)]).

    VC Data Model 2.0 §4.10 allows "a single object or a set of one or more objects" (e.g. the
    revocation and suspension entries of W3C Bitstring Status List §2.1); OB 3.0's data model
    and JSON Schema say 0..1 (1EdTech/openbadges-specification#623 proposes opening it in 3.1).
    Each entry is checked against the schema's own CredentialStatus instead, so an array of
    valid entries passes and a bad entry is still reported at its path.
    """
    entries = view.get("credentialStatus") if isinstance(view, dict) else None
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        return view, []
    if kind != "achievement" and kind != "endorsement":
        return view, []
    return {**view, "credentialStatus": entries[0]}, [(i, e, _status_validator(kind)) for i, e in enumerate(entries)]


# ---------------------------------------------------------------------------------------------
# Schema errors -> problems


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _leaves(err: ValidationError) -> list[tuple[ValidationError, bool]]:
    """The errors that explain `err`, each with a flag "only says: wrong JSON type here".

    For a failed anyOf/oneOf, keep the branch that got furthest into the instance (deepest
    error, then fewest errors, then first), ignoring branches that failed on the value's JSON
    type at the composite's own location: they are the alternatives that did not apply.
    """
    if err.validator not in ("anyOf", "oneOf") or not err.context:
        shape = err.validator in ("type", _LANGMAP)
        return [(err, shape)]
    here = len(err.absolute_path)
    branches: dict[int, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best: tuple[tuple[int, int], list[tuple[ValidationError, bool]]] | None = None
    for index in sorted(branches):
        leaves = [leaf for sub in branches[index] for leaf in _leaves(sub)]
        depth = max(-1 if (shape and len(e.absolute_path) == here) else len(e.absolute_path) for e, shape in leaves)
        score = (depth, -len(leaves))
        if best is None or score > best[0]:
            best = (score, leaves)
    assert best is not None  # err.context is non-empty, so the loop ran
    if best[0][0] < 0:
        return [(err, True)]
    return best[1]


def _missing_property(err: ValidationError) -> Any:
    instance = err.instance if isinstance(err.instance, dict) else {}
    for prop in err.validator_value or ():
        if prop not in instance and err.message.startswith(f"{prop!r} is a required"):
            return prop
    return None


def _unexpected_property(err: ValidationError) -> Any:
    instance, schema = err.instance, err.schema
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return None
    allowed = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    for key in instance:
        if key not in allowed and not any(p.search(key) for p in patterns):
            return key
    return None


def _schema_problem(err: ValidationError, shape: bool) -> tuple[str, str, tuple[Any, ...]]:
    path = tuple(err.absolute_path)
    v = err.validator
    if v == "required":
        prop = _missing_property(err)
        if prop is not None:
            return ("schema.type" if prop == "type" else "schema.required", err.message, path + (prop,))
        return "schema.required", err.message, path
    if path and path[-1] == "type":
        return "schema.type", err.message, path
    if len(path) >= 2 and path[-2] == "type" and isinstance(path[-1], int):
        return "schema.type", err.message, path[:-1]
    if v == "format":
        return "schema.format", err.message, path
    if v in ("enum", "const"):
        return "schema.enum", err.message, path
    if v == "pattern":
        return "schema.pattern", err.message, path
    if shape or v in ("type", _LANGMAP):
        return "schema.json_type", err.message, path
    if v in ("additionalProperties", "unevaluatedProperties"):
        extra = _unexpected_property(err)
        return "schema.additional_property", err.message, path + ((extra,) if extra is not None else ())
    return "schema.invalid", err.message, path


# ---------------------------------------------------------------------------------------------
# The document's shape: which object sits where, what its `type` must contain

_OB_CREDENTIAL = "OpenBadgeCredential"  # walk key for AchievementCredential / OpenBadgeCredential
_CHILDREN: dict[str, dict[str, str]] = {
    _OB_CREDENTIAL: {
        "issuer": PROFILE,
        "credentialSubject": ACHIEVEMENT_SUBJECT,
        "evidence": EVIDENCE,
        "endorsement": ENDORSEMENT_CREDENTIAL_TYPE,
        "image": IMAGE,
    },
    ENDORSEMENT_CREDENTIAL_TYPE: {
        "issuer": PROFILE,
        "credentialSubject": ENDORSEMENT_SUBJECT,
        "evidence": EVIDENCE,
    },
    PROFILE: {
        "parentOrg": PROFILE,
        "otherIdentifier": IDENTIFIER_ENTRY,
        "image": IMAGE,
        "endorsement": ENDORSEMENT_CREDENTIAL_TYPE,
        "address": ADDRESS,
    },
    ADDRESS: {"geo": GEO_COORDINATES},
    ACHIEVEMENT_SUBJECT: {
        "achievement": ACHIEVEMENT,
        "identifier": IDENTITY_OBJECT,
        "result": RESULT,
        "source": PROFILE,
        "image": IMAGE,
    },
    ACHIEVEMENT: {
        "creator": PROFILE,
        "alignment": ALIGNMENT,
        "resultDescription": RESULT_DESCRIPTION,
        "otherIdentifier": IDENTIFIER_ENTRY,
        "related": RELATED,
        "image": IMAGE,
        "endorsement": ENDORSEMENT_CREDENTIAL_TYPE,
    },
    RESULT: {"alignment": ALIGNMENT},
    RESULT_DESCRIPTION: {"alignment": ALIGNMENT, "rubricCriterionLevel": RUBRIC_CRITERION_LEVEL},
    RUBRIC_CRITERION_LEVEL: {"alignment": ALIGNMENT},
}
_CREDENTIAL_KINDS = (_OB_CREDENTIAL, ENDORSEMENT_CREDENTIAL_TYPE)


def _type_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


def _type_ok(kind: str, types: list[Any]) -> bool:
    if kind == _OB_CREDENTIAL:
        return VC_TYPE in types and any(t in OB_CREDENTIAL_TYPES for t in types)
    if kind == ENDORSEMENT_CREDENTIAL_TYPE:
        return VC_TYPE in types and ENDORSEMENT_CREDENTIAL_TYPE in types
    return kind in types


def _expected(kind: str) -> str:
    if kind == _OB_CREDENTIAL:
        return f"{VC_TYPE!r} and one of {', '.join(map(repr, OB_CREDENTIAL_TYPES))}"
    if kind == ENDORSEMENT_CREDENTIAL_TYPE:
        return f"{VC_TYPE!r} and {ENDORSEMENT_CREDENTIAL_TYPE!r}"
    return repr(kind)


def _walk(node: Any, kind: str, path: tuple[Any, ...], problems: list[Any], credentials: list[Any]) -> None:
    """Check ``type`` of every object at a position OB 3.0 fixes; collect credential nodes."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, kind, path + (i,), problems, credentials)
        return
    if not isinstance(node, dict):
        return  # a URI reference (issuer, image, …): nothing embedded to check
    if kind in _CREDENTIAL_KINDS:
        credentials.append((path, node, kind))
    if "type" in node and not _type_ok(kind, _type_list(node["type"])):
        problems.append(
            Problem("schema.type", f"type {node['type']!r} must include {_expected(kind)}", _pointer(path + ("type",)))
        )
    for prop, child_kind in _CHILDREN.get(kind, {}).items():
        if prop in node:
            _walk(node[prop], child_kind, path + (prop,), problems, credentials)


def _root_kind(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(schema key, walk kind) for a document, chosen by its ``type``; ("vc", "") for any other
    verifiable credential or presentation (VC Data Model rules only)."""
    types = _type_list(doc.get("type"))
    if ENDORSEMENT_CREDENTIAL_TYPE in types:
        return "endorsement", ENDORSEMENT_CREDENTIAL_TYPE
    if any(t in OB_CREDENTIAL_TYPES for t in types):
        return "achievement", _OB_CREDENTIAL
    if PROFILE in types and "credentialSubject" not in doc:
        return "profile", PROFILE
    if is_presentation(doc):
        return "vc", ""
    if "credentialSubject" in doc or VC_TYPE in types:
        contexts = _type_list(doc.get("@context"))
        if any(c in OB_CONTEXTS for c in contexts):
            # It says it is an Open Badge (OB context) without an OB type: the OB schema then
            # says what is wrong with `type`, as the 1EdTech validator does.
            return "achievement", _OB_CREDENTIAL
        return "vc", ""
    return None


# ---------------------------------------------------------------------------------------------
# Rules a schema cannot say

_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_DID = re.compile(r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_HASH_HEX_LENGTH = {"sha256": 64, "md5": 32}


def _is_uri_or_did(value: str) -> bool:
    if value.startswith("did:"):
        return bool(_DID.match(value))
    return bool(_ABSOLUTE_URI.match(value))


def _context_rules(node: dict[str, Any], path: tuple[Any, ...], mode: str, out: list[Any]) -> None:
    at = path + ("@context",)
    ctx = node.get("@context")
    if ctx is None:
        out.append(Problem("context.missing", "@context is required", _pointer(at)))
        return
    entries = [ctx] if isinstance(ctx, str) else ctx if isinstance(ctx, list) else None
    if not entries:
        out.append(Problem("context.invalid", "@context must be a non-empty list", _pointer(at)))
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, (str, dict)):
            out.append(
                Problem(
                    "context.invalid", f"@context entry {entry!r} is neither a URL nor an object", _pointer(at + (i,))
                )
            )
    vc = next((i for i, e in enumerate(entries) if e in (VC_V2_CONTEXT, VC_V1_CONTEXT)), None)
    ob = next((i for i, e in enumerate(entries) if e in OB_CONTEXTS), None)
    # One code whether the VC context is absent or misplaced: either way entry 0 is wrong.
    if vc is None:
        out.append(
            Problem("context.order", f"the first @context entry must be {VC_V2_CONTEXT}; it is missing", _pointer(at))
        )
    elif vc != 0:
        out.append(Problem("context.order", f"the first @context entry must be {VC_V2_CONTEXT}", _pointer(at + (vc,))))
    if ob is None:
        out.append(
            Problem(
                "context.missing_ob", f"an Open Badges context ({OB_CONTEXT}) must follow the VC context", _pointer(at)
            )
        )
    elif vc == 0 and ob != 1:
        out.append(
            Problem(
                "context.order", "the Open Badges context must come right after the VC context", _pointer(at + (ob,))
            )
        )
    if mode == "issue":
        if entries[0] == VC_V1_CONTEXT:
            out.append(Problem("context.legacy", "Badger issues VC 2.0 credentials only", _pointer(at + (0,))))
        if ob is not None and entries[ob] != OB_CONTEXT:
            out.append(Problem("context.legacy", f"issue with {OB_CONTEXT}", _pointer(at + (ob,))))
        if len(entries) > 2:
            out.append(
                Problem("context.extra", "issued credentials carry exactly [VC 2.0, OB 3.0.3]", _pointer(at + (2,)))
            )


def _date_rules(node: dict[str, Any], view: dict[str, Any], path: tuple[Any, ...], mode: str, out: list[Any]) -> None:
    if mode == "issue":
        for key in ("issuanceDate", "expirationDate"):
            if key in node:
                out.append(
                    Problem(
                        "dates.legacy_property", f"{key} is VC 1.1; use validFrom/validUntil", _pointer(path + (key,))
                    )
                )
    start, end = _parse_datetime(view.get("validFrom")), _parse_datetime(view.get("validUntil"))
    if start is not None and end is not None and start > end:
        key = "validUntil" if "validUntil" in node else "expirationDate"
        out.append(
            Problem(
                "dates.inverted",
                f"validFrom {view['validFrom']} is after validUntil {view['validUntil']}",
                _pointer(path + (key,)),
            )
        )


def _issuer_rule(node: dict[str, Any], path: tuple[Any, ...], out: list[Any]) -> None:
    issuer = node.get("issuer")
    if isinstance(issuer, str):
        value, at = issuer, path + ("issuer",)
    elif isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        value, at = issuer["id"], path + ("issuer", "id")
    else:
        return  # missing or malformed: the schema reports it
    if not _is_uri_or_did(value):
        out.append(Problem("issuer.invalid_id", f"issuer id {value!r} is not an absolute URI or a DID", _pointer(at)))


def _subject_rules(node: dict[str, Any], path: tuple[Any, ...], mode: str, out: list[Any]) -> None:
    subject = node.get("credentialSubject")
    if not isinstance(subject, dict):
        return
    at = path + ("credentialSubject",)
    if "id" not in subject and "identifier" not in subject:
        out.append(Problem("subject.unidentified", "credentialSubject needs an id or an identifier", _pointer(at)))
    if isinstance(subject.get("id"), str) and not _is_uri_or_did(subject["id"]):
        out.append(
            Problem(
                "subject.invalid_id",
                f"credentialSubject id {subject['id']!r} is not an absolute URI",
                _pointer(at + ("id",)),
            )
        )
    identifiers = subject.get("identifier")
    items = (
        [((), identifiers)]
        if isinstance(identifiers, dict)
        else ([((i,), x) for i, x in enumerate(identifiers)] if isinstance(identifiers, list) else [])
    )
    for suffix, identity in items:
        if not isinstance(identity, dict) or identity.get("hashed") is not True:
            continue
        value = identity.get("identityHash")
        if not isinstance(value, str):
            continue
        where = _pointer(at + ("identifier",) + suffix + ("identityHash",))
        algorithm, sep, digest = value.partition("$")
        if (
            not sep
            or algorithm not in _HASH_HEX_LENGTH
            or len(digest) != _HASH_HEX_LENGTH[algorithm]
            or not _HEX.match(digest)
        ):
            out.append(
                Problem("identity.hash_format", "a hashed identityHash is sha256$<64 hex> or md5$<32 hex>", where)
            )
        elif mode == "issue" and algorithm == "md5":
            out.append(Problem("identity.weak_hash", "Badger issues sha256 identity hashes only", where))


# ---------------------------------------------------------------------------------------------
# Legacy VC 1.1 view


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _legacy_view(doc: dict[str, Any], credentials: list[Any]) -> Any:
    """Return (view, renames, legacy paths): VC 1.1 credentials seen with VC 2.0 names."""
    legacy = [c for c in credentials if _type_list(c[1].get("@context"))[:1] == [VC_V1_CONTEXT]]
    if not legacy:
        return doc, {}, frozenset()
    view = _copy(doc)
    renames: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for path, node, kind in legacy:
        target = _at(view, path)
        for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
            if new in node:
                continue
            renames[path + (new,)] = path + (old,)
            if old in target:
                target[new] = target.pop(old)
        subject = target.get("credentialSubject")
        if kind == _OB_CREDENTIAL and isinstance(subject, dict):
            ids = subject.get("identifier")
            for identity in [ids] if isinstance(ids, dict) else ids if isinstance(ids, list) else []:
                if isinstance(identity, dict) and identity.get("identityType") == "email":
                    identity["identityType"] = "emailAddress"
    return view, renames, frozenset(path for path, _, _ in legacy)


def _rename(path: tuple[Any, ...], renames: dict[tuple[Any, ...], tuple[Any, ...]]) -> tuple[Any, ...]:
    for prefix, replacement in renames.items():
        if path[: len(prefix)] == prefix:
            return replacement + path[len(prefix) :]
    return path


# ---------------------------------------------------------------------------------------------
# Public API


def validate(doc: dict[str, Any], *, mode: Mode = "verify") -> list[Problem]:
    """Validate an OB 3.0 document and return every problem found ([] when it is valid).

    Input: a parsed JSON document: an OpenBadgeCredential/AchievementCredential, an
    EndorsementCredential or a Profile (chosen by ``type``); a proof, if present, is allowed and
    not checked here (that is verification's job, as are expiry, not-yet-valid and status).
    mode "verify" accepts what circulates: OB 3.0.x contexts, extra contexts, legacy VC 1.1
    credentials (module docstring). mode "issue" accepts only what Badger signs: exactly
    [VC 2.0, OB 3.0.3], VC 2.0 property names, sha256 identity hashes.
    Output: a list of `Problem(code, detail, path)`, codes listed in the module docstring, paths
    as JSON pointers into the document. Errors: never raises for a bad document; ValueError for
    an unknown mode (a programming error).
    Spec: OB 3.0 §"Verification" step 1 (JSON Schema, subject identified by id and/or
    identifier) and the data model in Appendix B; VC Data Model 2.0 §"Contexts".
    """
    if mode not in ("issue", "verify"):
        raise ValueError(f"mode must be 'issue' or 'verify', not {mode!r}")
    if not isinstance(doc, dict):
        return [Problem("document.not_object", "a credential is a JSON object")]
    root = _root_kind(doc)
    if root is None:
        return [Problem("document.unknown_type", "type names no OB 3.0 credential nor a Profile", "/type")]
    if root[0] == "vc":
        # Any other verifiable credential or presentation: the VC Data Model 2.0 rules only.
        generic = vcdm_problems(doc)
        if mode == "issue":
            _control_character_rule(doc, "", generic)
        return generic
    schema_key, kind = root

    try:
        type_problems: list[Problem] = []
        credentials: list[Any] = []
        _walk(doc, kind, (), type_problems, credentials)
        if mode == "verify":
            view, renames, legacy = _legacy_view(doc, credentials)
        else:
            view, renames, legacy = doc, {}, frozenset()

        # The walk's type problems go first: on the same path their detail is the clearer one.
        problems: list[Problem] = list(type_problems)
        view, status_entries = _status_entries(view, schema_key)
        errors: list[tuple[tuple[Any, ...], Any]] = []
        if not _schema_valid(schema_key, view, status_entries):
            errors = [
                ((), err)
                for err in _validator(schema_key).iter_errors(view)
                if not (status_entries and tuple(err.absolute_path)[:1] == ("credentialStatus",))
            ]
            errors += [
                (("credentialStatus", index), err)
                for index, entry, validator in status_entries
                for err in validator.iter_errors(entry)
            ]
        for prefix, err in errors:
            for leaf, shape in _leaves(err):
                code, detail, path = _schema_problem(leaf, shape)
                path = prefix + path
                if "@context" in path:
                    continue  # the context rules below say it better
                if code == "schema.required" and path[-1:] == ("id",) and path[:-1] in legacy:
                    continue  # VC 1.1 made the credential id optional
                renamed = _rename(path, renames)
                if renamed != path and code == "schema.required":
                    detail = f"{renamed[-1]!r} is a required property"
                problems.append(Problem(code, detail, _pointer(renamed)))

        view_nodes = {path: _at(view, path) for path, _, _ in credentials}
        for path, node, node_kind in credentials:
            _context_rules(node, path, mode, problems)
            _date_rules(node, view_nodes[path], path, mode, problems)
            _issuer_rule(node, path, problems)
            if node_kind == _OB_CREDENTIAL:
                _subject_rules(node, path, mode, problems)
        if mode == "issue":
            _control_character_rule(doc, "", problems)
    except RecursionError:
        return [Problem("schema.invalid", "document nested too deeply to validate")]

    if kind in _CREDENTIAL_KINDS:
        # The VC Data Model 2.0 rules too, where the OB rules said nothing at that place already
        # (a missing issuer is the schema's "required", not a second problem). The OB context
        # rules are the stricter form of §4.3, so theirs are the context problems reported; the
        # OB schemas accept a language map wherever a string is (§"Compacted document form"),
        # so names are theirs to judge too.
        covered = {p.path for p in problems}
        problems += [
            p
            for p in vcdm_problems(doc)
            if not p.code.startswith("vcdm.context_")
            and p.code != "vcdm.name_invalid"
            and p.path not in covered
            and not any(p.path.startswith(c + "/") for c in covered if c)
        ]

    seen, unique = set(), []
    for problem in problems:
        if (problem.code, problem.path) not in seen:
            seen.add((problem.code, problem.path))
            unique.append(problem)
    return unique


_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def _control_character_rule(node: Any, pointer: str, problems: list[Problem]) -> None:
    # RDFC-1.0 escapes these in canonical N-Quads, but rdf-canonize before v5 (still inside
    # DCC's verifier-core) does not, so a credential holding one verifies in some verifiers and
    # not in others. Badger does not sign what would not verify everywhere.
    if isinstance(node, dict):
        for key, value in node.items():
            _control_character_rule(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}", problems)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _control_character_rule(value, f"{pointer}/{index}", problems)
    elif isinstance(node, str) and _CONTROL.search(node):
        problems.append(Problem("text.control_character", "text holds a control character (tab, bell, ...)", pointer))


def check(doc: dict[str, Any], *, mode: Mode = "issue") -> None:
    """Raise unless `doc` validates: the gate issuance runs before signing anything.

    Input: the unsigned document and the mode (default "issue"). Output: None.
    Errors: InvalidCredential carrying ``problems`` (the list `validate` returned).
    Spec: as `validate`.
    """
    problems = validate(doc, mode=mode)
    if problems:
        first = problems[0]
        raise InvalidCredential(
            f"{len(problems)} problem(s), first: {first.code} at {first.path or '/'}: {first.detail}",
            problems=problems,
        )

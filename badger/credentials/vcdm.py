"""The W3C Verifiable Credentials Data Model 2.0 MUSTs (§4 and §5) a document can break.

`vcdm_problems(doc)` applies them to any verifiable credential or presentation, Open Badge or
not, and returns `Problem`s with stable codes (messages in badger.verification.messages);
`badger.credentials.validation.validate` calls it before the OB 3.0 rules. Plain dict walking:
no JSON Schema describes VC DM 2.0 normatively, and these rules are few and local. What needs
JSON-LD (every ``type`` value and property defined by a context) is the signer's and the
verifier's job (safe-mode expansion, badger.jsonld), not repeated here.

Codes, each with a JSON pointer ``path`` (spec: https://www.w3.org/TR/vc-data-model-2.0/):
    vcdm.context_missing        §4.3 ``@context`` is absent
    vcdm.context_first          §4.3 the first ``@context`` entry is not https://www.w3.org/ns/credentials/v2
                                (a VC 1.1 credential's https://www.w3.org/2018/credentials/v1 is accepted:
                                they still circulate, and VC-API signs them)
    vcdm.context_invalid        §4.3 ``@context`` is not an ordered set of URLs and objects
    vcdm.id_not_url             §4.4 an ``id`` (of the credential or any object in it) is not a URL
    vcdm.type_missing           §4.5 ``type`` absent, or without VerifiableCredential /
                                VerifiablePresentation at the top of a credential / presentation
    vcdm.type_invalid           §4.5 ``type`` is not a term/URL or a set of them
    vcdm.type_required          §4.5, §4.10, §4.11, §5.4, §5.5, §5.6: a credentialStatus,
                                credentialSchema, refreshService, termsOfUse, evidence or proof
                                object without ``type``
    vcdm.object_required        those properties (and relatedResource) hold something else than
                                one object or a set of objects
    vcdm.name_invalid           §4.6 ``name`` / ``description`` is not a string or language value object(s)
    vcdm.issuer_missing         §4.7 no ``issuer``
    vcdm.issuer_invalid         §4.7 ``issuer`` is neither a URL nor an object whose ``id`` is a URL
                                (null included)
    vcdm.subject_missing        §4.8 no ``credentialSubject``
    vcdm.subject_invalid        §4.8 ``credentialSubject`` is not an object or a set of objects
    vcdm.subject_empty          §4.8 a subject object that makes no claim (``{}``), or an empty set
    vcdm.date_invalid           §4.9 ``validFrom`` / ``validUntil`` is not an XML Schema dateTimeStamp
                                (a date-time with its time zone)
    dates.inverted              §4.9 ``validFrom`` is later than ``validUntil`` (the OB rules' code)
    vcdm.schema_id_missing      §4.11 a credentialSchema object without ``id``
    vcdm.related_resource_id    §5.3 a relatedResource object without ``id``
    vcdm.related_resource_duplicate §5.3 two relatedResource objects with the same ``id``
    vcdm.related_resource_digest    §5.3 a relatedResource object with neither ``digestSRI`` nor
                                ``digestMultibase``
    vcdm.holder_invalid         §4.13 ``holder`` is neither a URL nor an object whose ``id`` is a URL
    vcdm.presentation_credential §4.13 a ``verifiableCredential`` entry that is not an object (a
                                string is not parsed: an enveloped credential is an object of type
                                EnvelopedVerifiableCredential whose ``id`` is a data: URL)
Credentials inside a presentation get the credential rules at their own path.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .dates import parse_datetime
from .problems import Problem
from .vocab import VC_TYPE, VC_V1_CONTEXT, VC_V2_CONTEXT

__all__ = ["vcdm_problems", "is_presentation", "VP_TYPE", "ENVELOPED_CREDENTIAL_TYPE"]

VP_TYPE = "VerifiablePresentation"
ENVELOPED_CREDENTIAL_TYPE = "EnvelopedVerifiableCredential"

# §4.4: "a URL" is an absolute URL/URI with a scheme (https:, urn:, did:, data: ...).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# §4.9 / §5.8 "Representing Time": dateTimeStamp, i.e. a date-time WITH a time zone.
_DATE_TIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# Properties whose objects MUST carry a type (§4.5's table and the sections named above).
_TYPED = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence", "proof")


def _pointer(path: tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _types(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def is_presentation(doc: Any) -> bool:
    """Typed VerifiablePresentation, or shaped as one (credentials inside, no subject of its own)."""
    if not isinstance(doc, dict):
        return False
    return VP_TYPE in _types(doc.get("type")) or ("verifiableCredential" in doc and "credentialSubject" not in doc)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _context(doc: dict[str, Any], at: tuple[Any, ...], out: list[Problem]) -> None:
    if "@context" not in doc:
        out.append(Problem("vcdm.context_missing", "@context is required", _pointer(at + ("@context",))))
        return
    ctx = doc["@context"]
    entries = [ctx] if isinstance(ctx, str) else ctx if isinstance(ctx, list) else None
    if not entries:
        out.append(
            Problem(
                "vcdm.context_invalid", "@context is an ordered set of URLs and objects", _pointer(at + ("@context",))
            )
        )
        return
    if entries[0] not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        out.append(
            Problem(
                "vcdm.context_first",
                f"the first @context entry must be {VC_V2_CONTEXT}",
                _pointer(at + ("@context", 0)),
            )
        )
    for i, entry in enumerate(entries):
        if not (isinstance(entry, dict) or _is_url(entry)):
            out.append(
                Problem(
                    "vcdm.context_invalid",
                    f"@context entry {entry!r} is neither a URL nor an object",
                    _pointer(at + ("@context", i)),
                )
            )


def _type_value(node: dict[str, Any], at: tuple[Any, ...], out: list[Problem]) -> list[Any] | None:
    """The node's types, or None after reporting an invalid ``type``."""
    value = node.get("type")
    types = _types(value)
    if value is not None and (not types or not all(isinstance(t, str) and t for t in types)):
        out.append(Problem("vcdm.type_invalid", "type is a term or URL, or a set of them", _pointer(at + ("type",))))
        return None
    return types


def _ids(node: Any, at: tuple[Any, ...], out: list[Problem], skip: frozenset[str] = frozenset()) -> None:
    """§4.4: every ``id`` found in the node (and the objects inside it) is a URL."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _ids(item, at + (i,), out, skip)
        return
    if not isinstance(node, dict):
        return
    if "id" in node and not _is_url(node["id"]):
        out.append(Problem("vcdm.id_not_url", f"id {node['id']!r} is not a URL", _pointer(at + ("id",))))
    for key, value in node.items():
        if key not in skip and key not in ("@context", "id") and isinstance(value, (dict, list)):
            _ids(value, at + (key,), out)


def _names(node: dict[str, Any], at: tuple[Any, ...], out: list[Problem]) -> None:
    # §4.6: a string, or one or more language value objects ({"@value", "@language"?, "@direction"?}).
    for key in ("name", "description"):
        if key not in node:
            continue
        value = node[key]
        ok = isinstance(value, str) or (
            bool(value) and all(isinstance(v, dict) and isinstance(v.get("@value"), str) for v in _as_list(value))
        )
        if not ok:
            out.append(
                Problem("vcdm.name_invalid", f"{key} is a string or language value objects", _pointer(at + (key,)))
            )


def _party(node: dict[str, Any], key: str, code: str, at: tuple[Any, ...], out: list[Problem]) -> None:
    value = node[key]
    if isinstance(value, dict):
        if not _is_url(value.get("id")):
            out.append(Problem(code, f"{key} is an object whose id is a URL", _pointer(at + (key, "id"))))
    elif not _is_url(value):
        out.append(Problem(code, f"{key} is a URL or an object with an id (not {value!r})", _pointer(at + (key,))))


def _objects(
    node: dict[str, Any], key: str, at: tuple[Any, ...], out: list[Problem]
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The objects of ``node[key]`` with their paths; reports anything else."""
    value = node[key]
    items = (
        [((), value)]
        if isinstance(value, dict)
        else [((i,), v) for i, v in enumerate(value)]
        if isinstance(value, list)
        else None
    )
    if not items or not all(isinstance(v, dict) for _, v in items):
        out.append(Problem("vcdm.object_required", f"{key} is one object or a set of objects", _pointer(at + (key,))))
        return [(at + (key,) + s, v) for s, v in (items or []) if isinstance(v, dict)]
    return [(at + (key,) + s, v) for s, v in items]


def _credential(doc: dict[str, Any], at: tuple[Any, ...], out: list[Problem]) -> None:
    _context(doc, at, out)
    types = _type_value(doc, at, out)
    if types is not None and VC_TYPE not in types:
        out.append(Problem("vcdm.type_missing", f"type must include {VC_TYPE}", _pointer(at + ("type",))))
    _ids(doc, at, out, skip=frozenset({"proof"}))
    _names(doc, at, out)

    # §4.7 Issuer
    if "issuer" not in doc:
        out.append(Problem("vcdm.issuer_missing", "issuer is required", _pointer(at + ("issuer",))))
    else:
        _party(doc, "issuer", "vcdm.issuer_invalid", at, out)

    # §4.8 Credential Subject
    if "credentialSubject" not in doc:
        out.append(
            Problem("vcdm.subject_missing", "credentialSubject is required", _pointer(at + ("credentialSubject",)))
        )
    else:
        subject = doc["credentialSubject"]
        subjects = (
            [((), subject)]
            if isinstance(subject, dict)
            else [((i,), s) for i, s in enumerate(subject)]
            if isinstance(subject, list)
            else None
        )
        if subjects is None:
            out.append(
                Problem(
                    "vcdm.subject_invalid",
                    "credentialSubject is an object or a set of objects",
                    _pointer(at + ("credentialSubject",)),
                )
            )
        elif not subjects:
            out.append(
                Problem(
                    "vcdm.subject_empty", "credentialSubject holds no subject", _pointer(at + ("credentialSubject",))
                )
            )
        for suffix, item in subjects or []:
            where = _pointer(at + ("credentialSubject",) + suffix)
            if not isinstance(item, dict):
                out.append(Problem("vcdm.subject_invalid", "each credentialSubject is an object", where))
            elif not item:
                out.append(Problem("vcdm.subject_empty", "a credentialSubject object makes no claim", where))

    # §4.9 Validity Period
    moments: dict[str, datetime] = {}
    for key in ("validFrom", "validUntil"):
        if key in doc:
            value = doc[key]
            moment = parse_datetime(value) if isinstance(value, str) and _DATE_TIME_STAMP.match(value) else None
            if moment is None:
                out.append(
                    Problem("vcdm.date_invalid", f"{key} is a date-time with a time zone", _pointer(at + (key,)))
                )
            else:
                moments[key] = moment
    if len(moments) == 2 and moments["validFrom"] > moments["validUntil"]:
        out.append(Problem("dates.inverted", "validFrom is after validUntil", _pointer(at + ("validUntil",))))

    # §4.10, §4.11, §5.4, §5.5, §5.6 and the proof: typed objects
    for key in _TYPED:
        if key not in doc:
            continue
        for path, item in _objects(doc, key, at, out):
            if _type_value(item, path, out) == []:
                out.append(Problem("vcdm.type_required", f"each {key} object needs a type", _pointer(path + ("type",))))
            if key == "credentialSchema" and "id" not in item:
                out.append(
                    Problem(
                        "vcdm.schema_id_missing", "each credentialSchema object needs an id", _pointer(path + ("id",))
                    )
                )

    # §5.3 Integrity of Related Resources
    if "relatedResource" in doc:
        seen: set[str] = set()
        for path, item in _objects(doc, "relatedResource", at, out):
            rid = item.get("id")
            if rid is None:
                out.append(
                    Problem(
                        "vcdm.related_resource_id", "each relatedResource object needs an id", _pointer(path + ("id",))
                    )
                )
            elif isinstance(rid, str):
                if rid in seen:
                    out.append(
                        Problem(
                            "vcdm.related_resource_duplicate",
                            f"relatedResource id {rid!r} appears twice",
                            _pointer(path + ("id",)),
                        )
                    )
                seen.add(rid)
            if not any(isinstance(item.get(k), str) and item[k] for k in ("digestSRI", "digestMultibase")):
                out.append(
                    Problem(
                        "vcdm.related_resource_digest",
                        "a relatedResource needs digestSRI or digestMultibase",
                        _pointer(path),
                    )
                )


def _presentation(doc: dict[str, Any], at: tuple[Any, ...], out: list[Problem]) -> None:
    _context(doc, at, out)
    types = _type_value(doc, at, out)
    if types is not None and VP_TYPE not in types:
        out.append(Problem("vcdm.type_missing", f"type must include {VP_TYPE}", _pointer(at + ("type",))))
    if "id" in doc and not _is_url(doc["id"]):
        out.append(Problem("vcdm.id_not_url", f"id {doc['id']!r} is not a URL", _pointer(at + ("id",))))
    if "holder" in doc:
        _party(doc, "holder", "vcdm.holder_invalid", at, out)
    if "proof" in doc:
        for path, item in _objects(doc, "proof", at, out):
            if _type_value(item, path, out) == []:
                out.append(Problem("vcdm.type_required", "each proof object needs a type", _pointer(path + ("type",))))
    if "verifiableCredential" not in doc:
        return
    for i, vc in enumerate(_as_list(doc["verifiableCredential"])):
        path = at + ("verifiableCredential",) + ((i,) if isinstance(doc["verifiableCredential"], list) else ())
        if not isinstance(vc, dict):
            out.append(
                Problem("vcdm.presentation_credential", "each verifiableCredential is an object", _pointer(path))
            )
        elif ENVELOPED_CREDENTIAL_TYPE in _types(vc.get("type")):
            if not (isinstance(vc.get("id"), str) and vc["id"].startswith("data:")):
                out.append(
                    Problem("vcdm.id_not_url", "an enveloped credential's id is a data: URL", _pointer(path + ("id",)))
                )
        else:
            _credential(vc, path, out)


def vcdm_problems(doc: Any) -> list[Problem]:
    """Every VC Data Model 2.0 MUST that ``doc`` (a credential or a presentation) breaks.

    Input: a parsed JSON value. Output: a list of `Problem(code, detail, path)`, [] when none
    (codes in the module docstring). Never raises for a bad document.
    Spec: VC Data Model 2.0 §4 "Basic Concepts" and §5 "Advanced Concepts".
    """
    out: list[Problem] = []
    if not isinstance(doc, dict):
        return [Problem("document.not_object", "a credential is a JSON object")]
    try:
        if is_presentation(doc):
            _presentation(doc, (), out)
        else:
            _credential(doc, (), out)
    except RecursionError:
        return [Problem("schema.invalid", "document nested too deeply to validate")]
    return out

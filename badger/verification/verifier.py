"""verify(): JSON, JWT, PNG or SVG in; a result with one entry per check out. Never raises.

Checks, in order (docs/interfaces.md): format, schema, proof, issuer key binding, dates, status,
recipient. Time, key resolution, the JSON-LD loader and status lookup are injected.

Any W3C Verifiable Credential is accepted (VC Data Model 1.1 and 2.0), secured by Data Integrity
proofs (every cryptosuite of :mod:`badger.proofs`, proof sets and chains), by a VC-JWT / VC-JOSE-
COSE ``vc+jwt`` compact JWS, or enveloped (``EnvelopedVerifiableCredential`` with a
``data:application/vc+jwt,`` id). What applies depends on the credential:
- every credential gets the VC Data Model checks (``credentials.validation.validate`` in verify
  mode; for a credential that is not an Open Badge, only its rules that are not Open Badges
  ones, plus the VC Data Model basics below);
- the Open Badges rules (the 1EdTech JSON Schema, "the signing key belongs to the issuer", OB
  3.0 §9 verification steps) apply to Open Badges credentials only: AchievementCredential /
  OpenBadgeCredential and EndorsementCredential. For other credentials a signer that is not the
  issuer is a warning (``issuer.signer_not_issuer``): VC Data Model 2.0 leaves that trust
  decision to the verifier's policy (§7.1, "Validation").
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Protocol

from badger import baking
from badger.credentials.access import issuer_id
from badger.credentials.dates import parse_datetime
from badger.credentials.identity import matches_identity
from badger.credentials.problems import Problem
from badger.credentials.validation import validate
from badger.credentials.vocab import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    ENDORSEMENT_CREDENTIAL_TYPE,
    OB_CONTEXTS,
    OB_CREDENTIAL_TYPES,
    PROFILE_SCHEMA,
    VC_TYPE,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
)
from badger.errors import BadgerError, BakingError, ImageTooLarge, ResolutionError
from badger.keys.jwk import jwk_thumbprint, public_jwk
from badger.keys.resolver import methods_of
from badger.proofs import vc_jwt
from badger.proofs.data_integrity import verify_proofs
from badger.verification.result import (
    FAILED,
    PASSED,
    SKIPPED,
    WARNING,
    Check,
    VerificationResult,
)

__all__ = [
    "verify",
    "StatusChecker",
    "StatusOutcome",
    "MAX_INPUT_BYTES",
    "is_open_badge",
    "is_compact_jws",
    "ENVELOPED_JWT_PREFIX",
]

MAX_INPUT_BYTES = 8 * 1024 * 1024
KNOWN_SCHEMAS = frozenset({ACHIEVEMENT_CREDENTIAL_SCHEMA, ENDORSEMENT_CREDENTIAL_SCHEMA, PROFILE_SCHEMA})
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
# VC Data Model 2.0 §4.13.1 / VC-JOSE-COSE §3.1.1: a credential secured as a vc+jwt, carried
# inside a presentation (or alone) as the id of an EnvelopedVerifiableCredential.
ENVELOPED_JWT_PREFIX = "data:application/vc+jwt,"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
# Problems of credentials.validation that come from the Open Badges data model, not from the VC
# Data Model: they do not apply to a credential that is not an Open Badge.
_OB_ONLY_CODES = ("schema.", "subject.", "identity.", "context.missing_ob", "document.unknown_type", "text.")


def is_compact_jws(value: Any) -> bool:
    """True for a string that has the shape of a compact JWS (three base64url segments)."""
    return isinstance(value, str) and _JWS.match(value.strip()) is not None


def is_open_badge(credential: Any) -> bool:
    """An Open Badges 3.0 credential: its ``type`` names AchievementCredential,
    OpenBadgeCredential or EndorsementCredential (OB 3.0 §"Data Model"), or it uses an Open
    Badges context without one of those types (it claims to be an Open Badge and is then checked,
    and refused, as one: the 1EdTech validator's "wrong type" case)."""
    if not isinstance(credential, dict):
        return False
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if any(t in OB_CREDENTIAL_TYPES or t == ENDORSEMENT_CREDENTIAL_TYPE for t in types):
        return True
    contexts = credential.get("@context")
    return any(c in OB_CONTEXTS for c in (contexts if isinstance(contexts, list) else [contexts]))


class StatusOutcome:
    """What a status checker says of one ``credentialStatus`` entry."""

    ACTIVE, REVOKED, SUSPENDED = "active", "revoked", "suspended"


class StatusChecker(Protocol):
    def __call__(self, entry: dict[str, Any], credential: dict[str, Any]) -> str:
        """-> StatusOutcome.ACTIVE / REVOKED / SUSPENDED. Raises BadgerError when the list is
        unreachable or invalid (the check then fails with status.unavailable)."""
        ...


def verify(
    data: Any,
    *,
    resolver: Any,
    now: datetime,
    loader: Any = None,
    status: StatusChecker | None = None,
    email: str | None = None,
) -> VerificationResult:
    """Verify a credential given as a dict, JSON text, a compact JWS, or PNG/SVG/JSON bytes.

    ``resolver`` resolves verification methods (badger.keys.resolver); ``now`` is an aware
    datetime; ``status`` checks credentialStatus entries (None: the check is reported as not
    done); ``email`` asks for the recipient check. Output: a VerificationResult. Never raises
    for a bad credential (VC Data Model 2.0 §7.1 verification; OB 3.0 §9 "Verification").
    """
    try:
        return _verify(data, resolver=resolver, now=now, loader=loader, status=status, email=email)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a verifier must answer, not crash
        return VerificationResult(
            checks=(Check("format", FAILED, "format.unrecognised", f"internal error: {type(exc).__name__}"),)
        )


def _verify(
    data: Any, *, resolver: Any, now: datetime, loader: Any, status: StatusChecker | None, email: str | None
) -> VerificationResult:
    fmt_check, fmt, credential, token = _read(data)
    checks = [fmt_check]
    if credential is None and token is None:
        return _finish(checks, None, fmt)

    jwt_result = None
    if token is not None:
        jwt_result = vc_jwt.verify(token, resolver=resolver)
        credential = jwt_result.credential
        if credential is None:
            checks[0] = Check(
                "format", FAILED, jwt_result.problems[0].code, jwt_result.problems[0].detail, tuple(jwt_result.problems)
            )
            return _finish(checks, None, fmt)

    ob = is_open_badge(credential)
    # schema
    checks.append(_schema_check(credential) if ob else _vc_schema_check(credential))

    # proof, then issuer key binding
    credential_issuer = issuer_id(credential)
    if jwt_result is not None:
        checks.append(_jwt_proof_check(jwt_result))
        binding = _jwt_binding_check(jwt_result, credential_issuer, resolver)
        vm = jwt_result.verification_method
    else:
        proof_check, controller, vm, created = _ldp_proof_check(credential, resolver, loader)
        checks.append(proof_check)
        binding = _binding_check(proof_check.status == PASSED, controller, credential_issuer, vm, resolver)
    if not ob and binding.status == FAILED and binding.code != "issuer.missing":
        # Outside Open Badges, who signed is reported, not judged (VC Data Model 2.0 §7.1).
        binding = Check("issuer", WARNING, "issuer.signer_not_issuer", binding.detail)
    checks.append(binding)

    checks.append(dates_check(credential, now))
    checks.append(_status_check(credential, status))
    checks.append(_recipient_check(credential, email))
    return _finish(checks, credential, fmt, vm)


def _finish(checks: list[Check], credential: Any, fmt: Any, vm: Any = None) -> VerificationResult:
    names = {c.check for c in checks}
    for name in ("format", "schema", "proof", "issuer", "dates", "status", "recipient"):
        if name not in names:
            checks.append(Check(name, SKIPPED, "skipped"))
    return VerificationResult(
        checks=tuple(checks),
        credential=credential,
        format=fmt,
        summary=_summary(credential, fmt),
        verification_method=vm,
    )


# ---------------------------------------------------------------------------------------- format


def _read(data: Any) -> Any:
    """-> (format check, format name, credential dict or None, JWS string or None)."""
    fmt = "json"
    if isinstance(data, dict):
        types = data.get("type")
        if ENVELOPED_TYPE in (types if isinstance(types, list) else [types]):
            envelope = data.get("id")
            token = envelope[len(ENVELOPED_JWT_PREFIX) :] if isinstance(envelope, str) else ""
            if not (isinstance(envelope, str) and envelope.startswith(ENVELOPED_JWT_PREFIX) and is_compact_jws(token)):
                return Check("format", FAILED, "format.invalid_envelope"), None, None, None
            return Check("format", PASSED, "format.enveloped"), "jwt", None, token.strip()
        return Check("format", PASSED, "format.json"), "json", data, None
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        if len(data) > MAX_INPUT_BYTES:
            return Check("format", FAILED, "format.too_large"), None, None, None
        if baking.image_kind(data) is not None:
            try:
                found = baking.unbake(data)
            except ImageTooLarge as exc:
                return Check("format", FAILED, "format.image_too_large", str(exc)), None, None, None
            except BakingError as exc:
                return Check("format", FAILED, "format.invalid_image", str(exc)), None, None, None
            if found is None:
                return Check("format", FAILED, "format.not_baked"), None, None, None
            fmt, data = found
        else:
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                return Check("format", FAILED, "format.unrecognised"), None, None, None
    if not isinstance(data, str):
        return Check("format", FAILED, "format.unrecognised"), None, None, None
    text = data.strip().lstrip("\ufeff")
    if len(text) > MAX_INPUT_BYTES:
        return Check("format", FAILED, "format.too_large"), None, None, None
    if _JWS.match(text):
        return (
            Check("format", PASSED, "format.jwt" if fmt == "json" else f"format.{fmt}"),
            fmt if fmt != "json" else "jwt",
            None,
            text,
        )
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            return Check("format", FAILED, "format.invalid_json", str(exc)), None, None, None
        if isinstance(doc, dict):
            return Check("format", PASSED, f"format.{fmt}"), fmt, doc, None
    return Check("format", FAILED, "format.unrecognised"), None, None, None


# ---------------------------------------------------------------------------------------- schema


def _schema_check(credential: dict[str, Any]) -> Check:
    problems = validate(credential, mode="verify")
    if problems:
        return Check("schema", FAILED, problems[0].code, problems[0].detail, tuple(problems))
    # credentialSchema entries name the schemas the issuer wants checked (VC 2.0 §5.4). The OB
    # ones are bundled and applied above; any other would have to be fetched, which a verifier
    # that never fetches schemas cannot do: say so, without failing the credential.
    entries = credential.get("credentialSchema") or []
    unknown = [
        e.get("id")
        for e in (entries if isinstance(entries, list) else [entries])
        if isinstance(e, dict) and e.get("id") not in KNOWN_SCHEMAS
    ]
    if unknown:
        return Check("schema", WARNING, "schema.unknown_schema", ", ".join(map(str, unknown)))
    return Check("schema", PASSED, "schema.ok")


def _vc_schema_check(credential: dict[str, Any]) -> Check:
    """The VC Data Model checks for a credential that is not an Open Badge: validation's rules
    that are not Open Badges ones, and the VC Data Model basics (§4.1 contexts, §4.5 type,
    §4.7 issuer, §4.8 credentialSubject)."""
    problems = [p for p in validate(credential, mode="verify") if not p.code.startswith(_OB_ONLY_CODES)]
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first not in (VC_V2_CONTEXT, VC_V1_CONTEXT) and not any(p.code.startswith("context.") for p in problems):
        problems.append(Problem("context.order", f"the first @context entry must be {VC_V2_CONTEXT}", "/@context"))
    types = credential.get("type")
    if VC_TYPE not in (types if isinstance(types, list) else [types]):
        problems.append(Problem("vc.type", f"type must include {VC_TYPE}", "/type"))
    if issuer_id(credential) is None:
        problems.append(Problem("vc.issuer", "issuer must be a URL or an object with an id", "/issuer"))
    subject = credential.get("credentialSubject")
    if not subject or (isinstance(subject, list) and not all(isinstance(s, dict) and s for s in subject)):
        problems.append(
            Problem("vc.subject", "credentialSubject must be one or more non-empty objects", "/credentialSubject")
        )
    elif not isinstance(subject, (dict, list)):
        problems.append(Problem("vc.subject", "credentialSubject must be an object", "/credentialSubject"))
    seen: set[tuple[str, str]] = set()
    unique = [p for p in problems if (p.code, p.path) not in seen and not seen.add((p.code, p.path))]  # type: ignore[func-returns-value]
    if unique:
        return Check("schema", FAILED, unique[0].code, unique[0].detail, tuple(unique))
    return Check("schema", PASSED, "schema.vc_ok")


# ---------------------------------------------------------------------------------------- proofs


def _ldp_proof_check(credential: Any, resolver: Any, loader: Any) -> Any:
    results = verify_proofs(credential, resolver=resolver, loader=loader)
    if not results:
        return Check("proof", FAILED, "proof.missing"), None, None, None
    supported = [r for r in results if r.supported]
    failed = [r for r in supported if not r.verified]
    good = [r for r in supported if r.verified]
    if failed or not good:
        bad = failed[0] if failed else results[0]
        problems = tuple(p for r in results if not r.verified for p in r.problems)
        return (
            Check("proof", FAILED, bad.problems[0].code, bad.problems[0].detail, problems),
            bad.controller,
            bad.verification_method,
            None,
        )
    # Unknown proof types beside a valid one are reported, not fatal (a proof set may carry
    # suites this verifier does not know; VC Data Integrity §2.1.1).
    skipped = tuple(p for r in results if not r.supported for p in r.problems)
    first = good[0]
    detail = f"{first.proof_type}/{first.cryptosuite}" if first.cryptosuite else first.proof_type
    return (
        Check("proof", PASSED, "proof.ok", detail, skipped),
        first.controller,
        first.verification_method,
        first.created,
    )


def _binding_check(
    proof_ok: bool, controller: str | None, issuer_id: str | None, vm: str | None = None, resolver: Any = None
) -> Check:
    if issuer_id is None:
        return Check("issuer", FAILED, "issuer.missing")
    if not proof_ok:
        return Check("issuer", SKIPPED, "skipped")
    # OB 3.0 §8.3 / VC Data Model 2.0 §4.7: the verification method's controller is the issuer,
    # or the issuer's own controller document lists the method for assertions (a delegation the
    # issuer publishes itself, e.g. an https issuer signing with a did:key).
    if controller == issuer_id or (vm and resolver is not None and _issuer_lists(resolver, issuer_id, vm)):
        return Check("issuer", PASSED, "issuer.ok", issuer_id)
    return Check(
        "issuer", FAILED, "issuer.key_not_controlled", f"key controller {controller!r} is not issuer {issuer_id!r}"
    )


def _issuer_lists(resolver: Any, issuer_id: str, vm: str) -> bool:
    try:
        document = resolver.document(issuer_id)
    except (ResolutionError, BadgerError, AttributeError):
        return False
    listed = document.get("assertionMethod") if isinstance(document, dict) else None
    listed = listed if isinstance(listed, list) else [listed] if listed else []
    return any((x if isinstance(x, str) else (x or {}).get("id")) == vm for x in listed)


def _jwt_proof_check(result: Any) -> Check:
    if result.verified:
        return Check("proof", PASSED, "proof.ok", f"VC-JWT {result.header.get('alg')}", tuple(result.warnings))
    first = result.problems[0]
    return Check("proof", FAILED, first.code, first.detail, tuple(result.problems))


def _jwt_binding_check(result: Any, issuer_id: str | None, resolver: Any) -> Check:
    if issuer_id is None:
        return Check("issuer", FAILED, "issuer.missing")
    if not result.verified:
        return Check("issuer", SKIPPED, "skipped")
    if result.controller is not None:
        return _binding_check(True, result.controller, issuer_id)
    # Key given only as a `jwk` header: anyone can embed a key, so it counts only when the
    # issuer's own (DID / controller) document publishes that same key.
    embedded = result.header.get("jwk")
    try:
        thumb = jwk_thumbprint(embedded)
        for method in methods_of(resolver.document(issuer_id)):
            try:
                if jwk_thumbprint(public_jwk(method.public_key())) == thumb:
                    return Check("issuer", PASSED, "issuer.ok", issuer_id)
            except BadgerError:
                continue
    except (ResolutionError, BadgerError) as exc:
        return Check("issuer", FAILED, "issuer.key_not_bound", str(exc))
    return Check("issuer", FAILED, "issuer.key_not_bound", "the issuer does not publish the embedded key")


# ----------------------------------------------------------------------------------------- dates


def dates_check(credential: dict[str, Any], now: datetime) -> Check:
    # VC 2.0 validFrom/validUntil; VC 1.1 issuanceDate/expirationDate for older credentials.
    start_raw = credential.get("validFrom", credential.get("issuanceDate"))
    end_raw = credential.get("validUntil", credential.get("expirationDate"))
    start, end = parse_datetime(start_raw), parse_datetime(end_raw)
    if (start_raw is not None and start is None) or (end_raw is not None and end is None):
        return Check("dates", FAILED, "dates.invalid")
    if start is not None and now < start:
        return Check("dates", FAILED, "dates.not_yet_valid", f"valid from {start_raw}")
    if end is not None and now >= end:
        return Check("dates", FAILED, "dates.expired", f"valid until {end_raw}")
    return Check("dates", PASSED, "dates.ok")


# ---------------------------------------------------------------------------------------- status


def _status_check(credential: dict[str, Any], status: StatusChecker | None) -> Check:
    entries = credential.get("credentialStatus")
    if not entries:
        return Check("status", PASSED, "status.none")
    if status is None:
        return Check("status", WARNING, "status.not_checked")
    for entry in entries if isinstance(entries, list) else [entries]:
        try:
            outcome = status(entry, credential)
        except BadgerError as exc:
            return Check("status", FAILED, "status.unavailable", str(exc))
        if outcome == StatusOutcome.REVOKED:
            return Check("status", FAILED, "status.revoked")
        if outcome == StatusOutcome.SUSPENDED:
            return Check("status", FAILED, "status.suspended")
    return Check("status", PASSED, "status.ok")


# ------------------------------------------------------------------------------------- recipient


def _recipient_check(credential: dict[str, Any], email: str | None) -> Check:
    if not email:
        return Check("recipient", SKIPPED, "recipient.not_checked")
    subjects = credential.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    try:
        for subject in subjects:
            if not isinstance(subject, dict):
                continue
            identifiers = subject.get("identifier") or []
            for identity in identifiers if isinstance(identifiers, list) else [identifiers]:
                if isinstance(identity, dict) and matches_identity(identity, email):
                    return Check("recipient", PASSED, "recipient.ok")
    except BadgerError:
        return Check("recipient", FAILED, "recipient.invalid_email")
    return Check("recipient", FAILED, "recipient.mismatch")


# --------------------------------------------------------------------------------------- summary


def _summary(credential: Any, fmt: Any) -> dict[str, Any]:
    if not isinstance(credential, dict):
        return {}
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    out = {
        "id": credential.get("id"),
        "type": credential.get("type"),
        "format": fmt,
        "issuer": {k: issuer.get(k) for k in ("id", "name", "url") if isinstance(issuer, dict) and k in issuer}
        if isinstance(issuer, dict)
        else {"id": issuer},
        "validFrom": credential.get("validFrom", credential.get("issuanceDate")),
        "validUntil": credential.get("validUntil", credential.get("expirationDate")),
    }
    if isinstance(achievement, dict):
        out["achievement"] = {k: achievement.get(k) for k in ("id", "name", "description") if k in achievement}
    return out

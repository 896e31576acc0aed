"""Build unsigned OB 3.0 documents: plain dicts in, plain dicts out, no clock, no randomness.

Every id, date and salt is an argument. Optional arguments left at None (or empty sequences)
are omitted from the output rather than written as null or []: JSON Schema treats a null
as a value of the wrong type, and an empty array says nothing. The builders
refuse arguments that can never make a valid document (InvalidInput); whole-document rules are
`badger.credentials.validation.check`'s job, which issuance runs before signing.

Spec: OB 3.0 Appendix B "Data Models" (https://www.imsglobal.org/spec/ob/v3p0/#data-model),
VC Data Model 2.0 (https://www.w3.org/TR/vc-data-model-2.0/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from badger.errors import InvalidInput

from .identity import name_identity_object
from .vocab import (
    ACHIEVEMENT,
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ACHIEVEMENT_SUBJECT,
    ALIGNMENT,
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    ENDORSEMENT_CREDENTIAL_TYPE,
    ENDORSEMENT_SUBJECT,
    EVIDENCE,
    IMAGE,
    OB_CREDENTIAL_CONTEXT,
    OB_CREDENTIAL_TYPES,
    PROFILE,
    RESULT,
    RESULT_DESCRIPTION,
    SCHEMA_VALIDATOR_TYPE,
    VC_TYPE,
)

__all__ = [
    "format_datetime",
    "image",
    "profile",
    "alignment",
    "achievement",
    "evidence",
    "result_description",
    "result",
    "achievement_credential",
    "endorsement_credential",
]

# "scheme:rest": enough to tell an absolute URI (https:, urn:, did:, mailto:) from a bare word.
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _uri(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ABSOLUTE_URI.match(value):
        raise InvalidInput(f"{what} must be an absolute URI, got {value!r}", code="input.invalid_uri")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string", code="input.invalid_text")
    return value


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    """Set key only when there is something to say (None and empty sequences are omitted)."""
    if value is None:
        return
    if isinstance(value, (list, tuple)) and not value:
        return
    doc[key] = list(value) if isinstance(value, tuple) else value


def _objects(values: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(values, Mapping):
        values = [values]
    out = []
    for value in values:
        if not isinstance(value, Mapping):
            raise InvalidInput(f"{what} entries must be objects, got {value!r}", code="input.invalid_object")
        out.append(dict(value))
    return out


def _status_value(value: Any) -> dict[str, Any] | list[dict[str, Any]] | None:
    """credentialStatus: one object, or several (VC Data Model 2.0 §4.10 "a single object or a
    set of one or more objects", e.g. a revocation and a suspension entry)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    entries = _objects(value, "credentialStatus")
    return entries[0] if len(entries) == 1 else entries or None


def _image_value(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return image(id=value)
    if isinstance(value, Mapping):
        return dict(value)
    raise InvalidInput(f"image must be a URI or an Image object, got {value!r}", code="input.invalid_object")


def _datetime_value(value: Any, what: str) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str) and value:
        return value
    raise InvalidInput(f"{what} must be a datetime or an XML Schema dateTime string", code="input.invalid_datetime")


def format_datetime(dt: datetime) -> str:
    """Format an aware datetime as an XML Schema dateTime in UTC: ``YYYY-MM-DDThh:mm:ssZ``.

    Microseconds are dropped (truncated): signed documents should not carry sub-second noise,
    and some verifiers' parsers reject fractions. Input: a timezone-aware datetime.
    Output: the string. Errors: InvalidInput for a naive datetime (its instant is unknown).
    Spec: VC Data Model 2.0 §"Validity Period" (dateTimeStamp); OB 3.0 ``DateTimeZ``.
    """
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInput("a timezone-aware datetime is required", code="input.invalid_datetime")
    u = dt.astimezone(UTC)
    # strftime("%Y") does not zero-pad years below 1000 on every platform.
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def image(*, id: str, caption: str | None = None) -> dict[str, Any]:
    """Build an OB 3.0 Image: ``{"id", "type": "Image", "caption"?}``.

    Input: the image URI (https: or data:) and an optional caption. Output: the dict.
    The schema wants ``type`` as the single string "Image", not an array.
    Errors: InvalidInput for a non-URI id. Spec: OB 3.0 §"Image" (#image).
    """
    out = {"id": _uri(id, "image id"), "type": IMAGE}
    _put(out, "caption", caption)
    return out


def profile(
    *,
    id: str,
    name: str,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    phone: str | None = None,
    parent_org: Mapping[str, Any] | None = None,
    official: str | None = None,
    other_identifiers: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build an issuer Profile (``type: ["Profile"]``).

    Input: the profile id (an https URL or a DID, which proofs will name as controller), the
    display name and optional url, contact e-mail (plain, not hashed: it is the issuer's),
    description, image (URI or `image()` dict), phone, parentOrg (another profile dict),
    official (the name of the authorised signer) and otherIdentifier entries.
    Output: the Profile dict. Errors: InvalidInput for a non-URI id or an empty name.
    Spec: OB 3.0 §"Profile" (#profile).
    """
    out = {"id": _uri(id, "profile id"), "type": [PROFILE], "name": _text(name, "profile name")}
    _put(out, "url", url)
    _put(out, "email", email)
    _put(out, "phone", phone)
    _put(out, "description", description)
    _put(out, "image", _image_value(image))
    _put(out, "official", official)
    _put(out, "parentOrg", dict(parent_org) if parent_org is not None else None)
    _put(out, "otherIdentifier", _objects(other_identifiers, "otherIdentifier"))
    return out


def alignment(
    *,
    target_name: str,
    target_url: str,
    target_description: str | None = None,
    target_code: str | None = None,
    target_framework: str | None = None,
    target_type: str | None = None,
) -> dict[str, Any]:
    """Build an Alignment to a competency framework entry (``type: ["Alignment"]``).

    Input: the target's name and URL, and optional description, code, framework name and
    targetType (e.g. "CFItem", "ceasn:Competency" or "ext:…"). Output: the dict.
    Errors: InvalidInput for an empty name or non-URI URL. Spec: OB 3.0 §"Alignment" (#alignment).
    """
    out = {
        "type": [ALIGNMENT],
        "targetName": _text(target_name, "alignment targetName"),
        "targetUrl": _uri(target_url, "alignment targetUrl"),
    }
    _put(out, "targetDescription", target_description)
    _put(out, "targetCode", target_code)
    _put(out, "targetFramework", target_framework)
    _put(out, "targetType", target_type)
    return out


def result_description(
    *,
    id: str,
    name: str,
    result_type: str,
    allowed_values: Sequence[str] = (),
    required_value: str | None = None,
    required_level: str | None = None,
    value_min: str | None = None,
    value_max: str | None = None,
    rubric_criterion_levels: Iterable[Mapping[str, Any]] = (),
    alignments: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build a ResultDescription for an Achievement (``type: ["ResultDescription"]``).

    Input: its id (results point at it), name, resultType (e.g. "LetterGrade", "Status",
    "ext:…") and the optional allowedValue list, requiredValue, requiredLevel, valueMin/valueMax,
    rubricCriterionLevel entries and alignments. Output: the dict.
    Errors: InvalidInput for a non-URI id or an empty name/resultType.
    Spec: OB 3.0 §"ResultDescription" (#resultdescription).
    """
    out = {
        "id": _uri(id, "resultDescription id"),
        "type": [RESULT_DESCRIPTION],
        "name": _text(name, "resultDescription name"),
        "resultType": _text(result_type, "resultType"),
    }
    _put(out, "allowedValue", list(allowed_values))
    _put(out, "requiredValue", required_value)
    _put(out, "requiredLevel", required_level)
    _put(out, "valueMin", value_min)
    _put(out, "valueMax", value_max)
    _put(out, "rubricCriterionLevel", _objects(rubric_criterion_levels, "rubricCriterionLevel"))
    _put(out, "alignment", _objects(alignments, "alignment"))
    return out


def result(
    *,
    result_description: str | None = None,
    value: str | None = None,
    status: str | None = None,
    achieved_level: str | None = None,
    alignments: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build a Result for a credentialSubject (``type: ["Result"]``).

    Input: the id of the ResultDescription it answers, and the value (e.g. "A"), status
    (e.g. "Completed"), achievedLevel (a RubricCriterionLevel id) and alignments.
    Output: the dict. Errors: InvalidInput when it says nothing (no value, status or level).
    Spec: OB 3.0 §"Result" (#result).
    """
    if value is None and status is None and achieved_level is None:
        raise InvalidInput("a result needs a value, a status or an achievedLevel", code="input.empty_result")
    out: dict[str, Any] = {"type": [RESULT]}
    _put(out, "resultDescription", _uri(result_description, "resultDescription") if result_description else None)
    _put(out, "value", value)
    _put(out, "status", status)
    _put(out, "achievedLevel", achieved_level)
    _put(out, "alignment", _objects(alignments, "alignment"))
    return out


def evidence(
    *,
    id: str | None = None,
    narrative: str | None = None,
    name: str | None = None,
    description: str | None = None,
    genre: str | None = None,
    audience: str | None = None,
    digest_sri: str | None = None,
) -> dict[str, Any]:
    """Build an Evidence entry (``type: ["Evidence"]``).

    Input: a URL of the evidence and/or a narrative (Markdown), and optional name, description,
    genre, audience and ``digestSRI`` (the file's Subresource Integrity digest, e.g.
    ``sha384-…``: VC Data Model 2.0 §5.3 "Integrity of Related Resources" defines the term in
    the VC context; a verifier fetches ``id`` and compares). Output: the dict.
    Errors: InvalidInput when neither id nor narrative is given (nothing to look at), or for a
    non-URI id. Spec: OB 3.0 §"Evidence" (#evidence).
    """
    if id is None and not narrative:
        raise InvalidInput("evidence needs an id (URL) or a narrative", code="input.empty_evidence")
    out: dict[str, Any] = {}
    _put(out, "id", _uri(id, "evidence id") if id is not None else None)
    out["type"] = [EVIDENCE]
    _put(out, "narrative", narrative)
    _put(out, "name", name)
    _put(out, "description", description)
    _put(out, "genre", genre)
    _put(out, "audience", audience)
    if digest_sri is not None and not re.fullmatch(r"sha(256|384|512)-[A-Za-z0-9+/]+={0,2}", digest_sri):
        raise InvalidInput("digestSRI must be sha256-, sha384- or sha512- and base64", code="input.invalid_digest")
    _put(out, "digestSRI", digest_sri)
    return out


def achievement(
    *,
    id: str,
    name: str,
    description: str,
    criteria_narrative: str | None = None,
    criteria_id: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    achievement_type: str | None = None,
    tags: Sequence[str] = (),
    alignments: Iterable[Mapping[str, Any]] = (),
    creator: Mapping[str, Any] | None = None,
    in_language: str | None = None,
    human_code: str | None = None,
    field_of_study: str | None = None,
    specialization: str | None = None,
    version: str | None = None,
    credits_available: float | None = None,
    result_descriptions: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build an Achievement, the badge class (``type: ["Achievement"]``).

    Input: id, name, description; the criteria as a Markdown narrative and/or the URL of a
    criteria page (at least one: the schema requires ``criteria``, and empty criteria tell a
    verifier nothing); optional image, achievementType (e.g. "Badge", "Competency", "ext:…"),
    tags, alignments, creator profile, inLanguage (BCP 47, e.g. "fr" or "fr-FR"), humanCode,
    fieldOfStudy, specialization, version, creditsAvailable and resultDescription entries.
    Output: the dict.
    Errors: InvalidInput for a non-URI id, empty name/description, or no criteria.
    Spec: OB 3.0 §"Achievement" (#achievement), §"Criteria" (#criteria).
    """
    if not criteria_narrative and criteria_id is None:
        raise InvalidInput("criteria need a narrative or an id (URL)", code="input.missing_criteria", field="criteria")
    criteria: dict[str, Any] = {}
    _put(criteria, "id", _uri(criteria_id, "criteria id") if criteria_id is not None else None)
    _put(criteria, "narrative", criteria_narrative or None)
    out = {
        "id": _uri(id, "achievement id"),
        "type": [ACHIEVEMENT],
        "name": _text(name, "achievement name"),
        "description": _text(description, "achievement description"),
        "criteria": criteria,
    }
    _put(out, "achievementType", achievement_type)
    _put(out, "image", _image_value(image))
    _put(out, "tag", [_text(t, "tag") for t in tags])
    _put(out, "alignment", _objects(alignments, "alignment"))
    _put(out, "creator", dict(creator) if creator is not None else None)
    _put(out, "inLanguage", in_language)
    _put(out, "humanCode", human_code)
    _put(out, "fieldOfStudy", field_of_study)
    _put(out, "specialization", specialization)
    _put(out, "version", version)
    _put(out, "creditsAvailable", credits_available)
    _put(out, "resultDescription", _objects(result_descriptions, "resultDescription"))
    return out


def _issuer_value(issuer: Any) -> dict[str, Any] | str:
    if isinstance(issuer, Mapping):
        _uri(issuer.get("id"), "issuer id")
        return dict(issuer)
    return _uri(issuer, "issuer")


def _credential_schema(enabled: bool, schema_id: str) -> list[dict[str, Any]] | None:
    return [{"id": schema_id, "type": SCHEMA_VALIDATOR_TYPE}] if enabled else None


def achievement_credential(
    *,
    id: str,
    issuer: Mapping[str, Any] | str,
    achievement: Mapping[str, Any],
    recipient: Mapping[str, Any] | Sequence[Mapping[str, Any]] | str,
    valid_from: str | datetime,
    valid_until: str | datetime | None = None,
    name: str | None = None,
    description: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    awarded_date: str | datetime | None = None,
    evidence: Iterable[Mapping[str, Any]] = (),
    results: Iterable[Mapping[str, Any]] = (),
    recipient_name: str | None = None,
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    credential_schema: bool = False,
) -> dict[str, Any]:
    """Build an unsigned OpenBadgeCredential.

    Input:
    - id: the credential URI (``urn:uuid:…`` or an https URL), chosen by the caller;
    - issuer: a `profile()` dict (or its URI);
    - achievement: an `achievement()` dict, embedded whole;
    - recipient: an IdentityObject from `identity.identity_object` (or several), which becomes
      ``credentialSubject.identifier``; or a string URI (a DID the learner controls), which
      becomes ``credentialSubject.id``;
    - valid_from / valid_until / awarded_date: XML Schema dateTime strings or aware datetimes;
    - name: the credential's display name for wallets; defaults to the achievement's name;
    - evidence, results (``credentialSubject.result``), credential_status (e.g. a
      BitstringStatusListEntry, or a list of them: one per status purpose, VC 2.0 §4.10), image;
    - recipient_name: the learner's display name, carried as an extra IdentityObject with
      identityType "name", hashed false (AchievementSubject has no ``name`` property; see
      `identity.name_identity_object`);
    - credential_schema: add ``credentialSchema`` pointing at the 1EdTech JSON Schema with type
      "1EdTechJsonSchemaValidator2019". Optional in OB 3.0 (0..*), so off by default: that type
      name is defined only in the OB extensions context, not in context-3.0.3 nor VC 2.0 (which
      has no ``@vocab``), so with the two required contexts alone it is a relative ``@type`` that
      JSON-LD drops — safe-mode processors (ours, Digital Bazaar's) refuse to sign it.
    Output: ``{"@context": [VC 2.0, OB 3.0.3], "id", "type": ["VerifiableCredential",
    "OpenBadgeCredential"], "issuer", "validFrom", …, "credentialSubject": {"type":
    ["AchievementSubject"], "id" | "identifier", "achievement", "result"?}, …}``.
    Errors: InvalidInput for a non-URI id/issuer/recipient or a recipient of the wrong shape.
    Spec: OB 3.0 §"AchievementCredential" (#achievementcredential), §"AchievementSubject"
    (#achievementsubject); VC Data Model 2.0 §"Contexts", §"Validity Period".
    """
    subject: dict[str, Any] = {"type": [ACHIEVEMENT_SUBJECT]}
    identifiers: list[dict[str, Any]] = []
    if isinstance(recipient, str):
        subject["id"] = _uri(recipient, "recipient")
    elif isinstance(recipient, (Mapping, list, tuple)):
        identifiers = _objects(recipient, "recipient")
        if not identifiers:
            raise InvalidInput("recipient needs at least one IdentityObject", code="input.missing_recipient")
    else:
        raise InvalidInput("recipient must be a URI or IdentityObject(s)", code="input.missing_recipient")
    if recipient_name is not None:
        identifiers.append(name_identity_object(recipient_name))
    _put(subject, "identifier", identifiers)
    if not isinstance(achievement, Mapping):
        raise InvalidInput("achievement must be an Achievement object", code="input.invalid_object")
    subject["achievement"] = dict(achievement)
    _put(subject, "result", _objects(results, "result"))

    cred_name = name if name is not None else achievement.get("name")
    doc: dict[str, Any] = {
        "@context": list(OB_CREDENTIAL_CONTEXT),
        "id": _uri(id, "credential id"),
        "type": [VC_TYPE, OB_CREDENTIAL_TYPES[0]],
        "issuer": _issuer_value(issuer),
        "validFrom": _datetime_value(valid_from, "valid_from"),
    }
    _put(doc, "validUntil", _datetime_value(valid_until, "valid_until") if valid_until is not None else None)
    _put(doc, "awardedDate", _datetime_value(awarded_date, "awarded_date") if awarded_date is not None else None)
    _put(doc, "name", cred_name)
    _put(doc, "description", description)
    _put(doc, "image", _image_value(image))
    doc["credentialSubject"] = subject
    _put(doc, "evidence", _objects(evidence, "evidence"))
    _put(doc, "credentialSchema", _credential_schema(credential_schema, ACHIEVEMENT_CREDENTIAL_SCHEMA))
    _put(doc, "credentialStatus", _status_value(credential_status))
    return doc


def endorsement_credential(
    *,
    id: str,
    issuer: Mapping[str, Any] | str,
    endorsed_id: str,
    name: str,
    endorsement_comment: str | None,
    valid_from: str | datetime,
    valid_until: str | datetime | None = None,
    description: str | None = None,
    credential_status: Mapping[str, Any] | None = None,
    credential_schema: bool = False,
) -> dict[str, Any]:
    """Build an unsigned EndorsementCredential: one issuer vouches for a profile or achievement.

    Input: the credential id, the endorser (a `profile()` dict or URI), the id of what is
    endorsed (an Achievement or Profile id), a name (required by the EndorsementCredential
    schema), the endorsement comment (Markdown), valid_from / valid_until, optional
    description, credentialStatus and the credentialSchema switch (as in
    `achievement_credential`).
    Output: ``{"@context": [VC 2.0, OB 3.0.3], "type": ["VerifiableCredential",
    "EndorsementCredential"], "credentialSubject": {"id": endorsed_id, "type":
    ["EndorsementSubject"], "endorsementComment"}, …}``.
    Errors: InvalidInput for non-URI ids or an empty name.
    Spec: OB 3.0 §"EndorsementCredential" (#endorsementcredential), §"EndorsementSubject".
    """
    subject = {"id": _uri(endorsed_id, "endorsed id"), "type": [ENDORSEMENT_SUBJECT]}
    _put(subject, "endorsementComment", endorsement_comment)
    doc: dict[str, Any] = {
        "@context": list(OB_CREDENTIAL_CONTEXT),
        "id": _uri(id, "credential id"),
        "type": [VC_TYPE, ENDORSEMENT_CREDENTIAL_TYPE],
        "name": _text(name, "endorsement name"),
        "issuer": _issuer_value(issuer),
        "validFrom": _datetime_value(valid_from, "valid_from"),
    }
    _put(doc, "validUntil", _datetime_value(valid_until, "valid_until") if valid_until is not None else None)
    _put(doc, "description", description)
    doc["credentialSubject"] = subject
    _put(doc, "credentialSchema", _credential_schema(credential_schema, ENDORSEMENT_CREDENTIAL_SCHEMA))
    _put(doc, "credentialStatus", dict(credential_status) if credential_status is not None else None)
    return doc

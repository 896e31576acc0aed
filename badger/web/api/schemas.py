"""Request and response models of the HTTP API (pydantic 2).

Requests are parsed with these models before any service runs: a field of the wrong type, an
unknown field, an e-mail that is not one, a DID that does not follow DID Core's syntax, a date
without a timezone... become a 400 problem listing each bad field (``errors: [{field,
message}]``). The models check the shape of the input and the rules a client can fix by
looking at one field; the services keep the business rules (lengths, vocabularies, ownership)
and raise InvalidInput for the rest.

Response models describe the documents the API answers with, for the OpenAPI description
(badger.web.api.openapi); the documents themselves are the stored JSON, never rebuilt through these
models (docs/architecture.md, "Signed bytes are sacred").

JSON keys are camelCase as in the OB 3.0 documents (``achievementType``, ``validUntil``); the
Python attributes are snake_case through aliases, so ``model_dump()`` gives the services'
keyword names.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

from badger.achievements.service import ACHIEVEMENT_TYPES
from badger.credentials.dates import parse_datetime
from badger.credentials.identity import normalise_email
from badger.errors import InvalidInput

__all__ = [
    "Text",
    "AlignmentIn",
    "AchievementCreate",
    "AchievementUpdate",
    "AchievementUpload",
    "AchievementPatchUpload",
    "AchievementDocument",
    "EvidenceIn",
    "RecipientIn",
    "IssueCredentialIn",
    "IssuedCredential",
    "CredentialFilter",
    "CredentialSummary",
    "StatusChangeIn",
    "UnsuspendIn",
    "CredentialStatusOut",
    "VerifyIn",
    "VerifyUpload",
    "VerificationCheck",
    "VerificationResultOut",
    "VcApiIssueOptions",
    "VcApiIssueIn",
    "VcApiIssueOut",
    "ProblemOut",
    "OpenApiDocument",
    "CREDENTIAL_STATUSES",
]

CREDENTIAL_STATUSES = ("active", "revoked", "suspended")

# C0 controls other than tab, newline and carriage return, and DEL: PostgreSQL refuses NUL in
# text, and the issuance check refuses the others in a credential (verifiers canonicalize them
# differently), so a badge class holding one could never be issued. Refused at the door.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# DID Core 1.0 §3.1 "DID Syntax": did:<method-name>:<method-specific-id>, the id made of
# idchars and pct-encoded octets, possibly ':'-separated, not ending with ':'.
_DID = re.compile(r"did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})")
_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _email(value: str) -> str:
    try:
        normalise_email(value)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None
    return value


def _did(value: str) -> str:
    if len(value) > 500 or not _DID.fullmatch(value):
        raise ValueError("must be a DID (did:<method>:<identifier>, DID Core §3.1)")
    return value


def _http_url(value: str) -> str:
    if len(value) > 2000 or not _HTTP_URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value


def _date_time(value: str) -> str:
    if parse_datetime(value) is None:
        raise ValueError("must be a date-time with a timezone, e.g. 2026-06-30T23:59:59Z")
    return value


def _reference(value: str) -> str:
    """A badge class or credential reference: its UUID, or its URL (which ends with the UUID)."""
    try:
        uuid.UUID(value.rsplit("/", 1)[-1])
    except ValueError:
        raise ValueError("must be an id (UUID) or the URL ending with it") from None
    if len(value) > 2000 or _CONTROL.search(value):
        raise ValueError("must be an id (UUID) or the URL ending with it")
    return value


def _achievement_type(value: str) -> str:
    if value not in ACHIEVEMENT_TYPES and not value.startswith("ext:"):
        raise ValueError(f"must be one of {', '.join(ACHIEVEMENT_TYPES)} or an 'ext:' extension")
    return value


# What the validators above accept, declared in the OpenAPI description too (JSON Schema
# keywords only: the validators stay the one judge). Patterns are ECMA-262 / JSON Schema,
# unanchored unless they say ^...$.
# Not only blanks (the services strip, then refuse an empty text). Control characters are
# refused too (each field's description says so); a JSON Schema pattern for both makes
# generators crawl, so the description carries that half.
_NON_BLANK = r"\S"
_UUID_AT_END = "^(?:[^\\s]*/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_ACHIEVEMENT_TYPE = "^(?:" + "|".join(ACHIEVEMENT_TYPES) + "|ext:.*)$"


def _schema(**keywords: Any) -> Any:
    return Field(json_schema_extra=keywords)


Text = Annotated[str, AfterValidator(_no_control_characters)]
NonEmptyText = Annotated[
    str, StringConstraints(min_length=1), AfterValidator(_no_control_characters), _schema(pattern=_NON_BLANK)
]
Email = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(_email),
    _schema(format="email"),
]
Did = Annotated[str, AfterValidator(_did), _schema(pattern="^" + _DID.pattern + "$", maxLength=500)]
HttpUrl = Annotated[
    str, AfterValidator(_http_url), _schema(format="uri", pattern="^https?://[^\\s/?#]+[^\\s]*$", maxLength=2000)
]
DateTime = Annotated[str, AfterValidator(_date_time), _schema(format="date-time")]
Reference = Annotated[str, AfterValidator(_reference), _schema(pattern=_UUID_AT_END, maxLength=2000)]
AchievementType = Annotated[str, AfterValidator(_achievement_type), _schema(pattern=_ACHIEVEMENT_TYPE)]


class _In(BaseModel):
    """Strict-ish request model: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, str_strip_whitespace=False)


# ---------------------------------------------------------------------------------------------
# Badge classes


class AlignmentIn(_In):
    """An OB 3.0 Alignment: the competency framework entry the badge class aligns to."""

    target_name: NonEmptyText = Field(alias="targetName")
    target_url: HttpUrl = Field(alias="targetUrl")
    target_description: Text | None = Field(None, alias="targetDescription")
    target_code: Text | None = Field(None, alias="targetCode")
    target_framework: Text | None = Field(None, alias="targetFramework")
    target_type: Text | None = Field(None, alias="targetType")


class AchievementCreate(_In):
    """A new badge class (OB 3.0 Achievement). Lengths: name 300, description 5000, criteria 10000."""

    name: NonEmptyText
    description: NonEmptyText
    criteria: NonEmptyText = Field(description="the criteria narrative (Markdown)")
    achievement_type: AchievementType | None = Field(None, alias="achievementType")
    tags: list[NonEmptyText] = Field(default_factory=list, max_length=50)
    alignments: list[AlignmentIn] = Field(default_factory=list, max_length=50)
    valid_for_days: int | None = Field(
        None,
        alias="validForDays",
        ge=1,
        le=36_500,
        description="credentials of this class are valid this many days by default",
    )

    def service_fields(self) -> dict:
        """Keyword arguments of services.achievements.create_achievement."""
        return {
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria,
            "achievement_type": self.achievement_type,
            "tags": list(self.tags),
            "alignments": [a.model_dump(exclude_none=True) for a in self.alignments],
            "valid_for_days": self.valid_for_days,
        }


class AchievementUpdate(_In):
    """Fields to change; those left out keep their value. Credentials already issued keep
    their signed copy of the badge class."""

    name: NonEmptyText | None = None
    description: NonEmptyText | None = None
    criteria: NonEmptyText | None = None
    achievement_type: AchievementType | None = Field(None, alias="achievementType")
    tags: list[NonEmptyText] | None = Field(None, max_length=50)
    alignments: list[AlignmentIn] | None = Field(None, max_length=50)
    valid_for_days: int | None = Field(
        None, alias="validForDays", ge=1, le=36_500, description="null removes the validity period"
    )

    @model_validator(mode="after")
    def _required_stay_required(self):
        for name in ("name", "description", "criteria"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be removed")
        return self

    def changes(self) -> dict:
        """The ``changes`` mapping of services.achievements.update_achievement."""
        out = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "alignments":
                value = [a.model_dump(exclude_none=True) for a in value or []]
            elif name == "tags":
                value = list(value or [])
            out[name] = value
        return out


class AchievementUpload(BaseModel):
    """multipart/form-data form of a badge class: the same fields as the JSON body, ``tags``
    repeated, ``alignments`` as a JSON array in one field, and the ``image`` file (PNG or SVG,
    1 MiB at most; an SVG with scripts, event handlers or external references is refused)."""

    name: str = _schema(minLength=1, maxLength=300, pattern=_NON_BLANK)
    description: str = _schema(minLength=1, maxLength=5000, pattern=_NON_BLANK)
    criteria: str = _schema(minLength=1, maxLength=10000, pattern=_NON_BLANK)
    achievementType: str | None = _schema(default=None, pattern=_ACHIEVEMENT_TYPE)
    tags: list[str] = Field(default_factory=list)
    alignments: str | None = Field(None, description="JSON array of alignments")
    validForDays: int | None = None
    image: bytes | None = Field(None, description="the badge image file (PNG or SVG)")


class AchievementPatchUpload(BaseModel):
    """multipart/form-data form of a badge class change: any field of AchievementUpload."""

    name: str | None = None
    description: str | None = None
    criteria: str | None = None
    achievementType: str | None = None
    tags: list[str] | None = None
    alignments: str | None = Field(None, description="JSON array of alignments")
    validForDays: int | None = None
    image: bytes | None = Field(None, description="the badge image file (PNG or SVG)")


class AchievementDocument(BaseModel):
    """The OB 3.0 Achievement JSON exactly as stored (more properties may be present)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="URL of the badge class; its last segment is the id used in the API paths")
    type: list[str]
    name: str
    description: str
    criteria: dict[str, Any]
    achievementType: str | None = None
    image: dict[str, Any] | None = None
    tag: list[str] | None = None
    alignment: list[dict[str, Any]] | None = None
    creator: dict[str, Any] | None = None


# ---------------------------------------------------------------------------------------------
# Credentials


class EvidenceIn(_In):
    """Evidence: a URL and/or a narrative."""

    id: HttpUrl | None = Field(None, description="URL of the evidence")
    narrative: Text | None = None
    name: Text | None = None

    @model_validator(mode="after")
    def _something(self):
        if self.id is None and not self.narrative:
            raise ValueError("evidence needs a URL (id) or a narrative")
        return self


def _evidence_item(value):
    return {"id": value} if isinstance(value, str) else value  # a bare URL is the usual case


class RecipientIn(_In):
    """Who earned it: an e-mail (stored only as a salted hash in the credential) or a DID."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["email"], "properties": {"email": {"type": "string"}}},
                {"required": ["did"], "properties": {"did": {"type": "string"}}},
            ]
        }
    )

    email: Email | None = None
    did: Did | None = None
    name: Text | None = Field(None, max_length=300)

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.email is None) == (self.did is None):
            raise ValueError("give the recipient's email or did (exactly one)")
        return self


class IssueCredentialIn(_In):
    """Issue one credential of a badge class to one recipient."""

    achievement: Reference = Field(description="the badge class: its id or URL")
    recipient: RecipientIn
    format: Literal["ldp", "jwt"] = Field("ldp", description="ldp: JSON with a Data Integrity proof; jwt: VC-JWT")
    evidence: list[Annotated[EvidenceIn, BeforeValidator(_evidence_item)]] = Field(default_factory=list, max_length=20)
    valid_until: DateTime | None = Field(None, alias="validUntil")
    awarded_date: str | None = Field(
        None,
        alias="awardedDate",
        max_length=40,
        description="OB 3.0 awardedDate: when it was achieved (YYYY-MM-DD or a date-time with a timezone)",
    )


class IssuedCredential(BaseModel):
    id: str = Field(description="the credential id (UUID)")
    url: str = Field(description="its public URL")
    credential: dict[str, Any] | str = Field(description="the signed JSON (ldp) or the compact JWS (jwt)")


class CredentialFilter(_In):
    email: Email | None = Field(None, description="recipient e-mail")
    achievement: Reference | None = Field(None, description="badge class id or URL")
    status: Literal[CREDENTIAL_STATUSES] | None = None  # type: ignore[valid-type]


class CredentialSummary(BaseModel):
    id: str = Field(description="the credential id (UUID)")
    url: str = Field(description="its public URL")
    achievement: str = Field(description="the badge class id (UUID)")
    status: Literal[CREDENTIAL_STATUSES]  # type: ignore[valid-type]


class StatusChangeIn(_In):
    """Revoke or suspend: why (kept in the audit log and shown to the partner's staff)."""

    reason: str = Field(
        description="1-500 characters, no control characters (line breaks, tabs...)",
        json_schema_extra={"minLength": 1, "maxLength": 500, "pattern": _NON_BLANK},
    )


class UnsuspendIn(_In):
    """Lift a suspension; the reason is optional."""

    reason: str | None = Field(
        None,
        description="1-500 characters, no control characters",
        json_schema_extra={"anyOf": [{"type": "string", "maxLength": 500, "pattern": _NON_BLANK}, {"type": "null"}]},
    )


class CredentialStatusOut(BaseModel):
    """A credential's status after a change (W3C Bitstring Status List: revocation is final)."""

    id: str = Field(description="the credential id (UUID)")
    status: Literal[CREDENTIAL_STATUSES]  # type: ignore[valid-type]
    reason: str | None = None
    changedAt: str | None = Field(None, description="when the status last changed (date-time, UTC)")


# ---------------------------------------------------------------------------------------------
# Verification (public; implemented in badger.web.public.views, described here)


class VerifyIn(BaseModel):
    """One of: a credential as JSON, a compact JWS, or a URL (also: a multipart ``file``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["credential"], "properties": {"credential": {"type": "object"}}},
                {"required": ["jwt"], "properties": {"jwt": {"type": "string", "pattern": "\\S"}}},
                {"required": ["url"], "properties": {"url": {"type": "string", "pattern": "^https?://[^\\s/?#]+"}}},
            ]
        }
    )

    credential: dict[str, Any] | None = None
    jwt: str | None = None
    url: str | None = None
    email: str | None = Field(None, description="check that the credential was issued to this e-mail")


class VerifyUpload(BaseModel):
    """multipart/form-data form of a verification: the file (baked PNG or SVG, JSON, or JWS)."""

    file: bytes = Field(description="a baked PNG or SVG, a JSON credential or a compact JWS")
    email: str | None = None


class VerificationCheck(BaseModel):
    check: Literal["format", "schema", "proof", "issuer", "dates", "status", "recipient"]
    status: Literal["passed", "failed", "skipped", "warning"]
    code: str
    message: str
    detail: str | None = None
    problems: list[dict[str, Any]] | None = None


class VerificationResultOut(BaseModel):
    verified: bool
    checks: list[VerificationCheck]
    credential: dict[str, Any] | None = None


# ---------------------------------------------------------------------------------------------
# W3C VC-API "Issue Credential" (w3c-ccg/vc-api issuer.yml, components/IssueCredentialOptions.yml)


class VcApiStatusOption(_In):
    """A status entry asked for at issuance (Bitstring Status List §2.1)."""

    type: Literal["BitstringStatusListEntry"]
    statusPurpose: Literal["revocation", "suspension"] = Field(
        "revocation", description="revocation is always added; name suspension to get that entry too"
    )


class VcApiIssueOptions(_In):
    """IssueCredentialOptions (additionalProperties: false in the VC-API schema)."""

    credentialId: str | None = Field(
        None,
        max_length=2000,
        description="the name POST /credentials/status will use; defaults to credential.id. Kept only "
        "when a status is asked",
    )
    mandatoryPointers: list[str] | None = Field(None, description="selective disclosure only: refused when not empty")
    credentialStatus: VcApiStatusOption | list[VcApiStatusOption] | None = Field(
        None,
        description="adds credentialStatus: a BitstringStatusListEntry for revocation on the issuer's list, and "
        "one for suspension when asked (then an array, VC Data Model 2.0 §4.10); the credential needs an id "
        "(credential.id or credentialId) and is stored (its name, indexes, state) for status updates",
    )


class VcApiIssueIn(_In):
    credential: dict[str, Any] = Field(
        description="a VC 2.0 (or VC 1.1) credential without proof that satisfies the VC Data Model 2.0 MUSTs; "
        "`issuer` must be the token's issuer's DID (a URL, or an object with that id). Badger adds, by design: "
        "the proof; `credentialStatus` when options.credentialStatus asks; for VC 1.1 only, `issuanceDate` "
        "(the signing time) when absent and the Data Integrity context at the end of `@context`. Nothing "
        "else is filled in: a missing or null issuer is refused"
    )
    options: VcApiIssueOptions | None = None


class VcApiIssueOut(BaseModel):
    verifiableCredential: dict[str, Any]


class VcApiStatusEntry(_In):
    """Which status entry of the credential to update (VC-API UpdateCredentialStatusRequest)."""

    type: Literal["BitstringStatusListEntry", "BitstringStatusList"]
    statusPurpose: Literal["revocation", "suspension"]
    id: str | None = None
    statusListIndex: str | None = None
    statusListCredential: str | None = None


class VcApiStatusIn(_In):
    credentialId: str = Field(
        min_length=1,
        max_length=2000,
        description="a VC-API credential's name as issued (options.credentialId or its id), or one of the "
        "issuer's Open Badges (its URL or id)",
    )
    credentialStatus: VcApiStatusEntry
    status: bool = Field(description="true sets the bit (revoked / suspended), false clears it; revocation is final")
    indexAllocator: str | None = Field(None, description="accepted and ignored: Badger allocates indexes itself")


class VcApiStatusOut(BaseModel):
    credentialId: str
    status: Literal["active", "revoked", "suspended"]


# ---------------------------------------------------------------------------------------------
# Bulk issuance and jobs

JOB_STATES = ("queued", "running", "done", "failed")
ROW_OUTCOMES = ("issued", "skipped", "failed", "pending")


class BulkOptions(_In):
    """Options of a bulk upload: form fields next to the multipart ``file``, or query
    parameters with a text/csv body."""

    achievement: Reference = Field(description="the badge class: its id or URL")
    dry_run: bool = Field(False, alias="dryRun", description="check every row and report; issue nothing")
    notify: bool = Field(False, description="e-mail each learner their badge")


class BulkQuery(BaseModel):
    """Query parameters of a text/csv bulk upload (with multipart, the same names are form fields)."""

    achievement: str = Field(description="the badge class: its id or URL", json_schema_extra={"pattern": _UUID_AT_END})
    dryRun: bool | None = Field(None, description="check every row and report; issue nothing")
    notify: bool | None = Field(None, description="e-mail each learner their badge")


class BulkCsv(RootModel[str]):
    """The CSV text: ``email,name[,evidence_url,narrative]`` (with a header, also ``awarded_date``) per line, header optional (English
    or French names), ``,`` or ``;`` separated, UTF-8 or Windows-1252; 10 MB and 50,000 rows at most."""


class BulkUpload(BaseModel):
    """multipart/form-data bulk upload: the CSV ``file`` and the options as fields."""

    file: bytes = Field(description="the CSV file")
    achievement: str = Field(description="the badge class: its id or URL")
    dryRun: bool | None = None
    notify: bool | None = None


class RowProblemOut(BaseModel):
    code: str = Field(description="stable code, e.g. bulk.invalid_email, bulk.already_holds")
    message: str


class BulkDryRunRowOut(BaseModel):
    line: int
    email: str
    name: str | None = None
    outcome: Literal["issue", "skip", "error"]
    problems: list[RowProblemOut]


class BulkDryRunOut(BaseModel):
    """What the upload would do, writing nothing: counts and the rows with problems."""

    dryRun: bool
    achievement: str
    total: int
    ok: int = Field(description="rows that would be issued")
    skipped: int = Field(description="rows skipped: repeated e-mail, or already holding the badge")
    errors: int = Field(description="rows that would fail")
    rows: list[BulkDryRunRowOut]


class JobRowOut(BaseModel):
    line: int = Field(description="1-based line number in the file")
    email: str
    name: str | None = None
    outcome: Literal[ROW_OUTCOMES]  # type: ignore[valid-type]
    credentialId: str | None = None
    credentialUrl: str | None = None
    problem: RowProblemOut | None = None


class JobOut(BaseModel):
    """A bulk job: progress, and one page of per-row results in file order."""

    id: str
    url: str
    state: Literal[JOB_STATES]  # type: ignore[valid-type]
    total: int
    done: int
    issued: int
    skipped: int
    failed: int
    percent: float
    achievement: str = Field(description="the badge class id (UUID)")
    createdAt: str
    startedAt: str | None = None
    finishedAt: str | None = None
    error: str | None = None
    resultCsv: str = Field(description="URL of the per-row results as CSV")
    rows: list[JobRowOut] | None = Field(None, description="one page of rows (GET /api/v1/jobs/{job_id})")
    page: int | None = None
    perPage: int | None = None
    totalRows: int | None = None
    next: str | None = Field(None, description="URL of the next page of rows")


class JobRowsQuery(_In):
    page: int = Field(1, ge=1, le=1_000_000, description="page of rows, from 1 (at most 1000000)")
    per_page: int = Field(100, alias="perPage", ge=1, le=1000, description="rows per page (1-1000)")
    outcome: Literal[ROW_OUTCOMES] | None = Field(None, description="only the rows with this outcome")  # type: ignore[valid-type]


# ---------------------------------------------------------------------------------------------
# Errors and the description itself


class ProblemOut(BaseModel):
    """RFC 9457 problem details (application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="stable URI of the problem type")
    title: str = Field(description="short summary in the request's language (fr by default)")
    status: int
    code: str = Field(description="stable machine-readable code (the last part of type)")
    detail: str = ""
    errors: list[dict[str, Any]] | None = Field(None, description="bad fields (field, message) or document problems")


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]

"""The authenticated API under /api/v1 (a bearer token acts for one issuer only).

Thin (docs/architecture.md, "Thin edges"): each view authenticates, parses the body with a pydantic
model (badger.web.api.schemas), calls one service in one transaction (docs/architecture.md, "The caller owns the transaction") and maps
errors. Every view is declared through ``registry.route`` so /api/v1/openapi.json describes
exactly what is served.

Status codes: 200 read / update, 201 created (with Location), 400 malformed JSON or invalid
fields (``errors: [{field, message}]``), 401 no valid token, 404 unknown or another issuer's
resource (never 403: another partner's resources are not even confirmed to exist), 409 an
Idempotency-Key reused for another request, 413 body or image too large, 415 a content type
the operation does not take, 422 a document that would not be a valid credential.

Idempotency (``POST /credentials``, after draft-ietf-httpapi-idempotency-key-header): a key is
scoped to the issuer; the same key with the same request answers the credential issued the
first time, with the same status (201) and body, and writes nothing; the same key with a
different request answers 409.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

import badger
from badger.accounts import tokens
from badger.achievements import service as achievements
from badger.bulk import runner as jobs
from badger.bulk import service as bulk
from badger.core.app import xsd_datetime
from badger.errors import InvalidInput, Unauthorized
from badger.issuance import issuing, revocation
from badger.web.api.openapi import JSON, MULTIPART, Operation, registry
from badger.web.api.schemas import (
    AchievementCreate,
    AchievementDocument,
    AchievementPatchUpload,
    AchievementUpdate,
    AchievementUpload,
    BulkCsv,
    BulkDryRunOut,
    BulkOptions,
    BulkQuery,
    BulkUpload,
    CredentialFilter,
    CredentialStatusOut,
    CredentialSummary,
    IssueCredentialIn,
    IssuedCredential,
    JobOut,
    JobRowsQuery,
    OpenApiDocument,
    StatusChangeIn,
    UnsuspendIn,
    VerificationResultOut,
    VerifyIn,
    VerifyUpload,
)
from badger.web.current import badger_app
from badger.web.errors import problem

__all__ = ["bp", "authenticated_issuer", "request_actor", "read_json", "validated", "service_fields"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_BEARER = re.compile(r"Bearer +([!-~]+)", re.IGNORECASE)  # RFC 6750 §2.1 (b64token, leniently)
_IDEMPOTENCY_KEY = re.compile(r"[ -~]{1,200}")  # printable ASCII
_IGNORED_QUERY = frozenset({"lang"})  # read by the error pages (badger.web.errors.language)

# ---------------------------------------------------------------------------------------------
# Input helpers (also used by badger.web.api.vcapi)


def authenticated_issuer(session):
    """The issuer the request's bearer token acts for; the token becomes the request's audit
    actor (``request_actor()``). Raises Unauthorized (401)."""
    header = request.headers.get("Authorization")
    if header is None:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)", code="auth.missing_token")
    match = _BEARER.fullmatch(header.strip())
    if match is None:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'", code="auth.malformed_header")
    issuer, g.api_actor = tokens.authenticate_caller(session, match.group(1))
    return issuer


def request_actor():
    """The audit actor of the request's bearer token; call after authenticated_issuer()."""
    return g.api_actor


def _too_large() -> None:
    limit = badger_app().settings.max_upload_bytes
    abort(problem(413, "input.too_large", f"the request body is too large (about {limit // 1024} KiB at most)"))


def _unsupported(accepted: tuple[str, ...]) -> NoReturn:
    got = request.mimetype or "none"
    abort(
        problem(
            415,
            "input.unsupported_media_type",
            f"Content-Type {got} is not accepted here; send {' or '.join(accepted)}",
            accepted=list(accepted),
        )
    )


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json():
    """The request body as JSON. 415 unless the content type is JSON; 413 when too large;
    400 (input.malformed_json) when it does not parse."""
    if request.mimetype != JSON and not request.mimetype.endswith("+json"):
        _unsupported((JSON,))
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        _too_large()
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise InvalidInput(f"the body is not valid JSON: {reason}", code="input.malformed_json") from None


def _invalid(errors: list[dict], code: str = "input.invalid_fields") -> InvalidInput:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    exc = InvalidInput(f"invalid {first['field']}: {first['message']}{more}", code=code)
    exc.fields = errors
    return exc


def validated(model: type[BaseModel], data):
    """``model`` parsed from ``data``; raises InvalidInput listing every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            message = error["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            errors.append({"field": ".".join(str(part) for part in error["loc"]) or "body", "message": message})
        raise _invalid(errors) from None


def member_of(model: type[BaseModel], argument: str) -> str | None:
    """The JSON member of ``model`` (dotted, through nested models) that carries the service
    argument ``argument`` (a keyword name, or a dotted path into a document argument), or None."""
    head, _, rest = argument.partition(".")
    for name, info in model.model_fields.items():
        member = info.alias or name
        if name == head or member == head:
            return member + ("." + rest if rest else "")
    for name, info in model.model_fields.items():
        nested = info.annotation
        for candidate in getattr(nested, "__args__", (nested,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                inner = member_of(candidate, argument)
                if inner is not None:
                    return f"{info.alias or name}.{inner}"
    return None


@contextmanager
def service_fields(model: type[BaseModel], **elsewhere: str) -> Iterator[None]:
    """Name, in the request's own terms, the field of an InvalidInput a service raised: the
    member of ``model`` for the argument the error carries, or where the view read it from
    (``elsewhere``: argument -> e.g. a header name). An image too large becomes a 413, like a
    body too large."""
    try:
        yield
    except InvalidInput as exc:
        if exc.code == "image.too_large":
            abort(problem(413, exc.code, str(exc), errors=[{"field": "image", "message": str(exc)}]))
        field = exc.field
        if field is not None and not getattr(exc, "fields", None):
            named = elsewhere.get(field) or member_of(model, field)
            if named is not None:
                exc.fields = [{"field": named, "message": str(exc)}]
        raise


def _achievement_input(model: type[BaseModel]):
    """(parsed model, image bytes or None) from a JSON or a multipart/form-data body."""
    if request.mimetype != MULTIPART:
        if request.mimetype != JSON and not request.mimetype.endswith("+json"):
            _unsupported((JSON, MULTIPART))
        return validated(model, read_json()), None
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        _too_large()
    data: dict = {}
    for key in form.keys():
        if key == "tags":
            data["tags"] = form.getlist("tags")
        elif key == "alignments":
            try:
                data["alignments"] = json.loads(form["alignments"])
            except (ValueError, RecursionError):
                raise _invalid([{"field": "alignments", "message": "must be a JSON array of alignments"}]) from None
        else:
            data[key] = form[key]
    image = None
    for key in files.keys():
        upload = files[key]
        if key != "image":
            data[key] = upload.filename or "(file)"  # refused as an unknown field below
            continue
        content = upload.read()
        if content or upload.filename:  # an empty part without file name is "no file chosen"
            image = content
    return validated(model, data), image


def _document(row) -> dict:
    return json.loads(row.document)


# ---------------------------------------------------------------------------------------------
# Badge classes


@registry.route(
    bp,
    "/achievements",
    "GET",
    summary="List the issuer's badge classes",
    tags=("achievements",),
    responses=[(200, "The badge classes (OB 3.0 Achievements), oldest first", AchievementDocument)],
    list_response=True,
)
def list_achievements():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        documents = [_document(row) for row in achievements.list_achievements(session, issuer)]
    return jsonify(documents)


@registry.route(
    bp,
    "/achievements",
    "POST",
    summary="Create a badge class",
    tags=("achievements",),
    description="JSON, or multipart/form-data with the badge image (PNG or SVG) as `image`.",
    request=AchievementCreate,
    media_types=(JSON, MULTIPART),
    multipart=AchievementUpload,
    responses=[(201, "The new badge class (OB 3.0 Achievement)", AchievementDocument)],
)
def create_achievement():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        body, image = _achievement_input(AchievementCreate)
        with service_fields(AchievementCreate, image="image"):
            row = achievements.create_achievement(
                app, session, issuer, image=image, actor=request_actor(), **body.service_fields()
            )
        document, location = _document(row), app.url("api", "v1", "achievements", row.id)
    response = jsonify(document)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@registry.route(
    bp,
    "/achievements/<uuid:achievement_id>",
    "GET",
    summary="Get a badge class",
    tags=("achievements",),
    responses=[(200, "The badge class (OB 3.0 Achievement)", AchievementDocument)],
    errors=(404,),
)
def get_achievement(achievement_id):
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        document = _document(achievements.get_achievement(session, str(achievement_id), issuer=issuer))
    return jsonify(document)


@registry.route(
    bp,
    "/achievements/<uuid:achievement_id>",
    "PATCH",
    summary="Change a badge class",
    tags=("achievements",),
    description="Fields left out keep their value. Credentials already issued keep their signed copy.",
    request=AchievementUpdate,
    media_types=(JSON, MULTIPART),
    multipart=AchievementPatchUpload,
    responses=[(200, "The changed badge class", AchievementDocument)],
    errors=(404,),
)
def update_achievement(achievement_id):
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        achievements.get_achievement(session, str(achievement_id), issuer=issuer)  # 404 before parsing the body
        body, image = _achievement_input(AchievementUpdate)
        changes = body.changes()
        if image is not None:
            changes["image"] = image
        with service_fields(AchievementUpdate, image="image"):
            row = achievements.update_achievement(
                app, session, issuer, str(achievement_id), changes, actor=request_actor()
            )
        document = _document(row)
    return jsonify(document)


# ---------------------------------------------------------------------------------------------
# Credentials


def _idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]  # the draft's sf-string form: "8e03978e-40d5-43e8-bc93-6894a57f9324"
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise _invalid([{"field": "Idempotency-Key", "message": "must be 1-200 printable ASCII characters"}])
    return value


def _issued(app, row) -> dict:
    credential = row.jwt if row.format == "jwt" else json.loads(row.document)
    return {"id": row.id, "url": app.url("credentials", row.id), "credential": credential}


@registry.route(
    bp,
    "/credentials",
    "POST",
    summary="Issue a credential",
    tags=("credentials",),
    description=(
        "Signs an OpenBadgeCredential of one of the issuer's badge classes. With an "
        "`Idempotency-Key`, the same key and request answer the first credential again "
        "(201, same body, nothing written); the same key with another request answers 409."
    ),
    request=IssueCredentialIn,
    headers=[("Idempotency-Key", "Makes a retry safe: same key + same request = same credential")],
    responses=[(201, "The signed credential", IssuedCredential)],
    errors=(404, 409, 422),
)
def issue_credential():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        body = validated(IssueCredentialIn, read_json())
        key = _idempotency_key()
        issue_request = issuing.IssueRequest(
            achievement=body.achievement,
            email=body.recipient.email,
            did=body.recipient.did,
            name=body.recipient.name,
            format=body.format,
            evidence=tuple(e.model_dump(exclude_none=True) for e in body.evidence),
            valid_until=body.valid_until,
            awarded_date=body.awarded_date,
        )
        with service_fields(IssueCredentialIn, idempotency_key="Idempotency-Key"):
            row = issuing.issue(app, session, issuer, issue_request, idempotency_key=key, actor=request_actor())
        out = _issued(app, row)
    response = jsonify(out)
    response.status_code = 201
    response.headers["Location"] = out["url"]
    return response


@registry.route(
    bp,
    "/credentials",
    "GET",
    summary="Find the issuer's credentials",
    tags=("credentials",),
    query=CredentialFilter,
    responses=[(200, "Matching credentials, newest first", CredentialSummary)],
    list_response=True,
)
def list_credentials():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        query = {k: v for k, v in request.args.items() if k not in _IGNORED_QUERY}
        filters = validated(CredentialFilter, query)
        with service_fields(CredentialFilter):
            rows = issuing.list_credentials(
                app, session, issuer=issuer, email=filters.email, achievement=filters.achievement, status=filters.status
            )
        out = [
            {"id": r.id, "url": app.url("credentials", r.id), "achievement": r.achievement_id, "status": r.status}
            for r in rows
        ]
    return jsonify(out)


# ---------------------------------------------------------------------------------------------
# Credential status: revoke, suspend, unsuspend (W3C Bitstring Status List)


def _change_status(credential_id, model, change):
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        actor = request_actor()
        row = issuing.get_credential(session, str(credential_id), issuer=issuer)  # 404 before the body
        body = validated(model, read_json() if request.get_data(cache=True) else {})
        with service_fields(model):
            out = change(app, session, row, reason=body.reason, actor=actor)
    return jsonify(out)


_STATUS_ERRORS = (404, 409)
_STATUS_DOC = (
    "409 when the transition is not allowed: a revoked credential is final, a suspension needs a "
    "suspended credential to lift and a credential issued with a suspension entry to set."
)


@registry.route(
    bp,
    "/credentials/<uuid:credential_id>/revoke",
    "POST",
    summary="Revoke a credential",
    tags=("credentials",),
    request=StatusChangeIn,
    description="Final. " + _STATUS_DOC,
    responses=[(200, "The new status", CredentialStatusOut)],
    errors=_STATUS_ERRORS,
)
def revoke_credential(credential_id):
    return _change_status(credential_id, StatusChangeIn, revocation.revoke)


@registry.route(
    bp,
    "/credentials/<uuid:credential_id>/suspend",
    "POST",
    summary="Suspend a credential",
    tags=("credentials",),
    request=StatusChangeIn,
    description="Reversible. " + _STATUS_DOC,
    responses=[(200, "The new status", CredentialStatusOut)],
    errors=_STATUS_ERRORS,
)
def suspend_credential(credential_id):
    return _change_status(credential_id, StatusChangeIn, revocation.suspend)


@registry.route(
    bp,
    "/credentials/<uuid:credential_id>/unsuspend",
    "POST",
    summary="Lift a suspension",
    tags=("credentials",),
    request=UnsuspendIn,
    description=_STATUS_DOC,
    responses=[(200, "The new status", CredentialStatusOut)],
    errors=_STATUS_ERRORS,
)
def unsuspend_credential(credential_id):
    return _change_status(credential_id, UnsuspendIn, revocation.unsuspend)


# ---------------------------------------------------------------------------------------------
# Bulk issuance and jobs: a CSV upload becomes a job that runs in the background
# (a thread here, or `badger worker` when BADGER_QUEUE_URL is set); its URL reports progress
# and per-row results.

_CSV_TYPES = ("text/csv", "text/plain", "application/csv")


def _bulk_input() -> tuple[bytes, BulkOptions, str | None]:
    """(CSV bytes, options, file name) from a multipart/form-data or a text/csv body."""
    request.max_content_length = bulk.MAX_BYTES + 256 * 1024  # this view takes files up to 10 MB
    query = {k: v for k, v in request.args.items() if k not in _IGNORED_QUERY}
    try:
        if request.mimetype == MULTIPART:
            form, files = request.form, request.files
            data, name, fields = None, None, dict(query)
            fields.update({key: form[key] for key in form.keys()})
            for key in files.keys():
                if key != "file":
                    fields[key] = files[key].filename or "(file)"  # refused as an unknown field below
                    continue
                data, name = files[key].read(bulk.MAX_BYTES + 1), files[key].filename
            if data is None:
                raise _invalid([{"field": "file", "message": "the CSV file is missing (multipart field 'file')"}])
            return data, validated(BulkOptions, fields), name
        if request.mimetype in _CSV_TYPES:
            return request.get_data(cache=False), validated(BulkOptions, query), None
    except RequestEntityTooLarge:
        abort(problem(413, "bulk.too_large", f"the file is larger than {bulk.MAX_BYTES // (1024 * 1024)} MB"))
    _unsupported(("text/csv", MULTIPART))


def _job_out(app, job) -> dict:
    url = app.url("api", "v1", "jobs", job.id)
    return {
        "id": job.id,
        "url": url,
        **bulk.job_progress(job),
        "achievement": job.achievement_id,
        "createdAt": xsd_datetime(job.created_at),
        "startedAt": xsd_datetime(job.started_at) if job.started_at else None,
        "finishedAt": xsd_datetime(job.finished_at) if job.finished_at else None,
        "error": job.error,
        "resultCsv": url + "/result.csv",
    }


@registry.route(
    bp,
    "/credentials/bulk",
    "POST",
    summary="Issue to every row of a CSV file",
    tags=("bulk",),
    description=(
        "A CSV file (`email,name[,evidence_url,narrative]`, header optional in English or "
        "French, `,` or `;`, UTF-8 or Windows-1252, 10 MB and 50,000 rows at most) as a "
        "text/csv body (options in the query) or a multipart `file` (options as fields). "
        "Answers 202 with the job's URL, which reports progress and per-row results. "
        "Idempotent: a person who already holds the badge is skipped, so re-sending the same "
        "file issues nothing twice. With `dryRun`, answers 200 with every row's problems "
        "and writes nothing."
    ),
    request=BulkCsv,
    media_types=("text/csv", MULTIPART),
    multipart=BulkUpload,
    query=BulkQuery,
    responses=[(202, "The job: follow its url", JobOut), (200, "The dry run report", BulkDryRunOut)],
    errors=(404,),
)
def bulk_issue_credentials():
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        data, options, name = _bulk_input()
        rows = bulk.parse_csv(data)
        if options.dry_run:
            return jsonify(bulk.dry_run(app, session, issuer, options.achievement, rows).as_dict())
        job = bulk.start(
            app, session, issuer, options.achievement, rows, actor=request_actor(), notify=options.notify, source=name
        )
        out = _job_out(app, job)
    response = jsonify(out)
    response.status_code = 202
    response.headers["Location"] = out["url"]
    return response


@registry.route(
    bp,
    "/jobs/<uuid:job_id>",
    "GET",
    summary="A bulk job: progress and per-row results",
    tags=("bulk",),
    query=JobRowsQuery,
    responses=[(200, "The job, with one page of rows", JobOut)],
    errors=(404,),
)
def get_job(job_id):
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        # Bad paging is a 400 whatever the job (bounded: no integer overflow in the database).
        paging = validated(JobRowsQuery, {k: v for k, v in request.args.items() if k not in _IGNORED_QUERY})
        job = bulk.get_job(session, issuer, str(job_id))
        rows, count = bulk.job_rows(
            session,
            job,
            offset=(paging.page - 1) * paging.per_page,
            limit=paging.per_page,
            outcome=paging.outcome,
            app=app,
        )
        out = _job_out(app, job)
        jobs.nudge(app, job)
    more = paging.page * paging.per_page < count
    out.update(
        rows=rows,
        page=paging.page,
        perPage=paging.per_page,
        totalRows=count,
        next=f"{out['url']}?page={paging.page + 1}&perPage={paging.per_page}"
        + (f"&outcome={paging.outcome}" if paging.outcome else "")
        if more
        else None,
    )
    return jsonify(out)


@registry.route(
    bp,
    "/jobs/<uuid:job_id>/result.csv",
    "GET",
    summary="A bulk job's per-row results as CSV",
    tags=("bulk",),
    responses=[(200, "CSV: line,email,name,outcome,credential_url,problem", None)],
    errors=(404,),
)
def get_job_result_csv(job_id):
    app = badger_app()
    with app.transaction() as session:
        issuer = authenticated_issuer(session)
        job = bulk.get_job(session, issuer, str(job_id))
        text = "".join(bulk.result_csv(session, job, app))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="job-{job_id}.csv"'
    return response


# ---------------------------------------------------------------------------------------------
# The description itself, and the public operations served by other blueprints

registry.declare(
    Operation(
        method="post",
        path="/api/v1/verify",
        operation_id="verify",
        tags=("verification",),
        secured=False,
        summary="Verify a credential (public)",
        description=(
            "JSON body with one of `credential`, `jwt`, `url`, or multipart/form-data with a `file` "
            "(a baked PNG or SVG, a JSON credential or a JWS). Answers 200 with the result, also when the "
            "credential does not verify; messages follow the request's language (fr by default)."
        ),
        request=VerifyIn,
        media_types=(JSON, MULTIPART),
        multipart=VerifyUpload,
        responses=((200, "The verification result: one entry per check", VerificationResultOut),),
    )
)


@registry.route(
    bp,
    "/openapi.json",
    "GET",
    summary="This OpenAPI 3.1 description",
    tags=("meta",),
    secured=False,
    responses=[(200, "The OpenAPI document", OpenApiDocument)],
)
def openapi_document():
    app = badger_app()
    document = registry.document(
        current_app,
        title="Badger API",
        version=badger.__version__,
        server=app.base_url,
        description="Open Badges 3.0 issuing API. Errors are application/problem+json (RFC 9457).",
    )
    return Response(json.dumps(document, ensure_ascii=False), mimetype=JSON)

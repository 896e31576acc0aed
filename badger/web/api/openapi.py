"""The OpenAPI 3.1 description, generated from the code.

Each API view is declared with ``registry.route(...)``: the decorator adds the Flask URL rule
and records an `Operation` (summary, request and response models, status codes, security).
Operations served elsewhere (``POST /api/v1/verify``, in badger.web.public.views) are described with
``registry.declare(...)``. `document()` turns the operations served by an app into paths, and
the pydantic models into ``components.schemas`` with ``model_json_schema(ref_template=...)``;
nothing is written by hand, so the description cannot drift from the code.

OpenAPI 3.1 uses JSON Schema 2020-12, which is what pydantic 2 emits.
Spec: https://spec.openapis.org/oas/v3.1.0
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from flask import Blueprint, Flask
from pydantic import BaseModel

from badger.web.api.schemas import ProblemOut

__all__ = ["Operation", "Registry", "registry", "JSON", "MULTIPART", "PROBLEM_JSON", "ERROR_DESCRIPTIONS"]

JSON = "application/json"
MULTIPART = "multipart/form-data"
PROBLEM_JSON = "application/problem+json"
REF = "#/components/schemas/{model}"

ERROR_DESCRIPTIONS = {
    400: "Bad request: malformed JSON, or invalid fields (listed in `errors`)",
    401: "No valid bearer token",
    404: "Not found, or not this issuer's",
    409: "Conflict",
    413: "Body or upload too large",
    415: "Unsupported content type",
    422: "The document would not be a valid credential (problems in `errors`)",
}

_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}


@dataclass(frozen=True)
class Operation:
    """One method on one path, as OpenAPI describes it."""

    method: str
    path: str  # OpenAPI form: /api/v1/achievements/{achievement_id}
    operation_id: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    request: type[BaseModel] | None = None
    media_types: tuple[str, ...] = (JSON,)
    multipart: type[BaseModel] | None = None  # the form model when multipart is accepted
    query: type[BaseModel] | None = None
    headers: tuple[tuple[str, str], ...] = ()  # (name, description) of optional request headers
    responses: tuple[tuple[int, str, type[BaseModel] | None], ...] = ()
    errors: tuple[int, ...] = ()
    secured: bool = True
    path_params: tuple[tuple[str, dict], ...] = ()
    endpoint: str | None = None  # the Flask endpoint serving it; None for a declared operation
    list_response: bool = False


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)
    extra_models: list[type[BaseModel]] = field(default_factory=list)

    def route(
        self,
        bp: Blueprint,
        rule: str,
        method: str,
        *,
        summary: str,
        operation_id: str | None = None,
        description: str = "",
        tags: Iterable[str] = (),
        request: type[BaseModel] | None = None,
        media_types: Iterable[str] = (JSON,),
        multipart: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        headers: Iterable[tuple[str, str]] = (),
        responses: Iterable[tuple[int, str, type[BaseModel] | None]] = (),
        errors: Iterable[int] = (),
        secured: bool = True,
        list_response: bool = False,
    ) -> Callable:
        """Decorator: register ``view`` on ``bp`` for ``method rule`` and describe it."""

        def decorator(view: Callable) -> Callable:
            bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
            path, params = _openapi_path((bp.url_prefix or "") + rule)
            self.operations.append(
                Operation(
                    method=method.lower(),
                    path=path,
                    operation_id=operation_id or view.__name__,
                    summary=summary,
                    description=description,
                    tags=tuple(tags),
                    request=request,
                    media_types=tuple(media_types),
                    multipart=multipart,
                    query=query,
                    headers=tuple(headers),
                    responses=tuple(responses),
                    errors=tuple(errors),
                    secured=secured,
                    path_params=params,
                    endpoint=f"{bp.name}.{view.__name__}",
                    list_response=list_response,
                )
            )
            return view

        return decorator

    def declare(self, operation: Operation) -> None:
        """Describe an operation whose view lives outside the registry (e.g. public.py)."""
        self.operations.append(operation)

    def served_by(self, app: Flask) -> list[Operation]:
        """The operations ``app`` serves (declared ones are always included)."""
        return [op for op in self.operations if op.endpoint is None or op.endpoint in app.view_functions]

    def document(self, app: Flask, *, title: str, version: str, server: str, description: str = "") -> dict:
        """The OpenAPI 3.1 document for the operations ``app`` serves."""
        components: dict[str, dict] = {}
        paths: dict[str, dict] = {}
        _add_schema(components, ProblemOut, "serialization")
        for model in self.extra_models:
            _add_schema(components, model, "serialization")
        for op in self.served_by(app):
            paths.setdefault(op.path, {})[op.method] = _operation(op, components)
        return {
            "openapi": "3.1.0",
            "info": {
                "title": title,
                "version": version,
                "description": description,
                "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            },
            "servers": [{"url": server}],
            "paths": dict(sorted(paths.items())),
            "components": {
                "schemas": dict(sorted(components.items())),
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API token (`badger token create`); it acts for one issuer only.",
                    }
                },
            },
        }


registry = Registry()


def _openapi_path(rule: str) -> tuple[str, tuple[tuple[str, dict], ...]]:
    """Flask rule -> (OpenAPI path, path parameters with their schema)."""
    params = []

    def replace(match: re.Match) -> str:
        params.append((match["name"], dict(_CONVERTER_SCHEMAS.get(match["converter"] or "", {"type": "string"}))))
        return "{" + match["name"] + "}"

    return _RULE_ARG.sub(replace, rule), tuple(params)


def _add_schema(components: dict, model: type[BaseModel], mode: Literal["validation", "serialization"]) -> dict:
    """Put ``model`` (and the models it uses) into components; return a $ref to it."""
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        _put(components, name, definition)
    _put(components, model.__name__, schema)
    return {"$ref": REF.format(model=model.__name__)}


def _put(components: dict, name: str, schema: dict) -> None:
    if components.get(name, schema) != schema:
        raise RuntimeError(f"two different schemas are named {name!r}")  # a programming error
    components[name] = schema


def _problem_response(status: int) -> dict:
    return {
        "description": ERROR_DESCRIPTIONS.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="ProblemOut")}}},
    }


def _operation(op: Operation, components: dict) -> dict:
    out: dict = {"operationId": op.operation_id, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.tags:
        out["tags"] = list(op.tags)
    parameters = [{"name": name, "in": "path", "required": True, "schema": schema} for name, schema in op.path_params]
    if op.query is not None:
        query_schema = op.query.model_json_schema(ref_template=REF, mode="validation")
        required = set(query_schema.get("required", ()))
        for name, schema in query_schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": schema.get("description", ""),
                    "schema": schema,
                }
            )
    for name, description in op.headers:
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": description,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    if parameters:
        out["parameters"] = parameters
    model: type[BaseModel] | None  # a request model below, then each response's (maybe None)
    if op.request is not None:
        content = {}
        for media in op.media_types:
            model = op.multipart if media == MULTIPART and op.multipart is not None else op.request
            content[media] = {"schema": _add_schema(components, model, "validation")}
        out["requestBody"] = {"required": True, "content": content}
    responses: dict = {}
    for status, description, model in op.responses:
        response: dict = {"description": description}
        if model is not None:
            ref = _add_schema(components, model, "serialization")
            response["content"] = {JSON: {"schema": {"type": "array", "items": ref} if op.list_response else ref}}
        if status == 201:
            response["headers"] = {
                "Location": {"description": "URL of the new resource", "schema": {"type": "string", "format": "uri"}}
            }
        responses[str(status)] = response
    errors = set(op.errors)
    if op.secured:
        errors.add(401)
    if op.request is not None:
        errors.update((400, 413, 415))
    if op.query is not None:
        errors.add(400)
    for status in sorted(errors):  # what an operation declares itself (an OAuth error body) stays
        responses.setdefault(str(status), _problem_response(status))
    out["responses"] = responses
    out["security"] = [{"bearerAuth": []}] if op.secured else []
    return out

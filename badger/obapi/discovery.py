"""The Service Discovery document (OB 3.0 §"Service Discovery Endpoint"): an OpenAPI 3.0
description of this host's OB 3.0 API, with ``info.x-imssf-privacyPolicyUrl`` and an OAuth 2.0
security scheme carrying ``x-imssf-registrationUrl`` and the authorization code flow's URLs
(Badger adds ``x-badger-revocationUrl``, its RFC 7009 endpoint). The same document is what the
property-based API tests run against."""

from __future__ import annotations

from badger.core.app import Badger
from badger.obapi.oauth import SCOPE_CREDENTIAL_READ, SCOPE_CREDENTIAL_UPSERT, SCOPE_PROFILE_READ, SCOPE_PROFILE_UPDATE

__all__ = ["document", "API_PATH"]

API_PATH = "/ims/ob/v3p0"
_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Imsx_StatusInfo"}}},
    }


def _errors(*codes: str) -> dict:
    texts = {
        "400": "Bad request",
        "401": "Missing, unknown, expired or revoked access token",
        "403": "The token lacks the scope",
        "404": "Not found",
        "405": "Method not allowed",
        "422": "The credential does not verify",
        "500": "Internal error",
    }
    return {code: _error(texts[code]) for code in codes}


def document(app: Badger) -> dict:
    base = app.base_url
    paging = [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
        },
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"}},
    ]
    credential_body = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AchievementCredential"}},
            "text/plain": {
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"}
            },
        },
    }
    credential_answer = {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AchievementCredential"}},
            "text/plain": {"schema": {"type": "string"}},
        }
    }
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "Badger Open Badges API",
            "description": "Open Badges 3.0 API of this Badger host: a learner's credentials and profile.",
            "termsOfService": base + "/",
            "version": "3.0",
            "x-imssf-image": base + "/favicon.ico",
            "x-imssf-privacyPolicyUrl": base + "/privacy",
        },
        "servers": [{"url": base + API_PATH, "description": "Open Badges 3.0 API"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Profile"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "getCredentials",
                    "summary": "The learner's credentials, one page at a time",
                    "parameters": paging,
                    "security": [{"OAuth2ACG": [SCOPE_CREDENTIAL_READ]}],
                    "responses": {
                        "200": {
                            "description": "A page of credentials",
                            "headers": {
                                "X-Total-Count": {"schema": {"type": "integer"}},
                                "Link": {"schema": {"type": "string"}},
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/GetOpenBadgeCredentialsResponse"}
                                }
                            },
                        },
                        **_errors("400", "401", "403", "405", "500"),
                    },
                },
                "post": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "upsertCredential",
                    "summary": "Add or replace one credential",
                    "requestBody": credential_body,
                    "security": [{"OAuth2ACG": [SCOPE_CREDENTIAL_UPSERT]}],
                    "responses": {
                        "200": {"description": "Replaced", **credential_answer},
                        "201": {"description": "Created", **credential_answer},
                        "304": {"description": "Not modified"},
                        **_errors("400", "401", "403", "405", "422", "500"),
                    },
                },
            },
            "/profile": {
                "get": {
                    "tags": ["Profile"],
                    "operationId": "getProfile",
                    "security": [{"OAuth2ACG": [SCOPE_PROFILE_READ]}],
                    "responses": {
                        "200": {
                            "description": "The learner's profile",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
                        },
                        **_errors("400", "401", "403", "404", "405", "500"),
                    },
                },
                "put": {
                    "tags": ["Profile"],
                    "operationId": "putProfile",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
                    },
                    "security": [{"OAuth2ACG": [SCOPE_PROFILE_UPDATE]}],
                    "responses": {
                        "200": {
                            "description": "The updated profile",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
                        },
                        **_errors("400", "401", "403", "404", "405", "500"),
                    },
                },
            },
            "/discovery": {
                "get": {
                    "tags": ["Discovery"],
                    "operationId": "getServiceDescription",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "This document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors("500"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 authorization code grant with PKCE (S256)",
                    "x-imssf-registrationUrl": base + API_PATH + "/auth/register",
                    "x-badger-revocationUrl": base + API_PATH + "/auth/revoke",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": base + API_PATH + "/auth/authorize",
                            "tokenUrl": base + API_PATH + "/auth/token",
                            "refreshUrl": base + API_PATH + "/auth/token",
                            "scopes": {
                                SCOPE_CREDENTIAL_READ: "Read the learner's credentials",
                                SCOPE_CREDENTIAL_UPSERT: "Add or replace the learner's credentials",
                                SCOPE_PROFILE_READ: "Read the learner's profile",
                                SCOPE_PROFILE_UPDATE: "Update the learner's profile",
                            },
                        }
                    },
                }
            },
            "schemas": {
                # Loose shapes here (the 1EdTech JSON Schemas, whose ids follow, are what the
                # answers are checked against in the tests; OpenAPI 3.0 cannot embed 2019-09).
                "GetOpenBadgeCredentialsResponse": {
                    "type": "object",
                    "description": _SCHEMA_BASE + "ob_v3p0_getopenbadgecredentialsresponse_schema.json",
                    "properties": {
                        "credential": {"type": "array", "items": {"type": "object"}},
                        "compactJwsString": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "AchievementCredential": {
                    "type": "object",
                    "description": _SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json",
                },
                "Profile": {
                    "type": "object",
                    "description": _SCHEMA_BASE + "ob_v3p0_profile_schema.json",
                    "required": ["id", "type"],
                    "properties": {
                        "id": {"type": "string"},
                        "type": {},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                    },
                },
                "Imsx_StatusInfo": {
                    "type": "object",
                    "description": _SCHEMA_BASE + "ob_v3p0_imsx_statusinfo_schema.json",
                    "required": ["imsx_codeMajor", "imsx_severity"],
                    "properties": {
                        "imsx_codeMajor": {
                            "type": "string",
                            "enum": ["failure", "processing", "success", "unsupported"],
                        },
                        "imsx_severity": {"type": "string", "enum": ["error", "status", "warning"]},
                        "imsx_description": {"type": "string"},
                        "imsx_codeMinor": {"type": "object"},
                    },
                },
            },
        },
    }

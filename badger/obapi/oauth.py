"""The OAuth 2.0 authorization server of the OB 3.0 API, built on Authlib's framework-free
server (``authlib.oauth2``): only the web layer imports Flask, so the web hands us a plain
``HttpRequest`` and gets back ``(status, body, headers)``.

OB 3.0 §"API Security" profiles OAuth 2.0 as: Dynamic Client Registration (RFC 7591, open: no
initial access token), the authorization code grant with PKCE S256 only (RFC 7636), refresh
tokens (rotated at every use here: the old refresh and access tokens are revoked), token
revocation (RFC 7009), client authentication ``client_secret_basic``. Scopes: §"Scopes".

Tokens are random (256 bits) and stored as SHA-256 hashes only; an access token lives
``ACCESS_LIFETIME``, a refresh token ``REFRESH_LIFETIME``. Redirect URIs are matched exactly.
Every grant, refresh and revocation is in the audit log (``obapi.grant``, ``obapi.refresh``,
``obapi.revoke``), with the learner and the client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    JsonRequest,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.learners import service as learners
from badger.obapi import repository as repo
from badger.obapi.models import OAuthClient, OAuthCode, OAuthToken

__all__ = [
    "SCOPES",
    "SCOPE_CREDENTIAL_READ",
    "SCOPE_CREDENTIAL_UPSERT",
    "SCOPE_PROFILE_READ",
    "SCOPE_PROFILE_UPDATE",
    "ACCESS_LIFETIME",
    "REFRESH_LIFETIME",
    "HttpRequest",
    "server",
    "token_hash",
]

# OB 3.0 §"Scopes".
_SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
SCOPE_CREDENTIAL_READ = _SCOPE_BASE + "credential.readonly"
SCOPE_CREDENTIAL_UPSERT = _SCOPE_BASE + "credential.upsert"
SCOPE_PROFILE_READ = _SCOPE_BASE + "profile.readonly"
SCOPE_PROFILE_UPDATE = _SCOPE_BASE + "profile.update"
SCOPES = (SCOPE_CREDENTIAL_READ, SCOPE_CREDENTIAL_UPSERT, SCOPE_PROFILE_READ, SCOPE_PROFILE_UPDATE)

ACCESS_LIFETIME = timedelta(hours=1)
REFRESH_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=5)
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class HttpRequest:
    """What the server needs of an HTTP request: ``args`` (query) and ``form`` as plain dicts of
    single values, ``json`` the parsed body (registration) or None."""

    method: str
    url: str
    headers: dict[str, str]
    args: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


class _OAuth2Request(OAuth2Request):
    def __init__(self, request: HttpRequest):
        super().__init__(request.method, request.url, headers=request.headers)
        self._plain = request
        self.payload = BasicOAuth2Payload({**request.args, **request.form})

    @property
    def args(self):
        return self._plain.args

    @property
    def form(self):
        return self._plain.form


class _JsonPayload:
    def __init__(self, data):
        self.data = data


class _JsonRequest(JsonRequest):
    def __init__(self, request: HttpRequest):
        super().__init__(request.method, request.url, request.headers)
        self.payload = _JsonPayload(request.json if isinstance(request.json, dict) else {})


class Client(ClientMixin):
    def __init__(self, row: OAuthClient):
        self.row = row
        self.client_id = row.client_id
        self.metadata = json.loads(row.metadata_json)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        uris = self.metadata.get("redirect_uris") or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        allowed = set((self.metadata.get("scope") or " ".join(SCOPES)).split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in (self.metadata.get("redirect_uris") or [])  # exact match

    def check_client_secret(self, client_secret):
        return isinstance(client_secret, str) and hmac.compare_digest(self.row.secret_hash, token_hash(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method in AUTH_METHODS

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Code(AuthorizationCodeMixin):
    def __init__(self, row: OAuthCode):
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope


class Token(TokenMixin):
    def __init__(self, row: OAuthToken, now: datetime):
        self.row = row
        self._now = now

    def check_client(self, client):
        return self.row.client_id == client.get_client_id()

    def get_scope(self):
        return self.row.scope

    def get_expires_in(self):
        return int((_aware(self.row.expires_at) - _aware(self.row.issued_at)).total_seconds())

    def is_expired(self):
        return _aware(self.row.refresh_expires_at) < self._now

    def is_revoked(self):
        return self.row.revoked_at is not None


def _actor(learner_id: str) -> audit.Actor:
    return audit.Actor(f"learner:{learner_id}")


class _Server(AuthorizationServer):
    def __init__(self, app: Badger, session: Session):
        super().__init__(scopes_supported=list(SCOPES))
        self.app, self.session = app, session
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **kw: secrets.token_urlsafe(32),
                refresh_token_generator=lambda **kw: secrets.token_urlsafe(32),
                expires_generator=lambda client, grant_type: int(ACCESS_LIFETIME.total_seconds()),
            ),
        )

    def query_client(self, client_id):
        row = repo.client(self.session, client_id)
        return Client(row) if row is not None else None

    def save_token(self, token, request):
        now = self.app.clock()
        learner_id = request.user.id
        row = OAuthToken(
            id=self.app.new_id(),
            client_id=request.client.get_client_id(),
            learner_id=learner_id,
            access_hash=token_hash(token["access_token"]),
            refresh_hash=token_hash(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope") or "",
            issued_at=now,
            expires_at=now + timedelta(seconds=int(token["expires_in"])),
            refresh_expires_at=now + REFRESH_LIFETIME,
        )
        repo.add(self.session, row)

    def create_oauth2_request(self, request):
        return _OAuth2Request(request)

    def create_json_request(self, request):
        return _JsonRequest(request)

    def handle_response(self, status, body, headers):
        return status, body, list(headers or [])

    def send_signal(self, name, *args, **kwargs):
        return None


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, request):
        server: _Server = self.server
        data = request.payload.data
        repo.purge_codes(server.session, server.app.clock())  # codes nobody exchanged
        row = OAuthCode(
            code_hash=token_hash(code),
            client_id=request.client.get_client_id(),
            learner_id=request.user.id,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope or "",
            code_challenge=data.get("code_challenge") or "",
            code_challenge_method=data.get("code_challenge_method") or "",
            expires_at=server.app.clock() + CODE_LIFETIME,
        )
        repo.add(server.session, row)

    def query_authorization_code(self, code, client):
        server: _Server = self.server
        row = repo.code(server.session, token_hash(code)) if isinstance(code, str) else None
        if row is None or row.client_id != client.get_client_id() or _aware(row.expires_at) < server.app.clock():
            return None
        return Code(row)

    def delete_authorization_code(self, authorization_code):
        repo.delete(self.server.session, authorization_code.row)

    def authenticate_user(self, authorization_code):
        return learners.get(self.server.session, authorization_code.row.learner_id)


class _S256Only(CodeChallenge):
    # OB 3.0 §"API Security": PKCE with S256; "plain" is refused and the method is required.
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        super().validate_code_challenge(grant, redirect_uri)
        from authlib.oauth2.rfc6749.errors import InvalidRequestError

        if grant.request.payload.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token):
        server: _Server = self.server
        row = (
            repo.token_by_refresh(server.session, token_hash(refresh_token)) if isinstance(refresh_token, str) else None
        )
        if row is None:
            return None
        token = Token(row, server.app.clock())
        return None if token.is_revoked() or token.is_expired() else token

    def authenticate_user(self, refresh_token):
        return learners.get(self.server.session, refresh_token.row.learner_id)

    def revoke_old_credential(self, refresh_token):
        server: _Server = self.server
        refresh_token.row.revoked_at = server.app.clock()
        server.session.flush()
        audit.record(
            server.app,
            server.session,
            issuer_id=None,
            actor=_actor(refresh_token.row.learner_id),
            action="obapi.refresh",
            target=refresh_token.row.client_id,
        )


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        server: _Server = self.server
        if not isinstance(token_string, str):
            return None
        digest = token_hash(token_string)
        row = None
        if token_type_hint != "refresh_token":
            row = repo.token_by_access(server.session, digest)
        if row is None and token_type_hint != "access_token":
            row = repo.token_by_refresh(server.session, digest)
        return Token(row, server.app.clock()) if row is not None else None

    def revoke_token(self, token, request):
        server: _Server = self.server
        if token.row.revoked_at is None:
            token.row.revoked_at = server.app.clock()
            server.session.flush()
        audit.record(
            server.app,
            server.session,
            issuer_id=None,
            actor=audit.Actor(f"client:{token.row.client_id}"),
            action="obapi.revoke",
            target=token.row.learner_id,
        )


class _Registration(ClientRegistrationEndpoint):
    def authenticate_token(self, request):
        return True  # open registration (OB 3.0 §"Dynamic Client Registration")

    def get_server_metadata(self):
        return {
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
        }

    def generate_client_secret(self, request):
        return secrets.token_urlsafe(32)

    def save_client(self, client_info, client_metadata, request):
        from authlib.oauth2.rfc7591.errors import InvalidClientMetadataError

        server: _Server = self.server
        uris = client_metadata.get("redirect_uris")
        if not uris or not isinstance(uris, list):
            raise InvalidClientMetadataError("redirect_uris is required")
        name = client_metadata.get("client_name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidClientMetadataError("client_name is required")
        client_metadata.setdefault("token_endpoint_auth_method", "client_secret_basic")
        client_metadata.setdefault("grant_types", ["authorization_code", "refresh_token"])
        client_metadata.setdefault("response_types", ["code"])
        row = OAuthClient(
            client_id=client_info["client_id"],
            secret_hash=token_hash(client_info["client_secret"]),
            name=name.strip()[:300],
            metadata_json=json.dumps(client_metadata),
            created_at=server.app.clock(),
        )
        repo.add(server.session, row)
        audit.record(
            server.app,
            server.session,
            issuer_id=None,
            actor=audit.Actor(f"client:{row.client_id}", row.name),
            action="obapi.register",
            target=row.client_id,
        )
        return Client(row)

    def generate_client_info(self, request):
        info = super().generate_client_info(request)
        info["client_id_issued_at"] = int(self.server.app.clock().timestamp())
        return info


def server(app: Badger, session: Session) -> _Server:
    """An Authlib authorization server on this transaction (cheap: one per request)."""
    srv = _Server(app, session)
    srv.register_grant(_CodeGrant, [_S256Only(required=True)])
    srv.register_grant(_RefreshGrant)
    srv.register_endpoint(_Revocation)
    srv.register_endpoint(_Registration)
    return srv


def record_grant(app: Badger, session: Session, learner_id: str, client_id: str, scope: str, approved: bool) -> None:
    audit.record(
        app,
        session,
        issuer_id=None,
        actor=_actor(learner_id),
        action="obapi.grant" if approved else "obapi.deny",
        target=client_id,
        detail={"scope": scope},
    )


def client_name(session: Session, client_id: str) -> str | None:
    row = repo.client(session, client_id)
    return row.name if row else None

"""Badger as an OB 3.0 Service Consumer: a learner sends their badges to another Open Badges
host (OB 3.0 §"Open Badges API": Service Discovery, Dynamic Client Registration, the
authorization code grant with PKCE S256, token, upsertCredential; the client side is Authlib's
``OAuth2Session`` over requests).

``start`` reads the host's discovery document, registers Badger as a client and returns the
host's authorization URL (state and PKCE verifier kept, sealed, on a pending connection);
``finish`` takes the code at our callback and stores the tokens (sealed); ``prepare_push``,
``send`` and ``record_push`` upsert every badge of the collection (refreshing the token when it
expired), the sending outside any transaction; ``revoke`` revokes the tokens at
the host (RFC 7009, when it publishes a revocation endpoint) and forgets them: a revoked
connection never pushes again. Outgoing requests only reach public addresses (or the hosts the
settings allow, as for fetching keys), never follow redirects, time out, and read at most
``MAX_BODY`` bytes of an answer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.requests_client import OAuth2Session

from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import Conflict, InvalidInput, NotFound
from badger.learners import service as learners
from badger.learners.models import Learner
from badger.obapi import repository as repo
from badger.obapi.models import Connection
from badger.obapi.oauth import SCOPE_CREDENTIAL_UPSERT, SCOPE_PROFILE_READ

__all__ = [
    "DISCOVERY_PATH",
    "Push",
    "start",
    "finish",
    "prepare_push",
    "send",
    "record_push",
    "revoke",
    "connections",
    "callback_url",
]

DISCOVERY_PATH = "/ims/ob/v3p0/discovery"
TIMEOUT = 10
MAX_BODY = 1024 * 1024  # a discovery document, a registration, a credential: far less
SCOPE = f"{SCOPE_CREDENTIAL_UPSERT} {SCOPE_PROFILE_READ}"


class RemoteError(InvalidInput):
    """The other host refused or could not be reached (HTTP 400 here, with its reason)."""

    code = "obapi.remote_error"


def callback_url(app: Badger) -> str:
    return app.url("me", "connections", "callback")


def _check(app: Badger, url: str) -> None:
    parts = urlsplit(url)
    allowed = set(app.settings.http_did_hosts)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RemoteError(f"not an http(s) URL: {url}")
    if parts.netloc in allowed or parts.hostname in allowed:
        return
    if parts.scheme != "https":
        raise RemoteError(f"{url}: only https hosts can be connected")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RemoteError(f"cannot resolve {parts.hostname}: {exc}") from exc
    if any(not ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]).is_global for info in infos):
        raise RemoteError(f"{url}: not a public address")


def _client(app: Badger, conn: Connection | None = None, **kw: Any) -> OAuth2Session:
    if conn is not None:
        kw.setdefault("client_id", conn.client_id)
        kw.setdefault("client_secret", app.keystore.open(conn.client_secret, conn.id).decode())
        if conn.token:
            kw.setdefault("token", json.loads(app.keystore.open(conn.token, conn.id)))
    return OAuth2Session(token_endpoint_auth_method="client_secret_basic", **kw)


def _request(app: Badger, client: OAuth2Session, method: str, url: str, **kw: Any):
    _check(app, url)
    try:
        response = client.request(
            method, url, timeout=TIMEOUT, allow_redirects=False, withhold_token=not client.token, stream=True, **kw
        )
        body = bytearray()
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY:
                response.close()
                raise RemoteError(f"{url} answered more than {MAX_BODY} bytes")
        response._content = bytes(body)  # read within the bound; .json() and .text use it
        return response
    except RemoteError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, TLS, OAuth errors: all one refusal
        raise RemoteError(f"{url}: {exc}") from exc


def _discover(app: Badger, host: str) -> dict:
    url = host.rstrip("/")
    if not url.endswith(DISCOVERY_PATH):
        url += DISCOVERY_PATH
    response = _request(app, OAuth2Session(), "GET", url, headers={"Accept": "application/json"})
    try:
        document = response.json()
    except ValueError:
        document = None
    if response.status_code != 200 or not isinstance(document, dict):
        raise RemoteError(f"{url} is not an Open Badges 3.0 discovery document (HTTP {response.status_code})")
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values() if isinstance(schemes, dict) else []:
        flow = ((scheme or {}).get("flows") or {}).get("authorizationCode") if isinstance(scheme, dict) else None
        if isinstance(flow, dict) and scheme.get("x-imssf-registrationUrl"):
            servers = document.get("servers") or [{}]
            endpoints = {
                "discovery": url,
                "registration": scheme["x-imssf-registrationUrl"],
                "authorization": flow.get("authorizationUrl"),
                "token": flow.get("tokenUrl"),
                "refresh": flow.get("refreshUrl") or flow.get("tokenUrl"),
                "revocation": scheme.get("x-badger-revocationUrl"),
                "api": (servers[0].get("url") if isinstance(servers[0], dict) else None) or "",
                "name": ((document.get("info") or {}).get("title")) or urlsplit(url).netloc,
            }
            if all(
                isinstance(endpoints[k], str) and endpoints[k]
                for k in ("registration", "authorization", "token", "api")
            ):
                return endpoints
    raise RemoteError(f"{url} publishes no OAuth 2.0 authorization code flow with dynamic registration")


def start(app: Badger, session: Session, learner: Learner, host: str) -> str:
    """Discover and register at ``host`` -> the URL to send the learner's browser to."""
    if not isinstance(host, str) or not host.strip():
        raise InvalidInput("the address of an Open Badges host is required", code="input.missing_url", field="host")
    endpoints = _discover(app, host.strip())
    metadata = {
        "client_name": f"Badger ({urlsplit(app.base_url).netloc})",
        "client_uri": app.base_url,
        "logo_uri": app.url("static", "badger.png"),
        "tos_uri": app.base_url,
        "policy_uri": app.base_url,
        "software_id": "badger",
        "software_version": "0.1.0",
        "redirect_uris": [callback_url(app)],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": SCOPE,
    }
    response = _request(app, OAuth2Session(), "POST", endpoints["registration"], json=metadata)
    info = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    if response.status_code not in (200, 201) or not info.get("client_id") or not info.get("client_secret"):
        raise RemoteError(
            f"the host refused the registration (HTTP {response.status_code}): {info or response.text[:200]}"
        )
    conn_id = app.new_id()
    verifier = secrets.token_urlsafe(48)
    client = _client(
        app, client_id=info["client_id"], scope=SCOPE, redirect_uri=callback_url(app), code_challenge_method="S256"
    )
    url, state = client.create_authorization_url(endpoints["authorization"], code_verifier=verifier)
    repo.add(
        session,
        Connection(
            id=conn_id,
            learner_id=learner.id,
            host=endpoints["discovery"],
            name=str(endpoints["name"])[:300],
            endpoints_json=json.dumps(endpoints),
            client_id=info["client_id"],
            client_secret=app.keystore.seal(info["client_secret"].encode(), conn_id),
            state_hash=hashlib.sha256(state.encode()).hexdigest(),
            verifier=app.keystore.seal(verifier.encode(), conn_id),
            scope=SCOPE,
            status="pending",
            created_at=app.clock(),
            pushed=0,
        ),
    )
    return url


def finish(
    app: Badger, session: Session, learner: Learner, *, state: str | None, code: str | None, error: str | None = None
) -> Connection:
    """Our redirect URI: exchange the code for tokens. Raises NotFound (unknown state), RemoteError."""
    conn = repo.connection_by_state(session, hashlib.sha256((state or "").encode()).hexdigest()) if state else None
    if conn is None or conn.learner_id != learner.id or conn.status != "pending":
        raise NotFound("no connection is waiting for this answer", code="obapi.connection_not_found")
    conn.state_hash = None
    if error or not code:
        conn.status = "revoked"
        conn.revoked_at = app.clock()
        session.flush()
        raise RemoteError(f"the host did not grant access: {error or 'no code'}", code="obapi.access_denied")
    endpoints = json.loads(conn.endpoints_json)
    verifier = app.keystore.open(conn.verifier or b"", conn.id).decode()
    client = _client(app, conn, scope=conn.scope, redirect_uri=callback_url(app))
    _check(app, endpoints["token"])
    try:
        token = client.fetch_token(endpoints["token"], code=code, code_verifier=verifier, timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - the host's refusal, whatever its form
        raise RemoteError(f"the host refused the code: {exc}") from exc
    conn.token = app.keystore.seal(json.dumps(dict(token)).encode(), conn.id)
    conn.verifier = None
    conn.status = "active"
    conn.scope = token.get("scope") or conn.scope
    session.flush()
    audit.record(app, session, issuer_id=None, actor=learners.actor(learner), action="obapi.connect", target=conn.host)
    return conn


def _own(session: Session, learner: Learner, connection_id: str) -> Connection:
    conn = repo.connection(session, connection_id) if isinstance(connection_id, str) else None
    if conn is None or conn.learner_id != learner.id:
        raise NotFound("no such connection", code="obapi.connection_not_found")
    return conn


@dataclass
class Push:
    """What one push sends, read in a transaction and sent outside any (the other host verifies
    each badge and may fetch our keys and status lists meanwhile: no lock may be held)."""

    connection_id: str
    learner_id: str
    url: str
    refresh_url: str
    client_id: str
    client_secret: str
    token: dict
    payloads: list[tuple[str, str]]  # (name, credential text)
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    new_token: dict | None = None


def prepare_push(app: Badger, session: Session, learner: Learner, connection_id: str) -> Push:
    """Raises NotFound, Conflict (the connection is not active: revoked or never granted)."""
    conn = _own(session, learner, connection_id)
    if conn.status != "active" or conn.token is None:
        raise Conflict("this connection was revoked: connect again to send badges", code="obapi.connection_revoked")
    endpoints = json.loads(conn.endpoints_json)
    return Push(
        connection_id=conn.id,
        learner_id=learner.id,
        url=endpoints["api"].rstrip("/") + "/credentials",
        refresh_url=endpoints["refresh"],
        client_id=conn.client_id,
        client_secret=app.keystore.open(conn.client_secret, conn.id).decode(),
        token=json.loads(app.keystore.open(conn.token, conn.id)),
        payloads=[(item.name, item.payload) for item in learners.collection(app, session, learner)],
    )


def send(app: Badger, push: Push) -> Push:
    """upsertCredential for every badge (no database access); refreshes the token when it expired."""

    def keep(token, refresh_token=None, access_token=None):
        push.new_token = dict(token)

    client = OAuth2Session(
        push.client_id,
        push.client_secret,
        token=push.token,
        token_endpoint=push.refresh_url,
        token_endpoint_auth_method="client_secret_basic",
        update_token=keep,
    )
    for name, payload in push.payloads:
        is_jwt = not payload.lstrip().startswith("{")
        headers = {"Content-Type": "text/plain" if is_jwt else "application/json"}
        try:
            response = _request(app, client, "POST", push.url, data=payload.encode("utf-8"), headers=headers)
        except RemoteError as exc:
            push.failed.append(f"{name}: {exc}")
            break
        if response.status_code in (200, 201):
            push.sent += 1
        else:
            push.failed.append(f"{name}: HTTP {response.status_code}")
            if response.status_code == 401:
                break
    return push


def record_push(app: Badger, session: Session, learner: Learner, push: Push) -> dict:
    """Keep a refreshed token and the counts -> ``{"sent", "failed": [reasons]}``."""
    conn = _own(session, learner, push.connection_id)
    if push.new_token is not None and conn.status == "active":
        conn.token = app.keystore.seal(json.dumps(push.new_token).encode(), conn.id)
    conn.pushed += push.sent
    conn.last_push_at = app.clock()
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=None,
        actor=learners.actor(learner),
        action="obapi.push",
        target=conn.host,
        detail={"sent": push.sent, "failed": len(push.failed)},
    )
    return {"sent": push.sent, "failed": push.failed}


def revoke(app: Badger, session: Session, learner: Learner, connection_id: str) -> Connection:
    """Revoke the connection's tokens at the host (best effort) and forget them here."""
    conn = _own(session, learner, connection_id)
    endpoints = json.loads(conn.endpoints_json)
    if conn.token is not None and endpoints.get("revocation"):
        client = _client(app, conn)
        token = client.token or {}
        for kind in ("refresh_token", "access_token"):
            if token.get(kind):
                try:
                    _check(app, endpoints["revocation"])
                    client.revoke_token(
                        endpoints["revocation"], token=token[kind], token_type_hint=kind, timeout=TIMEOUT
                    )
                except Exception:  # noqa: BLE001 - forgetting the tokens here is what protects the learner
                    pass
    conn.token = None
    conn.verifier = None
    conn.state_hash = None
    conn.status = "revoked"
    conn.revoked_at = app.clock()
    session.flush()
    audit.record(
        app, session, issuer_id=None, actor=learners.actor(learner), action="obapi.disconnect", target=conn.host
    )
    return conn


def connections(session: Session, learner: Learner) -> list[Connection]:
    return [c for c in repo.connections(session, learner.id) if c.status != "pending"]

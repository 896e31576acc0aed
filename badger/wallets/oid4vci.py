"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.

What each function answers (section names of OpenID4VCI 1.0, the final specification):

- ``issuer_metadata``: "Credential Issuer Metadata" (§11.2), served at
  ``/.well-known/openid-credential-issuer``; display names and logos in French and English;
  two credential configurations, ``OpenBadgeCredential`` (``ldp_vc``, Appendix A.1.2, signed
  eddsa-rdfc-2022) and ``OpenBadgeCredential_jwt`` (``jwt_vc_json``, Appendix A.1.1, a VC-JWT
  as OB 3.0 §8.2 defines it): a configuration has exactly one format.
- ``as_metadata``: RFC 8414 authorization server metadata (``/.well-known/oauth-authorization-server``);
  Badger is its own authorization server, so the issuer metadata names none (§11.2.3
  "authorization_servers": absent means the issuer is the AS).
- ``token``: the Token Endpoint (§6) for the grant ``urn:ietf:params:oauth:grant-type:pre-authorized_code``
  with ``pre-authorized_code`` and the optional ``tx_code``; errors of §6.3 ("Token Error
  Response", RFC 6749 §5.2): ``invalid_request``, ``invalid_grant`` (unknown, used or expired
  code, wrong transaction code), ``unsupported_grant_type``.
- ``nonce``: the Nonce Endpoint (§7): a fresh ``c_nonce``, single use, 5 minutes.
- ``credential``: the Credential Endpoint (§8) with a ``jwt`` key proof (Appendix F.1:
  ``typ`` ``openid4vci-proof+jwt``, ``aud`` the issuer identifier, ``iat``, ``nonce``; the key
  in ``kid`` as a did:key or did:jwk DID URL, or in ``jwk``); errors of §8.3.1.2
  (``invalid_credential_request``, ``unknown_credential_configuration``,
  ``unknown_credential_identifier``, ``invalid_proof``, ``invalid_nonce``,
  ``credential_request_denied``) and RFC 6750 ``invalid_token`` for the access token.

Why by hand and not Authlib: the only OAuth part is one token endpoint for one grant,
the pre-authorized code, which Authlib does not implement; its server classes would want a
client registry and a framework integration for a grant that has neither client nor
authorization step. The JWTs are PyJWT's (already a dependency): the proof's signature,
``aud`` and ``alg``; the claims OpenID4VCI adds (``typ``, ``nonce``, the key binding) are
checked here.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.vocab import OB_CONTEXT, VC_V2_CONTEXT
from badger.errors import BadgerError, KeyMaterialError, ResolutionError
from badger.keys.jwk import key_from_jwk, public_members
from badger.keys.resolver import DidKeyResolver
from badger.wallets import offers
from badger.wallets import repository as repo

__all__ = [
    "OAuthError",
    "issuer_metadata",
    "as_metadata",
    "token",
    "nonce",
    "credential",
    "PROOF_TYP",
    "PROOF_ALGS",
]

PROOF_TYP = "openid4vci-proof+jwt"
PROOF_ALGS = ("EdDSA", "ES256", "ES384")
IAT_WINDOW = 300  # seconds a proof may be old, or ahead of our clock


class OAuthError(BadgerError):
    """An OAuth / OpenID4VCI error: ``error`` is the specification's code (the body's
    ``error``), ``status`` the HTTP status."""

    def __init__(self, error: str, description: str, *, status: int = 400):
        super().__init__(description, code=error)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _display(app: Badger, name_fr: str, name_en: str, desc_fr: str, desc_en: str) -> list[dict[str, Any]]:
    logo = app.url("wallets", "logo.png")
    return [
        {
            "name": name_fr,
            "locale": "fr",
            "description": desc_fr,
            "logo": {"uri": logo, "alt_text": "Logo de Badger"},
            "background_color": "#1f6feb",
            "text_color": "#ffffff",
        },
        {
            "name": name_en,
            "locale": "en",
            "description": desc_en,
            "logo": {"uri": logo, "alt_text": "Badger logo"},
            "background_color": "#1f6feb",
            "text_color": "#ffffff",
        },
    ]


def issuer_metadata(app: Badger) -> dict[str, Any]:
    badge_display = _display(
        app,
        "Badge numérique (Open Badge)",
        "Digital badge (Open Badge)",
        "Un Open Badge 3.0 : une reconnaissance que chacun peut vérifier.",
        "An Open Badges 3.0 credential: a recognition anyone can verify.",
    )
    binding = ["did:key", "did:jwk", "jwk"]
    proofs = {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}}
    types = ["VerifiableCredential", "OpenBadgeCredential"]
    return {
        "credential_issuer": app.base_url,
        "credential_endpoint": app.url("wallets", "oid4vci", "credential"),
        "nonce_endpoint": app.url("wallets", "oid4vci", "nonce"),
        "display": _display(
            app,
            "Badger",
            "Badger",
            "Les badges des partenaires du réseau, signés et vérifiables.",
            "The network partners' badges, signed and verifiable.",
        ),
        "credential_configurations_supported": {
            "OpenBadgeCredential": {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "credential_definition": {"@context": [VC_V2_CONTEXT, OB_CONTEXT], "type": types},
                "cryptographic_binding_methods_supported": binding,
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": proofs,
                "credential_metadata": {"display": badge_display},
                "display": badge_display,  # where drafts before 1.0 looked for it
            },
            "OpenBadgeCredential_jwt": {
                "format": "jwt_vc_json",
                "scope": "OpenBadgeCredential_jwt",
                "credential_definition": {"type": types},
                "cryptographic_binding_methods_supported": binding,
                "credential_signing_alg_values_supported": ["EdDSA", "RS256", "ES256"],
                "proof_types_supported": proofs,
                "credential_metadata": {"display": badge_display},
                "display": badge_display,
            },
        },
    }


def as_metadata(app: Badger) -> dict[str, Any]:
    return {
        "issuer": app.base_url,
        "token_endpoint": app.url("wallets", "oid4vci", "token"),
        "grant_types_supported": [offers.PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],  # no authorization endpoint: pre-authorized flow only
        "token_endpoint_auth_methods_supported": ["none"],
        # OpenID4VCI 1.0 §11.3 (AS metadata): a wallet may use the pre-authorized code without client_id.
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# -- token endpoint ---------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def token(app: Badger, session: Session, form: Mapping[str, str]) -> dict[str, Any]:
    """Exchange a pre-authorized code (+ transaction code) for an access token. Raises OAuthError."""
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant != offers.PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", "only the pre-authorized code grant is supported")
    code = form.get("pre-authorized_code")
    if not code or len(code) > 200:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    found = repo.offer_by_code_hash(session, offers.sha256(code))
    offer = repo.lock_offer(session, found.id) if found is not None else None
    if offer is None:
        raise OAuthError("invalid_grant", "unknown pre-authorized code")
    if offer.code_used_at is not None:
        raise OAuthError("invalid_grant", "this pre-authorized code was already used")
    reason = offers.usable(app, session, offer)
    if reason is not None:
        raise OAuthError("invalid_grant", f"the offer cannot be redeemed ({reason.split('.', 1)[1]})")
    tx_code = form.get("tx_code")
    if offer.tx_code_hash is not None:
        # §6.3: invalid_request when the code is expected and missing; invalid_grant when wrong.
        if not tx_code:
            raise OAuthError("invalid_request", "this offer needs the transaction code (tx_code)")
        if not offers.tx_code_matches(app, offer, tx_code):
            offer.tx_attempts += 1
            if offer.tx_attempts >= offers.MAX_TX_ATTEMPTS:
                offer.state = "replaced"  # too many guesses: the learner must renew the offer
            session.flush()
            raise OAuthError("invalid_grant", "wrong transaction code")
    elif tx_code:
        raise OAuthError("invalid_request", "this offer has no transaction code")
    access = secrets.token_urlsafe(32)
    now = app.clock()
    offer.code_used_at = now
    offer.access_hash = offers.sha256(access)
    offer.access_expires_at = now + offers.ACCESS_LIFETIME
    session.flush()
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(offers.ACCESS_LIFETIME.total_seconds()),
    }


def nonce(app: Badger, session: Session) -> dict[str, str]:
    value = secrets.token_urlsafe(24)
    repo.add_nonce(session, offers.sha256(value), app.clock() + offers.NONCE_LIFETIME)
    return {"c_nonce": value}


# -- credential endpoint ----------------------------------------------------------------------


def _b64json(segment: str) -> dict[str, Any]:
    data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _holder_key(header: dict[str, Any]) -> tuple[Any, str]:
    """(public key, holder DID) from the proof's JOSE header (Appendix F.1: kid or jwk)."""
    kid, jwk_value = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk_value is None):
        raise OAuthError("invalid_proof", "the proof header needs exactly one of kid and jwk")
    try:
        if jwk_value is not None:
            if not isinstance(jwk_value, dict) or "d" in jwk_value:
                raise OAuthError("invalid_proof", "jwk must be a public JWK")
            public = public_members(jwk_value)
            did = "did:jwk:" + base64.urlsafe_b64encode(
                json.dumps(public, separators=(",", ":"), sort_keys=True).encode()
            ).decode().rstrip("=")
            return key_from_jwk(public), did
        if not isinstance(kid, str) or len(kid) > 2000:
            raise OAuthError("invalid_proof", "kid must be a DID URL")
        did = kid.split("#", 1)[0]
        if did.startswith("did:key:"):
            return DidKeyResolver().resolve(kid).public_key(), did
        if did.startswith("did:jwk:"):
            return key_from_jwk(_b64json(did[len("did:jwk:") :])), did
    except (KeyMaterialError, ResolutionError, ValueError, KeyError) as exc:
        raise OAuthError("invalid_proof", f"the proof's key cannot be read: {exc}") from exc
    raise OAuthError("invalid_proof", "the proof's kid must be a did:key or did:jwk DID URL")


def _proof_jwt(body: dict[str, Any]) -> str:
    proofs = body.get("proofs")
    if proofs is not None:  # 1.0 §8.2: "proofs": {"jwt": ["..."]}
        items = proofs.get("jwt") if isinstance(proofs, dict) else None
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], str):
            raise OAuthError("invalid_proof", "proofs must carry exactly one jwt proof")
        return items[0]
    proof = body.get("proof")  # drafts 13-15: "proof": {"proof_type": "jwt", "jwt": "..."}
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt" and isinstance(proof.get("jwt"), str):
        return proof["jwt"]
    raise OAuthError("invalid_proof", "a jwt key proof is required")


def _check_proof(app: Badger, session: Session, token_value: str) -> str:
    """Verify a jwt key proof -> the holder's DID. Raises OAuthError invalid_proof / invalid_nonce."""
    try:
        header = jwt.get_unverified_header(token_value)
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_proof", f"the proof is not a JWT: {exc}") from exc
    if header.get("typ") != PROOF_TYP:
        raise OAuthError("invalid_proof", f"the proof's typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise OAuthError("invalid_proof", f"alg must be one of {', '.join(PROOF_ALGS)}")
    key, holder = _holder_key(header)
    try:
        claims = jwt.decode(
            token_value,
            key,
            algorithms=[alg],
            audience=app.base_url,
            options={"require": ["aud", "iat"], "verify_iat": False, "verify_exp": True},
        )
    except jwt.InvalidAudienceError as exc:
        raise OAuthError("invalid_proof", "the proof's aud must be this credential issuer") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise OAuthError("invalid_proof", f"the proof does not verify: {exc}") from exc
    iat = claims.get("iat")
    now = app.clock().timestamp()
    if not isinstance(iat, (int, float)) or abs(now - iat) > IAT_WINDOW:
        raise OAuthError("invalid_proof", "the proof's iat is not recent")
    value = claims.get("nonce")
    if not isinstance(value, str) or not _use_nonce(app, session, value):
        raise OAuthError("invalid_nonce", "the proof's nonce is missing, unknown, used or expired")
    return holder


def _use_nonce(app: Badger, session: Session, value: str) -> bool:
    row = repo.lock_nonce(session, offers.sha256(value))
    if row is None or row.used_at is not None or _aware(row.expires_at) <= app.clock():
        return False
    row.used_at = app.clock()
    session.flush()
    return True


def credential(app: Badger, session: Session, authorization: str | None, body: object) -> dict[str, Any]:
    """The credential for a valid access token and key proof: ``{"credentials": [{"credential":
    ...}]}`` (a JSON object for ldp_vc, the compact JWS for jwt_vc_json). Raises OAuthError."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_token", "a Bearer access token is required", status=401)
    found = repo.offer_by_access_hash(session, offers.sha256(value.strip()))
    offer = repo.lock_offer(session, found.id) if found is not None else None
    if offer is None or offer.access_expires_at is None or _aware(offer.access_expires_at) <= app.clock():
        raise OAuthError("invalid_token", "the access token is unknown or expired", status=401)
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the body must be a JSON object")
    if body.get("credential_identifier") is not None:
        raise OAuthError("unknown_credential_identifier", "this issuer does not use credential identifiers")
    config = body.get("credential_configuration_id")
    if config is None and isinstance(body.get("format"), str):  # drafts before 1.0 named the format
        config = {v: k for k, v in offers.CONFIGURATIONS.items()}.get(body["format"])
        if config is None:
            raise OAuthError("unknown_credential_configuration", "unsupported format")
    if not isinstance(config, str) or config not in offers.CONFIGURATIONS:
        raise OAuthError("unknown_credential_configuration", "unknown credential_configuration_id")
    holder = _check_proof(app, session, _proof_jwt(body))
    reason = offers.usable(app, session, offer)
    if reason is not None:
        raise OAuthError("credential_request_denied", f"the offer cannot be redeemed ({reason.split('.', 1)[1]})")
    fmt = offers.CONFIGURATIONS[config]
    copy = offers.issue_copy(app, session, offer, holder=holder, fmt=fmt, protocol="oid4vci")
    issued: Any = copy.jwt if fmt == "jwt_vc_json" else json.loads(copy.document)
    return {"credentials": [{"credential": issued}]}

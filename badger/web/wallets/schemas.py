"""Pydantic models that describe the wallet endpoints in the OpenAPI document. The views parse
their bodies by hand, so that a bad request gets the protocol's own error body (OAuth
``{"error", "error_description"}`` for OpenID4VCI, problem details for VC-API)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ProtocolsOut",
    "ExchangeIn",
    "ExchangeOut",
    "CredentialOfferOut",
    "TokenIn",
    "TokenOut",
    "NonceOut",
    "CredentialRequestIn",
    "CredentialResponseOut",
    "OAuthErrorOut",
    "MetadataOut",
]


class ProtocolsOut(BaseModel):
    """VC-API interaction: the protocols a wallet may follow for this offer."""

    protocols: dict[str, str] = Field(description='{"vcapi": exchange URL, "OID4VCI": openid-credential-offer URI}')


class ExchangeIn(BaseModel):
    """VC-API participateInExchange: ``{}`` to start, then the DID Authentication presentation."""

    model_config = ConfigDict(extra="allow")
    verifiablePresentation: dict[str, Any] | None = Field(
        None, description="a presentation signed by the wallet's DID (proofPurpose authentication)"
    )


class ExchangeOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    verifiablePresentationRequest: dict[str, Any] | None = Field(
        None, description="DIDAuthentication query with challenge and domain"
    )
    verifiablePresentation: dict[str, Any] | None = Field(None, description="holds the credential issued to the DID")


class CredentialOfferOut(BaseModel):
    """OpenID4VCI 1.0 §4.1.1 Credential Offer."""

    model_config = ConfigDict(extra="allow")
    credential_issuer: str
    credential_configuration_ids: list[str]
    grants: dict[str, Any]


class TokenIn(BaseModel):
    """OpenID4VCI 1.0 §6.1 Token Request (form-encoded), pre-authorized code grant."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    grant_type: str = Field(description="urn:ietf:params:oauth:grant-type:pre-authorized_code")
    pre_authorized_code: str = Field(alias="pre-authorized_code")
    tx_code: str | None = Field(None, description="the transaction code e-mailed to the learner, when asked")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class NonceOut(BaseModel):
    c_nonce: str


class CredentialRequestIn(BaseModel):
    """OpenID4VCI 1.0 §8.2 Credential Request."""

    model_config = ConfigDict(extra="allow")
    credential_configuration_id: str = Field(description="OpenBadgeCredential (ldp_vc) or OpenBadgeCredential_jwt")
    proofs: dict[str, list[str]] = Field(description='{"jwt": ["<openid4vci-proof+jwt>"]}')


class CredentialResponseOut(BaseModel):
    credentials: list[dict[str, Any]] = Field(description='[{"credential": <object (ldp_vc) or compact JWS>}]')


class OAuthErrorOut(BaseModel):
    """RFC 6749 §5.2 / OpenID4VCI 1.0 §6.3 and §8.3.1.2 error response."""

    error: str = Field(
        description="invalid_request, invalid_grant, unsupported_grant_type, invalid_token, "
        "invalid_credential_request, unknown_credential_configuration, unknown_credential_identifier, "
        "invalid_proof, invalid_nonce, credential_request_denied"
    )
    error_description: str | None = None


class MetadataOut(BaseModel):
    model_config = ConfigDict(extra="allow")

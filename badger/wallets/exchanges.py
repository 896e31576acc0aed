"""W3C VC-API exchanges, as DCC's Learner Credential Wallet speaks them (DID Authentication).

VC-API (w3c-ccg/vc-api), "Exchanges" (participateInExchange, ``POST /exchanges/{id}``):

1. The wallet POSTs ``{}`` to the exchange URL; Badger answers ``{"verifiablePresentationRequest":
   {"query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
   "acceptedCryptosuites": [...]}], "challenge", "domain", "interact": {...}}}`` (VP Request
   Spec, "DID Authentication").
2. The wallet POSTs ``{"verifiablePresentation": <VP signed by its DID>}`` to the same URL.
   Badger verifies it (``verifying.presentations.verify_presentation``: proof purpose
   ``authentication``, the offer's ``challenge`` and our ``domain``, the proof's ``expires``
   when present, and the offer's own expiry and single use) and answers
   ``{"verifiablePresentation": {"type": ["VerifiablePresentation"], "verifiableCredential":
   [<the credential issued to that DID>]}}``.

The older LCW deep link (``dccrequest://request?vc_request_url=...&challenge=...``) skips step
1: the wallet posts the signed presentation straight away, with the challenge of the link,
which is the offer's challenge too.

Refusals raise ExchangeError (code, message, HTTP status); the web edge turns them into
``application/problem+json`` (VC-API error responses are problem details).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.dates import parse_datetime
from badger.credentials.vocab import VC_V2_CONTEXT
from badger.errors import BadgerError, InvalidInput
from badger.issuance.models import Credential
from badger.verifying.presentations import verify_presentation
from badger.wallets import offers
from badger.wallets import repository as repo

__all__ = ["ExchangeError", "domain", "participate"]

ACCEPTED_CRYPTOSUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020", "ecdsa-rdfc-2019")


class ExchangeError(BadgerError):
    """An exchange refused; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, *, code: str, status: int = 400, errors: list | None = None):
        super().__init__(message, code=code)
        self.status = status
        self.errors = errors or []


def domain(app: Badger) -> str:
    """The ``domain`` a wallet must sign: this instance's host (and port), as LCW puts it."""
    return urlsplit(app.base_url).netloc


def _request(app: Badger, offer_token: str, challenge: str) -> dict[str, Any]:
    exchange_url = app.url("wallets", "exchanges", offer_token)
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": c} for c in ACCEPTED_CRYPTOSUITES],
                }
            ],
            "challenge": challenge,
            "domain": domain(app),
            "interact": {
                "service": [{"type": "UnmediatedHttpPresentationService2021", "serviceEndpoint": exchange_url}]
            },
        }
    }


def _holder(presentation: dict) -> str:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if isinstance(holder, str) and holder:
        return holder
    proof = presentation.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
    vm = vm.get("id") if isinstance(vm, dict) else vm
    return vm.split("#", 1)[0] if isinstance(vm, str) else ""


def _proof_expired(app: Badger, presentation: dict) -> bool:
    proofs = presentation.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        expires = proof.get("expires") if isinstance(proof, dict) else None
        if expires is not None:
            moment = parse_datetime(expires) if isinstance(expires, str) else None
            if moment is None or moment <= app.clock():
                return True
    until = presentation.get("validUntil")
    if isinstance(until, str):
        moment = parse_datetime(until)
        if moment is None or moment <= app.clock():
            return True
    return False


def participate(app: Badger, session: Session, token: str, body: object) -> tuple[dict[str, Any], Credential | None]:
    """One POST to the exchange of offer ``token`` -> (answer, the credential issued or None)."""
    offer = offers.find_by_token(session, token)
    if not isinstance(body, dict):
        raise ExchangeError("the body must be a JSON object", code="exchange.invalid_body")
    presentation = body.get("verifiablePresentation")
    locked = repo.lock_offer(session, offer.id)
    assert locked is not None
    offer = locked
    reason = offers.usable(app, session, offer)
    if reason is not None:
        status = 410 if reason in ("wallet.offer_expired", "wallet.offer_replaced") else 409
        raise ExchangeError(f"this offer cannot be redeemed ({reason})", code=reason, status=status)
    if presentation is None:  # the first request; other members it may carry are not needed
        return _request(app, token, offer.challenge), None
    if not isinstance(presentation, dict):
        raise ExchangeError("verifiablePresentation must be an object", code="exchange.invalid_presentation")
    if presentation.get("proof") is None:
        raise ExchangeError("the presentation must be signed by the wallet's DID", code="presentation.proof_missing")
    try:
        result = verify_presentation(app, session, presentation, challenge=offer.challenge, domain=domain(app))
    except InvalidInput as exc:
        raise ExchangeError(str(exc), code=exc.code or "exchange.invalid_presentation") from exc
    if result.problems or not result.proof_verified:
        problems = [p.as_dict() for p in result.problems]
        first = problems[0]["code"] if problems else "presentation.proof_invalid"
        raise ExchangeError("the DID Authentication presentation does not verify", code=first, errors=problems)
    if _proof_expired(app, presentation):
        raise ExchangeError("the presentation has expired", code="presentation.expired")
    holder = _holder(presentation)
    if not holder.startswith("did:key:") or len(holder) > 500:
        raise ExchangeError("the holder must be a did:key", code="exchange.unsupported_did")
    copy = offers.issue_copy(app, session, offer, holder=holder, fmt="ldp_vc", protocol="vcapi")
    answer = {
        "verifiablePresentation": {
            "@context": [VC_V2_CONTEXT],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [json.loads(copy.document)],
        }
    }
    return answer, copy

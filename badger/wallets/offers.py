""" "Add to a wallet" offers: one per credential at a time, followed by either protocol.

An offer is reached through one URL, its *interaction URL* ``/wallets/offers/<token>``
(W3C VC-API, "Interactions": a GET with ``Accept: application/json`` or ``?iuv=1`` answers
``{"protocols": {"vcapi": <exchange URL>, "OID4VCI": "openid-credential-offer://?..."}}``, the
shape DCC's exchange service gives; a browser gets a page with the QR code and the deep links).
The QR code carries that URL. Deep links for a phone: Learner Credential Wallet's
``https://lcw.app/request.html?request=<{"protocols": {"vcapi": ...}}>`` and its older
``dccrequest://request?vc_request_url=...&challenge=...`` form, and the OpenID4VCI
``openid-credential-offer://`` offer (by reference; by value at ``?by=value``).

Lifetime: **30 days** (``OFFER_LIFETIME``). The offer travels in the issuance e-mail, which is
often read days later, and a learner may first have to install a wallet; a month covers that,
while a pre-authorized code (a bearer secret) does not stay valid for ever. An offer is
single-use: the first wallet that redeems it gets the credential, later attempts are refused.
The learner (on their page) or staff (dashboard) renew it: the previous offer stops working at
once. The OpenID4VCI access token lives 10 minutes, a ``c_nonce`` 5 minutes.

Secrets are derived, never stored (``_derive``): the offer token, the pre-authorized code and
the VC-API challenge are HMAC-SHA256 of the secret key over the offer id; the database keeps
their SHA-256 to find the offer. The transaction code (optional, per issuer) is drawn at random,
e-mailed to the learner and kept as an HMAC; five wrong codes end the offer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.core.events import Issued
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing, revocation
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.mail import outbox
from badger.wallets import repository as repo
from badger.wallets.models import WalletCredential, WalletOffer

__all__ = [
    "OFFER_LIFETIME",
    "ACCESS_LIFETIME",
    "NONCE_LIFETIME",
    "MAX_TX_ATTEMPTS",
    "OfferLinks",
    "enabled",
    "settings_of",
    "set_settings",
    "create_offer",
    "renew",
    "current",
    "links",
    "find_by_token",
    "usable",
    "derive",
    "sha256",
    "issue_copy",
    "wallet_status",
    "count",
    "on_status_changed",
    "on_credentials_issued",
    "credential_offer",
    "CONFIGURATIONS",
]

OFFER_LIFETIME = timedelta(days=30)
ACCESS_LIFETIME = timedelta(minutes=10)
NONCE_LIFETIME = timedelta(minutes=5)
MAX_TX_ATTEMPTS = 5
TX_CODE_LENGTH = 6
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LCW_REQUEST = "https://lcw.app/request.html"
# OpenID4VCI 1.0 §11.2.3 "credential_configurations_supported": one id per format (a
# configuration has exactly one format). Appendix A.1.2 (ldp_vc) and A.1.1 (jwt_vc_json).
CONFIGURATIONS = {"OpenBadgeCredential": "ldp_vc", "OpenBadgeCredential_jwt": "jwt_vc_json"}


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def derive(app: Badger, purpose: str, offer_id: str) -> str:
    """A secret of an offer (``token``, ``code``, ``challenge``), derived from the secret key."""
    digest = hmac.new(app.settings.secret_key.encode(), f"wallet-{purpose}:{offer_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def _tx_hash(app: Badger, offer_id: str, tx_code: str) -> str:
    key = app.settings.secret_key.encode()
    return hmac.new(key, f"wallet-tx:{offer_id}:{tx_code}".encode(), hashlib.sha256).hexdigest()


def tx_code_matches(app: Badger, offer: WalletOffer, tx_code: str) -> bool:
    return offer.tx_code_hash is not None and hmac.compare_digest(offer.tx_code_hash, _tx_hash(app, offer.id, tx_code))


# -- settings -----------------------------------------------------------------------------------


def settings_of(session: Session, issuer_id: str) -> dict[str, bool]:
    row = repo.settings(session, issuer_id)
    return {"offers_enabled": row.offers_enabled if row else True, "tx_code": row.tx_code if row else False}


def enabled(session: Session, issuer_id: str) -> bool:
    return settings_of(session, issuer_id)["offers_enabled"]


def set_settings(
    app: Badger, session: Session, issuer: Issuer, *, offers_enabled: bool, tx_code: bool, actor: audit.Actor
) -> dict[str, bool]:
    row = repo.settings(session, issuer.id, create=True)
    assert row is not None
    row.offers_enabled, row.tx_code = bool(offers_enabled), bool(tx_code)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="wallet.settings",
        detail={"offers_enabled": row.offers_enabled, "tx_code": row.tx_code},
    )
    return settings_of(session, issuer.id)


# -- offers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferLinks:
    """Everything a page, an e-mail or a wallet needs to follow an offer."""

    offer_id: str
    state: str
    expires_at: str
    interaction_url: str  # what the QR code carries
    qr_url: str
    page_url: str
    exchange_url: str  # VC-API exchange
    credential_offer_uri: str  # OpenID4VCI offer by reference (the JSON)
    oid4vci_by_reference: str
    oid4vci_by_value: str
    lcw_request: str
    lcw_legacy: str
    tx_code: str | None = None  # only right after creation, to e-mail it

    @property
    def protocols(self) -> dict[str, str]:
        return {"vcapi": self.exchange_url, "OID4VCI": self.oid4vci_by_reference}


def credential_offer(app: Badger, offer: WalletOffer) -> dict[str, Any]:
    """The OpenID4VCI Credential Offer object (1.0 §4.1.1), pre-authorized code grant."""
    grant: dict[str, Any] = {"pre-authorized_code": derive(app, "code", offer.id)}
    if offer.tx_code_hash is not None:
        # §4.1.1 "tx_code": the wallet asks the learner for the code sent by e-mail.
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": TX_CODE_LENGTH,
            "description": "Code reçu par e-mail / Code received by e-mail",
        }
    return {
        "credential_issuer": app.base_url,
        "credential_configuration_ids": list(CONFIGURATIONS),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def links(app: Badger, offer: WalletOffer, *, tx_code: str | None = None) -> OfferLinks:
    token = derive(app, "token", offer.id)
    interaction = app.url("wallets", "offers", token)
    exchange = app.url("wallets", "exchanges", token)
    offer_uri = app.url("wallets", "offers", token, "credential-offer")
    by_value = json.dumps(credential_offer(app, offer), separators=(",", ":"))
    lcw = json.dumps({"credentialRequestOrigin": app.base_url, "protocols": {"vcapi": exchange}}, separators=(",", ":"))
    legacy = urlencode(
        {
            "issuer": app.base_url,
            "vc_request_url": exchange,
            "challenge": derive(app, "challenge", offer.id),
            "auth_type": "bearer",
        }
    )
    return OfferLinks(
        offer_id=offer.id,
        state=offer.state,
        expires_at=xsd_datetime(_aware(offer.expires_at)),
        interaction_url=interaction + "?iuv=1",
        qr_url=interaction + "/qr.svg",
        page_url=interaction,
        exchange_url=exchange,
        credential_offer_uri=offer_uri,
        oid4vci_by_reference="openid-credential-offer://?credential_offer_uri=" + quote(offer_uri, safe=""),
        oid4vci_by_value="openid-credential-offer://?credential_offer=" + quote(by_value, safe=""),
        lcw_request=f"{LCW_REQUEST}?request={quote(lcw, safe='')}",
        lcw_legacy="dccrequest://request?" + legacy,
        tx_code=tx_code,
    )


def _original(session: Session, credential: Credential) -> None:
    if repo.original_of(session, credential.id) is not None:
        raise InvalidInput("this credential is already a wallet's copy", code="wallet.is_copy")


def create_offer(
    app: Badger,
    session: Session,
    credential: Credential,
    *,
    actor: audit.Actor = audit.SYSTEM,
    email: str | None = None,
    lang: str = "fr",
) -> OfferLinks:
    """A new offer for an active credential (the previous active one is replaced). When the
    issuer asks for a transaction code, ``email`` (the learner's, checked against the
    credential) receives it. Raises InvalidInput (offers off, credential not active, a copy,
    e-mail missing or not the learner's)."""
    if not enabled(session, credential.issuer_id):
        raise InvalidInput("this partner does not offer wallets", code="wallet.disabled")
    if credential.status != "active":
        raise InvalidInput("only an active credential can go to a wallet", code="wallet.not_active")
    _original(session, credential)
    want_tx = settings_of(session, credential.issuer_id)["tx_code"]
    if want_tx:
        if not email:
            raise InvalidInput("the learner's e-mail is needed to send the code", code="wallet.email_required")
        if credential.recipient_lookup is None or credential.recipient_lookup != issuing.recipient_lookup(app, email):
            raise InvalidInput("this is not the learner's e-mail address", code="wallet.email_mismatch", field="email")
    repo.replace_active_offers(session, credential.id)
    now = app.clock()
    offer_id = app.new_id()
    tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH)) if want_tx else None
    offer = WalletOffer(
        id=offer_id,
        credential_id=credential.id,
        issuer_id=credential.issuer_id,
        token_hash=sha256(derive(app, "token", offer_id)),
        code_hash=sha256(derive(app, "code", offer_id)),
        tx_code_hash=_tx_hash(app, offer_id, tx_code) if tx_code else None,
        tx_attempts=0,
        challenge=derive(app, "challenge", offer_id),
        state="active",
        created_at=now,
        expires_at=now + OFFER_LIFETIME,
    )
    session.add(offer)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=credential.issuer_id,
        actor=actor,
        action="wallet.offer",
        target=credential.id,
        detail={"offer": offer_id, "tx_code": bool(tx_code)},
    )
    if tx_code and email:
        outbox.enqueue(
            app,
            session,
            to=email,
            template="wallet_tx_code",
            lang=lang,
            context={"credential": credential.id, "code": tx_code},
            issuer_id=credential.issuer_id,
        )
    return links(app, offer, tx_code=tx_code)


def renew(app: Badger, session: Session, credential: Credential, **kwargs: Any) -> OfferLinks:
    """A fresh offer (learner or staff): same as ``create_offer``."""
    return create_offer(app, session, credential, **kwargs)


def current(app: Badger, session: Session, credential: Credential) -> OfferLinks | None:
    """The offer to show for a credential: its newest one, created when it has none, or when
    the last one has expired (offers on and credential active; None otherwise)."""
    if credential.status != "active" or not enabled(session, credential.issuer_id):
        return None
    if repo.original_of(session, credential.id) is not None:
        return None
    offer = repo.current_offer(session, credential.id)
    if offer is not None and (offer.state == "redeemed" or _aware(offer.expires_at) > app.clock()):
        return links(app, offer)
    if settings_of(session, credential.issuer_id)["tx_code"]:
        return links(app, offer) if offer is not None else None  # a new one needs the e-mail
    return create_offer(app, session, credential)


def find_by_token(session: Session, token: object) -> WalletOffer:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("no such wallet offer", code="wallet.offer_not_found")
    offer = repo.offer_by_token_hash(session, sha256(token))
    if offer is None:
        raise NotFound("no such wallet offer", code="wallet.offer_not_found")
    return offer


def usable(app: Badger, session: Session, offer: WalletOffer) -> str | None:
    """Why an offer cannot be redeemed now (a stable code), or None."""
    if offer.state == "redeemed":
        return "wallet.offer_redeemed"
    if offer.state != "active":
        return "wallet.offer_replaced"
    if _aware(offer.expires_at) <= app.clock():
        return "wallet.offer_expired"
    credential = repo.credential(session, offer.credential_id)
    if credential is None or credential.status != "active":
        return "wallet.credential_not_active"
    if not enabled(session, offer.issuer_id):
        return "wallet.disabled"
    return None


# -- the copy in the wallet -------------------------------------------------------------------


def _subject(document: dict) -> dict:
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return subject if isinstance(subject, dict) else {}


def issue_copy(
    app: Badger, session: Session, offer: WalletOffer, *, holder: str, fmt: str, protocol: str
) -> Credential:
    """Issue the credential of ``offer`` to ``holder`` (a DID) through the one issuing function:
    the same achievement, evidence, validity and name, ``credentialSubject.id`` = the holder's
    DID and the original's hashed e-mail identifier kept, its own status entries, signed
    eddsa-rdfc-2022 (``ldp_vc``) or as a VC-JWT (``jwt_vc_json``). Marks the offer redeemed,
    links the copy to the original, records ``wallet.redeem``. The caller has locked the offer
    and checked ``usable``. The idempotency key ``wallet:<offer>`` makes a second issuance for
    the same offer impossible, even from two concurrent requests."""
    original = repo.credential(session, offer.credential_id)
    issuer = session.get(Issuer, offer.issuer_id)
    if original is None or issuer is None:
        raise NotFound("no such credential", code="credential.not_found")
    document = json.loads(original.document)
    subject = _subject(document)
    identifiers = tuple(
        item
        for item in subject.get("identifier") or ()
        if isinstance(item, dict) and not (item.get("identityType") == "name" and item.get("hashed") is False)
    )
    names = [
        item.get("identityHash")
        for item in subject.get("identifier") or ()
        if isinstance(item, dict) and item.get("identityType") == "name" and item.get("hashed") is False
    ]
    evidence = tuple(
        {k: v for k, v in item.items() if k in ("id", "narrative", "name")}
        for item in (document.get("evidence") or ())
        if isinstance(item, dict)
    )
    request = issuing.IssueRequest(
        achievement=original.achievement_id,
        did=holder,
        name=names[0] if names else None,
        format="jwt" if fmt == "jwt_vc_json" else "ldp",
        evidence=evidence,
        valid_until=document.get("validUntil"),
        identifiers=identifiers,
    )
    actor = audit.Actor("wallet", holder[:200])
    copy = issuing.issue(app, session, issuer, request, idempotency_key=f"wallet:{offer.id}", actor=actor)
    now = app.clock()
    session.add(
        WalletCredential(
            id=copy.id,
            original_id=original.id,
            offer_id=offer.id,
            issuer_id=issuer.id,
            protocol=protocol,
            format=fmt,
            holder=holder,
            created_at=now,
        )
    )
    offer.state, offer.redeemed_at, offer.protocol, offer.holder = "redeemed", now, protocol, holder
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="wallet.redeem",
        target=original.id,
        detail={"offer": offer.id, "copy": copy.id, "protocol": protocol, "format": fmt},
    )
    return copy


def wallet_status(session: Session, credential_id: str) -> list[dict[str, str]]:
    """The wallets a credential went to: ``[{"protocol", "format", "at"}]`` (no holder DID: the
    page is private but the DID is the learner's own identifier)."""
    return [
        {"protocol": c.protocol, "format": c.format, "at": xsd_datetime(_aware(c.created_at))}
        for c in repo.copies_of(session, credential_id)
    ]


def count(session: Session, issuer_id: str) -> dict[str, int]:
    copies, originals = repo.wallet_count(session, issuer_id)
    return {"copies": copies, "credentials": originals}


# -- hooks (wired in badger.application) ------------------------------------------------------


def on_status_changed(*, app: Badger, session: Session, credential: Credential, actor: audit.Actor, **_: Any) -> None:
    """Subscriber of ``status_changed``: the original and its wallet copies share one status
    (revoking one revokes all; suspension and reinstatement follow too). Each change publishes
    the event again; a credential already in the target state is left alone, so it ends."""
    link = repo.original_of(session, credential.id)
    related: list[str] = []
    if link is not None:
        related.append(link.original_id)
        related += [c.id for c in repo.copies_of(session, link.original_id) if c.id != credential.id]
    else:
        related += [c.id for c in repo.copies_of(session, credential.id)]
    reason = credential.status_reason
    for other_id in related:
        other = repo.credential(session, other_id)
        if other is None or other.status == credential.status or other.status == revocation.REVOKED:
            continue
        try:
            if credential.status == revocation.REVOKED:
                revocation.revoke(app, session, other, reason=reason, actor=actor, require_reason=False)
            elif credential.status == revocation.SUSPENDED:
                revocation.suspend(app, session, other, reason=reason, actor=actor, require_reason=False)
            else:
                revocation.unsuspend(app, session, other, reason=reason, actor=actor)
        except Conflict:
            continue  # e.g. a copy without a suspension entry: nothing to mirror


def on_credentials_issued(
    *,
    app: Badger,
    session: Session,
    issued: list[Issued],
    notify: bool,
    lang: str = "fr",
    **_: Any,
) -> None:
    """Subscriber of ``credentials_issued`` (wired after the e-mail's): each credential e-mailed
    to its learner gets its wallet offer, and the e-mail carries the offer's page."""
    if not notify:
        return
    switched_on: dict[str, bool] = {}
    for item in issued:
        credential, email = item.credential, item.email
        if not (email and credential.recipient_lookup):
            continue
        if credential.issuer_id not in switched_on:
            switched_on[credential.issuer_id] = enabled(session, credential.issuer_id)
        if not switched_on[credential.issuer_id] or repo.original_of(session, credential.id) is not None:
            continue
        offer = create_offer(app, session, credential, email=email, lang=lang)
        outbox.extend_issued(session, credential.id, {"wallet_url": offer.page_url})

"""Wallet endpoints: the offer (interaction URL, QR code, OpenID4VCI offer by reference), the
VC-API exchange, the OpenID4VCI metadata, token, nonce and credential endpoints, and the
learner's offer block (JSON read by ``offer.js``).

Errors: the OpenID4VCI endpoints answer ``{"error", "error_description"}`` (RFC 6749 §5.2,
OpenID4VCI 1.0 §6.3, §8.3.1.2), with ``Cache-Control: no-store``; the VC-API exchange answers
problem details (``application/problem+json``). Nothing a wallet sends yields a 500.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache

from flask import Blueprint, Response, jsonify, make_response, request, url_for

from badger.core import audit, qr
from badger.errors import NotFound
from badger.issuance.models import Credential
from badger.programmes import learners
from badger.wallets import exchanges, offers, oid4vci
from badger.wallets import repository as wallet_repo
from badger.web.api.openapi import Operation, registry
from badger.web.auth import render
from badger.web.current import badger_app
from badger.web.errors import problem
from badger.web.responses import PRIVATE as _PRIVATE
from badger.web.wallets.schemas import (
    CredentialOfferOut,
    CredentialRequestIn,
    CredentialResponseOut,
    ExchangeIn,
    ExchangeOut,
    MetadataOut,
    NonceOut,
    OAuthErrorOut,
    ProtocolsOut,
    TokenIn,
    TokenOut,
)

__all__ = ["bp", "LEARNER_COOKIE"]

bp = Blueprint("wallets", __name__)

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
LEARNER_COOKIE = "badger_learner"


def _oauth_error(exc: oid4vci.OAuthError) -> Response:
    response = jsonify(exc.body())
    response.status_code = exc.status
    response.headers.update(NO_STORE)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


def _json(body: object, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    response = make_response(json.dumps(body, ensure_ascii=False), status)
    response.mimetype = "application/json"
    response.headers.update(headers or {})
    return response


def _body() -> object:
    """The JSON body (``{}`` when empty); ``None`` when it is not JSON."""
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        return json.loads(data)
    except ValueError:
        return None


# -- the offer ----------------------------------------------------------------------------------


def _wants_protocols() -> bool:
    if request.args.get("iuv") == "1":
        return True
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html")


@bp.get("/wallets/offers/<token>")
def offer_page(token: str):
    """The interaction URL the QR code carries: protocols for wallets, a page for people."""
    app = badger_app()
    with app.transaction() as session:
        offer = offers.find_by_token(session, token)
        links = offers.links(app, offer)
        reason = offers.usable(app, session, offer)
    if _wants_protocols():
        if reason is not None:
            return problem(410 if reason != "wallet.offer_redeemed" else 409, reason, "this offer cannot be redeemed")
        return _json({"protocols": links.protocols}, _PRIVATE)
    body, status = render("wallets/offer.html", links=links, reason=reason)
    return Response(body, status, headers=_PRIVATE, mimetype="text/html")


registry.declare(
    Operation(
        method="get",
        path="/wallets/offers/{token}",
        operation_id="wallet_offer_protocols",
        summary="Wallet offer: the protocols a wallet may follow (VC-API interaction URL)",
        description=(
            'With `?iuv=1` or `Accept: application/json`: `{"protocols": {"vcapi", "OID4VCI"}}`. '
            "A browser gets a page with the QR code and deep links. 404 unknown offer; 409 already "
            "redeemed; 410 expired or renewed."
        ),
        tags=("wallets",),
        responses=(
            (200, "The protocols", ProtocolsOut),
            # A browser gets a readable page, a wallet (JSON) a problem document.
            (404, "Unknown offer: an HTML page, or a problem document for JSON clients", None),
            (409, "Already redeemed: an HTML page, or a problem document for JSON clients", None),
            (410, "Expired or renewed: an HTML page, or a problem document for JSON clients", None),
        ),
        secured=False,
        path_params=(("token", {"type": "string"}),),
    )
)


@bp.get("/wallets/offers/<token>/qr.svg")
def offer_qr(token: str):
    app = badger_app()
    with app.transaction() as session:
        links = offers.links(app, offers.find_by_token(session, token))
    return Response(qr.qr_svg(links.interaction_url), 200, mimetype="image/svg+xml", headers=_PRIVATE)


@registry.route(
    bp,
    "/wallets/offers/<token>/credential-offer",
    "GET",
    summary="OpenID4VCI: the credential offer by reference (credential_offer_uri)",
    tags=("openid4vci",),
    operation_id="oid4vci_credential_offer",
    responses=[(200, "OpenID4VCI 1.0 §4.1.1 Credential Offer", CredentialOfferOut)],
    errors=(404,),
    secured=False,
)
def credential_offer(token: str):
    app = badger_app()
    with app.transaction() as session:
        offer = offers.find_by_token(session, token)
        body = offers.credential_offer(app, offer)
    return _json(body, NO_STORE)


# -- VC-API exchange ----------------------------------------------------------------------------


@registry.route(
    bp,
    "/wallets/exchanges/<token>",
    "POST",
    summary="VC-API exchange: DID Authentication, then the credential bound to the wallet's DID",
    tags=("vc-api", "wallets"),
    operation_id="vcapi_participate_in_exchange",
    description=(
        "POST `{}`: a Verifiable Presentation Request (DIDAuthentication, challenge, domain). POST "
        '`{"verifiablePresentation"}` signed by the wallet\'s did:key with that challenge and domain: '
        "a presentation holding the credential issued to that DID. Refusals are problem details: 400 "
        "(bad body, presentation not verified: `presentation.challenge_mismatch`, "
        "`presentation.domain_mismatch`, `presentation.proof_missing`, `proof.*`), 404, 409 (already "
        "redeemed), 410 (expired or renewed)."
    ),
    request=ExchangeIn,
    responses=[(200, "The request, or the presentation with the credential", ExchangeOut)],
    errors=(400, 404, 409),
    secured=False,
)
def exchange(token: str):
    app = badger_app()
    body = _body()
    if body is None:
        return problem(400, "exchange.invalid_json", "the body must be JSON")
    try:
        with app.transaction() as session:
            answer, _copy = exchanges.participate(app, session, token, body)
    except exchanges.ExchangeError as exc:
        extra = {"errors": exc.errors} if exc.errors else {}
        response = problem(exc.status, exc.code, str(exc), **extra)
        return response
    return _json(answer, NO_STORE)


# -- OpenID4VCI ---------------------------------------------------------------------------------


@registry.route(
    bp,
    "/.well-known/openid-credential-issuer",
    "GET",
    summary="OpenID4VCI Credential Issuer Metadata (names and logos in French and English)",
    tags=("openid4vci",),
    operation_id="oid4vci_issuer_metadata",
    responses=[(200, "OpenID4VCI 1.0 §11.2 Credential Issuer Metadata", MetadataOut)],
    secured=False,
)
def issuer_metadata():
    response = _json(oid4vci.issuer_metadata(badger_app()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@registry.route(
    bp,
    "/.well-known/oauth-authorization-server",
    "GET",
    summary="OAuth 2.0 Authorization Server Metadata (RFC 8414): the token endpoint of the pre-authorized flow",
    tags=("openid4vci",),
    operation_id="oauth_authorization_server_metadata",
    responses=[(200, "RFC 8414 metadata", MetadataOut)],
    secured=False,
)
def as_metadata():
    response = _json(oid4vci.as_metadata(badger_app()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@registry.route(
    bp,
    "/wallets/oid4vci/token",
    "POST",
    summary="OpenID4VCI token endpoint: pre-authorized code (+ tx_code) for an access token",
    tags=("openid4vci",),
    operation_id="oid4vci_token",
    request=TokenIn,
    media_types=(FORM,),
    responses=[
        (200, "Access token", TokenOut),
        (400, "OAuth error (invalid_request, invalid_grant, ...)", OAuthErrorOut),
    ],
    secured=False,
)
def token():
    app = badger_app()
    if request.mimetype != FORM:
        return _oauth_error(oid4vci.OAuthError("invalid_request", f"the body must be {FORM}"))
    form = {k: v for k, v in request.form.items()}
    try:
        with app.transaction() as session:
            answer = oid4vci.token(app, session, form)
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return _json(answer, NO_STORE)


@registry.route(
    bp,
    "/wallets/oid4vci/nonce",
    "POST",
    summary="OpenID4VCI nonce endpoint: a fresh c_nonce",
    tags=("openid4vci",),
    operation_id="oid4vci_nonce",
    responses=[(200, "A c_nonce (single use, 5 minutes)", NonceOut)],
    secured=False,
)
def nonce():
    app = badger_app()
    with app.transaction() as session:
        answer = oid4vci.nonce(app, session)
    return _json(answer, NO_STORE)


@registry.route(
    bp,
    "/wallets/oid4vci/credential",
    "POST",
    summary="OpenID4VCI credential endpoint: the credential bound to the key of the jwt proof",
    tags=("openid4vci",),
    operation_id="oid4vci_credential",
    request=CredentialRequestIn,
    responses=[
        (200, "The credential", CredentialResponseOut),
        (
            400,
            "invalid_credential_request, unknown_credential_configuration, invalid_proof, invalid_nonce, ...",
            OAuthErrorOut,
        ),
        (401, "invalid_token", OAuthErrorOut),
    ],
    secured=False,
)
def credential():
    app = badger_app()
    body = _body()
    try:  # a body that is not JSON (None) is refused after the access token is checked
        with app.transaction() as session:
            answer = oid4vci.credential(app, session, request.headers.get("Authorization"), body)
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return _json(answer, NO_STORE)


@lru_cache(maxsize=1)
def _logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (128, 128), "#1f6feb")
    draw = ImageDraw.Draw(image)
    draw.ellipse((24, 24, 104, 104), outline="#ffffff", width=10)
    draw.rectangle((56, 40, 72, 88), fill="#ffffff")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@bp.get("/wallets/logo.png")
def logo():
    return Response(_logo(), 200, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


# -- the learner's offer block ----------------------------------------------------------------


def _learner_credential(app, session, credential_id: str, token: str | None) -> Credential:
    """The credential, when ``token`` (or the learner cookie) is its learner's link."""
    token = token or request.cookies.get(LEARNER_COOKIE)
    row = wallet_repo.credential(session, credential_id) if isinstance(credential_id, str) else None
    if row is None or not token:
        raise NotFound("no such wallet offer", code="wallet.offer_not_found")
    link = learners.find(app, session, token)
    if row.recipient_lookup is None or link.recipient_lookup != row.recipient_lookup:
        raise NotFound("no such wallet offer", code="wallet.offer_not_found")
    return row


def _block(app, session, row: Credential) -> dict:
    links = offers.current(app, session, row)
    reason = None
    if links is not None:
        offer = wallet_repo.current_offer(session, row.id)
        reason = offers.usable(app, session, offer) if offer is not None else None
    return {
        "credential": row.id,
        "wallets": offers.wallet_status(session, row.id),
        "offer": None
        if links is None
        else {
            "state": links.state,
            "usable": reason is None,
            "reason": reason,
            "expiresAt": links.expires_at,
            "qr": links.qr_url,
            "page": links.page_url,
            "interaction": links.interaction_url,
            "lcw": links.lcw_request,
            "lcwLegacy": links.lcw_legacy,
            "openid": links.oid4vci_by_reference,
        },
        "renew": url_for("wallets.learner_renew", credential_id=row.id),
    }


@bp.get("/wallets/credentials/<credential_id>/offer")
def learner_offer(credential_id: str):
    """The offer block of a credential, for its learner only (``?learner=<token>`` or the cookie
    set by the learner page). Anyone else gets 204, whatever the credential: the block stays
    hidden, nothing tells whether the credential or the link exists, and the page's script
    logs no error."""
    app = badger_app()
    with app.transaction() as session:
        try:
            row = _learner_credential(app, session, credential_id, request.args.get("learner"))
        except NotFound:
            return Response(status=204, headers=_PRIVATE)
        body = _block(app, session, row)
    return _json(body, _PRIVATE)


@bp.post("/wallets/credentials/<credential_id>/offer/renew")
def learner_renew(credential_id: str):
    """A new offer, asked by the learner: JSON ``{"learner": <token>, "email"?}`` (the token in
    the body, not a cookie: another site cannot renew someone's offer)."""
    app = badger_app()
    body = _body()
    if not isinstance(body, dict) or not isinstance(body.get("learner"), str):
        return problem(400, "wallet.invalid_body", 'send {"learner": <token>}')
    email = body.get("email") if isinstance(body.get("email"), str) else None
    lang = request.args.get("lang") if request.args.get("lang") in ("fr", "en") else "fr"
    with app.transaction() as session:
        row = _learner_credential(app, session, credential_id, body["learner"])
        offers.renew(app, session, row, email=email, lang=lang, actor=audit.Actor("learner"))
        answer = _block(app, session, row)
    return _json(answer, _PRIVATE)


@bp.get("/wallets/offer.js")
def offer_js():
    return Response(OFFER_JS, 200, mimetype="text/javascript", headers={"Cache-Control": "public, max-age=300"})


@bp.after_app_request
def _remember_learner(response: Response) -> Response:
    """The learner page leaves an HttpOnly cookie with its token, so that the credential pages
    show the "Add to a wallet" block to the learner only (their page is the only way to get it)."""
    if request.endpoint == "learners.page" and response.status_code == 200 and request.view_args:
        app = badger_app()
        response.set_cookie(
            LEARNER_COOKIE,
            str(request.view_args.get("token", "")),
            max_age=30 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=app.base_url.startswith("https://"),
            path="/",
        )
    return response


OFFER_JS = r"""
(function () {
  "use strict";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function show(box, data) {
    var t = JSON.parse(box.querySelector("script[type='application/json']").textContent);
    var out = box.querySelector(".wallet-body");
    out.textContent = "";
    if (data.wallets.length) {
      out.appendChild(el("p", {"class": "wallet-held"}, t.held.replace("{count}", data.wallets.length)));
    }
    var o = data.offer;
    if (!o) { box.hidden = data.wallets.length === 0; return; }
    box.hidden = false;
    if (o.usable) {
      out.appendChild(el("p", {}, t.scan));
      var img = el("img", {"src": o.qr, "alt": t.qrAlt, "width": "220", "height": "220", "class": "wallet-qr"});
      out.appendChild(img);
      var ul = el("ul", {"class": "actions"});
      [[o.lcw, t.lcw], [o.openid, t.openid], [o.page, t.page]].forEach(function (pair) {
        var li = el("li"); li.appendChild(el("a", {"href": pair[0], "class": "button"}, pair[1])); ul.appendChild(li);
      });
      out.appendChild(ul);
      out.appendChild(el("p", {"class": "meta"}, t.expires.replace("{date}", new Date(o.expiresAt).toLocaleDateString(document.documentElement.lang || "fr", {day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Paris"}))));
    } else if (o.state !== "redeemed") {
      out.appendChild(el("p", {}, t.unusable));
    }
    if (box.dataset.learner) {
      var button = el("button", {"type": "button", "class": "button"}, t.renew);
      button.addEventListener("click", function () {
        fetch(data.renew, {method: "POST", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify({learner: box.dataset.learner}), credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) { if (d) { show(box, d); } else { out.appendChild(el("p", {}, t.renewFailed)); } });
      });
      out.appendChild(button);
    }
  }
  document.querySelectorAll("[data-wallet-offer]").forEach(function (box) {
    if (box.dataset.walletDone) { return; }
    box.dataset.walletDone = "1";
    var url = box.getAttribute("data-wallet-offer");
    if (box.dataset.learner) { url += "?learner=" + encodeURIComponent(box.dataset.learner); }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.status === 200 ? r.json() : null; })
      .then(function (d) { if (d) { show(box, d); } });
  });
})();
"""

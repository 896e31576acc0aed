"""The OB 3.0 API edge (``/ims/ob/v3p0/...``): Service Discovery, the OAuth 2.0 endpoints
(register, authorize with the consent page, token, revoke) and the resources (credentials,
profile). Errors of the resource endpoints are ``imsx_StatusInfo`` documents (OB 3.0
§"Imsx_StatusInfo"); the OAuth endpoints answer RFC 6749 / 7591 / 7009 errors, from Authlib."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException

from badger.errors import BadgerError, InvalidCredential, NotFound, Unauthorized
from badger.learners import service as learners
from badger.obapi import discovery, oauth
from badger.obapi import service as obapi
from badger.web.auth import render
from badger.web.current import badger_app
from badger.web.headers import html_csp
from badger.web.learners.views import current_learner_id

__all__ = ["bp", "status_info"]

bp = Blueprint("obapi", __name__, url_prefix=discovery.API_PATH)

_MINOR = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    415: "invalid_data",
    422: "invalid_data",
    429: "server_busy",
    500: "internal_server_error",
}


def status_info(status: int, description: str) -> Response:
    """An ``imsx_StatusInfo`` error body (OB 3.0 §"Imsx_StatusInfo")."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": _MINOR.get(status, "unknown"),
                }
            ]
        },
    }
    response = Response(json.dumps(body), status, mimetype="application/json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="badger"'
    return response


@bp.errorhandler(BadgerError)
def _badger_error(exc: BadgerError):
    if isinstance(exc, Unauthorized):
        status = 401
    elif isinstance(exc, obapi.Forbidden):
        status = 403
    elif isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, InvalidCredential):
        status = 422
    else:
        status = 400
    return status_info(status, str(exc))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return status_info(exc.code or 500, exc.description or "")


def _plain_request():
    form = {k: v for k, v in request.form.items()} if request.mimetype == "application/x-www-form-urlencoded" else {}
    body = request.get_json(silent=True) if request.mimetype == "application/json" else None
    return oauth.HttpRequest(
        method=request.method,
        url=request.url,
        headers=dict(request.headers),
        args={k: v for k, v in request.args.items()},
        form=form,
        json=body,
    )


def _oauth_response(result) -> Response:
    status, body, headers = result
    payload = json.dumps(body) if isinstance(body, dict) else (body or "")
    response = Response(payload, status)
    for name, value in headers:
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/discovery")
def discovery_document():
    app = badger_app()
    return Response(json.dumps(discovery.document(app)), 200, mimetype="application/json")


@bp.post("/auth/register")
def register():
    app = badger_app()
    with app.transaction() as db:
        srv = oauth.server(app, db)
        try:
            result = srv.create_endpoint_response("client_registration", _plain_request())
        except OAuth2Error as error:
            return _oauth_response((error.status_code, dict(error.get_body()), error.get_headers()))
    return _oauth_response(result)


@bp.post("/auth/token")
def token():
    app = badger_app()
    with app.transaction() as db:
        result = oauth.server(app, db).create_token_response(_plain_request())
    return _oauth_response(result)


@bp.post("/auth/revoke")
def revoke():
    app = badger_app()
    with app.transaction() as db:
        result = oauth.server(app, db).create_endpoint_response("revocation", _plain_request())
    return _oauth_response(result)


def _error_page(error: OAuth2Error):
    body, status = render("learners/message.html", 400, message=f"{error.error}: {error.description or ''}")
    return Response(body, status, mimetype="text/html")


@bp.route("/auth/authorize", methods=["GET", "POST"])
def authorize():
    """The consent page: the signed-in learner sees the app's name and the scopes and allows or
    denies (OB 3.0 §"Authorization Request"); not signed in, they sign in first and come back."""
    app = badger_app()
    learner_id = current_learner_id()
    if learner_id is None:
        session["learner_next"] = request.full_path if request.method == "GET" else url_for("obapi.authorize")
        return redirect(url_for("learners_me.home"), 303)
    with app.transaction() as db:
        learner = learners.get(db, learner_id)
        if learner is None:
            session.pop("learner_id", None)
            return redirect(url_for("learners_me.home"), 303)
        srv = oauth.server(app, db)
        try:
            grant = srv.get_consent_grant(request=_plain_request(), end_user=learner)
        except OAuth2Error as error:
            # Client or redirect URI wrong: never redirect to an unverified address (RFC 6749 §4.1.2.1).
            if error.redirect_uri and error.error not in ("invalid_client", "invalid_request"):
                return redirect(
                    error.redirect_uri + "?" + urlencode(dict(error.get_body()) | {"state": error.state or ""})
                )
            return _error_page(error)
        scope = grant.request.scope or ""
        if request.method == "GET":
            body, status = render(
                "learners/consent.html",
                client_name=grant.client.row.name,
                client_uri=grant.client.metadata.get("client_uri"),
                scopes=scope.split(),
                action=request.full_path,
            )
            target = urlsplit(grant.redirect_uri)
            # the consent form's answer redirects to the app: its origin is a form-action target
            csp = html_csp((f"{target.scheme}://{target.netloc}",))
            return Response(
                body, status, mimetype="text/html", headers={"X-Frame-Options": "DENY", "Content-Security-Policy": csp}
            )
        approved = request.form.get("decision") == "allow"
        result = srv.create_authorization_response(
            request=grant.request, grant_user=learner if approved else None, grant=grant
        )
        oauth.record_grant(app, db, learner.id, grant.client.get_client_id(), scope, approved)
    status, _body, headers = result
    return redirect(dict(headers)["Location"], 302)


@bp.route("/credentials", methods=["GET", "POST"])
def credentials():
    app = badger_app()
    with app.transaction() as db:
        if request.method == "GET":
            grant = obapi.authenticate(app, db, request.headers.get("Authorization"), oauth.SCOPE_CREDENTIAL_READ)
            items, total, limit, offset = obapi.list_credentials(
                app,
                db,
                grant.learner,
                limit=request.args.get("limit"),
                offset=request.args.get("offset"),
                since=request.args.get("since"),
            )
            response = Response(obapi.credentials_body(items), 200, mimetype="application/json")
            response.headers["X-Total-Count"] = str(total)
            response.headers["Link"] = _links(total, limit, offset)
            return response
        grant = obapi.authenticate(app, db, request.headers.get("Authorization"), oauth.SCOPE_CREDENTIAL_UPSERT)
        if request.mimetype not in ("application/json", "text/plain"):
            return status_info(415, "send application/json (a credential) or text/plain (a compact JWS)")
        item, created = obapi.upsert_credential(app, db, grant, request.get_data())
    mimetype = "text/plain" if item.is_jwt else "application/json"
    return Response(item.payload.encode("utf-8"), 201 if created else 200, mimetype=mimetype)


def _links(total: int, limit: int, offset: int) -> str:
    """RFC 8288 links to the other pages (OB 3.0 §"Paging")."""
    base = url_for("obapi.credentials", _external=False)
    origin = badger_app().base_url

    def link(rel: str, start: int) -> str:
        return f'<{origin}{base}?{urlencode({"limit": limit, "offset": start})}>; rel="{rel}"'

    last = max(0, ((total - 1) // limit) * limit) if total else 0
    links = [link("first", 0), link("last", last)]
    if offset + limit < total:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return ", ".join(links)


@bp.route("/profile", methods=["GET", "PUT"])
def profile():
    app = badger_app()
    with app.transaction() as db:
        if request.method == "GET":
            grant = obapi.authenticate(app, db, request.headers.get("Authorization"), oauth.SCOPE_PROFILE_READ)
            body = obapi.get_profile(app, db, grant.learner)
        else:
            grant = obapi.authenticate(app, db, request.headers.get("Authorization"), oauth.SCOPE_PROFILE_UPDATE)
            document = request.get_json(silent=True) if request.mimetype == "application/json" else None
            body = obapi.update_profile(app, db, grant, document)
    return Response(json.dumps(body), 200, mimetype="application/json")

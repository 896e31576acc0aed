"""The learner's space (``/me``): sign-in by e-mail link, the collection (badges issued here to
any confirmed address, and imported ones), addresses, import and export, public profile,
connected apps and hosts, deletion, endorsements of one's badges (accept or decline); the
public profile page (``/profiles/<slug>``); endorsing another learner's badge
(``/credentials/<id>/endorse``) and the DID documents of the learners' endorsement keys
(``/learners/<key id>/did.json``, badger.learners.endorsements).

The signed-in learner is ``session["learner_id"]`` (the Flask session cookie; separate from the
partners' staff accounts). Every form is a POST with a CSRF token; one-time links open a page
whose button does the POST (mail scanners that follow links do not use them up)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from badger.accounts.service import TooManyAttempts
from badger.errors import BadgerError, Conflict, InvalidInput, NotFound
from badger.issuers.held_keys import Gone
from badger.learners import endorsements, imports
from badger.learners import service as learners
from badger.obapi import consumer
from badger.obapi import service as obapi
from badger.web.auth import render
from badger.web.current import badger_app
from badger.web.errors import language, problem
from badger.web.responses import PRIVATE as _PRIVATE

__all__ = ["bp", "current_learner_id"]

bp = Blueprint("learners_me", __name__)


def current_learner_id() -> str | None:
    value = session.get("learner_id")
    return value if isinstance(value, str) else None


def _signed_in(app, db):
    learner = learners.get(db, current_learner_id())
    if learner is None:
        session.pop("learner_id", None)
    return learner


def _page(template: str, status: int = 200, **context):
    body, status = render(template, status, **context)
    return Response(body, status, headers=_PRIVATE, mimetype="text/html")


def _to_me(anchor: str = ""):
    return redirect(url_for("learners_me.home") + anchor, 303)


@bp.get("/me")
def home():
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is None:
            return _page("learners/sign_in.html")
        items = learners.collection(app, db, learner)
        return _page(
            "learners/me.html",
            learner=learner,
            items=items,
            badge_names={i.row_id: i.name for i in items if i.kind == "issued"},
            addresses=learners.addresses(db, learner),
            apps=obapi.granted_apps(db, learner),
            connections=consumer.connections(db, learner),
            profile_url=url_for("learners_me.profile", slug=learner.public_slug) if learner.public_slug else None,
            received=endorsements.received(db, learner),
            endorsement_did=endorsements.did_of(db, learner),
        )


@bp.post("/me/sign-in")
def sign_in_request():
    app = badger_app()
    email = request.form.get("email", "")
    try:
        with app.transaction() as db:
            learners.request_sign_in(app, db, email, lang=language())
    except TooManyAttempts:
        return _page(
            "learners/sign_in.html",
            429,
            error=_("Too many links were asked for this address. Try again in 15 minutes."),
        )
    except InvalidInput:
        return _page("learners/sign_in.html", 400, error=_("This is not an e-mail address."), email=email)
    return _page("learners/sent.html", email=email)


@bp.get("/me/sign-in/<token>")
def sign_in_link(token: str):
    return _page(
        "learners/confirm.html", action=url_for("learners_me.sign_in_complete", token=token), label=_("Sign in")
    )


@bp.post("/me/sign-in/<token>")
def sign_in_complete(token: str):
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = learners.complete_sign_in(app, db, token, lang=language())
            learner_id = learner.id
    except BadgerError:
        return _page(
            "learners/sign_in.html", 404, error=_("This link is invalid, expired or already used. Ask for a new one.")
        )
    next_url = session.get("learner_next")
    session.clear()  # a new session for a new sign-in
    session["learner_id"] = learner_id
    if isinstance(next_url, str) and next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url, 303)
    return _to_me()


@bp.post("/me/sign-out")
def sign_out():
    session.pop("learner_id", None)
    return _to_me()


@bp.post("/me/addresses")
def add_address():
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            learners.request_address(app, db, learner, request.form.get("email", ""), lang=language())
        flash(_("We sent a confirmation link to this address."), "success")
    except TooManyAttempts:
        flash(_("Too many links were asked for this address. Try again in 15 minutes."), "error")
    except BadgerError as exc:
        flash(_("This address cannot be added: %(reason)s", reason=str(exc)), "error")
    return _to_me("#addresses")


@bp.get("/me/addresses/confirm/<token>")
def address_link(token: str):
    if current_learner_id() is None:
        session["learner_next"] = request.path
        return _page("learners/sign_in.html", error=_("Sign in first, then open the link again."))
    return _page(
        "learners/confirm.html",
        action=url_for("learners_me.address_confirm", token=token),
        label=_("Confirm this address"),
    )


@bp.post("/me/addresses/confirm/<token>")
def address_confirm(token: str):
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            learners.confirm_address(app, db, learner, token)
        flash(_("Address confirmed: its badges are now in your collection."), "success")
    except BadgerError as exc:
        flash(_("This address cannot be added: %(reason)s", reason=str(exc)), "error")
    session.pop("learner_next", None)
    return _to_me("#addresses")


@bp.post("/me/addresses/<address_id>/remove")
def remove_address(address_id: str):
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is not None:
                learners.remove_address(app, db, learner, address_id)
    except BadgerError as exc:
        flash(str(exc), "error")
    return _to_me("#addresses")


@bp.post("/me/import")
def import_badge():
    app = badger_app()
    upload = request.files.get("file")
    url = (request.form.get("url") or "").strip()
    text = request.form.get("text") or ""
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            if upload is not None and upload.filename:
                imports.import_bytes(app, db, learner, upload.read(imports.MAX_BYTES + 1), lang=language())
            elif url:
                imports.import_url(app, db, learner, url, lang=language())
            elif text.strip():
                imports.import_bytes(app, db, learner, text.encode("utf-8"), lang=language())
            else:
                raise InvalidInput(_("Choose a file, paste a badge or give its address."))
        flash(_("Badge verified and added to your collection."), "success")
    except BadgerError as exc:
        flash(_("This badge was not added: %(reason)s", reason=str(exc)), "error")
    return _to_me("#import")


@bp.get("/me/badges/<badge_id>/download")
def download(badge_id: str):
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is None:
            return _to_me()
        data, media_type, ext = imports.export(db, learner, badge_id)
    return Response(
        data,
        200,
        mimetype=media_type,
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="badge-{badge_id[:8]}.{ext}"'},
    )


@bp.post("/me/badges/<badge_id>/remove")
def remove_badge(badge_id: str):
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is not None:
            imports.remove(app, db, learner, badge_id)
    return _to_me()


@bp.post("/me/visibility")
def visibility():
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is not None:
            learners.set_public(app, db, learner, request.form.get("key", ""), request.form.get("public") == "1")
    return _to_me("#badges")


@bp.post("/me/profile")
def update_profile():
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is not None:
                learners.update_profile(
                    app, db, learner, name=request.form.get("name", ""), public_slug=request.form.get("public_slug", "")
                )
        flash(_("Profile saved."), "success")
    except BadgerError as exc:
        flash(str(exc), "error")
    return _to_me("#profile")


@bp.post("/me/delete")
def delete():
    app = badger_app()
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the deletion."), "error")
        return _to_me("#delete")
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is not None:
            for connection in consumer.connections(db, learner):  # other hosts forget our tokens too
                if connection.status == "active":
                    consumer.revoke(app, db, learner, connection.id)
            learners.delete_account(app, db, learner)
    session.clear()
    return _page("learners/deleted.html")


@bp.post("/me/apps/<client_id>/revoke")
def revoke_app(client_id: str):
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is not None:
            obapi.revoke_app(app, db, learner, client_id)
    return _to_me("#apps")


@bp.post("/me/connections")
def connect():
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            url = consumer.start(app, db, learner, request.form.get("host", ""))
    except BadgerError as exc:
        flash(_("Cannot connect to this host: %(reason)s", reason=str(exc)), "error")
        return _to_me("#connections")
    return redirect(url, 303)


@bp.get("/me/connections/callback")
def connect_callback():
    app = badger_app()
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            conn = consumer.finish(
                app,
                db,
                learner,
                state=request.args.get("state"),
                code=request.args.get("code"),
                error=request.args.get("error"),
            )
            connection_id = conn.id
        result = _push(app, connection_id)
        flash(_("%(count)d badge(s) sent.", count=result["sent"]), "success")
    except BadgerError as exc:
        flash(_("Cannot connect to this host: %(reason)s", reason=str(exc)), "error")
    return _to_me("#connections")


def _push(app, connection_id: str) -> dict:
    """Read what to send, send it with no transaction open (the other host fetches our keys and
    status lists while it verifies), then record the outcome."""
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is None:
            raise NotFound("sign in first", code="learner.signed_out")
        plan = consumer.prepare_push(app, db, learner, connection_id)
    consumer.send(app, plan)
    with app.transaction() as db:
        learner = _signed_in(app, db)
        return consumer.record_push(app, db, learner, plan)


@bp.post("/me/connections/<connection_id>/push")
def push(connection_id: str):
    app = badger_app()
    if current_learner_id() is None:
        return _to_me()
    try:
        result = _push(app, connection_id)
        flash(_("%(count)d badge(s) sent.", count=result["sent"]), "success")
    except BadgerError as exc:
        return _page(
            "learners/message.html",
            409 if exc.code == "obapi.connection_revoked" else 400,
            message=_("Nothing was sent: %(reason)s", reason=str(exc)),
        )
    return _to_me("#connections")


@bp.post("/me/connections/<connection_id>/revoke")
def disconnect(connection_id: str):
    app = badger_app()
    with app.transaction() as db:
        learner = _signed_in(app, db)
        if learner is not None:
            consumer.revoke(app, db, learner, connection_id)
    flash(_("Connection revoked: nothing more will be sent."), "success")
    return _to_me("#connections")


@bp.get("/profiles/<slug>")
def profile(slug: str):
    app = badger_app()
    with app.transaction() as db:
        view = learners.public_profile(app, db, slug)
    body, status = render("learners/profile.html", **view)
    return Response(body, status, mimetype="text/html")


# ----------------------------------------------------------------------------------- endorsements

_ENDORSE_ERRORS = {
    "endorsement.missing_comment": lambda: _("Write a few words for your endorsement."),
    "endorsement.comment_too_long": lambda: _(
        "Your endorsement is too long: %(max)d characters at most.", max=endorsements.MAX_COMMENT
    ),
    "endorsement.missing_name": lambda: _("Give the name to show with your endorsement."),
    "endorsement.name_too_long": lambda: _(
        "The name is too long: %(max)d characters at most.", max=endorsements.MAX_NAME
    ),
    "endorsement.own": lambda: _("You cannot endorse your own badge."),
    "endorsement.revoked": lambda: _("This badge was revoked: it cannot be endorsed."),
    "endorsement.exists": lambda: _("You already endorsed this badge."),
}


def _endorse_error(exc: BadgerError) -> str:
    readable = _ENDORSE_ERRORS.get(exc.code)
    return readable() if readable is not None else str(exc)


@bp.route("/credentials/<credential_id>/endorse", methods=["GET", "POST"])
def endorse(credential_id: str):
    """A signed-in learner endorses another learner's badge (GET: the form, or where things
    stand; POST: sign it, then back to the GET)."""
    app = badger_app()
    if current_learner_id() is None:
        session["learner_next"] = request.path
        return _page("learners/sign_in.html", error=_("Sign in to endorse this badge."))
    values = {"comment": request.form.get("comment", ""), "name": request.form.get("name", "")}
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            credential = endorsements.target(app, db, credential_id)
            if request.method == "POST":
                endorsements.endorse(app, db, learner, credential["id"], comment=values["comment"], name=values["name"])
            else:
                values["name"] = learner.name or ""
            state = endorsements.state_for(db, learner, credential["id"])
            did = endorsements.did_of(db, learner)
    except NotFound:
        return _page("learners/message.html", 404, message=_("There is no such badge."))
    except (InvalidInput, Conflict) as exc:
        if exc.code in ("endorsement.own", "endorsement.revoked", "endorsement.exists") or request.method == "GET":
            return _page(
                "learners/message.html", 409 if isinstance(exc, Conflict) else 400, message=_endorse_error(exc)
            )
        with app.transaction() as db:
            credential = endorsements.target(app, db, credential_id)
        return _page(
            "learners/endorse.html",
            400,
            credential=credential,
            values=values,
            error=_endorse_error(exc),
            state="can",
            max_comment=endorsements.MAX_COMMENT,
            max_name=endorsements.MAX_NAME,
        )
    if request.method == "POST":
        flash(
            _("Your endorsement is signed. It will appear on the badge's page once its holder accepts it."), "success"
        )
        return redirect(url_for("learners_me.endorse", credential_id=credential_id), 303)
    if state is None:
        return _page("learners/message.html", 400, message=_("You cannot endorse your own badge."))
    return _page(
        "learners/endorse.html",
        credential=credential,
        values=values,
        state=state,
        did=did,
        max_comment=endorsements.MAX_COMMENT,
        max_name=endorsements.MAX_NAME,
    )


@bp.post("/me/endorsements")
def decide_endorsement():
    """The signed-in learner shows or hides an endorsement of one of their badges."""
    app = badger_app()
    decision = request.form.get("decision")
    if decision not in ("accept", "decline"):
        return _page("learners/message.html", 400, message=_("Choose to show the endorsement or not."))
    try:
        with app.transaction() as db:
            learner = _signed_in(app, db)
            if learner is None:
                return _to_me()
            endorsements.decide(app, db, learner, request.form.get("endorsement", ""), accept=decision == "accept")
    except NotFound:
        return _page("learners/message.html", 404, message=_("There is no such endorsement of your badges."))
    flash(_("Your choice is saved."), "success")
    return _to_me("#endorsements")


@bp.get("/learners/<key_id>/did.json")
def learner_did(key_id: str):
    """The DID document of a learner's endorsement key (did:web); 410 once the account is deleted."""
    app = badger_app()
    try:
        with app.transaction() as db:
            document = endorsements.did_document(app, db, key_id)
    except Gone as exc:
        return problem(410, exc.code, str(exc))
    return Response(
        json.dumps(document),
        200,
        mimetype="application/did+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"},
    )

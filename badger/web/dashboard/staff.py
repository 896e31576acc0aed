"""The dashboard's home (/dashboard/: the partners of the signed-in person) and the owner's
pages of one partner: staff (members, roles, invitations), API tokens and signing keys.

Row actions (change a role, remove a member, revoke a token or an invitation) take the row id
in the form body, not in the URL: every URL under /dashboard/<slug>/ then names only the
partner, and a refused request is refused before anything is looked up.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from badger.accounts import service as accounts
from badger.accounts import tokens as api_tokens
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuers import linkage
from badger.issuers import service as issuers
from badger.public import service as public_pages
from badger.web.accounts.forms import InviteForm, RotateKeysForm, StatusFormForm, TokenForm
from badger.web.auth import (
    login_required,
    membership_required,
    partner_home,
    render,
    role_label,
)
from badger.web.current import badger_app

__all__ = ["bp"]

bp = Blueprint("staff", __name__, url_prefix="/dashboard")


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("fr", "en") else "fr"


def _field(name: str) -> str:
    value = request.form.get(name, "")
    return value if isinstance(value, str) and len(value) <= 64 else ""


# ---------------------------------------------------------------------------------------- home


@bp.get("/")
@login_required
def home():
    with badger_app().transaction() as session:
        user = accounts.get_user(session, current_user.id)
        rows = accounts.memberships_of(session, user) if user is not None else []
        partners = [{"name": i.name, "slug": i.slug, "role": r} for i, r in rows]
    for partner in partners:
        partner["url"] = partner_home(partner["slug"], partner["role"])
        partner["role_label"] = role_label(partner["role"])
    # One partner: go straight to it (``?all=1`` shows the list anyway).
    if len(partners) == 1 and partners[0]["url"] and not current_user.is_admin and "all" not in request.args:
        return redirect(partners[0]["url"])
    return render("dashboard/home.html", partners=partners)


# --------------------------------------------------------------------------------------- staff


def _staff_page(form: InviteForm, status: int = 200):
    app = badger_app()
    with app.transaction() as session:
        issuer = issuers.get_issuer(session, g.issuer.slug)
        people = [
            {
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "role": r,
                "role_label": role_label(r),
                "me": u.id == current_user.id,
            }
            for u, r in accounts.members(session, issuer)
        ]
        pending = [
            {"id": i.id, "email": i.email, "role_label": role_label(i.role), "expires_at": i.expires_at}
            for i in accounts.pending_invitations(app, session, issuer)
        ]
    owners = sum(1 for p in people if p["role"] == "owner")
    return render(
        "dashboard/staff.html",
        status,
        form=form,
        people=people,
        pending=pending,
        owners=owners,
        roles=[(r, role_label(r)) for r in accounts.ROLES],
    )


@bp.get("/<slug>/staff")
@membership_required("owner")
def members(slug):
    return _staff_page(InviteForm())


@bp.post("/<slug>/staff/invite")
@membership_required("owner")
def invite(slug):
    form = InviteForm()
    if not form.validate():
        return _staff_page(form, 400)
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = issuers.get_issuer(session, slug)
            sent = accounts.invite(
                app, session, issuer, form.email.data, form.role.data, actor=current_user.actor, lang=_lang()
            )
    except Conflict:
        form.email.errors = [_("This person is already a member of this partner.")]
        return _staff_page(form, 409)
    except InvalidInput:
        form.email.errors = [_("This is not a valid e-mail address.")]
        return _staff_page(form, 400)
    flash(_("Invitation sent to %(email)s.", email=sent.email), "success")
    return redirect(url_for("staff.members", slug=slug))


@bp.post("/<slug>/staff/role")
@membership_required("owner")
def change_role(slug):
    app = badger_app()
    role = _field("role")
    try:
        with app.transaction() as session:
            accounts.change_role(
                app, session, issuers.get_issuer(session, slug), _field("user_id"), role, actor=current_user.actor
            )
    except NotFound:
        flash(_("This person is not a member of this partner."), "error")
    except Conflict:
        flash(_("A partner keeps at least one owner: name another owner first."), "error")
    except InvalidInput:
        flash(_("Choose a role."), "error")
    else:
        flash(_("The role has been changed."), "success")
    return redirect(url_for("staff.members", slug=slug))


@bp.post("/<slug>/staff/remove")
@membership_required("owner")
def remove(slug):
    app = badger_app()
    user_id = _field("user_id")
    try:
        with app.transaction() as session:
            accounts.remove_member(app, session, issuers.get_issuer(session, slug), user_id, actor=current_user.actor)
    except NotFound:
        flash(_("This person is not a member of this partner."), "error")
    except Conflict:
        flash(_("A partner keeps at least one owner: name another owner first."), "error")
    else:
        flash(_("The person no longer has access to this partner."), "success")
        if user_id == current_user.id and not current_user.is_admin:
            return redirect(url_for("staff.home"))
    return redirect(url_for("staff.members", slug=slug))


@bp.post("/<slug>/staff/invitations/revoke")
@membership_required("owner")
def revoke_invitation(slug):
    app = badger_app()
    try:
        with app.transaction() as session:
            accounts.revoke_invitation(
                app, session, issuers.get_issuer(session, slug), _field("invitation_id"), actor=current_user.actor
            )
    except NotFound:
        flash(_("This invitation is no longer pending."), "error")
    else:
        flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("staff.members", slug=slug))


# -------------------------------------------------------------------------------------- tokens


def _tokens_page(form: TokenForm, status: int = 200, secret: str | None = None):
    with badger_app().transaction() as session:
        rows = [
            {"id": t.id, "label": t.label, "created_at": t.created_at, "revoked_at": t.revoked_at}
            for t in api_tokens.list_tokens(session, issuers.get_issuer(session, g.issuer.slug))
        ]
    body, status = render("dashboard/tokens.html", status, form=form, tokens=rows, secret=secret)
    # The new token is on this page only: never cache it.
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/<slug>/tokens", methods=["GET", "POST"])
@membership_required("owner")
def tokens(slug):
    form = TokenForm()
    if request.method == "GET":
        return _tokens_page(form)
    if not form.validate():
        return _tokens_page(form, 400)
    app = badger_app()
    with app.transaction() as session:
        secret = api_tokens.create_token(
            app, session, issuers.get_issuer(session, slug), form.label.data or None, actor=current_user.actor
        )
    form.label.data = ""
    return _tokens_page(form, 201, secret=secret)


@bp.post("/<slug>/tokens/revoke")
@membership_required("owner")
def revoke_token(slug):
    app = badger_app()
    try:
        with app.transaction() as session:
            api_tokens.revoke_token(
                app, session, issuers.get_issuer(session, slug), _field("token_id"), actor=current_user.actor
            )
    except NotFound:
        flash(_("There is no such token."), "error")
    else:
        flash(_("The token has been revoked: programs using it are refused from now on."), "success")
    return redirect(url_for("staff.tokens", slug=slug))


# ---------------------------------------------------------------------------------------- keys


def _keys_page(form: RotateKeysForm, status: int = 200, status_form: StatusFormForm | None = None):
    app = badger_app()
    with app.transaction() as session:
        issuer = issuers.get_issuer(session, g.issuer.slug)
        if status_form is None:
            status_form = StatusFormForm(status_form=issuer.status_form)
        keys = [
            {
                "id": f"{issuer.did}#{k.fragment}",
                "purpose": k.purpose,
                "algorithm": k.algorithm,
                "active": k.active,
                "created_at": k.created_at,
            }
            for k in sorted(issuer.keys, key=lambda k: (not k.active, k.created_at), reverse=False)
        ]
        did, can_rotate = issuer.did, not issuer.did.startswith("did:key:")
        profile = {"linkedin": issuer.linkedin_organization_id or "", "show_holders": issuer.show_holder_count}
    return render(
        "dashboard/keys.html",
        status,
        form=form,
        status_form=status_form,
        keys=keys,
        did=did,
        can_rotate=can_rotate,
        profile=profile,
        did_url=url_for("public.issuer_did", slug=g.issuer.slug) if "public.issuer_did" in _views() else None,
    )


def _views():
    return current_app.view_functions


@bp.get("/<slug>/keys")
@membership_required("owner")
def keys(slug):
    return _keys_page(RotateKeysForm())


@bp.get("/<slug>/keys/did-configuration.json")
@membership_required("owner")
def did_configuration(slug):
    """The DIF DID Configuration for the partner to publish at
    <its web site>/.well-known/did-configuration.json (badger.issuers.linkage)."""
    app = badger_app()
    with app.transaction() as session:
        issuer = issuers.get_issuer(session, slug)
        try:
            document = linkage.did_configuration(app, issuer)
        except InvalidInput:
            flash(_("The partner's web site address is not an http(s) address: no link can be made."), "error")
            return redirect(url_for("staff.keys", slug=slug))
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="did-configuration.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<slug>/keys/status-form")
@membership_required("owner")
def status_form(slug):
    form = StatusFormForm()
    if not form.validate():
        return _keys_page(RotateKeysForm(formdata=None), 400, status_form=form)
    app = badger_app()
    with app.transaction() as session:
        issuers.set_status_form(
            app, session, issuers.get_issuer(session, slug), form.status_form.data, actor=current_user.actor
        )
    flash(_("Saved: badges issued from now on use this form. Badges already issued keep theirs."), "success")
    return redirect(url_for("staff.keys", slug=slug))


@bp.post("/<slug>/profile")
@membership_required("owner")
def public_profile(slug):
    """The partner's public profile choices: its LinkedIn organisation id (the certification
    then shows its logo on LinkedIn) and whether its pages show holder counts."""
    form = RotateKeysForm()  # only for its CSRF token check
    if not form.csrf_token.validate(form):
        return _keys_page(RotateKeysForm(), 400)
    app = badger_app()
    try:
        with app.transaction() as session:
            issuer = issuers.get_issuer(session, slug)
            public_pages.set_linkedin_organization(
                app, session, issuer, request.form.get("linkedin"), actor=current_user.actor
            )
            show = request.form.get("show_holders") == "on"
            if show != issuer.show_holder_count:
                public_pages.set_show_holder_count(app, session, issuer, show, actor=current_user.actor)
    except InvalidInput:
        flash(_("A LinkedIn organisation id is a number (linkedin.com/company/12345678)."), "error")
        return redirect(url_for("staff.keys", slug=slug))
    flash(_("Public profile saved."), "success")
    return redirect(url_for("staff.keys", slug=slug))


@bp.post("/<slug>/keys/rotate")
@membership_required("owner")
def rotate_keys(slug):
    form = RotateKeysForm()
    if not form.validate():
        return _keys_page(form, 400)
    app = badger_app()
    try:
        with app.transaction() as session:
            accounts.rotate_keys(app, session, issuers.get_issuer(session, slug), actor=current_user.actor)
    except Conflict:
        flash(_("This partner's identifier is its key (did:key): it cannot be rotated."), "error")
        return redirect(url_for("staff.keys", slug=slug))
    flash(_("New keys are active. Credentials issued before keep verifying with the old ones."), "success")
    return redirect(url_for("staff.keys", slug=slug))

"""Platform administration (/admin/): the list of partners and the form that creates one and
invites its first owner. Platform administrators only (``is_admin``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from badger.accounts import service as accounts
from badger.errors import Conflict, InvalidInput
from badger.issuers import service as issuers
from badger.web.accounts.forms import PartnerForm
from badger.web.auth import admin_required, render
from badger.web.current import badger_app

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(form: PartnerForm, status: int = 200):
    with badger_app().transaction() as session:
        partners = [
            {"name": i.name, "slug": i.slug, "url": i.url, "did": i.did, "created_at": i.created_at}
            for i in issuers.list_issuers(session)
        ]
    return render("admin/index.html", status, form=form, partners=partners)


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = PartnerForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    app = badger_app()
    locale = get_locale()
    try:
        with app.transaction() as session:
            issuer, invitation = accounts.create_partner(
                app,
                session,
                name=form.name.data,
                url=form.url.data,
                slug=(form.slug.data or "").strip() or None,
                owner_email=form.owner_email.data,
                actor=current_user.actor,
                lang=locale.language if locale is not None and locale.language in ("fr", "en") else "fr",
            )
            name, email = issuer.name, invitation.email
    except Conflict:
        form.slug.errors = [_("This address name is taken: choose another one.")]
        return _page(form, 409)
    except InvalidInput as exc:
        field = {
            "input.invalid_url": form.url,
            "input.invalid_slug": form.slug,
            "input.invalid_name": form.name,
            "account.invalid_email": form.owner_email,
        }.get(exc.code)
        message = {
            "input.invalid_url": _("Give an address starting with https:// or http://."),
            "input.invalid_slug": _("Use 1 to 64 lower-case letters, digits or dashes."),
            "input.invalid_name": _("Give a name of 300 characters at most."),
            "account.invalid_email": _("This is not a valid e-mail address."),
        }.get(exc.code)
        if field is None:
            form.form_errors.append(_("This value is not accepted."))
        else:
            field.errors = [message]
        return _page(form, 400)
    flash(_("%(partner)s has been created; an invitation was sent to %(email)s.", partner=name, email=email), "success")
    return redirect(url_for("admin.index"))

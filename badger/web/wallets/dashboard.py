"""The partner's wallet page: how many credentials went to wallets, the wallet offer switch and
the transaction-code option (owner), and a new offer for one credential (issuer)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from badger.errors import BadgerError
from badger.issuance import issuing
from badger.wallets import offers
from badger.web.auth import current_user, membership_required, render
from badger.web.current import badger_app

__all__ = ["bp"]

bp = Blueprint("wallets_dashboard", __name__, url_prefix="/dashboard/<slug>/wallets")


def _page(status: int = 200, *, renewed=None, error: str | None = None):
    app = badger_app()
    with app.transaction() as session:
        settings = offers.settings_of(session, g.issuer.id)
        counts = offers.count(session, g.issuer.id)
    return render(
        "wallets/dashboard.html",
        status,
        issuer=g.issuer,
        role=g.role,
        is_owner=g.role == "owner",
        can_issue=g.role in ("issuer", "owner"),
        settings=settings,
        counts=counts,
        renewed=renewed,
        error=error,
    )


@bp.get("/")
@membership_required("viewer")
def settings(slug):
    return _page()


@bp.post("/")
@membership_required("owner")
def save_settings(slug):
    app = badger_app()
    with app.transaction() as session:
        offers.set_settings(
            app,
            session,
            g.issuer,
            offers_enabled=request.form.get("offers_enabled") == "1",
            tx_code=request.form.get("tx_code") == "1",
            actor=current_user.actor,
        )
    flash(_("Wallet settings saved."))
    return redirect(url_for("wallets_dashboard.settings", slug=slug), 303)


@bp.post("/renew")
@membership_required("issuer")
def renew(slug):
    """A new offer for one of this partner's credentials (the old one stops working)."""
    app = badger_app()
    email = (request.form.get("email") or "").strip() or None
    try:
        with app.transaction() as session:
            row = issuing.get_credential(session, request.form.get("credential") or "", issuer=g.issuer)
            links = offers.renew(app, session, row, email=email, actor=current_user.actor)
    except BadgerError as exc:
        return _page(400, error=str(exc))
    return _page(renewed=links)

"""Sign-in pages: /account/login, /account/logout, password reset, invitations, /account.

Thin: read the form, call the accounts service in one transaction, render. Answers never say
whether an e-mail has an account (sign-in failures and reset requests read the same).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask import session as cookie
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from badger.accounts import service as accounts
from badger.errors import Conflict, InvalidInput, NotFound
from badger.web.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    ResetRequestForm,
)
from badger.web.auth import CurrentUser, client_ip, login_required, render, safe_next
from badger.web.current import badger_app

__all__ = ["bp"]

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("fr", "en") else "fr"


def _password_message(exc: InvalidInput) -> str:
    if exc.code == "account.password_too_short":
        return _("The password needs at least %(min)d characters.", min=accounts.MIN_PASSWORD_LENGTH)
    if exc.code == "account.password_too_long":
        return _("This password is too long.")
    if exc.code == "account.invalid_name":
        return _("Give a name of 200 characters at most.")
    if exc.code == "account.wrong_password":
        return _("The current password is wrong.")
    return _("This value is not accepted.")


# ---------------------------------------------------------------------------------------- sign in


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target or url_for("staff.home"))
        form.next.data = target or ""
        return render("accounts/login.html", form=form)
    if not form.validate():
        return render("accounts/login.html", 400, form=form)
    app = badger_app()
    try:
        with app.transaction() as session:
            # A failure is recorded by authenticate(): the transaction commits either way.
            user = accounts.authenticate(app, session, form.email.data, form.password.data, ip=client_ip())
            signed_in = CurrentUser.of(user) if user is not None else None
    except accounts.TooManyAttempts as exc:
        body, status = render("accounts/too_many.html", 429, seconds=exc.retry_after)
        return body, status, {"Retry-After": str(exc.retry_after)}
    if signed_in is None:
        form.password.data = ""
        return render("accounts/login.html", 200, form=form, error=_("The e-mail address or the password is wrong."))
    _sign_in_user(signed_in)
    return redirect(target or url_for("staff.home"))


@bp.post("/logout")
def logout():
    logout_user()
    cookie.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


# -------------------------------------------------------------------------------- password reset


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset_request():
    form = ResetRequestForm()
    if request.method == "POST" and form.validate():
        app = badger_app()
        with app.transaction() as session:
            accounts.request_password_reset(app, session, form.email.data, lang=_lang())
        return render("accounts/reset_sent.html")
    return render("accounts/reset_request.html", 400 if request.method == "POST" else 200, form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset(token):
    app = badger_app()
    form = NewPasswordForm()
    try:
        with app.transaction() as session:
            accounts.check_reset_token(app, session, token)
    except NotFound:
        return render("accounts/link_invalid.html", 404, reason="reset")
    if request.method == "POST" and form.validate():
        try:
            with app.transaction() as session:
                accounts.reset_password(app, session, token, form.password.data)
        except NotFound:
            return render("accounts/link_invalid.html", 404, reason="reset")
        except InvalidInput as exc:
            form.password.errors = [_password_message(exc)]
            return render("accounts/reset_form.html", 400, form=form)
        logout_user()
        cookie.clear()
        flash(_("Your password has been changed. Sign in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    return render("accounts/reset_form.html", 400 if request.method == "POST" else 200, form=form)


# ----------------------------------------------------------------------------------- invitations


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token):
    app = badger_app()
    try:
        with app.transaction() as session:
            row, issuer, has_account = accounts.invitation_info(app, session, token)
            details = {
                "email": row.email,
                "role": row.role,
                "partner": issuer.name,
                "slug": issuer.slug,
                "expires_at": row.expires_at,
            }
    except NotFound:
        return render("accounts/link_invalid.html", 404, reason="invitation")
    except Conflict as exc:
        return render("accounts/link_invalid.html", 410, reason=exc.code)
    form = JoinForm() if has_account else AcceptInvitationForm()
    if request.method == "POST" and form.validate():
        try:
            with app.transaction() as session:
                if has_account:
                    user, created = accounts.accept_invitation(app, session, token)
                else:
                    user, created = accounts.accept_invitation(
                        app, session, token, name=form.name.data, password=form.password.data
                    )
                joined = CurrentUser.of(user)
        except NotFound:
            return render("accounts/link_invalid.html", 404, reason="invitation")
        except Conflict as exc:
            if exc.code == "account.email_taken":  # an account appeared meanwhile: join with it
                return redirect(url_for("accounts.invitation", token=token))
            return render("accounts/link_invalid.html", 410, reason=exc.code)
        except InvalidInput as exc:
            target = form.name if exc.code == "account.invalid_name" else form.password
            target.errors = [_password_message(exc)]
            return render("accounts/invitation.html", 400, form=form, invitation=details, has_account=has_account)
        flash(_("Welcome to %(partner)s.", partner=details["partner"]), "success")
        if created:  # only a new account is signed in: an existing one still needs its password
            _sign_in_user(joined)
            return redirect(url_for("staff.home"))
        if current_user.is_authenticated and current_user.id == joined.id:
            return redirect(url_for("staff.home"))
        logout_user()
        return redirect(url_for("accounts.login", next=url_for("staff.home")))
    status = 400 if request.method == "POST" else 200
    return render("accounts/invitation.html", status, form=form, invitation=details, has_account=has_account)


def _sign_in_user(user: CurrentUser) -> None:
    cookie.clear()  # nothing from before sign-in survives it (session fixation)
    login_user(user)


# -------------------------------------------------------------------------------------- account


@bp.route("", methods=["GET", "POST"])
@login_required
def account():
    app = badger_app()
    profile = ProfileForm(prefix="profile")
    password = ChangePasswordForm(prefix="password")
    status = 200
    if request.method == "POST":
        status = 400
        if "profile-name" in request.form and profile.validate():
            try:
                with app.transaction() as session:
                    accounts.update_profile(
                        app, session, accounts.get_user(session, current_user.id), name=profile.name.data
                    )
            except InvalidInput as exc:
                profile.name.errors = [_password_message(exc)]
            else:
                flash(_("Your name has been saved."), "success")
                return redirect(url_for("accounts.account"))
        elif "password-current" in request.form and password.validate():
            try:
                with app.transaction() as session:
                    user = accounts.change_password(
                        app,
                        session,
                        accounts.get_user(session, current_user.id),
                        current=password.current.data,
                        new=password.password.data,
                    )
                    renewed = CurrentUser.of(user)
            except InvalidInput as exc:
                field = password.current if exc.code == "account.wrong_password" else password.password
                field.errors = [_password_message(exc)]
            else:
                _sign_in_user(renewed)  # the session nonce changed: keep this session, end the others
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("accounts.account"))
    if not profile.name.data:
        profile.name.data = current_user.name
    return render("accounts/account.html", status, profile=profile, password=password)

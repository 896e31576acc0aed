"""Flask-WTF forms of accounts, staff and administration (gettext domain ``accounts``).

Forms check the shape of the input; the accounts service decides the rest (e-mail syntax,
password length, roles, the last owner) and the views put its refusals back on the form.
Every form carries the CSRF token (``{{ form.csrf_token }}``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    URLField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from badger.accounts.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from badger.web.auth import role_label
from badger.web.fields import choices

__all__ = [
    "LoginForm",
    "ResetRequestForm",
    "NewPasswordForm",
    "AcceptInvitationForm",
    "JoinForm",
    "ProfileForm",
    "ChangePasswordForm",
    "InviteForm",
    "TokenForm",
    "RotateKeysForm",
    "PartnerForm",
    "role_choices",
]

_REQUIRED = _l("This field is required.")
_EMAIL_LENGTH = Length(max=320, message=_l("This address is too long."))
_PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=_l("The password needs at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
)


def role_choices():
    return choices((role, role_label(role)) for role in ("viewer", "issuer", "owner"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_REQUIRED), _EMAIL_LENGTH])
    password = PasswordField(_l("Password"), validators=[DataRequired(_REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_REQUIRED), _EMAIL_LENGTH])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_REQUIRED), _PASSWORD_LENGTH])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_REQUIRED), EqualTo("password", _l("The two passwords differ."))],
    )


class AcceptInvitationForm(NewPasswordForm):
    """For a person without an account: the invitation creates it."""

    name = StringField(_l("Your name"), validators=[DataRequired(_REQUIRED), Length(max=200)])


class JoinForm(FlaskForm):
    """For a person who already has an account: one button."""


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=200)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_REQUIRED), Length(max=MAX_PASSWORD_LENGTH)]
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_REQUIRED), _EMAIL_LENGTH])
    role = SelectField(_l("Role"), choices=role_choices, default="viewer", validate_choice=True)


class TokenForm(FlaskForm):
    label = StringField(_l("What the token is for"), validators=[Optional(), Length(max=200)])


class RotateKeysForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand: credentials will be signed with new keys from now on."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class StatusFormForm(FlaskForm):
    """The issuer's credentialStatus form (badger.issuers.service.set_status_form)."""

    status_form = SelectField(
        _l("Status entries in new badges"),
        choices=choices(
            [
                ("ob3", _l("Open Badges 3.0 (recommended): revocation only; suspension shown by Badger")),
                ("vc2", _l("VC 2.0: revocation and suspension entries")),
            ]
        ),
        validate_choice=True,
    )


class PartnerForm(FlaskForm):
    name = StringField(_l("Partner name"), validators=[DataRequired(_REQUIRED), Length(max=300)])
    url = URLField(_l("Partner web site"), validators=[DataRequired(_REQUIRED), Length(max=2000)])
    slug = StringField(_l("Address name (optional)"), validators=[Optional(), Length(max=64)])
    owner_email = EmailField(_l("E-mail of the first owner"), validators=[DataRequired(_REQUIRED), _EMAIL_LENGTH])

"""The partner's e-mails (/dashboard/<slug>/emails, owners only): the wording of the e-mails
sent on its behalf (subject and introduction, per language, with a preview before saving) and
how its outgoing e-mails are doing (pending, sent, failed).

Thin (docs/architecture.md, "Thin edges"): the mail service validates, stores, audits and renders; the
link, the badge block and the greeting stay fixed in the templates, so a partner's text can
neither break them nor inject markup (escaped, Markdown cleaned by nh3).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from badger.errors import InvalidInput, NotFound
from badger.issuers import service as issuers
from badger.mail import outbox as mail
from badger.web.auth import membership_required, render
from badger.web.current import badger_app

__all__ = ["bp"]

bp = Blueprint("mail", __name__, url_prefix="/dashboard/<slug>/emails")

TEMPLATE_LABELS = {
    "credential_issued": _l("Badge awarded (to the learner)"),
    "invitation": _l("Staff invitation"),
}
LANGUAGE_LABELS = {"fr": _l("French"), "en": _l("English")}
PLACEHOLDER_HELP = {
    "recipient": _l("the learner's name"),
    "badge": _l("the badge name"),
    "issuer": _l("your organisation"),
    "partner": _l("your organisation"),
    "inviter": _l("who sends the invitation"),
    "role": _l("the role offered"),
}


class TemplateForm(FlaskForm):
    subject = StringField(
        _l("Subject"),
        validators=[
            Optional(),
            Length(
                max=mail.SUBJECT_MAX,
                message=_l("The subject is one line of at most %(max)d characters.", max=mail.SUBJECT_MAX),
            ),
        ],
    )
    body = TextAreaField(
        _l("Introduction"),
        validators=[
            Optional(),
            Length(max=mail.BODY_MAX, message=_l("The text is at most %(max)d characters.", max=mail.BODY_MAX)),
        ],
    )


def _checked(template: str, lang: str) -> None:
    if template not in mail.EDITABLE or lang not in mail.LANGUAGES:
        abort(404)


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("issuer") is not None:
        values["slug"] = g.issuer.slug


@bp.get("", endpoint="outbox")
@membership_required("owner")
def outbox(slug):
    with badger_app().transaction() as session:
        issuer = issuers.get_issuer(session, g.issuer.slug)
        rows = [
            {
                "template": t,
                "label": TEMPLATE_LABELS[t],
                "lang": lang,
                "lang_label": LANGUAGE_LABELS[lang],
                "custom": mail.get_template(session, issuer, t, lang)["custom"],
            }
            for t in mail.EDITABLE
            for lang in mail.LANGUAGES
        ]
        summary = mail.outbox_summary(session, issuer)
    return render(
        "dashboard/emails.html",
        templates=rows,
        summary=summary,
        template_labels=TEMPLATE_LABELS,
        all_template_labels=_all_template_labels(),
    )


def _all_template_labels() -> dict:
    return {**TEMPLATE_LABELS, "password_reset": _("Password reset"), "learner_link": _("Link to the learner's page")}


def _edit_page(template: str, lang: str, form: TemplateForm, *, preview=None, status: int = 200):
    with badger_app().transaction() as session:
        issuer = issuers.get_issuer(session, g.issuer.slug)
        current = mail.get_template(session, issuer, template, lang)
    placeholders = [{"name": "{" + p + "}", "help": PLACEHOLDER_HELP.get(p, "")} for p in current["placeholders"]]
    return render(
        "dashboard/email_edit.html",
        status,
        form=form,
        email_template=template,
        email_lang=lang,
        template_label=TEMPLATE_LABELS[template],
        lang_label=LANGUAGE_LABELS[lang],
        current=current,
        placeholders=placeholders,
        preview=preview,
    )


@bp.route("/<template>/<lang>", methods=["GET", "POST"], endpoint="edit")
@membership_required("owner")
def edit(slug, template, lang):
    _checked(template, lang)
    form = TemplateForm()
    if request.method == "GET":
        with badger_app().transaction() as session:
            current = mail.get_template(session, issuers.get_issuer(session, g.issuer.slug), template, lang)
        form.subject.data, form.body.data = current["subject"], current["body_markdown"]
        return _edit_page(template, lang, form)
    if not form.validate_on_submit():
        return _edit_page(template, lang, form, status=400)
    action = request.form.get("action")
    app = badger_app()
    try:
        if action == "save":
            with app.transaction() as session:
                issuer = issuers.get_issuer(session, g.issuer.slug)
                mail.set_template(
                    app,
                    session,
                    issuer,
                    template,
                    lang,
                    subject=form.subject.data,
                    body_markdown=form.body.data,
                    actor=current_user.actor,
                )
            flash(_("The e-mail text is saved."), "success")
            return redirect(url_for("mail.edit", template=template, lang=lang))
        with app.transaction() as session:
            issuer = issuers.get_issuer(session, g.issuer.slug)
            shown = mail.preview(
                app, session, issuer, template, lang, subject=form.subject.data, body_markdown=form.body.data
            )
    except InvalidInput as exc:
        if exc.code == "mail.invalid_subject":
            field, message = (
                form.subject,
                _("The subject is one line of at most %(max)d characters.", max=mail.SUBJECT_MAX),
            )
        else:
            field, message = form.body, _("The text is at most %(max)d characters.", max=mail.BODY_MAX)
        field.errors = list(field.errors) + [message]
        return _edit_page(template, lang, form, status=400)
    except NotFound:
        abort(404)
    return _edit_page(template, lang, form, preview=shown)


@bp.post("/<template>/<lang>/reset", endpoint="reset")
@membership_required("owner")
def reset(slug, template, lang):
    _checked(template, lang)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    app = badger_app()
    with app.transaction() as session:
        mail.reset_template(
            app, session, issuers.get_issuer(session, g.issuer.slug), template, lang, actor=current_user.actor
        )
    flash(_("The default text is back."), "success")
    return redirect(url_for("mail.edit", template=template, lang=lang))

"""The kinds of e-mail Badger sends: one record per kind holds everything about it.

A kind names its templates (``templates/emails/<name>.txt`` and ``.html``, gettext domain
``emails``), its default subject and introduction (Markdown, marked with ``N_`` for
extraction and translated when rendered), the context ``enqueue`` requires (JSON-able values;
the recipient address goes apart), what of that context is kept once the e-mail is delivered
(personal data minimisation), the ``{placeholders}`` a partner's own wording may use, whether
a partner may reword it at all, how its template variables are read at delivery time, and the
sample values of the dashboard's preview.

Adding a kind: one ``Kind`` here, its two templates, its texts in the ``emails`` catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from badger.core.app import Badger
from badger.core.db import Session
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.mail import render
from badger.mail import repository as repo
from badger.mail.transport import PermanentError

__all__ = ["Kind", "KINDS", "EDITABLE", "N_", "ROLE_LABELS", "get"]


def N_(message: str) -> str:
    """Marks a message id for extraction (``pybabel -k N_``); translated when rendered."""
    return message


ROLE_LABELS = {"viewer": N_("viewer"), "issuer": N_("issuer"), "owner": N_("owner")}
SAMPLE_NAME = "Camille Martin"
SAMPLE_CREDENTIAL = "00000000-0000-4000-8000-000000000000"

# values(app, session, lang, context) -> template variables; raises PermanentError when the
# e-mail can no longer be sent (what it speaks of is gone).
Values = Callable[[Badger, Session, str, dict[str, Any]], dict[str, Any]]
# sample(app, session, issuer, lang) -> template variables for the dashboard's preview.
Sample = Callable[[Badger, Session, Issuer, str], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    subject: str
    intro: str
    required: tuple[str, ...]
    kept: tuple[str, ...]
    placeholders: tuple[str, ...]
    editable: bool
    values: Values
    sample: Sample


# ------------------------------------------------------------------------------ credential_issued


def badge_values(app: Badger, session: Session, credential: Credential) -> dict[str, Any]:
    """What the fixed badge block shows, read from the signed document (what the learner holds)."""
    document = json.loads(credential.document)
    subject = document.get("credentialSubject") or {}
    achievement = (subject.get("achievement") if isinstance(subject, dict) else None) or {}
    issuer = document.get("issuer") if isinstance(document.get("issuer"), dict) else {}
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image if isinstance(image, str) else None
    row = repo.achievement(session, credential.achievement_id)
    if row is not None and row.image and row.image_type == "image/png":
        image_url = app.url("credentials", credential.id + ".png")  # the baked PNG: the badge itself
    elif not (isinstance(image_url, str) and image_url.startswith(("http://", "https://"))):
        image_url = app.url("achievements", credential.achievement_id, "image")
    return {
        "badge": achievement.get("name") or "",
        "description": achievement.get("description") or "",
        "issuer": issuer.get("name") or "",
        "image_url": image_url,
        "url": app.url("credentials", credential.id),
    }


def _issued_values(app: Badger, session: Session, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    credential = repo.credential(session, str(context.get("credential")))
    if credential is None:
        raise PermanentError("the credential no longer exists")
    if credential.status == "revoked":
        raise PermanentError("the credential was revoked before the e-mail went out")
    values = {**badge_values(app, session, credential), "recipient": context.get("name") or ""}
    values["wallet_url"] = context.get("wallet_url") or ""  # badger.wallets: "Add to a wallet"
    return values


def _issued_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    """The issuer's latest badge class, when it has one."""
    latest = repo.achievements_of(session, issuer.id, limit=1)
    document = json.loads(latest[0].document) if latest else {}
    image = document.get("image")
    image_url = (image.get("id") if isinstance(image, dict) else None) or (
        app.url("achievements", latest[0].id, "image") if latest else app.url("issuers", issuer.slug)
    )
    return {
        "badge": document.get("name") or render.gettext(lang, N_("Example badge")),
        "description": document.get("description") or "",
        "issuer": issuer.name,
        "image_url": image_url,
        "url": app.url("credentials", SAMPLE_CREDENTIAL),
        "recipient": SAMPLE_NAME,
    }


# ------------------------------------------------------------------------------------- invitation


def _role(lang: str, role: object) -> str:
    return render.gettext(lang, ROLE_LABELS[role]) if isinstance(role, str) and role in ROLE_LABELS else str(role)


def _invitation_values(app: Badger, session: Session, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "partner": context["partner"],
        "inviter": context["inviter"],
        "role": _role(lang, context.get("role")),
        "url": context["url"],
    }


def _invitation_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    return {
        "partner": issuer.name,
        "inviter": SAMPLE_NAME,
        "role": _role(lang, "issuer"),
        "url": app.url("invitations", "example"),
    }


# ------------------------------------------------------------------------ links (reset, learner)


def _url_values(app: Badger, session: Session, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    return {"url": context["url"]}


def _reset_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    return {"url": app.url("account", "password-reset", "example")}


def _learner_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    return {"url": app.url("learners", "example")}


def _code_values(app: Badger, session: Session, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    return {"code": context["code"]}


def _code_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    return {"code": "123456"}


# ------------------------------------------------------------- badge requests and juries (recognition)

DECISION_LABELS = {
    "changes": N_("The reviewers ask you for changes before deciding."),
    "rejected": N_("Your request was not accepted."),
}


def _request_values(app: Badger, session: Session, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    decision = context.get("decision")
    label = DECISION_LABELS.get(decision) if isinstance(decision, str) else None
    return {
        "badge": context.get("badge") or "",
        "partner": context.get("partner") or "",
        "url": context["url"],
        "decision": decision or "",
        "decision_text": render.gettext(lang, label) if label else "",
        "feedback": context.get("feedback") or "",
    }


def _request_sample(app: Badger, session: Session, issuer: Issuer, lang: str) -> dict[str, Any]:
    return {
        "badge": render.gettext(lang, N_("Example badge")),
        "partner": issuer.name,
        "url": app.url("recognition", "requests", "example"),
        "decision": "changes",
        "decision_text": render.gettext(lang, DECISION_LABELS["changes"]),
        "feedback": render.gettext(lang, N_("Please add a link to your work.")),
    }


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="credential_issued",
            subject=N_("{issuer} has awarded you the badge “{badge}”"),
            intro=N_(
                "Congratulations! **{issuer}** has awarded you the badge **{badge}**.\n\n"
                "It is an Open Badge: a digital credential that anyone can verify. Add it to your CV, "
                "share its page on social networks or download the image, which carries the proof."
            ),
            required=("credential",),
            kept=("credential",),
            placeholders=("recipient", "badge", "issuer"),
            editable=True,
            values=_issued_values,
            sample=_issued_sample,
        ),
        Kind(
            name="invitation",
            subject=N_("{inviter} invites you to join {partner} on Badger"),
            intro=N_(
                "{inviter} invites you to join the team of **{partner}** on Badger, with the role "
                "“{role}”. Badger is where {partner} creates and awards its Open Badges."
            ),
            required=("partner", "role", "url", "inviter"),
            kept=("partner", "role"),
            placeholders=("partner", "inviter", "role"),
            editable=True,
            values=_invitation_values,
            sample=_invitation_sample,
        ),
        Kind(
            name="password_reset",
            subject=N_("Reset your Badger password"),
            intro=N_("Someone, probably you, asked to reset the password of your Badger account."),
            required=("url",),
            kept=(),
            placeholders=(),
            editable=False,
            values=_url_values,
            sample=_reset_sample,
        ),
        Kind(
            name="learner_link",
            subject=N_("Your badges on Badger"),
            intro=N_(
                "Here is the link to your personal page: it lists every badge you have received with "
                "this address, and lets you download or share them. Keep it to yourself."
            ),
            required=("url",),
            kept=(),
            placeholders=(),
            editable=False,
            values=_url_values,
            sample=_learner_sample,
        ),
        Kind(
            name="learner_sign_in",
            subject=N_("Your sign-in link for Badger"),
            intro=N_(
                "Here is your link to sign in to your badge collection. It works once, for 15 minutes. "
                "If you did not ask for it, ignore this e-mail: nothing happens without the link."
            ),
            required=("url",),
            kept=(),
            placeholders=(),
            editable=False,
            values=_url_values,
            sample=_learner_sample,
        ),
        Kind(
            name="learner_address",
            subject=N_("Confirm this address for your badges"),
            intro=N_(
                "Someone asked to add this address to a badge collection on Badger. Once confirmed, the "
                "badges issued to this address appear in that collection. The link works once, for 15 minutes."
            ),
            required=("url",),
            kept=(),
            placeholders=(),
            editable=False,
            values=_url_values,
            sample=_learner_sample,
        ),
        Kind(  # badger.wallets: the OpenID4VCI transaction code (tx_code), a second channel
            name="wallet_tx_code",
            subject=N_("Your code to add a badge to your wallet"),
            intro=N_(
                "Your wallet app asks for a code before it receives your badge. Here it is. Never give "
                "it to anyone: Badger and the partner will never ask you for it."
            ),
            required=("credential", "code"),
            kept=("credential",),
            placeholders=(),
            editable=False,
            values=_code_values,
            sample=_code_sample,
        ),
        Kind(
            name="request_confirm",
            subject=N_("Confirm your request for the badge “{badge}”"),
            intro=N_(
                "You asked for the badge **{badge}**. Confirm your e-mail address with the link below: "
                "your request is reviewed only once it is confirmed."
            ),
            required=("badge", "url"),
            kept=("badge",),
            placeholders=("badge",),
            editable=False,
            values=_request_values,
            sample=_request_sample,
        ),
        Kind(
            name="request_decision",
            subject=N_("Your request for the badge “{badge}”"),
            intro=N_("The reviewers of your request for the badge **{badge}** have answered."),
            required=("badge", "url", "decision"),
            kept=("badge", "decision"),
            placeholders=("badge",),
            editable=False,
            values=_request_values,
            sample=_request_sample,
        ),
        Kind(
            name="request_review",
            subject=N_("A request for the badge “{badge}” is waiting for your review"),
            intro=N_("A request for the badge **{badge}** is waiting for your review."),
            required=("badge", "url"),
            kept=("badge",),
            placeholders=("badge",),
            editable=False,
            values=_request_values,
            sample=_request_sample,
        ),
        Kind(
            name="jury_invitation",
            subject=N_("{partner} invites you to the jury of the badge “{badge}”"),
            intro=N_(
                "**{partner}** invites you to review the requests for the badge **{badge}**. The link "
                "below opens them; it gives access to nothing else. Keep it to yourself."
            ),
            required=("badge", "partner", "url"),
            kept=("badge", "partner"),
            placeholders=("badge", "partner"),
            editable=False,
            values=_request_values,
            sample=_request_sample,
        ),
    )
}

EDITABLE = tuple(name for name, kind in KINDS.items() if kind.editable)  # a partner may reword these


def get(name: str) -> Kind | None:
    return KINDS.get(name)

"""The learner page: everything one person holds from this instance, by a private link.

The link is ``/learners/<token>``: one token per learner (recipient lookup, the keyed hash of
their e-mail). The token is derived, never stored: HMAC-SHA256 of the secret key over the
lookup and a *generation* number, base64url (256 bits, unguessable). The database keeps the
generation and the SHA-256 of the current token, to find the learner from a link. Rotating a
link increments the generation: the old link stops working at once, the new one can be shown
again (to staff, in an e-mail) without having been stored. Changing the secret key changes
every link (and every recipient lookup with it).

Export: one ZIP file (``badges-<date>.zip``) with, per credential, the signed credential exactly
as stored (``.json``; plus ``.jwt``, the compact JWS, for credentials issued as VC-JWT) and the
badge image baked with it (``.png`` or ``.svg``, whichever the badge class has): every file
verifies on its own (`badger verify`, the /verify page, any OB 3.0 verifier), and wallets import
the JSON. A ``README.txt`` lists the badges."""

from __future__ import annotations

import hmac
import io
import json
import zipfile
from typing import cast

from babel.dates import format_date

from badger.achievements.images import PNG_TYPE, achievement_image
from badger.achievements.models import Achievement
from badger.baking import bake_png, bake_svg
from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.errors import InvalidInput, NotFound
from badger.issuance.issuing import recipient_lookup
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.issuers.service import slugify
from badger.mail import outbox as mail
from badger.mail import render as texts
from badger.programmes import pathways
from badger.programmes import repository as repo
from badger.programmes.links import _hash, _token, new_link_row
from badger.programmes.models import LearnerLink

__all__ = ["new_link_row", "link_url", "link_token", "rotate", "find", "page", "export_zip", "send_link"]


def _ensure(app: Badger, session: Session, lookup: str) -> LearnerLink:
    row = repo.learner_link(session, lookup)
    if row is None:
        row = repo.lock_learner(session, lookup, lambda: new_link_row(app, lookup))
    return row


def _lookup(app: Badger, email: str | None, lookup: str | None) -> str:
    if lookup:
        return lookup
    if not email:
        raise InvalidInput("an e-mail address is required", code="input.missing_email")
    return recipient_lookup(app, email)


def link_token(app: Badger, session: Session, *, email: str | None = None, lookup: str | None = None) -> str:
    """The current token of a learner (creates their row on first use)."""
    lookup = _lookup(app, email, lookup)
    return _token(app, lookup, _ensure(app, session, lookup).generation)


def link_url(app: Badger, session: Session, *, email: str | None = None, lookup: str | None = None) -> str:
    """The learner's private page URL."""
    return app.url("learners", link_token(app, session, email=email, lookup=lookup))


def rotate(
    app: Badger,
    session: Session,
    *,
    token: str | None = None,
    lookup: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
    issuer_id: str | None = None,
) -> str:
    """A new link for the learner (found by their current ``token`` or by ``lookup``); the old
    one stops working. -> the new URL. Raises NotFound for an unknown token."""
    # Callers give the token or the lookup.
    row = find(app, session, token) if token is not None else _ensure(app, session, cast(str, lookup))
    row.generation += 1
    row.token_hash = _hash(_token(app, row.recipient_lookup, row.generation))
    row.rotated_at = app.clock()
    session.flush()
    audit.record(
        app, session, issuer_id=issuer_id, actor=actor, action="learner.rotate_link", target=row.recipient_lookup[:16]
    )
    return app.url("learners", _token(app, row.recipient_lookup, row.generation))


def find(app: Badger, session: Session, token: str) -> LearnerLink:
    """The learner of a link. Raises NotFound (unknown or rotated token)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("no such learner page", code="learner.not_found")
    row = repo.learner_link_by_token_hash(session, _hash(token))
    # Compare in constant time too: the hash lookup already is, this guards a future change.
    if row is None or not hmac.compare_digest(_token(app, row.recipient_lookup, row.generation), token):
        raise NotFound("no such learner page", code="learner.not_found")
    return row


def _subject_name(document: dict) -> str | None:
    subject = document.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    for identifier in (subject.get("identifier") or []) if isinstance(subject, dict) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            return identifier.get("identityHash")
    return None


def page(app: Badger, session: Session, token: str) -> dict:
    """What the learner page shows: ``{"name", "credentials": [{"id", "url", "name",
    "issuer", "issuer_slug", "status", "status_reason", "issued_at", "format", "image_url"}],
    "pathways": [progress dicts + "issuer"], "export_url"}``. Raises NotFound."""
    link = find(app, session, token)
    # Newest first (issue 15: the learner reads their badges by date).
    rows = sorted(repo.credentials_of(session, link.recipient_lookup), key=lambda r: r.issued_at, reverse=True)
    credentials, name, issuer_ids, achievement_ids = [], None, [], set()
    for row in rows:
        document = json.loads(row.document)
        name = name or _subject_name(document)
        achievement = session.get(Achievement, row.achievement_id)
        issuer = session.get(Issuer, row.issuer_id)
        assert achievement is not None and issuer is not None  # the credential's foreign keys
        achievement_ids.add(row.achievement_id)
        if issuer.id not in issuer_ids:
            issuer_ids.append(issuer.id)
        credentials.append(
            {
                "id": row.id,
                "url": app.url("credentials", row.id),
                "name": achievement.name,
                "issuer": issuer.name,
                "issuer_slug": issuer.slug,
                "status": row.status,
                "status_reason": row.status_reason,
                "issued_at": xsd_datetime(row.issued_at),
                "issued_on": row.issued_at,
                "format": row.format,
                "image_url": app.url("achievements", achievement.id, "image"),
            }
        )
    progress = []
    for issuer_id in issuer_ids:
        issuer = session.get(Issuer, issuer_id)
        assert issuer is not None  # read just above
        for pathway in pathways.list_pathways(session, issuer):
            required = {a.id for a in pathways.requirements(session, pathway)}
            if required & achievement_ids or pathway.achievement_id in achievement_ids:
                entry = pathways.progress(session, link.recipient_lookup, pathway)
                entry["issuer"] = issuer.name
                entry["url"] = app.url("credentials", entry["credential"]) if entry["credential"] else None
                progress.append(entry)
    return {
        "name": name,
        "credentials": credentials,
        "pathways": progress,
        "export_url": app.url("learners", token, "export.zip"),
    }


def N_(message: str) -> str:  # noqa: N802 -- the gettext marker: extracted, translated later
    return message


# The ZIP's README, in the learner's language (gettext domain "emails": catalogues that load
# without Flask, badger.mail.render).
_README = (
    N_("Your Open Badges"),
    N_(
        "Each badge is here three times: the signed badge (.json, or .jwt), and its image (.png)"
        " with the signed badge inside it. Keep them: anyone can check them on a verification page"
        " or add them to a wallet, without this website."
    ),
)
_STATUS_WORDS = {"active": N_("valid"), "revoked": N_("revoked"), "suspended": N_("suspended")}


def export_zip(app: Badger, session: Session, token: str, lang: str = "fr") -> tuple[bytes, str]:
    """-> (ZIP bytes, file name): every credential of the learner, newest first, signed as
    stored, with its baked image (module docstring), and a README.txt in ``lang`` (fr, en).
    Raises NotFound."""
    link = find(app, session, token)
    lang = lang if lang in ("fr", "en") else "fr"
    buffer = io.BytesIO()
    lines = []
    rows = sorted(repo.credentials_of(session, link.recipient_lookup), key=lambda r: r.issued_at, reverse=True)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for row in rows:
            achievement = session.get(Achievement, row.achievement_id)
            assert achievement is not None  # row.achievement_id is a foreign key
            stem = f"{slugify(achievement.name)[:48].strip('-') or 'badge'}-{row.id[:8]}"
            archive.writestr(f"{stem}.json", row.document)
            if row.jwt:
                archive.writestr(f"{stem}.jwt", row.jwt)
            image, image_type, _ = achievement_image(achievement)
            payload = row.jwt or row.document
            if image_type == PNG_TYPE:
                archive.writestr(f"{stem}.png", bake_png(image, payload))
            else:
                archive.writestr(f"{stem}.svg", bake_svg(image, payload))
            status = texts.gettext(lang, _STATUS_WORDS.get(row.status, row.status))
            when = format_date(row.issued_at, "long", locale=lang)
            lines.append(f"- {achievement.name} ({when}, {status})\n  {stem}.*\n  {app.url('credentials', row.id)}")
        title, body = (texts.gettext(lang, m) for m in _README)
        archive.writestr("README.txt", f"{title}\n\n{body}\n\n" + "\n".join(lines) + "\n")
    return buffer.getvalue(), f"badges-{xsd_datetime(app.clock())[:10]}.zip"


def send_link(app: Badger, session: Session, *, email: str, lang: str = "fr", issuer_id: str | None = None) -> str:
    """E-mail the learner their page link (mail outbox, in the caller's transaction) -> the URL."""
    url = link_url(app, session, email=email)
    mail.enqueue(app, session, to=email, template="learner_link", lang=lang, context={"url": url}, issuer_id=issuer_id)
    return url


def credential_of(session: Session, token_row: LearnerLink, credential_id: str) -> Credential:
    row = session.get(Credential, credential_id)
    if row is None or row.recipient_lookup != token_row.recipient_lookup:
        raise NotFound("no such credential", code="credential.not_found")
    return row

"""E-mail: an outbox written in the caller's transaction, delivered after the commit.

Nothing is lost on a crash: ``enqueue`` only adds a row to ``mail_outbox`` in the same
transaction as the change that causes the e-mail (an issued badge, an invitation). If that
transaction rolls back, there is no e-mail; if it commits, the row stays ``pending`` until a
delivery pass sends it, however many times the process dies in between.

The kinds of e-mail (``credential_issued``, ``invitation``, ``password_reset``,
``learner_link``), each with its templates, default texts and the context it needs, are
records in badger.mail.kinds.

Languages: ``"fr"`` (default) and ``"en"``. Partners may rewrite the subject and the
introduction of ``credential_issued`` and ``invitation`` per language (``get_template``,
``set_template``, ``reset_template``); the greeting, the badge block and the link stay fixed.

Delivery (``deliver_pending``) leases due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
renders, sends through ``BADGER_SMTP_URL`` (or writes the e-mail to the log when it is unset,
and counts it as sent), and retries a failure after 1 min, 5 min, 30 min and 2 h; the fifth
failure (or a permanent 5xx refusal) marks the row ``failed``.

What triggers delivery: ``enqueue`` arranges for ``kick(app)`` to run right after the caller's
transaction commits (an SQLAlchemy after-commit hook on the caller's session), so the web
requests, the CLI, the bulk job steps and the accounts pages need not call anything. ``kick``
wakes one background delivery thread per process and container (it stays while retries are
due, then exits); when ``BADGER_QUEUE_URL`` is set it queues the task ``mail.deliver`` on
queue ``"badger"`` instead, run by ``badger worker`` (whose own delivery thread then waits for
the retries). A short-lived process (the CLI) waits for
the current pass at exit (at most ``DRAIN_AT_EXIT`` seconds). Pending rows left by a dead
process go out at the next kick, or with ``deliver_pending(app)`` called from anywhere.

Per credential: a "credential_issued" row carries ``credential_id``; ``delivery`` tells staff
how the e-mails about one credential went, and ``resend_issued`` queues it again through this
same outbox (the address typed again and checked against the credential's recipient; limited
by ``RESEND_INTERVAL`` and ``RESENDS_PER_DAY``; audited).

Personal data (GDPR minimisation): once a row is ``sent`` or ``failed`` for good, its
recipient address is cleared and its context is reduced to non-personal keys (the credential
id, the partner and role of an invitation); invitation and reset links, which carry secrets,
are dropped too. The log transport writes the recipient, subject and links to the log: it is
meant for development only.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from badger.core import audit, markdown, queue
from badger.core.app import Badger
from badger.core.db import Session, on_commit
from badger.core.events import Issued
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance.issuing import recipient_lookup
from badger.issuance.models import Credential
from badger.issuers.models import Issuer
from badger.mail import kinds, render
from badger.mail import repository as repo
from badger.mail.kinds import EDITABLE, KINDS
from badger.mail.models import EmailTemplate, OutboxMessage
from badger.mail.transport import (
    PermanentError,
    TransientError,
    Unreachable,
    transport_for,
)

__all__ = [
    "TEMPLATES",
    "EDITABLE",
    "TASK",
    "LANGUAGES",
    "RETRY_DELAYS",
    "MAX_ATTEMPTS",
    "Rendered",
    "enqueue",
    "notify_issued",
    "on_credentials_issued",
    "extend_issued",
    "deliver_pending",
    "deliver_task",
    "kick",
    "drain",
    "pending_count",
    "outbox_summary",
    "delivery",
    "resend_issued",
    "RESEND_INTERVAL",
    "RESENDS_PER_DAY",
    "get_template",
    "set_template",
    "reset_template",
    "preview",
    "render_message",
]

log = logging.getLogger("badger.mail")


TEMPLATES = tuple(KINDS)
LANGUAGES = render.LANGUAGES
DEFAULT_LANGUAGE = "fr"
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=5)
TASK = "mail.deliver"  # the queue task (registered in badger.application.wire)
DRAIN_AT_EXIT = 30.0
SUBJECT_MAX, BODY_MAX = 200, 5000
RESEND_INTERVAL = timedelta(minutes=10)  # after an e-mail went out, before it can be sent again
RESENDS_PER_DAY = 5  # e-mails about one credential in 24 hours, the first one included


@dataclass(frozen=True)
class Rendered:
    """One rendered e-mail: what ``preview`` shows and what is sent."""

    subject: str
    text: str
    html: str
    lang: str
    reply_to: str | None = None


# ----------------------------------------------------------------------------------- enqueueing


def _language(lang) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _checked_address(to) -> str:
    try:
        if not isinstance(to, str) or len(to) > 320:
            raise ValueError
        address = Address(addr_spec=to.strip())
        if not address.username or not address.domain:
            raise ValueError
    except (ValueError, TypeError, IndexError):
        raise InvalidInput("not an e-mail address", code="mail.invalid_address") from None
    return address.addr_spec


def enqueue(
    app: Badger, session: Session, *, to: str, template: str, lang: str, context: dict, issuer_id: str | None = None
) -> OutboxMessage:
    """Add one e-mail to the outbox in the caller's transaction; nothing is rendered or sent
    yet. ``context`` is the JSON-able dict the template needs (see the module docstring);
    ``issuer_id`` names the partner on whose behalf it is sent (its templates, its Reply-To).
    Delivery starts after the caller commits (``kick``). Raises InvalidInput (unknown template,
    missing context key, not an address)."""
    row = _outbox_row(app, to=to, template=template, lang=lang, context=context, issuer_id=issuer_id)
    repo.add_message(session, row)
    on_commit(session, lambda: kick(app), key="mail.kick")
    return row


def _outbox_row(
    app: Badger, *, to: str, template: str, lang: str, context: dict, issuer_id: str | None
) -> OutboxMessage:
    """The outbox row for ``enqueue`` (checked as it says), not added yet."""
    kind = kinds.get(template)
    if kind is None:
        raise InvalidInput(f"unknown e-mail template {template!r}", code="mail.unknown_template")
    if not isinstance(context, dict) or any(context.get(key) in (None, "") for key in kind.required):
        raise InvalidInput(f"the {template} e-mail needs {', '.join(kind.required)}", code="mail.context")
    now = app.clock()
    return OutboxMessage(
        issuer_id=issuer_id,
        to_address=_checked_address(to),
        template=template,
        lang=_language(lang),
        context=json.dumps(context, ensure_ascii=False, sort_keys=True),
        message_id=make_msgid(domain=_mail_domain(app)),
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def _issued(app: Badger, credential_row: Credential, email: str, name: str | None, lang: str) -> OutboxMessage:
    row = _outbox_row(
        app,
        to=email,
        template="credential_issued",
        lang=lang,
        context={"credential": credential_row.id, "name": name},
        issuer_id=credential_row.issuer_id,
    )
    row.credential_id = credential_row.id
    return row


def notify_issued(
    app: Badger,
    session: Session,
    credential_row: Credential,
    email: str,
    name: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> OutboxMessage:
    """Queue the "credential_issued" e-mail for a credential just issued to ``email`` (the
    credential keeps only a hash of it, so the issuing request passes the address)."""
    row = _issued(app, credential_row, email, name, lang)
    repo.add_message(session, row)
    _remember(session, credential_row.id, row)
    on_commit(session, lambda: kick(app), key="mail.kick")
    return row


def _remember(session: Session, credential_id: str, row: OutboxMessage) -> None:
    session.info.setdefault("mail.issued", {})[credential_id] = row


def extend_issued(session: Session, credential_id: str, values: dict) -> None:
    """Add ``values`` to the context of the "credential_issued" e-mail queued for
    ``credential_id`` in this transaction (a later ``credentials_issued`` subscriber, e.g. the
    wallet offer link); nothing when none was queued. Keys outside the kind's ``kept`` are
    dropped once the e-mail is sent."""
    row = session.info.get("mail.issued", {}).get(credential_id)
    if row is not None:
        row.context = json.dumps({**json.loads(row.context), **values}, ensure_ascii=False, sort_keys=True)
        session.flush()


def on_credentials_issued(
    *,
    app: Badger,
    session: Session,
    issued: list[Issued],
    notify: bool,
    lang: str,
    **_payload: object,
) -> None:
    """Subscriber of the event ``credentials_issued`` (badger.application.wire): queue each
    learner's e-mail when the issuing request asked for it (e-mail recipients only), the
    batch's messages in one multi-row INSERT."""
    if not notify:
        return
    pairs = [
        (item.credential.id, _issued(app, item.credential, item.email, item.name, lang))
        for item in issued
        if item.email
    ]
    if pairs:
        repo.add_messages(session, [row for _, row in pairs])
        for credential_id, row in pairs:
            _remember(session, credential_id, row)
        on_commit(session, lambda: kick(app), key="mail.kick")


def pending_count(session: Session, *, issuer_id: str | None = None) -> int:
    return repo.count_by_state(session, issuer_id).get("pending", 0)


def outbox_summary(session: Session, issuer: Issuer, *, failures: int = 10) -> dict:
    """What a partner's owner sees of its e-mails -> {"pending", "sent", "failed": counts,
    "recent_failures": [{"template", "lang", "attempts", "error", "at", "credential"}]} (no
    addresses: they are cleared once a message has failed; ``credential``: the id of the
    credential a badge e-mail is about, else None)."""
    counts = repo.count_by_state(session, issuer.id)
    rows = repo.recent(session, issuer_id=issuer.id, state="failed", limit=failures)
    return {
        "pending": counts.get("pending", 0),
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
        "recent_failures": [
            {
                "template": r.template,
                "lang": r.lang,
                "attempts": r.attempts,
                "error": r.last_error,
                "at": _aware(r.created_at),
                "credential": r.credential_id,
            }
            for r in rows
        ],
    }


# --------------------------------------------------------------------- delivery per credential


def _state_of(row: OutboxMessage) -> dict:
    at = row.sent_at if row.state == "sent" and row.sent_at else row.created_at
    return {
        "state": row.state,  # pending | sent | failed
        "at": _aware(at),
        "queued_at": _aware(row.created_at),
        "attempts": row.attempts,
        "error": row.last_error,
        "next_attempt_at": _aware(row.next_attempt_at) if row.state == "pending" else None,
        "lang": row.lang,
    }


def delivery(session: Session, credential_id: str) -> dict | None:
    """How the e-mails about ``credential_id`` went -> None when none was sent (issued without
    e-mail, or to a DID), else ``{"state", "at", "queued_at", "attempts", "error",
    "next_attempt_at", "lang", "history": [the same for each e-mail, newest first]}`` for the
    latest one; ``error`` is the last error of an attempt (recipient address masked)."""
    rows = repo.credential_messages(session, credential_id)
    if not rows:
        return None
    return {**_state_of(rows[0]), "history": [_state_of(r) for r in rows]}


def resend_issued(
    app: Badger,
    session: Session,
    credential_row: Credential,
    email: str,
    *,
    actor: audit.Actor = audit.SYSTEM,
) -> OutboxMessage:
    """Queue the "credential_issued" e-mail about ``credential_row`` again, to ``email``, through
    the outbox like the first one (same rendering, retries and minimisation). The address is
    asked again because none is kept once an e-mail is sent or has failed; it must be the one
    the badge was issued to. Recorded in the audit log.

    Raises InvalidInput (``mail.invalid_address``; ``mail.not_recipient``: another address;
    ``mail.not_active``: a revoked or suspended badge, or one issued to a DID), Conflict
    (``mail.already_pending``: an e-mail about it is still waiting to go out;
    ``mail.resend_too_soon``: one went out less than RESEND_INTERVAL ago, or RESENDS_PER_DAY
    were queued in the last 24 hours)."""
    if credential_row.status != "active" or not credential_row.recipient_lookup:
        raise InvalidInput("only an active badge issued to an e-mail address can be sent again", code="mail.not_active")
    address = _checked_address(email)
    if recipient_lookup(app, address) != credential_row.recipient_lookup:
        raise InvalidInput("this is not the address the badge was issued to", code="mail.not_recipient")
    now = _aware(app.clock())
    earlier = repo.credential_messages(session, credential_row.id, limit=RESENDS_PER_DAY + 1)
    if any(r.state == "pending" for r in earlier):
        raise Conflict("an e-mail about this badge is waiting to go out", code="mail.already_pending")
    last_sent = max((_aware(r.sent_at) for r in earlier if r.state == "sent" and r.sent_at), default=None)
    recent = [r for r in earlier if now - _aware(r.created_at) < timedelta(days=1)]
    if (last_sent is not None and now - last_sent < RESEND_INTERVAL) or len(recent) >= RESENDS_PER_DAY:
        raise Conflict(
            "this badge was e-mailed a moment ago: wait before sending it again", code="mail.resend_too_soon"
        )
    lang = earlier[0].lang if earlier else DEFAULT_LANGUAGE
    name = _holder_name(credential_row)
    row = _issued(app, credential_row, address, name, lang)
    repo.add_message(session, row)
    on_commit(session, lambda: kick(app), key="mail.kick")
    audit.record(
        app,
        session,
        issuer_id=credential_row.issuer_id,
        actor=actor,
        action="credential.resend_email",
        target=credential_row.id,
    )
    return row


def _holder_name(credential_row: Credential) -> str | None:
    """The holder's name as the signed credential gives it (the e-mail's greeting)."""
    try:
        subject = json.loads(credential_row.document).get("credentialSubject") or {}
    except ValueError:
        return None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, dict):
        return None
    for identifier in subject.get("identifier") or []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            value = identifier.get("identityHash")
            return value if isinstance(value, str) and value else None
    return None


# ------------------------------------------------------------------------------------ rendering


def _mail_domain(app: Badger) -> str:
    return urlsplit(app.base_url).hostname or "localhost"


def _compose(
    template: str,
    lang: str,
    values: dict,
    *,
    subject: str | None = None,
    intro: str | None = None,
    reply_to: str | None = None,
) -> Rendered:
    kind = KINDS[template]
    fillers = {key: values.get(key, "") for key in kind.placeholders}
    subject_text = render.one_line(render.fill(subject or render.gettext(lang, kind.subject), fillers), SUBJECT_MAX)
    intro_source = intro or render.gettext(lang, kind.intro)
    context = {
        **values,
        "subject": subject_text,
        "intro_text": render.fill(intro_source, fillers).strip(),
        "intro_html": markdown.render(render.fill(intro_source, fillers, markdown=True)),
    }
    return Rendered(
        subject=subject_text,
        text=render.render_template(template + ".txt", lang, **context),
        html=render.render_template(template + ".html", lang, **context),
        lang=lang,
        reply_to=reply_to,
    )


def _override(session: Session, issuer_id: str | None, template: str, lang: str) -> EmailTemplate | None:
    if issuer_id is None or template not in EDITABLE:
        return None
    return repo.template_override(session, issuer_id, template, lang)


def render_message(app: Badger, session: Session, row: OutboxMessage) -> Rendered:
    """Render one outbox row with its partner's wording. Raises PermanentError when it can
    never be sent (its credential is gone or revoked)."""
    context = json.loads(row.context)
    issuer = repo.issuer(session, row.issuer_id) if row.issuer_id else None
    override = _override(session, row.issuer_id, row.template, row.lang)
    values = KINDS[row.template].values(app, session, row.lang, context)
    return _compose(
        row.template,
        row.lang,
        values,
        subject=override.subject if override else None,
        intro=override.body_markdown if override else None,
        reply_to=issuer.email if issuer is not None and issuer.email else None,
    )


def _message(app: Badger, row: OutboxMessage, rendered: Rendered, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = app.settings.mail_from or f"Badger <no-reply@{_mail_domain(app)}>"
    message["To"] = row.to_address
    if rendered.reply_to:
        try:
            message["Reply-To"] = _checked_address(rendered.reply_to)
        except InvalidInput:
            pass  # a partner address we cannot use: no Reply-To rather than no e-mail
    message["Date"] = format_datetime(_aware(now))
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = rendered.lang  # after set_content, which drops Content-* headers
    return message


# ------------------------------------------------------------------------------------- delivery


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _minimised(row: OutboxMessage) -> str:
    context = json.loads(row.context)
    kind = kinds.get(row.template)
    return json.dumps(
        {k: context[k] for k in (kind.kept if kind else ()) if k in context}, ensure_ascii=False, sort_keys=True
    )


def _finish(app: Badger, message_id: int, owner: str, *, error: Exception | None, address: str | None) -> None:
    """Record the outcome of one attempt, unless another pass took the row over meanwhile."""
    with app.transaction() as session:
        row = repo.message(session, message_id)
        if row is None or row.state != "pending" or row.lease_owner != owner:
            return
        now = app.clock()
        row.attempts += 1
        row.lease_until = row.lease_owner = None
        if error is None:
            row.state, row.sent_at, row.last_error = "sent", now, None
        else:
            text = f"{type(error).__name__}: {error}"
            if address:
                text = text.replace(address, "<recipient>")  # keep the address out of the error log
            row.last_error = text[:1000]
            if isinstance(error, PermanentError) or row.attempts >= MAX_ATTEMPTS:
                row.state = "failed"
                log.warning(
                    "e-mail %s (%s) failed for good after %d attempt(s): %s",
                    row.id,
                    row.template,
                    row.attempts,
                    row.last_error,
                )
            else:
                row.next_attempt_at = now + RETRY_DELAYS[row.attempts - 1]
        if row.state != "pending":
            row.to_address, row.context = None, _minimised(row)


def deliver_pending(app: Badger, *, limit: int | None = None) -> int:
    """Send the due outbox rows (at most ``limit``) -> how many were sent (or logged when no
    SMTP server is configured). Failures are rescheduled (1 min, 5 min, 30 min, 2 h) or marked
    failed; they do not raise. Each row is leased first, so concurrent passes (threads,
    workers, processes) never send the same row twice; a pass that dies gives its rows back
    when the lease (5 min) runs out: delivery is at least once."""
    owner = str(uuid.uuid4())
    transport = transport_for(app.settings.smtp_url)
    sent, remaining = 0, limit
    try:
        while remaining is None or remaining > 0:
            with app.transaction() as session:
                now = app.clock()
                ids = repo.claim_due(
                    session,
                    now=now,
                    limit=50 if remaining is None else min(50, remaining),
                    lease_until=now + LEASE,
                    owner=owner,
                )
            if not ids:
                break
            if remaining is not None:
                remaining -= len(ids)
            for position, message_id in enumerate(ids):
                error, address = None, None
                try:
                    with app.transaction() as session:
                        row = repo.message(session, message_id)
                        assert row is not None  # claimed (leased) just above
                        address = row.to_address
                        message = _message(app, row, render_message(app, session, row), app.clock())
                    transport.send(message)
                except (TransientError, PermanentError) as exc:
                    error = exc
                except Exception as exc:  # a rendering bug must not stop the other e-mails
                    log.exception("e-mail %s could not be rendered", message_id)
                    error = TransientError(f"{type(exc).__name__}: {exc}")
                _finish(app, message_id, owner, error=error, address=address)
                if error is None:
                    sent += 1
                elif isinstance(error, Unreachable):
                    # The server is away: the rest of the batch would wait for the same timeout
                    # each; they count the same failed attempt and the pass ends.
                    for other in ids[position + 1 :]:
                        _finish(app, other, owner, error=error, address=None)
                    return sent
    finally:
        transport.close()
    return sent


def _next_due(app: Badger) -> datetime | None:
    with app.transaction() as session:
        due = repo.next_due_at(session)
    return _aware(due) if due is not None else None


# -------------------------------------------------------------------------------------- trigger


class _Deliverer:
    """One delivery thread per process and container: woken by ``kick``; it runs passes while
    e-mails are due or retries are scheduled, sleeping until the next one, then exits."""

    MAX_SLEEP = 300.0

    def __init__(self, app: Badger):
        self.app = app
        self.wake = threading.Event()
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None
        self.busy = False  # a kick not yet served by a complete pass
        self.pid = os.getpid()

    def kick(self) -> None:
        with self.cond:
            if self.pid != os.getpid():  # forked (e.g. gunicorn preload): the parent's thread is not ours
                self.thread, self.pid, self.busy = None, os.getpid(), False
            self.busy = True
            self.wake.set()
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="badger-mail", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.clear()
            due = None
            try:
                deliver_pending(self.app)
                due = _next_due(self.app)
            except Exception:
                log.exception("e-mail delivery pass failed; pending e-mails wait for the next kick")
                due = None
            with self.cond:
                if self.wake.is_set():
                    continue
                self.busy = False
                self.cond.notify_all()
                if due is None:
                    self.thread = None
                    return
            delay = (due - _aware(self.app.clock())).total_seconds()
            self.wake.wait(min(max(delay, 0.05), self.MAX_SLEEP))

    def drain(self, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.busy, timeout)


_live: weakref.WeakSet[_Deliverer] = weakref.WeakSet()
_registry_lock = threading.Lock()


def _deliverer(app: Badger) -> _Deliverer:
    with _registry_lock:
        deliverer = app.__dict__.get("_mail_deliverer")
        if deliverer is None:
            deliverer = app.__dict__["_mail_deliverer"] = _Deliverer(app)
            _live.add(deliverer)
        return deliverer


def kick(app: Badger) -> None:
    """Start delivering now, in the background: an RQ job on queue "badger" when
    BADGER_QUEUE_URL is set, else this process's delivery thread. Never raises (the rows stay
    pending and go out at the next kick)."""
    try:
        if app.settings.queue_url:
            _enqueue_job(app)
        else:
            _deliverer(app).kick()
    except Exception:
        log.exception("could not start e-mail delivery; the e-mails stay in the outbox")


def drain(app: Badger, timeout: float = DRAIN_AT_EXIT) -> bool:
    """Wait until this process's delivery thread has served every kick (future retries
    aside) -> False on timeout. For short-lived processes and tests."""
    deliverer = app.__dict__.get("_mail_deliverer")
    return True if deliverer is None else deliverer.drain(timeout)


@atexit.register
def _drain_at_exit() -> None:
    for deliverer in list(_live):
        if deliverer.pid == os.getpid():
            deliverer.drain(DRAIN_AT_EXIT)


def _enqueue_job(app: Badger) -> None:
    queue.submit(app, TASK, timeout=600, description="deliver pending e-mails")


def deliver_task(app: Badger) -> int:
    """The task TASK (queue "badger", run by ``badger worker``): one delivery pass. Retries due
    later are left to the worker process's delivery thread (the same one as in-process mode),
    so no RQ scheduler is needed; if the worker dies, they go out with the next job."""
    sent = deliver_pending(app)
    if _next_due(app) is not None:
        _deliverer(app).kick()
    return sent


# ------------------------------------------------------------------------- partners' templates


def _checked_template(template: str, lang: str) -> None:
    if template not in EDITABLE:
        raise NotFound("no such e-mail template", code="mail.unknown_template")
    if lang not in LANGUAGES:
        raise InvalidInput("language must be fr or en", code="mail.invalid_language")


def get_template(session: Session, issuer: Issuer, template: str, lang: str) -> dict:
    """The wording ``issuer`` uses for ``template`` in ``lang`` -> {template, lang, subject,
    body_markdown, custom, default_subject, default_body, placeholders}. Raises NotFound
    (not an editable template), InvalidInput (language)."""
    _checked_template(template, lang)
    row = repo.template_override(session, issuer.id, template, lang)
    default_subject, default_body = (render.gettext(lang, m) for m in (KINDS[template].subject, KINDS[template].intro))
    return {
        "template": template,
        "lang": lang,
        "subject": row.subject if row is not None and row.subject else default_subject,
        "body_markdown": row.body_markdown if row is not None and row.body_markdown else default_body,
        "custom": row is not None,
        "default_subject": default_subject,
        "default_body": default_body,
        "placeholders": KINDS[template].placeholders,
    }


def _cleaned(subject, body) -> tuple[str | None, str | None]:
    subject = subject.strip() if isinstance(subject, str) else None
    body = body.replace("\r\n", "\n").strip() if isinstance(body, str) else None
    if subject and ("\n" in subject or "\r" in subject or len(subject) > SUBJECT_MAX):
        raise InvalidInput(f"the subject is one line of at most {SUBJECT_MAX} characters", code="mail.invalid_subject")
    if body and len(body) > BODY_MAX:
        raise InvalidInput(f"the text is at most {BODY_MAX} characters", code="mail.invalid_body")
    return subject or None, body or None


def set_template(
    app: Badger,
    session: Session,
    issuer: Issuer,
    template: str,
    lang: str,
    *,
    subject: str | None,
    body_markdown: str | None,
    actor: audit.Actor = audit.SYSTEM,
) -> dict:
    """Save ``issuer``'s subject and introduction (Markdown) for ``template`` in ``lang``; an
    empty field means the default, text equal to the default is not stored as a change.
    Recorded in the audit log. -> get_template(...). Raises NotFound, InvalidInput."""
    _checked_template(template, lang)
    subject, body = _cleaned(subject, body_markdown)
    default_subject, default_body = (render.gettext(lang, m) for m in (KINDS[template].subject, KINDS[template].intro))
    subject = None if subject == default_subject else subject
    body = None if body == default_body.strip() else body
    row = repo.template_override(session, issuer.id, template, lang)
    if subject is None and body is None:
        if row is not None:
            repo.delete_template_override(session, row)
    else:
        if row is None:
            row = EmailTemplate(issuer_id=issuer.id, template=template, lang=lang)
        row.subject, row.body_markdown, row.updated_at = subject, body, app.clock()
        repo.save_template_override(session, row)
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="email_template.update",
        target=f"{template}/{lang}",
        detail={"subject": subject is not None, "body": body is not None},
    )
    return get_template(session, issuer, template, lang)


def reset_template(
    app: Badger, session: Session, issuer: Issuer, template: str, lang: str, *, actor: audit.Actor = audit.SYSTEM
) -> dict:
    """Back to the default wording; recorded in the audit log. -> get_template(...)."""
    _checked_template(template, lang)
    row = repo.template_override(session, issuer.id, template, lang)
    if row is not None:
        repo.delete_template_override(session, row)
        audit.record(
            app, session, issuer_id=issuer.id, actor=actor, action="email_template.reset", target=f"{template}/{lang}"
        )
    return get_template(session, issuer, template, lang)


def preview(
    app: Badger,
    session: Session,
    issuer: Issuer,
    template: str,
    lang: str,
    *,
    subject: str | None = None,
    body_markdown: str | None = None,
) -> Rendered:
    """Render ``template`` as ``issuer``'s learners or staff would get it, with sample values
    (its latest badge class when it has one) and, when given, unsaved wording (``None``: the saved
    wording; ``""``: the default). Raises NotFound, InvalidInput."""
    _checked_template(template, lang)
    saved = repo.template_override(session, issuer.id, template, lang)
    given_subject, given_body = _cleaned(subject, body_markdown)  # "" means the default wording
    subject = given_subject if subject is not None else saved.subject if saved is not None else None
    body = given_body if body_markdown is not None else saved.body_markdown if saved is not None else None
    values = KINDS[template].sample(app, session, issuer, lang)
    return _compose(template, lang, values, subject=subject, intro=body, reply_to=issuer.email or None)

"""Badge requests: an applicant asks for a badge class open to requests, with a statement per
criterion and evidence; reviewers (the partner's staff, and jury members invited by a private
link) comment, approve, ask for changes or reject; the applicant confirms their address first,
is told each decision by e-mail in their language, can resubmit or withdraw; reaching the
class's threshold of approvals issues the credential with the evidence (files as public links
with ``digestSRI``) and the decision date as ``awardedDate``.

States: ``unconfirmed`` -> ``submitted`` -> (``changes_requested`` -> ``submitted``)* ->
``approved`` | ``rejected``; ``withdrawn`` from any state before a decision. A resubmission
opens a new round: approvals count within the current round. Each reviewer's last decision
of the round counts. A jury rejects once the approvals still possible cannot reach the
threshold. Issuing carries the key ``request:<id>``: however many approvals race, one
credential. Every step is recorded in the audit log (actions ``request.*``, ``jury.invite``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from badger.accounts import service as accounts
from badger.achievements.models import Achievement
from badger.achievements.service import get_achievement
from badger.core import audit
from badger.core.app import Badger, xsd_datetime
from badger.core.db import Session
from badger.core.listing import ListQuery, Page
from badger.credentials.identity import normalise_email
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuers.models import Issuer
from badger.mail import outbox
from badger.programmes.models import Milestone
from badger.programmes.service import milestone_awarded_date
from badger.recognition import evidence as files
from badger.recognition import modes
from badger.recognition import repository as repo
from badger.recognition.models import BadgeRequest, ClaimWindow, JuryMember, RequestEvidence, RequestReview

__all__ = [
    "Reviewer",
    "EvidenceIn",
    "criteria_items",
    "create_request",
    "find_request",
    "confirm",
    "resubmit",
    "withdraw",
    "review",
    "queue",
    "get_request",
    "detail",
    "evidence_file",
    "public_evidence",
    "invite_juror",
    "juror",
    "jurors",
    "juror_queue",
    "juror_request",
    "juror_reviewer",
    "request_url",
    "request_token",
    "DECISIONS",
    "OPEN_STATES",
]

DECISIONS = ("comment", "approve", "changes", "reject")
OPEN_STATES = ("unconfirmed", "submitted", "changes_requested")
MAX_STATEMENT = 5000
MAX_TEXTS = 5
MAX_URLS = 10
MAX_COMMENT = 5000


@dataclass(frozen=True)
class Reviewer:
    """Who reviews: ``id`` ``user:<id>`` (staff) or ``jury:<id>`` (an invited jury member)."""

    id: str
    label: str | None = None

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(self.id, self.label)


@dataclass(frozen=True)
class EvidenceIn:
    urls: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    files: tuple[tuple[str | None, str | None, bytes], ...] = ()  # (filename, declared type, bytes)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(app: Badger, kind: str, row_id: str) -> str:
    """A private link's secret, derived from the secret key and the row (so it can be sent
    again without being stored; only its hash is kept, to find the row)."""
    mac = hmac.new(app.settings.secret_key.encode(), f"recognition:{kind}:{row_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def request_token(app: Badger, request_id: str) -> str:
    """The secret of the applicant's private page of this request."""
    return _token(app, "request", request_id)


def request_url(app: Badger, token: str) -> str:
    return app.url("recognition", "requests", token)


def criteria_items(achievement: Achievement) -> list[str]:
    """The criteria a statement answers: the items of the criteria's Markdown list, or the
    whole text as one criterion."""
    document = json.loads(achievement.document)
    narrative = ((document.get("criteria") or {}).get("narrative") or "").strip()
    items = [m.strip() for m in re.findall(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", narrative, re.M)]
    return items or ([narrative] if narrative else [document.get("name") or ""])


def _text(value, what: str, limit: int, code: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} is missing", code=code, field=field)
    value = value.replace("\t", " ").strip()
    if len(value) > limit or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise InvalidInput(f"{what} must be text of at most {limit} characters", code=code, field=field)
    return value


def _statements(achievement: Achievement, statements) -> str:
    items = criteria_items(achievement)
    given = list(statements or ())
    if len(given) != len(items):
        raise InvalidInput("write one statement per criterion", code="request.statements", field="statements")
    out = [
        {"criterion": c, "statement": _text(s, "a statement", MAX_STATEMENT, "request.statements", "statements")}
        for c, s in zip(items, given, strict=True)
    ]
    return json.dumps(out, ensure_ascii=False)


def _checked_evidence(evidence: EvidenceIn) -> tuple[list[str], list[str], list[files.CheckedFile]]:
    urls = [files.check_url(u) for u in evidence.urls if u and u.strip()]
    texts = [
        _text(t, "an evidence text", MAX_STATEMENT, "evidence.invalid_text", "texts")
        for t in evidence.texts
        if t and t.strip()
    ]
    if len(urls) > MAX_URLS or len(texts) > MAX_TEXTS:
        raise InvalidInput("too many evidence links or texts", code="evidence.too_many", field="urls")
    uploads = [f for f in evidence.files if f[2]]
    if len(uploads) > files.MAX_FILES:
        raise InvalidInput(f"at most {files.MAX_FILES} files", code="evidence.too_many_files", field="files")
    checked = [files.check_file(name, declared, data) for name, declared, data in uploads]
    return urls, texts, checked


def _store_evidence(app: Badger, session: Session, request: BadgeRequest, urls, texts, checked) -> None:
    start = app.clock()
    step = iter(range(1, 1000))

    def now():  # one microsecond apart: the evidence keeps the order it was given in
        return start + timedelta(microseconds=next(step))

    for url in urls:
        repo.add(
            session, RequestEvidence(id=app.new_id(), request_id=request.id, kind="url", url=url, created_at=now())
        )
    for text in texts:
        repo.add(
            session, RequestEvidence(id=app.new_id(), request_id=request.id, kind="text", text=text, created_at=now())
        )
    for item in checked:
        repo.add(
            session,
            RequestEvidence(
                id=app.new_id(),
                request_id=request.id,
                kind="file",
                filename=item.filename,
                media_type=item.media_type,
                data=item.data,
                size=len(item.data),
                digest=item.digest,
                created_at=now(),
            ),
        )


def _mail(app: Badger, session: Session, request: BadgeRequest, template: str, **context) -> None:
    outbox.enqueue(
        app,
        session,
        to=request.email,
        template=template,
        lang=request.lang,
        context=context,
        issuer_id=request.issuer_id,
    )


def _badge_name(session: Session, request: BadgeRequest) -> str:
    row = session.get(Achievement, request.achievement_id)
    return row.name if row is not None else ""


def create_request(
    app: Badger,
    session: Session,
    achievement_id: str,
    *,
    name: str,
    email: str,
    statements,
    evidence: EvidenceIn = EvidenceIn(),
    lang: str = "fr",
) -> tuple[BadgeRequest, str]:
    """A new request for a published badge class open to requests; nothing is reviewed until
    the address is confirmed through the link e-mailed now. -> (row, the applicant's token).
    Raises NotFound (no such class, or not open to requests), InvalidInput (fields, evidence),
    Conflict (a request of this address for this class is already under way)."""
    achievement = get_achievement(session, achievement_id)
    if not achievement.published or not modes.get_mode(session, achievement.id)["open"]:
        raise NotFound("this badge cannot be requested", code="request.not_open")
    name = _text(name, "the name", 300, "request.invalid_name", "name")
    try:
        address = normalise_email(email)
    except InvalidInput:
        raise InvalidInput("invalid e-mail address", code="request.invalid_email", field="email") from None
    lookup = issuing.recipient_lookup(app, address)
    if repo.open_request(session, achievement.id, lookup) is not None:
        raise Conflict("a request of this address for this badge is already under way", code="request.exists")
    stated = _statements(achievement, statements)
    urls, texts, checked = _checked_evidence(evidence)
    if not (urls or texts or checked):
        raise InvalidInput("give at least one piece of evidence", code="evidence.missing", field="urls")
    now = app.clock()
    request_id = app.new_id()
    token = _token(app, "request", request_id)
    row = BadgeRequest(
        id=request_id,
        issuer_id=achievement.issuer_id,
        achievement_id=achievement.id,
        email=address,
        name=name,
        lang=lang if lang in ("fr", "en") else "fr",
        recipient_lookup=lookup,
        token_hash=_hash(token),
        state="unconfirmed",
        round=1,
        statements=stated,
        source="request",
        created_at=now,
    )
    repo.add(session, row)
    _store_evidence(app, session, row, urls, texts, checked)
    _mail(app, session, row, "request_confirm", badge=achievement.name, url=request_url(app, token))
    _audit(app, session, row, audit.Actor("applicant", address), "request.create", files=len(checked), urls=len(urls))
    return row, token


def _audit(app: Badger, session: Session, row: BadgeRequest, actor: audit.Actor, action: str, **detail) -> None:
    audit.record(
        app,
        session,
        issuer_id=row.issuer_id,
        actor=actor,
        action=action,
        target=row.id,
        detail={"achievement": row.achievement_id, "round": row.round, **detail},
    )


def find_request(session: Session, token: str) -> BadgeRequest:
    row = repo.request_by_token(session, _hash(token or "")) if token and len(token) < 100 else None
    if row is None:
        raise NotFound("no such request", code="request.not_found")
    return row


def confirm(app: Badger, session: Session, token: str) -> BadgeRequest:
    """The applicant's address is confirmed: the request enters the review queue (idempotent)."""
    row = find_request(session, token)
    if row.state == "unconfirmed":
        now = app.clock()
        row.state, row.confirmed_at, row.submitted_at = "submitted", now, now
        session.flush()
        _audit(app, session, row, audit.Actor("applicant", row.email), "request.confirm")
        _tell_reviewers(app, session, row)
    return row


def _tell_reviewers(app: Badger, session: Session, row: BadgeRequest) -> None:
    """A request enters review: its reviewers are told (staff with the issuer or owner role,
    with the dashboard's link; the class's jury members, with their private link)."""
    issuer = session.get(Issuer, row.issuer_id)
    if issuer is None:
        return
    badge = _badge_name(session, row)
    dashboard = app.url("dashboard", issuer.slug, "recognition", "requests", row.id)
    for user, role in accounts.members(session, issuer):
        if role in ("issuer", "owner"):
            outbox.enqueue(
                app,
                session,
                to=user.email,
                template="request_review",
                lang="fr",
                context={"badge": badge, "url": dashboard},
                issuer_id=issuer.id,
            )
    for member in repo.jurors_of(session, row.achievement_id):
        outbox.enqueue(
            app,
            session,
            to=member.email,
            template="request_review",
            lang="fr",
            context={"badge": badge, "url": app.url("jury", _token(app, "jury", member.id), "requests", row.id)},
            issuer_id=issuer.id,
        )


def resubmit(
    app: Badger, session: Session, token: str, *, statements, evidence: EvidenceIn = EvidenceIn()
) -> BadgeRequest:
    """After "changes asked": new statements and more evidence; a new round of review."""
    row = find_request(session, token)
    if row.state != "changes_requested":
        raise Conflict("this request is not waiting for changes", code="request.not_waiting")
    achievement = get_achievement(session, row.achievement_id)
    row.statements = _statements(achievement, statements)
    urls, texts, checked = _checked_evidence(evidence)
    _store_evidence(app, session, row, urls, texts, checked)
    row.state, row.round, row.submitted_at = "submitted", row.round + 1, app.clock()
    session.flush()
    _audit(app, session, row, audit.Actor("applicant", row.email), "request.resubmit", files=len(checked))
    _tell_reviewers(app, session, row)
    return row


def withdraw(app: Badger, session: Session, token: str) -> BadgeRequest:
    row = find_request(session, token)
    if row.state not in OPEN_STATES:
        raise Conflict("this request is already decided", code="request.decided")
    row.state, row.decided_at = "withdrawn", app.clock()
    session.flush()
    _audit(app, session, row, audit.Actor("applicant", row.email), "request.withdraw")
    return row


def get_request(session: Session, issuer: Issuer, request_id: str) -> BadgeRequest:
    row = session.get(BadgeRequest, request_id) if isinstance(request_id, str) and len(request_id) <= 36 else None
    if row is None or row.issuer_id != issuer.id:
        raise NotFound("no such request", code="request.not_found")
    return row


def _latest_decisions(session: Session, row: BadgeRequest) -> dict[str, str]:
    latest: dict[str, str] = {}
    for review_row in repo.reviews_of(session, row.id):
        if review_row.round == row.round and review_row.decision != "comment":
            latest[review_row.reviewer] = review_row.decision
    return latest


def review(
    app: Badger,
    session: Session,
    row: BadgeRequest,
    reviewer: Reviewer,
    decision: str,
    comment: str | None = None,
):
    """One reviewer's comment or decision on a submitted request. ``changes`` and ``reject``
    need a comment (the feedback the applicant reads). -> the issued Credential when this
    decision reached the threshold, else None. Raises InvalidInput, Conflict (not under
    review)."""
    if decision not in DECISIONS:
        raise InvalidInput("unknown decision", code="review.invalid_decision", field="decision")
    text = comment.replace("\t", " ").strip() if isinstance(comment, str) else ""
    if len(text) > MAX_COMMENT:
        raise InvalidInput("the comment is too long", code="review.comment_too_long", field="comment")
    if decision in ("comment", "changes", "reject") and not text:
        raise InvalidInput("write a comment for the applicant", code="review.missing_comment", field="comment")
    if row.state != "submitted":
        raise Conflict("this request is not under review", code="request.not_under_review")
    now = app.clock()
    repo.add(
        session,
        RequestReview(
            id=app.new_id(),
            request_id=row.id,
            round=row.round,
            reviewer=reviewer.id,
            reviewer_label=reviewer.label,
            decision=decision,
            comment=text or None,
            created_at=now,
        ),
    )
    _audit(app, session, row, reviewer.actor, f"request.{decision}")
    if decision == "comment":
        return None
    mode = modes.get_mode(session, row.achievement_id)
    size, threshold = (mode["jury_size"], mode["threshold"]) if mode["mode"] == "jury" else (1, 1)
    latest = _latest_decisions(session, row)
    badge = _badge_name(session, row)
    if decision == "changes":
        row.state = "changes_requested"
        session.flush()
        _mail(
            app, session, row, "request_decision", badge=badge, decision="changes", feedback=text, url=_link(app, row)
        )
        return None
    rejections = sum(1 for d in latest.values() if d == "reject")
    if decision == "reject" and rejections > size - threshold:
        row.state, row.decided_at = "rejected", now
        session.flush()
        _audit(app, session, row, audit.SYSTEM, "request.rejected", rejections=rejections)
        _mail(
            app, session, row, "request_decision", badge=badge, decision="rejected", feedback=text, url=_link(app, row)
        )
        return None
    approvals = sum(1 for d in latest.values() if d == "approve")
    if approvals >= threshold:
        return _issue(app, session, row, approvals)
    return None


def _link(app: Badger, row: BadgeRequest) -> str:
    """The applicant's private page."""
    return request_url(app, _token(app, "request", row.id))


def _issue(app: Badger, session: Session, row: BadgeRequest, approvals: int):
    issuer = session.get(Issuer, row.issuer_id)
    if issuer is None:
        raise NotFound("no such issuer", code="issuer.not_found")
    now = app.clock()
    evidence: list[dict] = []
    statements = json.loads(row.statements or "[]")
    if statements:
        # Plain text (pages show a narrative as written): each criterion, then what was said.
        evidence.append(
            {
                "name": "Déclaration" if row.lang == "fr" else "Statement",
                "narrative": "\n\n".join(
                    f"{s['criterion']}{' :' if row.lang == 'fr' else ':'}\n{s['statement']}" for s in statements
                ),
            }
        )
    for item in repo.evidence_of(session, row.id):
        if item.kind == "url":
            evidence.append({"id": item.url})
        elif item.kind == "text":
            evidence.append({"narrative": item.text})
        else:
            item.public_token = item.public_token or secrets.token_urlsafe(24)
            evidence.append(
                {"id": app.url("evidence", item.public_token), "name": item.filename, "digestSRI": item.digest}
            )
    session.flush()
    credential = issuing.issue(
        app,
        session,
        issuer,
        issuing.IssueRequest(
            achievement=row.achievement_id,
            email=row.email,
            name=row.name,
            evidence=tuple(evidence),
            awarded_date=_claimed_day(session, row) or xsd_datetime(now.replace(microsecond=0)),
        ),
        idempotency_key=f"request:{row.id}",
        actor=audit.SYSTEM,
        notify=True,  # the badge e-mail, in the applicant's language, tells them
        lang=row.lang,
    )
    row.state, row.decided_at, row.credential_id = "approved", now, credential.id
    session.flush()
    _audit(app, session, row, audit.SYSTEM, "request.approved", approvals=approvals, credential=credential.id)
    return credential


def _claimed_day(session: Session, row: BadgeRequest) -> str | None:
    """A claim made at a session is awarded on the session's date, not on the review's."""
    if row.source != "claim" or not row.claim_window_id:
        return None
    window = session.get(ClaimWindow, row.claim_window_id)
    milestone = session.get(Milestone, window.milestone_id) if window is not None else None
    return milestone_awarded_date(milestone) if milestone is not None else None


def queue(session: Session, issuer: Issuer, *, states=("submitted",), achievement_id: str | None = None) -> list:
    return repo.requests_of(session, issuer.id, states=tuple(states), achievement_id=achievement_id)


REQUEST_SORTS = tuple(repo.REQUEST_SORTS)


def request_page(session: Session, issuer: Issuer, query: ListQuery) -> Page:
    """One page of the issuer's badge requests (every state) as (request, badge class name),
    searched in the applicant's name and e-mail address and the badge, sorted by a key of
    REQUEST_SORTS."""
    rows, total = repo.request_page(
        session, issuer.id, search=query.q, sort=query.sort, desc=query.desc, offset=query.offset, limit=query.limit
    )
    return Page(rows, total, query)


def detail(session: Session, row: BadgeRequest) -> dict:
    """What reviewers and the applicant see: statements, evidence (no file bytes), reviews."""
    achievement = session.get(Achievement, row.achievement_id)
    mode = modes.get_mode(session, row.achievement_id)
    latest = _latest_decisions(session, row)
    return {
        "id": row.id,
        "state": row.state,
        "round": row.round,
        "name": row.name,
        "email": row.email,
        "source": row.source,
        "achievement_id": row.achievement_id,
        "badge": achievement.name if achievement is not None else "",
        "mode": mode,
        "approvals": sum(1 for d in latest.values() if d == "approve"),
        "decided_by": sorted(latest),  # reviewer ids with a decision in the current round
        "statements": json.loads(row.statements or "[]"),
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "url": e.url,
                "text": e.text,
                "filename": e.filename,
                "media_type": e.media_type,
                "size": e.size,
                "digest": e.digest,
            }
            for e in repo.evidence_of(session, row.id)
        ],
        "reviews": [
            {
                "round": r.round,
                "reviewer": r.reviewer_label or r.reviewer,
                "decision": r.decision,
                "comment": r.comment,
                "at": r.created_at,
            }
            for r in repo.reviews_of(session, row.id)
        ],
        "created_at": row.created_at,
        "credential_id": row.credential_id,
    }


def evidence_file(session: Session, row: BadgeRequest, evidence_id: str) -> RequestEvidence:
    """A file of this request (the caller has checked the reader may see the request)."""
    item = (
        session.get(RequestEvidence, evidence_id) if isinstance(evidence_id, str) and len(evidence_id) <= 36 else None
    )
    if item is None or item.request_id != row.id or item.kind != "file":
        raise NotFound("no such file", code="evidence.not_found")
    return item


def public_evidence(session: Session, token: str) -> RequestEvidence:
    """A file named by an issued credential's public evidence link."""
    item = repo.evidence_by_public_token(session, token) if token and len(token) < 100 else None
    if item is None or item.kind != "file":
        raise NotFound("no such file", code="evidence.not_found")
    return item


# ---------------------------------------------------------------------------------------- jury


def invite_juror(
    app: Badger,
    session: Session,
    issuer: Issuer,
    achievement_id: str,
    *,
    name: str,
    email: str,
    lang: str = "fr",
    actor: audit.Actor = audit.SYSTEM,
) -> tuple[JuryMember, str]:
    """Invite someone outside the partner to review this class's requests: a private link
    (e-mailed now) gives access to those requests and nothing else. -> (row, token)."""
    achievement = get_achievement(session, achievement_id, issuer=issuer)
    name = _text(name, "the name", 300, "jury.invalid_name", "name")
    try:
        address = normalise_email(email)
    except InvalidInput:
        raise InvalidInput("invalid e-mail address", code="jury.invalid_email", field="email") from None
    member_id = app.new_id()
    token = _token(app, "jury", member_id)
    row = JuryMember(
        id=member_id,
        issuer_id=issuer.id,
        achievement_id=achievement.id,
        name=name,
        email=address,
        token_hash=_hash(token),
        created_at=app.clock(),
    )
    repo.add(session, row)
    url = app.url("jury", token)
    outbox.enqueue(
        app,
        session,
        to=address,
        template="jury_invitation",
        lang=lang,
        context={"badge": achievement.name, "partner": issuer.name, "url": url},
        issuer_id=issuer.id,
    )
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="jury.invite",
        target=row.id,
        detail={"achievement": achievement.id},
    )
    return row, token


def juror(session: Session, token: str) -> JuryMember:
    row = repo.juror_by_token(session, _hash(token or "")) if token and len(token) < 100 else None
    if row is None or row.revoked_at is not None:
        raise NotFound("no such jury link", code="jury.not_found")
    return row


def jurors(session: Session, achievement_id: str) -> list[JuryMember]:
    return repo.jurors_of(session, achievement_id)


def juror_queue(session: Session, member: JuryMember) -> list[BadgeRequest]:
    """The requests of the jury member's badge class waiting for review."""
    return repo.requests_of(session, member.issuer_id, states=("submitted",), achievement_id=member.achievement_id)


def juror_request(session: Session, member: JuryMember, request_id: str) -> BadgeRequest:
    """One request of the jury member's badge class (any other: NotFound)."""
    row = session.get(BadgeRequest, request_id) if isinstance(request_id, str) and len(request_id) <= 36 else None
    if row is None or row.achievement_id != member.achievement_id or row.issuer_id != member.issuer_id:
        raise NotFound("no such request", code="request.not_found")
    return row


def juror_reviewer(member: JuryMember) -> Reviewer:
    return Reviewer(f"jury:{member.id}", member.name)

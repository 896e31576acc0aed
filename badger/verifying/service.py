"""Verification as a service: our own issuers' keys from the database, others' through HTTP
(did:web / https, with timeouts and size limits), status lists likewise.

Two rules keep a public verifier from being turned against the instance (issue "hardening"):

- Every verification runs within a ``Budget`` (badger.jsonld.budget): one deadline, a number of
  proofs and fetches, canonicalization work. An input that exceeds it is refused as a whole
  (``BudgetExceeded``, a 400 ``verify.budget_exceeded``), not reported as "not verified".
- No database transaction is held while verifying, fetching or canonicalizing: called without a
  session (``session=None``, what the web edges do), every database read is its own short
  transaction (on SQLite each one holds the write lock, BEGIN IMMEDIATE, for a few
  milliseconds), and the verification event is recorded afterwards in another. A URL of this
  instance's own origin is answered from the database, never over the network (a worker
  fetching from itself would wait for itself).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import InvalidInput, NotFound, ResolutionError
from badger.issuance.issuing import get_credential
from badger.issuance.models import Credential
from badger.issuance.status_lists import own_suspension, signed_list_credential
from badger.issuers.held_keys import held_did_document
from badger.issuers.service import get_issuer_by_did, issuer_did_document
from badger.jsonld.budget import Budget, check_json_text, use
from badger.keys import (
    ChainResolver,
    DidKeyResolver,
    FetchingResolver,
    find_verification_method,
)
from badger.keys.did import did_web
from badger.verification import StatusListChecker, StatusOutcome, VerificationResult, verify
from badger.verification.verifier import MAX_INPUT_BYTES
from badger.verifying import repository as status_repo
from badger.verifying.linkage import issuer_linkage
from badger.verifying.models import VerificationEvent

__all__ = ["verify_credential", "resolver_for", "fetch_credential_url", "new_budget", "count_proofs"]

log = logging.getLogger("badger.services")


class _Reads:
    """Database reads during a verification: the caller's session when it holds one (the CLI,
    a page that verifies one of our own credentials), else one short transaction per read."""

    def __init__(self, app: Badger, session: Session | None):
        self._app = app
        self._session = session

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self._session is not None:
            yield self._session
        else:
            with self._app.transaction() as session:
                yield session


def _own_did_document(session: Session, did: str) -> dict | None:
    """The DID document of one of our issuers or of a key we hold for a learner (their
    endorsements), None when the DID is not ours; a retired learner key does not resolve."""
    issuer = get_issuer_by_did(session, did)
    if issuer is not None:
        return issuer_did_document(issuer)
    try:
        return held_did_document(session, did)
    except NotFound as exc:
        if exc.code == "key.did_not_found":
            return None
        raise ResolutionError(f"{did} was deactivated", code="key.did_deactivated") from exc


class _LocalIssuers:
    """Our DID documents (issuers', learners' endorsement keys), read from the database (no
    HTTP round trip to ourselves)."""

    def __init__(self, reads: _Reads):
        self._reads = reads

    def document(self, url: str) -> dict:
        with self._reads.session() as session:
            document = _own_did_document(session, url.split("#", 1)[0])
            if document is None:
                raise ResolutionError(f"not one of our issuers: {url}", code="key.method_not_found")
            return document

    def resolve(self, vm_id: str):
        return find_verification_method(self.document(vm_id), vm_id)


def _reads(app: Badger, session: Session | _Reads | None) -> _Reads:
    return session if isinstance(session, _Reads) else _Reads(app, session)


def _own_fetcher(app: Badger, reads: _Reads):
    """app.fetcher, except for this instance's own origin, answered from the database."""
    own = app.base_url + "/"

    def fetch(url: str) -> bytes:
        if not url.startswith(own):
            return app.fetcher(url)
        path = urlsplit(url).path
        with reads.session() as session:
            if path.startswith("/status/"):
                return json.dumps(signed_list_credential(app, session, path[len("/status/") :])).encode()
            if path.startswith("/credentials/"):
                row = get_credential(session, path[len("/credentials/") :].split(".", 1)[0])
                return (row.jwt or row.document).encode()
            if path.endswith("/did.json"):
                did = did_web(app.base_url, *(unquote(s) for s in path[: -len("/did.json")].split("/") if s))
                document = _own_did_document(session, did)
                if document is not None:
                    return json.dumps(document).encode()
        raise ResolutionError(f"{url} is not a document of this instance", code="key.fetch_failed")

    return fetch


def resolver_for(app: Badger, session: Session | _Reads | None):
    reads = _reads(app, session)
    return ChainResolver(
        _LocalIssuers(reads),
        DidKeyResolver(),
        FetchingResolver(_own_fetcher(app, reads), http_hosts=app.settings.http_did_hosts),
    )


def _fetch_json(fetch, url: str) -> dict:
    body = fetch(url)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ResolutionError(f"{url} did not answer JSON", code="key.bad_document") from exc


def new_budget() -> Budget:
    """The budget of one verification request (badger.jsonld.budget has the limits)."""
    return Budget()


def count_proofs(data) -> int:
    """How many proofs a credential given as a dict carries (JWTs carry one)."""
    if not isinstance(data, dict):
        return 1
    proofs = data.get("proof")
    if proofs is None:
        return 0
    return len(proofs) if isinstance(proofs, list) else 1


def fetch_credential_url(app: Badger, session: Session | None, url: str, *, budget: Budget | None = None):
    """The credential behind a URL: our own (from the database) or fetched. Raises InvalidInput."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise InvalidInput("url must be an http(s) URL", code="input.invalid_url")
    reads = _reads(app, session)
    own = app.base_url + "/credentials/"
    if url.startswith(own):
        with reads.session() as s:
            row = get_credential(s, url[len(own) :].split(".", 1)[0].split("?", 1)[0])
            return row.jwt or row.document
    try:
        with use(budget or new_budget()):
            return _own_fetcher(app, reads)(url).decode("utf-8")
    except (ResolutionError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot fetch {url}: {exc}", code="verify.fetch_failed") from exc


def verify_credential(
    app: Badger,
    session: Session | None,
    data,
    *,
    email: str | None = None,
    budget: Budget | None = None,
    domain_linkage: bool = False,
    count: bool = True,
) -> VerificationResult:
    """verify() with our resolvers, the clock, and Bitstring Status List checking, within
    ``budget`` (a new one when None). ``session``: None to hold no transaction while verifying
    (reads and the verification event each get their own short one); a session when the
    caller already holds one. Raises BudgetExceeded when the input costs more than allowed.

    ``domain_linkage``: also fetch the DID Configuration of the web site the issuer's profile
    names (badger.verifying.linkage) and report it as ``credential.issuer.domainLinkage`` in the
    result's summary (``{"status": "linked" | "not_linked" | "invalid" | "unreachable" |
    "no_origin", "origin"}``). Off by default: pages that verify on every view must not wait on
    a partner's web site.

    ``count`` false for a page that shows a credential's state (its public page, print view,
    certificate): viewing a page is not someone verifying the badge, so partner statistics
    count only real verifications (verify page, API, command line, VC-API)."""
    budget = budget or new_budget()
    if isinstance(data, (str, bytes, bytearray)) and data.lstrip()[:1] in ("{", b"{"):
        check_json_text(data, max_bytes=MAX_INPUT_BYTES)  # before anything parses it
    budget.proofs(count_proofs(data))
    reads = _reads(app, session)
    fetch = _own_fetcher(app, reads)
    own_status = app.base_url + "/status/"

    def fetch_list(url: str) -> dict:
        if url.startswith(own_status):
            with reads.session() as s:
                return signed_list_credential(app, s, url[len(own_status) :])
        return _fetch_json(fetch, url)

    resolver = resolver_for(app, reads)
    now = app.clock()
    lists = StatusListChecker(fetch_list, resolver=resolver, now=now)

    def checker(entry: dict, credential: dict) -> str:
        # Suspension of our own credentials in the strict OB 3.0 form is a Badger state, not in
        # the document (issuance.status_lists): the list answers for revocation, we for the rest.
        outcome = lists(entry, credential)
        if outcome == StatusOutcome.ACTIVE:
            with reads.session() as s:
                if own_suspension(app, s, credential):
                    return StatusOutcome.SUSPENDED
        return outcome

    with use(budget):
        result = verify(data, resolver=resolver, now=now, status=checker, email=email)
        if domain_linkage and result.credential is not None and isinstance(result.summary.get("issuer"), dict):
            linkage = issuer_linkage(app, result.credential, resolver)
            if linkage is not None:
                summary = {**result.summary, "issuer": {**result.summary["issuer"], "domainLinkage": linkage}}
                result = dataclasses.replace(result, summary=summary)
    if budget.exceeded is not None:
        raise budget.exceeded
    if not count:
        return result
    if session is not None:
        _count(app, session, result)
    else:
        try:
            with app.transaction() as s:
                _count(app, s, result)
        except Exception:  # the commit itself (a locked database): counting never breaks a verification
            log.warning("could not count a verification", exc_info=True)
    return result


def _count(app: Badger, session: Session, result: VerificationResult) -> None:
    """Record that one of this instance's credentials was verified (partner statistics,
    services.stats). Best effort: in the caller's transaction when it holds one (a separate
    transaction would wait on SQLite for the caller's own write lock: BEGIN IMMEDIATE), else in
    a short one after the verification; any failure is logged, never raised: counting must not
    break a verification."""
    try:
        credential_id = (result.credential or {}).get("id")
        own = app.base_url + "/credentials/"
        if not isinstance(credential_id, str) or not credential_id.startswith(own):
            return
        row = session.get(Credential, credential_id[len(own) :])
        if row is None:
            return
        status_repo.add_verification_event(
            session,
            VerificationEvent(
                credential_id=row.id,
                achievement_id=row.achievement_id,
                issuer_id=row.issuer_id,
                at=app.clock(),
                verified=bool(result.verified),
            ),
        )
    except Exception:
        log.warning("could not count a verification", exc_info=True)

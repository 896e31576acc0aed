"""Verification as a service: our own issuers' keys from the database, others' through HTTP
(did:web / https, with timeouts and size limits), status lists likewise."""

from __future__ import annotations

import dataclasses
import json
import logging
from urllib.parse import urlsplit

from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import InvalidInput, ResolutionError
from badger.issuance.issuing import get_credential
from badger.issuance.models import Credential
from badger.issuance.status_lists import own_suspension, signed_list_credential
from badger.issuers.service import get_issuer_by_did, issuer_did_document
from badger.keys import (
    ChainResolver,
    DidKeyResolver,
    FetchingResolver,
    find_verification_method,
)
from badger.verification import StatusListChecker, StatusOutcome, VerificationResult, verify
from badger.verifying import repository as status_repo
from badger.verifying.linkage import issuer_linkage
from badger.verifying.models import VerificationEvent

__all__ = ["verify_credential", "resolver_for", "fetch_credential_url"]

log = logging.getLogger("badger.services")


class _LocalIssuers:
    """Our issuers' DID documents, read from the database (no HTTP round trip to ourselves)."""

    def __init__(self, session: Session):
        self._session = session

    def document(self, url: str) -> dict:
        issuer = get_issuer_by_did(self._session, url.split("#", 1)[0])
        if issuer is None:
            raise ResolutionError(f"not one of our issuers: {url}", code="key.method_not_found")
        return issuer_did_document(issuer)

    def resolve(self, vm_id: str):
        return find_verification_method(self.document(vm_id), vm_id)


def resolver_for(app: Badger, session: Session):
    return ChainResolver(
        _LocalIssuers(session), DidKeyResolver(), FetchingResolver(app.fetcher, http_hosts=app.settings.http_did_hosts)
    )


def _fetch_json(app: Badger, url: str) -> dict:
    body = app.fetcher(url)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ResolutionError(f"{url} did not answer JSON", code="key.bad_document") from exc


def fetch_credential_url(app: Badger, session: Session, url: str):
    """The credential behind a URL: our own (from the database) or fetched. Raises InvalidInput."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise InvalidInput("url must be an http(s) URL", code="input.invalid_url")
    own = app.base_url + "/credentials/"
    if url.startswith(own):
        row = get_credential(session, url[len(own) :].split(".", 1)[0].split("?", 1)[0])
        return row.jwt or row.document
    try:
        return app.fetcher(url).decode("utf-8")
    except (ResolutionError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot fetch {url}: {exc}", code="verify.fetch_failed") from exc


def verify_credential(
    app: Badger,
    session: Session,
    data,
    *,
    email: str | None = None,
    domain_linkage: bool = False,
    count: bool = True,
) -> VerificationResult:
    """verify() with our resolvers, the clock, and Bitstring Status List checking.

    ``domain_linkage``: also fetch the DID Configuration of the web site the issuer's profile
    names (badger.verifying.linkage) and report it as ``credential.issuer.domainLinkage`` in the
    result's summary (``{"status": "linked" | "not_linked" | "invalid" | "unreachable" |
    "no_origin", "origin"}``). Off by default: pages that verify on every view must not wait on
    a partner's web site.

    ``count`` false for a page that shows a credential's state (its public page, print view,
    certificate): viewing a page is not someone verifying the badge, so partner statistics
    count only real verifications (verify page, API, command line, VC-API)."""
    own_status = app.base_url + "/status/"

    def fetch_list(url: str) -> dict:
        if url.startswith(own_status):
            return signed_list_credential(app, session, url[len(own_status) :])
        return _fetch_json(app, url)

    resolver = resolver_for(app, session)
    now = app.clock()
    lists = StatusListChecker(fetch_list, resolver=resolver, now=now)

    def checker(entry: dict, credential: dict) -> str:
        # Suspension of our own credentials in the strict OB 3.0 form is a Badger state, not in
        # the document (issuance.status_lists): the list answers for revocation, we for the rest.
        outcome = lists(entry, credential)
        if outcome == StatusOutcome.ACTIVE and own_suspension(app, session, credential):
            return StatusOutcome.SUSPENDED
        return outcome

    result = verify(data, resolver=resolver, now=now, status=checker, email=email)
    if count:
        _count(app, session, result)
    if domain_linkage and result.credential is not None and isinstance(result.summary.get("issuer"), dict):
        linkage = issuer_linkage(app, result.credential, resolver)
        if linkage is not None:
            summary = {**result.summary, "issuer": {**result.summary["issuer"], "domainLinkage": linkage}}
            result = dataclasses.replace(result, summary=summary)
    return result


def _count(app: Badger, session: Session, result: VerificationResult) -> None:
    """Record that one of this instance's credentials was verified (partner statistics,
    services.stats). Best effort: in a savepoint of the caller's transaction (a separate
    transaction would wait on SQLite for the caller's own write lock: BEGIN IMMEDIATE), and any
    failure is logged, never raised: counting must not break a verification."""
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

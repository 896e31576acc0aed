"""Status checking for verification: Bitstring Status List (W3C, §3.2 Validate Algorithm).

The list credential is obtained through an injected ``fetch_list(url) -> dict``; it is verified
like any credential (proof, key controlled by its issuer, validity dates) and must come from the
same issuer as the credential it speaks for — otherwise anyone could publish a list that says
"not revoked".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from badger.credentials.access import issuer_id
from badger.errors import BadgerError, StatusListError
from badger.proofs.data_integrity import verify_proofs
from badger.status.bitstring import check_status, parse_entry
from badger.verification.verifier import StatusOutcome, dates_check

__all__ = ["StatusListChecker"]


class StatusListChecker:
    """``checker(entry, credential) -> StatusOutcome``; raises StatusListError when the list is
    unreachable, unsigned, from another issuer, expired or malformed. Lists are cached per
    checker (one verification, or one page render), never across time."""

    def __init__(
        self, fetch_list: Callable[[str], dict[str, Any]], *, resolver: Any, now: datetime, loader: Any = None
    ) -> None:
        self._fetch = fetch_list
        self._resolver = resolver
        self._now = now
        self._loader = loader
        self._lists: dict[str, dict[str, Any]] = {}

    def _list(self, url: str, credential_issuer: str | None) -> dict[str, Any]:
        if url not in self._lists:
            try:
                document = self._fetch(url)
            except BadgerError as exc:
                raise StatusListError(f"cannot fetch the status list {url}: {exc}", code="status.unavailable") from exc
            if not isinstance(document, dict):
                raise StatusListError("the status list is not a JSON object", code="status.bad_credential")
            checks = verify_proofs(document, resolver=self._resolver, loader=self._loader)
            good = [c for c in checks if c.verified]
            if not good or any(c.supported and not c.verified for c in checks):
                raise StatusListError("the status list credential's proof does not verify", code="status.bad_proof")
            list_issuer = issuer_id(document)
            if good[0].controller != list_issuer:
                raise StatusListError("the status list is not signed by its issuer", code="status.bad_proof")
            if list_issuer != credential_issuer:
                raise StatusListError("the status list belongs to another issuer", code="status.wrong_issuer")
            if dates_check(document, self._now).status != "passed":
                raise StatusListError("the status list credential is not valid now", code="status.list_expired")
            self._lists[url] = document
        return self._lists[url]

    def __call__(self, entry: dict[str, Any], credential: dict[str, Any]) -> str:
        parsed = parse_entry(entry)
        value = check_status(entry, self._list(parsed.list_url, issuer_id(credential)))
        if value and parsed.purpose == "revocation":
            return StatusOutcome.REVOKED
        if value and parsed.purpose == "suspension":
            return StatusOutcome.SUSPENDED
        # Other purposes ("refresh", "message") carry information, not validity (§2.1).
        return StatusOutcome.ACTIVE

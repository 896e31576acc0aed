"""A bounded HTTP(S) fetcher for key resolution: a deadline for the whole fetch, a size limit,
and redirects only within http(s) and never from https down to http.

Lives beside the resolver so services can inject it; the domain code itself never calls it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, cast

from badger.errors import ResolutionError

__all__ = ["HttpFetcher"]

_CHUNK = 16 * 1024


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to http(s), and never from https to plain http."""

    max_redirections = 5

    def __init__(self, fetcher: Any = None) -> None:
        super().__init__()
        self.fetcher = fetcher

    def redirect_request(self, req: Any, fp: Any, code: Any, msg: Any, headers: Any, newurl: Any) -> Any:
        if not newurl.startswith(("https://", "http://")) or (
            req.full_url.startswith("https://") and not newurl.startswith("https://")
        ):
            raise urllib.error.URLError(f"refused redirect to {newurl}")
        if self.fetcher is not None:
            try:
                self.fetcher._check_host(newurl)
            except ResolutionError as exc:
                raise urllib.error.URLError(str(exc)) from exc
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpFetcher:
    """``fetch(url) -> bytes`` within ``timeout`` seconds in all (not per socket read, so a
    server dripping bytes cannot hold a verifier) and at most ``max_bytes`` bytes."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        public_only: bool = False,
        allowed_hosts: tuple[str, ...] = (),
    ):
        """``public_only``: refuse hosts that resolve to loopback, private, link-local or reserved
        addresses (a public verify endpoint must not become a way to reach the server's own
        network), except ``allowed_hosts`` (``host`` or ``host:port``)."""
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.public_only = public_only
        self.allowed_hosts = frozenset(allowed_hosts)
        self._opener = urllib.request.build_opener(_SafeRedirects(self))

    def _check_host(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if not self.public_only or parts.netloc in self.allowed_hosts or parts.hostname in self.allowed_hosts:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise ResolutionError(f"cannot resolve {parts.hostname}: {exc}", code="key.fetch_failed") from exc
        for info in infos:
            address = ipaddress.ip_address(cast(str, info[4][0]).split("%", 1)[0])
            if not address.is_global:
                raise ResolutionError(f"refusing to fetch {url}: not a public address", code="key.fetch_refused")

    def __call__(self, url: str) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise ResolutionError(f"refusing to fetch {url}", code="key.unsupported_scheme")
        try:
            self._check_host(url)
        except ValueError as exc:
            raise ResolutionError(f"invalid URL {url!r}", code="key.fetch_failed") from exc
        request = urllib.request.Request(
            url, headers={"Accept": "application/did+json, application/ld+json, application/json"}
        )
        # A deadline, not the clock: monotonic time only bounds how long we wait.
        deadline = time.monotonic() + self.timeout
        body = bytearray()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                while len(body) <= self.max_bytes:
                    if time.monotonic() > deadline:
                        raise ResolutionError(f"{url} took longer than {self.timeout} s", code="key.fetch_failed")
                    chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
                    if not chunk:
                        break
                    body += chunk
        except ResolutionError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()  # an error answer holds its connection open until closed
            raise ResolutionError(f"cannot fetch {url}: {exc}", code="key.fetch_failed") from exc
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            raise ResolutionError(f"cannot fetch {url}: {exc}", code="key.fetch_failed") from exc
        if len(body) > self.max_bytes:
            raise ResolutionError(f"{url} answered more than {self.max_bytes} bytes", code="key.fetch_too_large")
        return bytes(body)

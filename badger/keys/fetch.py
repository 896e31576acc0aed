"""A bounded HTTP(S) fetcher for key resolution: a deadline for the whole fetch, a size limit,
redirects only within http(s) and never from https down to http, a refusal of every address
that is not on the public Internet, and a short-lived cache.

Lives beside the resolver so services can inject it; the domain code itself never calls it.

Why by hand over ``http.client`` rather than urllib or requests: the address must be checked
and then *connected to as checked*. Any client that resolves the host name itself resolves it a
second time, and a DNS answer that changes in between (rebinding) would reach the server's own
network. Here the name is resolved once, every address is checked, and the connection goes to
the checked address while TLS still sends the host name (SNI) and checks the certificate
against it.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections import OrderedDict
from typing import Any

from badger.errors import ResolutionError
from badger.jsonld import budget as _budget

__all__ = ["HttpFetcher", "is_public_address"]

_CHUNK = 16 * 1024
_MAX_REDIRECTS = 5

# Ranges that ``ipaddress.is_global`` calls public but that reach, or may be translated to,
# an address that is not (IANA IPv6 Special-Purpose Address Registry; RFC 6052 NAT64, RFC 8215
# local-use NAT64, RFC 3056 6to4, RFC 4380 Teredo, RFC 4291 §2.5.5 IPv4-compatible and
# IPv4-mapped), plus documentation, discard-only and ORCHID ranges.
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated) and the unspecified / loopback addresses
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use
        "100::/64",  # discard-only
        "2001::/32",  # Teredo
        "2001:db8::/32",  # documentation
        "2001:10::/28",  # ORCHID
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a unicast address on the public Internet, with no IPv4 embedded in it."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NOT_PUBLIC_V6):
            return False
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_unspecified
        and not address.is_private
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address given, not to whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the address given; SNI and the certificate check use the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class HttpFetcher:
    """``fetch(url) -> bytes`` within ``timeout`` seconds in all (not per socket read, so a
    server dripping bytes cannot hold a verifier) and at most ``max_bytes`` bytes.

    When a verification Budget is active (badger.jsonld.budget), each network fetch is charged
    to it and may take no longer than what is left of its deadline. ``cache_seconds`` > 0 keeps
    successful answers that long at most (less when ``Cache-Control: max-age`` says so, not at
    all for ``no-store`` / ``no-cache`` / ``private``), shared by every verification of the
    process: DID documents and status lists change rarely, and a credential with many proofs
    or many verifications of one issuer's credentials must not make as many requests."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        public_only: bool = False,
        allowed_hosts: tuple[str, ...] = (),
        cache_seconds: float = 0.0,
        cache_entries: int = 128,
    ):
        """``public_only``: refuse hosts that resolve to anything but public unicast addresses
        (a public verify endpoint must not become a way to reach the server's own network),
        except ``allowed_hosts`` (``host`` or ``host:port``)."""
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.public_only = public_only
        self.allowed_hosts = frozenset(allowed_hosts)
        self.cache_seconds = cache_seconds
        self.cache_entries = cache_entries
        self._cache: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context()

    # ---------------------------------------------------------------------------- addresses

    def _address_for(self, parts: urllib.parse.SplitResult, port: int, url: str) -> str:
        """Resolve the host once; refuse it unless every address is public; -> the one to use."""
        host = parts.hostname or ""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise ResolutionError(f"cannot resolve {host}: {exc}", code="key.fetch_failed") from exc
        if not infos:
            raise ResolutionError(f"cannot resolve {host}", code="key.fetch_failed")
        checked = not self.public_only or parts.netloc in self.allowed_hosts or host in self.allowed_hosts
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not checked and not is_public_address(address):
                raise ResolutionError(f"refusing to fetch {url}: not a public address", code="key.fetch_refused")
        return str(infos[0][4][0])

    # -------------------------------------------------------------------------------- fetch

    def __call__(self, url: str) -> bytes:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ResolutionError(f"refusing to fetch {url}", code="key.unsupported_scheme")
        cached = self._cached(url)
        if cached is not None:
            return cached
        spending = _budget.current()
        seconds = self.timeout if spending is None else min(self.timeout, spending.fetch(url))
        # A deadline, not the clock: monotonic time only bounds how long we wait.
        deadline = time.monotonic() + seconds
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            status, headers, body = self._get(current, deadline, seconds)
            if status in (301, 302, 303, 307, 308):
                target = urllib.parse.urljoin(current, headers.get("Location") or "")
                if not target.startswith(("https://", "http://")) or (
                    current.startswith("https://") and not target.startswith("https://")
                ):
                    raise ResolutionError(f"cannot fetch {url}: refused redirect to {target}", code="key.fetch_failed")
                current = target
                continue
            if status != 200:
                raise ResolutionError(f"cannot fetch {url}: HTTP {status}", code="key.fetch_failed")
            self._store(url, headers, body)
            return body
        raise ResolutionError(f"cannot fetch {url}: too many redirects", code="key.fetch_failed")

    def _get(self, url: str, deadline: float, seconds: float) -> tuple[int, http.client.HTTPMessage, bytes]:
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise ResolutionError(f"invalid URL {url!r}", code="key.fetch_failed") from exc
        if not parts.hostname:
            raise ResolutionError(f"invalid URL {url!r}", code="key.fetch_failed")
        address = self._address_for(parts, port, url)
        timeout = max(0.001, deadline - time.monotonic())
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = _PinnedHTTPSConnection(parts.hostname, port, address, timeout, self._tls)
        else:
            connection = _PinnedHTTPConnection(parts.hostname, port, address, timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = bytearray()
        response: http.client.HTTPResponse | None = None
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "Accept": "application/did+json, application/ld+json, application/json",
                    "Accept-Encoding": "identity",
                },
            )
            response = connection.getresponse()
            while len(body) <= self.max_bytes:
                if time.monotonic() > deadline:
                    raise ResolutionError(f"{url} took longer than {seconds:g} s", code="key.fetch_failed")
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                body += chunk
            status, headers = response.status, response.headers
        except ResolutionError:
            raise
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise ResolutionError(f"cannot fetch {url}: {exc}", code="key.fetch_failed") from exc
        finally:
            if response is not None:
                response.close()
            connection.close()
        if len(body) > self.max_bytes:
            raise ResolutionError(f"{url} answered more than {self.max_bytes} bytes", code="key.fetch_too_large")
        return status, headers, bytes(body)

    # -------------------------------------------------------------------------------- cache

    def forget(self) -> None:
        """Drop every cached answer (a document known to have changed at its source)."""
        with self._lock:
            self._cache.clear()

    def _cached(self, url: str) -> bytes | None:
        if self.cache_seconds <= 0:
            return None
        with self._lock:
            entry = self._cache.get(url)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._cache[url]
                return None
            self._cache.move_to_end(url)
            return entry[1]

    def _store(self, url: str, headers: Any, body: bytes) -> None:
        seconds = _lifetime(headers, self.cache_seconds)
        if seconds <= 0:
            return
        with self._lock:
            self._cache[url] = (time.monotonic() + seconds, body)
            self._cache.move_to_end(url)
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


def _lifetime(headers: Any, ceiling: float) -> float:
    """How long an answer may be reused (RFC 9111 §4.2.1 freshness), capped by ``ceiling``."""
    if ceiling <= 0:
        return 0.0
    directives = {}
    for item in (headers.get("Cache-Control") or "").split(","):
        name, _, value = item.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    if {"no-store", "no-cache", "private"} & directives.keys():
        return 0.0
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                return max(0.0, min(ceiling, float(int(directives[name]))))
            except ValueError:
                return 0.0
    expires = headers.get("Expires")
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires)
            date = email.utils.parsedate_to_datetime(headers.get("Date") or expires)
            return max(0.0, min(ceiling, (when - date).total_seconds()))
        except (TypeError, ValueError):
            return 0.0
    return ceiling

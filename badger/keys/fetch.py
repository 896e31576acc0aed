"""A bounded HTTP(S) fetcher for key resolution: timeout, size limit, JSON media types only.

Lives beside the resolver so services can inject it; the domain code itself never calls it.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

from badger.errors import ResolutionError

__all__ = ["HttpFetcher"]


class HttpFetcher:
    """``fetch(url) -> bytes`` with a timeout (seconds) and a maximum body size (bytes)."""

    def __init__(self, *, timeout: float = 5.0, max_bytes: int = 256 * 1024):
        self.timeout = timeout
        self.max_bytes = max_bytes

    def __call__(self, url: str) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise ResolutionError(f"refusing to fetch {url}", code="key.unsupported_scheme")
        request = urllib.request.Request(
            url, headers={"Accept": "application/did+json, application/ld+json, application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                body = response.read(self.max_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            raise ResolutionError(f"cannot fetch {url}: {exc}", code="key.fetch_failed") from exc
        if len(body) > self.max_bytes:
            raise ResolutionError(f"{url} answered more than {self.max_bytes} bytes", code="key.fetch_too_large")
        return body

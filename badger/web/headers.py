"""Security headers on every answer (OWASP Secure Headers; CSP Level 3).

- Every HTML page: a Content-Security-Policy with no inline script (the pages' scripts are files
  under static/; inline *styles* remain allowed, they cannot run code), no plugin, no <base>,
  forms posting only here, and ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` for
  older browsers (no clickjacking of the dashboard's buttons).
- Every answer: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
  strict-origin-when-cross-origin`` (a learner page's address, which holds its secret token,
  never leaves in a Referer), and ``Strict-Transport-Security`` when the base URL is https.
A response that already set its own policy (SVG images: badger.web.responses) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response

from badger.config import Settings

__all__ = ["init_app", "HTML_CSP", "html_csp"]


def html_csp(form_targets: tuple[str, ...] = ()) -> str:
    """The pages' policy; ``form_targets``: origins a form of this page may lead to besides this
    site (CSP 3 ``form-action`` also governs the redirects after a submission, so the OAuth
    consent form names the client's redirect URI's origin)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(("form-action 'self'", *form_targets)),
            "frame-ancestors 'none'",
        )
    )


HTML_CSP = html_csp()
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask, settings: Settings) -> None:
    https = settings.base_url.startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", HTML_CSP)
            headers.setdefault("X-Frame-Options", "DENY")
        return response

"""Issue 15, must show 1: every registered page is usable at 390 px.

The pages come from the application's URL map (``app.url_map``): every GET rule. Concrete
URLs for their parameters are found by crawling the demo network's pages (public pages, a
learner page, and the dashboard signed in as a partner's owner) and matching each link
against the URL map; a rule the crawl cannot reach must be in ``UNREACHABLE`` with its
reason. Each HTML page is then opened in Debian's chromium at 390x844 (mobile) and fails
when the document is wider than the screen (``document.documentElement.scrollWidth > 390``).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

pytestmark = pytest.mark.browser

PARTNER = "cec-ouest-2023"
# Rules that no link of the demo leads to, and why they need no phone check here.
UNREACHABLE = {
    "accounts.invitation": "needs a fresh invitation token (its page is tested in tests/web/pages)",
    "accounts.password_reset": "needs a fresh password-reset token (its page is tested in tests/web/pages)",
    "public.switch_language": "a redirect, not a page",
    "admin.index": "needs an instance administrator",
    "dashboard.job": "the demo runs no bulk job",
    "dashboard.kept_image": "an image kept from an editor form with an error (tests/web/dashboard)",
    "dashboard.job_progress": "the demo runs no bulk job (JSON)",
    "dashboard.job_result": "the demo runs no bulk job (CSV)",
    "dashboard.jobs_csv": "the demo runs no bulk job, so the jobs list offers no export (CSV)",
    "dashboard.revoke_report": "the report of a bulk revocation (CSV; tests/web/dashboard/test_lists.py)",
    "public.status_list": "a signed status list (JSON)",
    # learner accounts and the OB 3.0 API (pages tested in tests/learners, tests/browser/test_obapi_provider.py)
    "learners_me.address_link": "needs a fresh address-confirmation token",
    "learners_me.sign_in_link": "needs a fresh sign-in token",
    "learners_me.connect_callback": "the OAuth callback of another host (tests/e2e/test_obapi_two_hosts.py)",
    "learners_me.download": "an imported badge of a signed-in learner (a document)",
    "learners_me.profile": "needs a learner's public profile",
    "learners_me.endorse": "needs a signed-in learner (driven at 390 px in tests/browser/test_learner_endorsement_journey.py)",
    "learners_me.learner_did": "a learner's DID document (JSON), made when they first endorse",
    "obapi.authorize": "needs a registered OAuth client (consent page driven in tests/browser)",
    "obapi.credentials": "JSON API behind a bearer token",
    "obapi.profile": "JSON API behind a bearer token",
    # open recognition (pages screenshotted at 390 px by tests/browser/test_recognition_journey.py)
    "recognition.applicant": "needs an applicant's private link",
    "recognition.claim_page": "needs an open claim window",
    "recognition.endorsement_document": "an accepted endorsement (JSON)",
    "recognition.jury": "needs a jury member's private link",
    "recognition.jury_file": "needs a jury member's private link (a file)",
    "recognition.jury_request": "needs a jury member's private link",
    "recognition.public_evidence": "an evidence file of an issued credential",
    "recognition.request_form": "the demo has no badge class open to requests",
    "recognition_dashboard.claim_qr": "needs an open claim window (SVG)",
    "recognition_dashboard.evidence_file": "needs a badge request with a file",
    "recognition_dashboard.request_page": "needs a badge request",
    "recognition_dashboard.requests_csv": "the demo has no badge request, so the list offers no export (CSV)",
    # wallets (the offer page is driven in tests/browser/test_wallet_offer.py)
    "wallets.offer_page": "needs a wallet offer, made when a credential is e-mailed",
    "wallets.offer_qr": "needs a wallet offer (SVG)",
    "wallets.credential_offer": "needs a wallet offer (JSON)",
    "wallets.learner_offer": "the learner page's offer block (JSON)",
}


def _is_html_page(page, url: str) -> bool:
    """A 200 text/html answer (asked with the page's cookies, without navigating: a download
    would abort the navigation)."""
    response = page.request.get(url, max_redirects=0)
    return response.status == 200 and "text/html" in (response.headers.get("content-type") or "")


def _crawl(page, server, adapter, start: list[str]) -> dict[str, str]:
    """endpoint -> one same-origin URL path, from the links of the pages reached."""
    found: dict[str, str] = {}
    queue, seen, starts = list(start), set(), set(start)
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
        except (HTTPException, RequestRedirect):
            continue
        if endpoint in found and path not in starts:
            continue  # one URL per rule is enough; do not walk a thousand credentials
        found.setdefault(endpoint, path)
        if not _is_html_page(page, server.url + path):
            continue
        page.goto(server.url + path)
        links = page.eval_on_selector_all(
            "a[href], img[src], link[href], meta[property='og:image']",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('content'))",
        )
        for href in links:
            if not href or href.startswith(("data:", "mailto:", "#")):
                continue
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != urlsplit(server.url).netloc:
                continue
            if parts.path.startswith(("/account/logout", "/language/")):
                continue
            queue.append(parts.path + (("?" + parts.query) if parts.query else ""))
    return found


def test_every_registered_page_fits_a_390_px_phone(live_server, phone_page, screenshot):
    from badger.web import create_app

    server = live_server
    summary = json.loads(server.cli("demo").stdout)
    app = create_app(badger=server.badger)
    adapter = app.url_map.bind("localhost")
    owner = next(a for a in summary["login"]["accounts"] if a["role"] == "owner" and a["partner"] == PARTNER)

    page = phone_page
    page.goto(server.url + "/account/login")
    page.fill("input[name=email]", owner["email"])
    page.fill("input[name=password]", summary["login"]["password"])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/**")

    start = ["/", "/verify", "/dashboard/", f"/dashboard/{PARTNER}/", f"/issuers/{PARTNER}"]
    start += ["/account/password-reset", "/healthz", "/.well-known/jwks.json", "/me", "/claim"]
    start += [
        "/ims/ob/v3p0/discovery",
        "/.well-known/openid-credential-issuer",
        "/.well-known/oauth-authorization-server",
    ]
    start += ["/wallets/offer.js", "/wallets/logo.png"]
    start += [urlsplit(learner["url"]).path for learner in summary.get("learners", [])][:1]
    for fmt in ("ldp", "jwt"):  # one credential of each format (a JWT one links its .jwt)
        start += [urlsplit(c["url"]).path for c in summary["credentials"] if c["format"] == fmt][:1]
    found = _crawl(page, server, adapter, start)

    rules = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.endpoint != "static" and not r.rule.startswith("/api/")  # JSON API
    }
    missing = sorted(rules - set(found) - set(UNREACHABLE))
    assert missing == [], f"no link of the demo reaches these pages; add them to UNREACHABLE with a reason: {missing}"

    too_wide, checked = {}, []
    for endpoint, path in sorted(found.items()):
        if not _is_html_page(page, server.url + path):
            continue  # documents, images, PDF, CSV, ZIP
        page.goto(server.url + path)
        checked.append(endpoint)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[f"{endpoint} {path}"] = width
            screenshot(page, f"phone-width/{endpoint}")
    assert len(checked) >= 25, checked  # public pages, learner page, dashboard, programmes
    assert too_wide == {}
    server.check_alive()

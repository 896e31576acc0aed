"""Issue 15, must show 1: axe-core (Deque's engine, from npm: tests/interop/js) finds no serious
or critical violation on the main pages, public and dashboard, at 1280 and 390 px, in French."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.interop.node import JS_DIR

pytestmark = pytest.mark.browser

AXE = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
PARTNER = "cec-ouest-2023"


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_main_pages_have_no_serious_accessibility_violation(live_server, browser, width):
    assert AXE.is_file(), "axe-core is missing: cd tests/interop/js && npm ci"
    server = live_server
    summary = json.loads(server.cli("demo").stdout)
    # bypass_csp: axe is injected into the page; the pages themselves allow no inline script
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    credential = urlsplit(summary["credentials"][0]["url"]).path
    pages = ["/", "/verify", f"/issuers/{PARTNER}", credential]
    pages += [urlsplit(learner["url"]).path for learner in summary.get("learners", [])][:1]
    found = {}
    for path in pages:
        page.goto(server.url + path)
        found[path] = _violations(page)
    # The verify result (an employer's view) and an input error.
    for given in (summary["credentials"][0]["url"], "bonjour"):
        page.goto(server.url + "/verify")
        page.fill("#credential", given)
        with page.expect_navigation():
            page.click("#verify-form button[type=submit]")
        found[f"verify {given[:20]}"] = _violations(page)
    # The dashboard, signed in as the partner's owner.
    owner = next(a for a in summary["login"]["accounts"] if a["role"] == "owner" and a["partner"] == PARTNER)
    page.goto(server.url + "/account/login")
    page.fill("input[name=email]", owner["email"])
    page.fill("input[name=password]", summary["login"]["password"])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/**")
    for sub in (
        "",
        "badges",
        "credentials",
        "bulk",
        "audit",
        "staff",
        "tokens",
        "keys",
        "emails",
        "programmes/",
        "jobs",
    ):
        page.goto(f"{server.url}/dashboard/{PARTNER}/{sub}")
        found[f"dashboard/{sub}"] = _violations(page)
    # Issue 15: a searched and sorted list, a programme's roster, the review of a bulk revocation.
    page.goto(f"{server.url}/dashboard/{PARTNER}/credentials?q=a&sort=recipient&dir=asc&per_page=25")
    found["dashboard/credentials (search)"] = _violations(page)
    page.goto(f"{server.url}/dashboard/{PARTNER}/programmes/")
    page.locator("table.data a").first.click()
    found["dashboard/programme (roster)"] = _violations(page)
    page.goto(f"{server.url}/dashboard/{PARTNER}/credentials")
    page.locator("#credentials tbody input[type=checkbox]").first.check()
    page.click("#revoke-selection .selection-bar button")
    page.click("#revoke-step summary")
    found["dashboard/revoke review"] = _violations(page)
    context.close()
    assert {path: v for path, v in found.items() if v} == {}
    server.check_alive()

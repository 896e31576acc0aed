"""Issue 15: the dashboard's lists in a real browser (Debian's chromium, no JavaScript needed):
search, sort by a column header, page links, and a bulk revocation from ticked badges through
the confirmation step; every list screenshotted in French at 1280 and 390 px, and none
scrolls sideways on a phone."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

PARTNER = "cec-ouest-2023"


def _seed(server) -> None:
    """60 more badges on the demo's first badge class, so that the lists have pages."""
    from badger.achievements import service as achievements
    from badger.issuance import issuing
    from badger.issuers import service as issuers

    badger = server.badger
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, PARTNER)
        badge = achievements.list_achievements(session, issuer)[0]
        issuing.issue_batch(
            badger,
            session,
            issuer,
            [
                issuing.IssueRequest(achievement=badge.id, email=f"p{i:02d}@example.org", name=f"Personne {i:02d}")
                for i in range(60)
            ],
        )


def _sign_in(page, server, summary) -> None:
    owner = next(a for a in summary["login"]["accounts"] if a["role"] == "owner" and a["partner"] == PARTNER)
    page.goto(server.url + "/account/login")
    page.fill("input[name=email]", owner["email"])
    page.fill("input[name=password]", summary["login"]["password"])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/**")


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_lists_search_sort_page_and_bulk_revoke(live_server, page, phone_page, screenshot):
    server = live_server
    summary = json.loads(server.cli("demo").stdout)
    _seed(server)
    base = f"{server.url}/dashboard/{PARTNER}"
    _sign_in(page, server, summary)

    # Search by name, then sort by clicking the "Titulaire" header (twice: the order turns around).
    page.goto(base + "/credentials")
    assert re.match(r"1 à 50 sur \d+", page.inner_text(".list-count"))
    page.fill("#list-q", "Personne 0")
    page.click("#dashboard-credentials-search button[type=submit]")
    assert page.inner_text(".list-count").startswith("1 à 10 sur 10")
    page.click("#credentials th >> text=Titulaire")
    names = page.locator("#credentials td[data-label=Titulaire]").all_inner_texts()
    assert names == [f"Personne {i:02d}" for i in range(10)]
    assert page.get_attribute("#credentials th[aria-sort]", "aria-sort") == "ascending"
    page.click("#credentials th >> text=Titulaire")
    assert page.locator("#credentials td[data-label=Titulaire]").all_inner_texts() == list(reversed(names))
    screenshot(page, "lists/credentials-search")
    # Page links.
    page.goto(base + "/credentials?per_page=25")
    page.click("nav.pager >> text=Suivante")
    assert page.inner_text(".list-count").startswith("26 à 50 sur")
    screenshot(page, "lists/credentials")

    # Bulk revoke: tick two badges, review, give one reason, confirm in the second step.
    page.goto(base + "/credentials?q=Personne+1&sort=recipient&dir=asc")
    page.check("#credentials tbody tr:nth-child(1) input[type=checkbox]")
    page.check("#credentials tbody tr:nth-child(2) input[type=checkbox]")
    page.click("#revoke-selection .selection-bar button")
    assert "2 badges seront révoqués" in " ".join(page.inner_text("main").split())
    page.fill("#reason", "Session annulée")
    page.click("#revoke-step summary")
    screenshot(page, "lists/revoke-review")
    page.click("#revoke-step button[type=submit]")
    assert "2 badges sont révoqués." in page.inner_text("main")
    screenshot(page, "lists/revoke-done")
    with page.expect_download() as download:
        page.click("#revoke-report")
    report = download.value.path().read_bytes()
    assert report.startswith(b"\xef\xbb\xbf") and report.decode("utf-8-sig").count("Révoqué") == 2
    page.goto(base + "/credentials?q=Personne+1&sort=recipient&dir=asc")
    statuses = page.locator("#credentials td[data-label=Statut]").all_inner_texts()
    assert statuses[0].startswith("Révoqué") and statuses[1].startswith("Révoqué") and statuses[2] == "Actif"

    # The other lists, at 1280 and 390 px.
    page.goto(base + "/programmes/")
    roster = page.locator("table.data a").first.get_attribute("href")
    pages = {
        "badges": "/badges",
        "jobs": "/jobs",
        "audit": "/audit?per_page=25",
        "roster": roster.split(f"/dashboard/{PARTNER}", 1)[1] + "?sort=email&dir=desc",
        "credentials": "/credentials?status=revoked",
        "requests": "/recognition/",
    }
    _sign_in(phone_page, server, summary)
    for name, path in pages.items():
        for which, current in (("1280", page), ("390", phone_page)):
            current.goto(base + path)
            assert current.locator(".list-count").count() == 1, name
            _fits(current)
            screenshot(current, f"lists/{name}-{which}")
    phone_page.goto(base + "/credentials?q=Personne&per_page=25&page=2")
    _fits(phone_page)
    screenshot(phone_page, "lists/credentials-search-390")
    server.check_alive()

"""Issue 14, must show 3 (by a learner), in a browser: Bruno signs in to his learner space with
the link of a real e-mail, opens Anne's credential page, endorses it ("Recommander ce badge");
the endorsement is not shown until Anne, on her phone, signed in with her own e-mailed link,
accepts it in her space; then it shows on the credential page, and the signed document, with
the DID document Badger serves for Bruno's key, verifies in Digital Bazaar's vc and DCC's
verifier-core. Real server, real SMTP server, Debian's chromium, in French at 1280 and 390 px
(screenshots under test-artifacts/screenshots/learner-endorsement/)."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.keys import did_web_document_url
from badger.programmes import learners as learner_links
from tests.interop import node

pytestmark = [pytest.mark.browser, pytest.mark.interop]

ANNE, BRUNO = "anne.legoff@example.org", "bruno.martin@example.org"
SHOTS = "learner-endorsement"


@pytest.fixture
def server(fresque_server):
    """The shared seeded server (tests/browser/conftest.py) and Anne's credential."""
    live, issuer, badge = fresque_server
    with live.badger.transaction() as session:
        credential = issuing.issue(
            live.badger,
            session,
            issuers.get_issuer(session, issuer.slug),
            issuing.IssueRequest(achievement=badge.id, email=ANNE, name="Anne Le Goff"),
        )
        credential_id = credential.id
    return live, credential_id


def _sign_in(page, origin: str, smtp, email: str) -> None:
    """Ask for a sign-in link on /me, follow the one the e-mail carries, confirm."""
    page.goto(origin + "/me")
    page.fill("#email", email)
    page.click("button[type=submit]")
    deadline = time.monotonic() + 20
    while not (mine := [m for m in smtp.messages if m["To"] == email]) and time.monotonic() < deadline:
        time.sleep(0.2)
    text = mine[-1].get_body(("plain",)).get_content()
    page.goto(re.search(r"http://\S+/me/sign-in/\S+", text).group(0))
    page.click("#confirm")


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (the local test server)
        return json.loads(answer.read())


def test_learner_endorses_and_holder_accepts(server, page, phone_page, smtp_server, screenshot, browser):
    live, credential_id = server
    origin = live.url
    credential_page = f"{origin}/credentials/{credential_id}"

    # Anonymous: no endorse action.
    page.goto(credential_page)
    assert page.locator("#endorse-action").count() == 0

    # Bruno signs in (1280 px), finds the action on Anne's badge, endorses it.
    bruno = page
    _sign_in(bruno, origin, smtp_server, BRUNO)
    bruno.goto(credential_page)
    bruno.locator("#endorse-action").scroll_into_view_if_needed()
    screenshot(bruno, f"{SHOTS}/credential-action-1280")
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.add_cookies(bruno.context.cookies())
    small = phone.new_page()
    small.goto(credential_page + "/endorse")
    screenshot(small, f"{SHOTS}/endorse-form-390")
    bruno.click("text=Recommander ce badge")
    assert "Anne Le Goff" in bruno.locator("main").inner_text()
    bruno.fill("#endorser-name", "Bruno Martin")
    bruno.fill("#comment", "Anne a animé trois fresques avec nous, avec beaucoup de clarté et d'écoute.")
    screenshot(bruno, f"{SHOTS}/endorse-form-1280")
    bruno.click("#endorse-form button[type=submit]")
    assert "Votre recommandation est signée" in bruno.locator(".banner").inner_text()
    screenshot(bruno, f"{SHOTS}/endorsed-1280")

    # Not accepted yet: not on the page.
    bruno.goto(credential_page)
    assert "trois fresques" not in bruno.locator("main").inner_text()
    assert "Vous avez recommandé ce badge" in bruno.locator("#endorse-action").inner_text()

    # Anne, on her phone, sees it pending in her space and accepts it.
    anne = phone_page
    _sign_in(anne, origin, smtp_server, ANNE)
    anne.goto(credential_page)
    assert anne.locator("#endorse-action").count() == 0  # her own badge
    anne.goto(origin + "/me#endorsements")
    pending = anne.locator("#received-endorsements").inner_text()
    assert "Bruno Martin" in pending and "En attente de votre choix" in pending
    screenshot(anne, f"{SHOTS}/me-pending-390")
    anne.click("#received-endorsements button[value=accept]")
    assert "Affichée sur la page du badge" in anne.locator("#received-endorsements").inner_text()
    anne.goto(credential_page)
    endorsed = anne.locator("#credential-endorsements").inner_text()
    assert "Bruno Martin" in endorsed and "trois fresques" in endorsed
    anne.locator("#credential-endorsements").scroll_into_view_if_needed()
    screenshot(anne, f"{SHOTS}/credential-endorsed-390")

    # The phone sizes of Bruno's pages, and the desktop size of Anne's space.
    small.goto(credential_page)
    screenshot(small, f"{SHOTS}/credential-endorsed-action-390")
    small.goto(credential_page + "/endorse")
    screenshot(small, f"{SHOTS}/endorsed-390")
    desktop = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    desktop.add_cookies(anne.context.cookies())
    wide = desktop.new_page()
    wide.goto(origin + "/me")
    screenshot(wide, f"{SHOTS}/me-accepted-1280")
    wide.goto(credential_page)
    screenshot(wide, f"{SHOTS}/credential-endorsed-1280")
    # The holder's private link page lists learners' endorsements too.
    with live.badger.transaction() as session:
        token = learner_links.link_token(live.badger, session, email=ANNE)
    for shown, size in ((wide, 1280), (small, 390)):
        shown.goto(f"{origin}/learners/{token}/endorsements")
        listed = shown.locator("#holder-endorsements").inner_text()
        assert "Bruno Martin" in listed and "apprenant·e" in listed
        screenshot(shown, f"{SHOTS}/holder-link-{size}")

    # The signed endorsement and Bruno's DID document, as served, verify independently.
    href = anne.locator("#credential-endorsements a[type='application/vc+ld+json']").get_attribute("href")
    document = _get(origin + href)
    did = document["issuer"]["id"]
    did_url = did_web_document_url(did, scheme="http")
    assert did_url.startswith(origin + "/learners/")
    did_document = _get(did_url)
    documents = {did: did_document, did_url: did_document}
    db = node.db_verify(document, documents)
    assert db["verified"], db["errors"]
    dcc = node.dcc_verify(document, documents)
    assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]
    assert not bruno.console_errors and not anne.console_errors
    phone.close()
    desktop.close()

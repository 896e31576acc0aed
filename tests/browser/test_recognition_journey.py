"""Issue 14, must show 1: an applicant requests a badge with a PDF and a URL as evidence,
confirms the address from the e-mail (real SMTP server), a jury of three with a threshold of
two (two staff members, one external member through the link of their invitation e-mail)
reviews; one asks for changes, the applicant resubmits, two approve; the applicant gets the
badge e-mail and the credential, whose evidence file matches its digestSRI and which verifies
in Digital Bazaar's vc and DCC's verifier-core. Real server, Debian's chromium, in French at
1280 and 390 px (screenshots under test-artifacts/screenshots/recognition/)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import urllib.request

import pytest

from badger.accounts import service as accounts
from badger.core import audit
from badger.issuers import service as issuers
from tests.interop import node
from tests.recognition.helpers import PASSWORD, pdf

pytestmark = [pytest.mark.browser, pytest.mark.interop]

APPLICANT = "camille.martin@example.org"


@pytest.fixture
def server(fresque_server):
    """The shared seeded server (tests/browser/conftest.py) and two staff members of the partner."""
    live, issuer, badge = fresque_server
    with live.badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        for email, name in (("anne@fresque.example", "Anne Staff"), ("bruno@fresque.example", "Bruno Staff")):
            user = accounts.create_user(live.badger, session, email=email, name=name, password=PASSWORD)
            accounts.add_membership(live.badger, session, user, row, "issuer", actor=audit.SYSTEM)
    return live, badge.id


def _link(message, pattern: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(pattern, text).group(0)


def _mail_to(smtp, address: str, count: int):
    """The messages to ``address`` once there are ``count`` of them (others are sent meanwhile)."""
    deadline = time.monotonic() + 20
    while True:
        mine = [m for m in smtp.messages if m["To"] == address]
        if len(mine) >= count or time.monotonic() > deadline:
            return mine
        time.sleep(0.2)


def _sign_in(page, origin: str, email: str) -> None:
    page.goto(origin + "/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _review(page, decision: str, comment: str = "") -> None:
    if comment:
        page.fill("#comment", comment)
    page.check(f"#d-{decision}")
    page.click("#send-review")


def test_request_jury_changes_resubmit_issue_and_verify(server, page, phone_page, smtp_server, screenshot, browser):
    live, badge_id = server
    origin = live.url
    staff_a = page
    _sign_in(staff_a, origin, "anne@fresque.example")

    # Staff choose "by a jury of 3, 2 approvals" in the editor and invite an external member.
    staff_a.goto(f"{origin}/dashboard/fresque/badges/{badge_id}/edit")
    staff_a.click("text=Comment ce badge s'obtient")
    staff_a.check("#mode-jury")
    staff_a.fill("#jury_size", "3")
    staff_a.fill("#threshold", "2")
    staff_a.click("#save-mode")
    assert "Enregistré" in staff_a.locator(".flash-success").inner_text()
    staff_a.fill("#juror-name", "Juliette Extérieure")
    staff_a.fill("#juror-email", "juliette@jury.example")
    staff_a.click("#invite")
    screenshot(staff_a, "recognition/mode-1280")
    jury_url = _link(_mail_to(smtp_server, "juliette@jury.example", 1)[0], r"http://\S+/jury/\S+")

    # The applicant, on a phone, reads how the badge is earned and asks for it.
    applicant = phone_page
    applicant.goto(f"{origin}/achievements/{badge_id}")
    earning = applicant.locator("#earning").inner_text()
    assert "un jury de 3 personnes" in earning and "2 approbations" in earning
    screenshot(applicant, "recognition/public-page-390")
    applicant.click("#request-badge")
    applicant.fill("#name", "Camille Martin")
    applicant.fill("#email", APPLICANT)
    applicant.fill("#statement-1", "J'ai animé trois fresques à Vannes.")
    applicant.fill("#statement-2", "J'ai présenté le guide au début de chaque atelier.")
    applicant.fill("#url-1", "https://example.org/mes-fresques")
    applicant.set_input_files(
        "#files", files=[{"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    screenshot(applicant, "recognition/request-form-390")
    applicant.click("button[type=submit]")
    assert applicant.locator("h1").inner_text() == "Consultez vos e-mails"

    # Confirmation e-mail (in French), then the request reaches the jury.
    [confirm_mail] = [m for m in _mail_to(smtp_server, APPLICANT, 1) if "Confirmez" in m["Subject"]]
    applicant_url = _link(confirm_mail, r"http://\S+/recognition/requests/\S+")
    applicant.goto(applicant_url)
    applicant.click("#confirm")
    assert "transmise" in applicant.locator(".flash-success").inner_text()

    # Staff member A asks for changes.
    staff_a.goto(f"{origin}/dashboard/fresque/recognition/")
    staff_a.locator("#queue a", has_text="Camille Martin").click()
    with staff_a.expect_download() as download:
        staff_a.click("a.evidence-file")
    assert download.value.suggested_filename == "attestation.pdf"
    _review(staff_a, "changes", "Merci d'ajouter des photos de l'atelier.")
    screenshot(staff_a, "recognition/review-1280")

    # The applicant is told by e-mail, reads the feedback and resubmits.
    decision = [m for m in _mail_to(smtp_server, APPLICANT, 2) if "Votre demande" in m["Subject"]][0]
    applicant.goto(_link(decision, r"http://\S+/recognition/requests/\S+"))
    assert "photos" in applicant.locator("#feedback").inner_text()
    applicant.fill("#url-1", "https://example.org/photos-atelier")
    applicant.fill("#text-1", "Photos des trois ateliers, avec l'accord des participants.")
    screenshot(applicant, "recognition/resubmit-390")
    applicant.click("#resubmit")
    assert "de nouveau" in applicant.locator(".flash-success").inner_text()

    # Reviewers were told each time the request entered review (confirmed, then resubmitted).
    assert len(_mail_to(smtp_server, "bruno@fresque.example", 2)) == 2
    told = _mail_to(smtp_server, "juliette@jury.example", 3)
    assert [m for m in told if "attend votre avis" in m["Subject"]]

    # The external member approves through the invitation link (no account, no other access).
    juror = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800}).new_page()
    juror.goto(jury_url)
    juror.locator("#jury-queue a", has_text="Camille Martin").click()
    assert "tour 2" in juror.locator("main").inner_text()
    _review(juror, "approve")
    assert "vous l’avez examinée" in juror.locator("#jury-queue").inner_text()
    screenshot(juror, "recognition/jury-1280")
    juror.goto(origin + "/dashboard/fresque/recognition/")
    assert "/account/login" in juror.url  # the link opens this badge's requests, nothing else

    # Staff member B approves: the threshold of two is reached.
    staff_b = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800}).new_page()
    _sign_in(staff_b, origin, "bruno@fresque.example")
    staff_b.goto(f"{origin}/dashboard/fresque/recognition/")
    staff_b.locator("#queue a", has_text="Camille Martin").click()
    _review(staff_b, "approve")
    assert "seuil est atteint" in staff_b.locator(".flash-success").inner_text()

    # The applicant receives the badge e-mail and opens the credential.
    issued = [m for m in _mail_to(smtp_server, APPLICANT, 3) if "vous a décerné" in m["Subject"]][0]
    credential_url = _link(issued, r"http://\S+/credentials/[0-9a-f-]{36}")
    applicant.goto(credential_url)
    assert "Badge valide" in applicant.locator("#status").inner_text()
    screenshot(applicant, "recognition/credential-390")
    desktop = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800}).new_page()
    desktop.goto(credential_url)
    screenshot(desktop, "recognition/credential-1280")

    with urllib.request.urlopen(urllib.request.Request(credential_url, headers={"Accept": "application/ld+json"})) as r:
        credential = json.loads(r.read())
    files = [e for e in credential["evidence"] if "digestSRI" in e]
    assert [e["name"] for e in files] == ["attestation.pdf"]
    with urllib.request.urlopen(files[0]["id"]) as r:
        body = r.read()
    assert files[0]["digestSRI"] == "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    urls = {e.get("id") for e in credential["evidence"]}
    assert {"https://example.org/mes-fresques", "https://example.org/photos-atelier"} <= urls
    assert credential["awardedDate"] >= credential["validFrom"][:10]

    db = node.run_node("db-verify.mjs", {"credential": credential, "live": [origin]})
    assert db["verified"], db["errors"]
    dcc = node.run_node("dcc-verify.mjs", {"credential": credential, "live": [origin]})
    assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]
    for p in (staff_a, applicant):
        assert [e for e in p.console_errors if not e.endswith("/favicon.ico)")] == []
    live.check_alive()

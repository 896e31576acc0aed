"""Two journeys end to end in Debian's chromium against a real `badger serve` and a real SMTP
server (aiosmtpd):

- an employer opens the link a candidate shared, verifies the badge on the verify page by its
  address and by dropping the baked PNG, and reads who holds it, its image, its criteria and its
  issuer; a revoked badge shows the reason and the date; a tampered image states nothing as a fact;
- a learner receives the badge e-mail, opens the badge, downloads the baked PNG and SVG and the
  PDF certificate, finds the share options and a correct "Add to my LinkedIn profile" link, then
  opens their own page from the second e-mail (badges newest first, French dates) and downloads
  the ZIP of all their badges.

Each step is screenshotted at 1280 and 390 px in French under
test-artifacts/screenshots/journeys/ for people to look at.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from badger.baking import unbake
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.mail import outbox as mail
from badger.programmes import learners
from tests.browser import badge_png
from tests.browser.test_public_pages import _drop, _no_horizontal_scroll, _tampered
from tests.mailserver import MailServer
from tests.web.pages.pages import revoke

pytestmark = pytest.mark.browser

BADGE = "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)"
CRITERIA = "Présence aux **deux journées** du camp de base."
REASON = "Présence non confirmée par l'animatrice."
LEARNER = "morgane.le-bihan@exemple.fr"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre")


@pytest.fixture(scope="module")
def smtp():
    server = MailServer().up()
    try:
        yield server
    finally:
        server.down()


@pytest.fixture(scope="module")
def site(make_live_server, smtp, cec_partner):
    """A partner with two badge classes; an employer's candidate holds one (valid), another
    person a revoked one; the learner holds two, issued months apart, and was e-mailed both."""
    from badger.achievements import service as achievements

    server = make_live_server({"BADGER_SMTP_URL": smtp.url})
    badger = server.badger
    slug, session1_id = cec_partner(badger, name=BADGE, criteria=CRITERIA)
    with badger.transaction() as session:
        fresk = achievements.create_achievement(
            badger,
            session,
            issuers.get_issuer(session, slug),
            name="Animer une fresque du climat",
            description="A animé une fresque du climat complète.",
            criteria="Animer **une fresque** complète.",
            image=badge_png((11, 87, 208)),
        )
        fresk_id = fresk.id

    def issue(achievement_id, email, name, notify=False):
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, slug),
                issuing.IssueRequest(achievement=achievement_id, email=email, name=name),
                notify=notify,
            ).id

    valid = issue(session1_id, "elodie@exemple.fr", "Élodie Le Goff")
    revoked = issue(session1_id, "camille@exemple.fr", "Camille Martin")
    revoke(badger, revoked, REASON)
    # The learner: a badge issued in March (the clock of this in-process container moved back),
    # then one today with the e-mail, then the link to their page by e-mail.
    real_clock = badger.clock
    badger.clock = lambda: datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    older = issue(fresk_id, LEARNER, "Morgane Le Bihan")
    badger.clock = real_clock
    newer = issue(session1_id, LEARNER, "Morgane Le Bihan", notify=True)
    with badger.transaction() as session:
        learners.send_link(badger, session, email=LEARNER, issuer_id=None)
    assert mail.drain(badger, 20)
    return {"server": server, "url": server.url, "valid": valid, "revoked": revoked, "older": older, "newer": newer}


def _shots(page, phone_page, screenshot, name: str, url: str) -> None:
    """The same page at 1280 and at 390 px; the phone one must not scroll sideways."""
    for p in (page, phone_page):
        p.goto("about:blank")  # a URL differing only by its fragment would not be fetched again
        p.goto(url)
    screenshot(page, f"journeys/{name}-1280")
    _no_horizontal_scroll(phone_page)
    screenshot(phone_page, f"journeys/{name}-390")


def _image_loaded(page, selector: str) -> bool:
    return page.evaluate(
        f"(() => {{ const i = document.querySelector('{selector}'); return !!i && i.complete && i.naturalWidth > 0; }})()"
    )


def _verify_text(page, text: str) -> None:
    page.goto(page.url.split("/verify")[0] + "/verify")
    page.fill("#credential", text)
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier").click()


def test_employer_verifies_a_shared_badge(page, phone_page, site, tmp_path, screenshot):
    base, shared = site["url"], f"{site['url']}/credentials/{site['valid']}"
    # The link the candidate shared.
    _shots(page, phone_page, screenshot, "employer-1-shared-link", shared)
    assert "Badge valide" in page.locator("#status").inner_text()
    assert "Élodie Le Goff" in page.locator("article").inner_text()

    # Verified by its address, pasted on the verify page.
    page.goto(base + "/verify")
    _verify_text(page, shared)
    assert page.locator("#verdict").get_attribute("class").split() == ["banner", "ok"]
    assert page.locator("#verdict-holder").inner_text() == "Élodie Le Goff"
    assert page.locator("#verdict-name").inner_text() == BADGE
    assert _image_loaded(page, "#verdict-image")
    facts = page.locator("#verdict-facts").inner_text()
    assert "Présence aux deux journées du camp de base." in facts and "CEC Ouest 2023" in facts
    assert "Ce que ce badge reconnaît" in facts and "Critères d'obtention" in facts
    assert "Un partenaire de ce Badger" in facts
    screenshot(page, "journeys/employer-2-verified-by-url-1280")
    phone_page.goto(base + "/verify")
    _verify_text(phone_page, shared)
    _no_horizontal_scroll(phone_page)
    assert phone_page.locator("#verdict-holder").is_visible()
    screenshot(phone_page, "journeys/employer-2-verified-by-url-390")

    # The baked PNG (downloaded from the shared page), dropped on the verify page.
    page.goto(shared)
    with page.expect_download() as info:
        page.locator("#baked-png").click()
    path = tmp_path / "badge.png"
    info.value.save_as(path)
    baked = path.read_bytes()
    page.goto(base + "/verify")
    with page.expect_navigation():
        _drop(page, "#dropzone", baked, "badge.png", "image/png")
    assert "Badge vérifié" in page.locator("#verdict").inner_text()
    assert page.locator("#verdict-holder").inner_text() == "Élodie Le Goff"
    assert "Badge extrait d'une image PNG." in page.locator("#checks").inner_text()
    screenshot(page, "journeys/employer-3-dropped-png-1280")

    # A revoked badge: the reason and the date, in French.
    revoked = f"{base}/credentials/{site['revoked']}"
    for p, width in ((page, 1280), (phone_page, 390)):
        p.goto(base + "/verify")
        _verify_text(p, revoked)
        assert p.locator("#verdict").get_attribute("class").split() == ["banner", "ko"]
        status = p.locator("#verdict-status").inner_text()
        assert REASON in status and re.search(
            r"Révoqué le \d{1,2} (" + "|".join(MONTHS) + r"|novembre|décembre) \d{4}", status
        )
        if width == 390:
            _no_horizontal_scroll(p)
        screenshot(p, f"journeys/employer-4-revoked-{width}")

    # A tampered image: red, and nothing the document says is shown as a fact.
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(_tampered(baked))
    for p, width in ((page, 1280), (phone_page, 390)):
        p.goto(base + "/verify")
        p.set_input_files("#file", str(tampered))
        with p.expect_navigation():
            p.get_by_role("button", name="Vérifier").click()
        assert "Badge non vérifié" in p.locator("#verdict").inner_text()
        assert p.locator("#verdict-facts").count() == 0 and p.locator("#verdict-untrusted").is_visible()
        main = p.locator("main").inner_text()
        checks = p.locator("#checks").inner_text()
        assert "Élodie Le Goff" not in main.replace(checks, "")
        assert "Session 7" not in main.replace(p.locator("details").inner_text(), "")
        screenshot(p, f"journeys/employer-5-tampered-{width}")
    assert page.console_errors == [] and phone_page.console_errors == []


def _mail_to(smtp, address: str, subject_part: str):
    found = [m for m in smtp.messages if m["To"] == address and subject_part in m["Subject"]]
    assert found, [m["Subject"] for m in smtp.messages]
    return found[-1]


def test_learner_receives_opens_downloads_shares_and_exports(page, phone_page, site, smtp, tmp_path, screenshot):
    message = _mail_to(smtp, LEARNER, "vous a décerné le badge")
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Morgane Le Bihan," in text
    link = re.search(r"(http://127\.0\.0\.1:\d+/credentials/[0-9a-f-]{36})", text).group(1)
    assert link.endswith(site["newer"])
    # The e-mail as the learner's mail program shows it.
    html = message.get_body(("html",)).get_content()
    for p, width in ((page, 1280), (phone_page, 390)):
        p.set_content(html)
        screenshot(p, f"journeys/learner-1-email-{width}")

    # The badge page from the e-mail's link.
    page.goto(link)
    assert "Badge valide" in page.locator("#status").inner_text()
    assert "Morgane Le Bihan" in page.locator("article").inner_text()
    screenshot(page, "journeys/learner-2-badge-1280")
    phone_page.goto(link)
    _no_horizontal_scroll(phone_page)
    screenshot(phone_page, "journeys/learner-2-badge-390")

    # Downloads: the baked PNG and SVG carry the badge; the certificate is a PDF naming them.
    def download(selector: str, name: str) -> bytes:
        with page.expect_download() as info:
            page.locator(selector).click()
        path = tmp_path / name
        info.value.save_as(path)
        return path.read_bytes()

    for selector, kind in (("#baked-png", "png"), ("#baked-svg", "svg")):
        found, payload = unbake(download(selector, f"badge.{kind}"))
        assert found == kind and json.loads(payload)["id"] == link
    pdf = download("#certificate-pdf", "certificate.pdf")
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Morgane Le Bihan" in words and link in words.replace("\n", "")

    # Share options: copy the link, LinkedIn (profile and post), e-mail; the profile link is right.
    add = urlsplit(page.locator("#linkedin").get_attribute("href"))
    assert (add.scheme, add.netloc, add.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {k: v[0] for k, v in parse_qs(add.query).items()}
    today = datetime.now(UTC)
    assert params["startTask"] == "CERTIFICATION_NAME" and params["name"] == BADGE
    assert params["organizationName"] == "CEC Ouest 2023"
    assert params["certUrl"] == link and params["certId"] == site["newer"]
    assert params["issueYear"] == str(today.year) and params["issueMonth"] in (str(today.month), str(today.month - 1))
    post = page.locator("#linkedin-post").get_attribute("href")
    assert unquote(post.split("url=", 1)[1]) == link
    assert link in unquote(page.locator("#share-mail").get_attribute("href"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["url"])
    page.get_by_role("button", name="Copier le lien").click()
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.evaluate("document.getElementById('share').scrollIntoView()")
    screenshot(page, "journeys/learner-3-share-1280", full_page=False)

    # The learner's own page, from the second e-mail: newest first, French dates, the ZIP.
    learner_mail = [
        m for m in smtp.messages if m["To"] == LEARNER and "/learners/" in m.get_body(("plain",)).get_content()
    ]
    assert learner_mail, "no e-mail with the learner's page"
    own = re.search(
        r"(http://127\.0\.0\.1:\d+/learners/[A-Za-z0-9_-]+)", learner_mail[0].get_body(("plain",)).get_content()
    )
    page.goto(own.group(1))
    items = page.locator(".learner-badges > li")
    assert items.count() == 2
    assert items.nth(0).locator("a").first.inner_text() == BADGE
    assert items.nth(1).locator("a").first.inner_text() == "Animer une fresque du climat"
    assert "14 mars 2026" in items.nth(1).inner_text()
    assert re.search(r"\d{1,2} \w+ \d{4}", items.nth(0).locator("time").inner_text())
    screenshot(page, "journeys/learner-4-my-badges-1280")
    phone_page.goto(own.group(1))
    _no_horizontal_scroll(phone_page)
    screenshot(phone_page, "journeys/learner-4-my-badges-390")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger tous mes badges (ZIP)").click()
    path = tmp_path / "badges.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        readme = archive.read("README.txt").decode()
    assert readme.startswith("Vos Open Badges") and "14 mars 2026" in readme
    assert readme.index(BADGE) < readme.index("Animer une fresque du climat")  # newest first
    assert sum(n.endswith(".png") for n in names) == 2 and sum(n.endswith(".json") for n in names) == 2
    assert page.console_errors == [] and phone_page.console_errors == []


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/**")


def test_staff_sees_charts_delivery_resend_kept_image_and_pathway_steps(page, phone_page, site, smtp, screenshot):
    """The dashboard pages this journey touches, at 1280 and 390 px: the overview's charts, a
    failed e-mail and its resend, the e-mails page, the editor keeping an image after an error,
    and the two steps of the pathway form."""
    from badger.accounts import service as accounts
    from badger.core import audit

    server, base = site["server"], site["url"]
    badger = server.badger
    email, password = "claire@cec-ouest.example", "correct horse battery staple"
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest-2023")
        user = accounts.create_user(badger, session, email=email, name="Claire Le Roux", password=password)
        accounts.add_membership(badger, session, user, issuer, "owner", actor=audit.SYSTEM)
        achievement_id = issuing.get_credential(session, site["valid"]).achievement_id
    smtp.refuse("yann@exemple.fr")
    with badger.transaction() as session:
        failed = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest-2023"),
            issuing.IssueRequest(achievement=achievement_id, email="yann@exemple.fr", name="Yann Guégan"),
            notify=True,
        ).id
    assert mail.drain(badger, 20)
    dash = f"{base}/dashboard/cec-ouest-2023"
    for p in (page, phone_page):
        _sign_in(p, base, email, password)

    _shots(page, phone_page, screenshot, "staff-1-overview", dash + "/")
    assert page.locator("#chart-issued svg title").first.text_content() == "Badges délivrés par mois"
    assert page.locator("#chart-issued svg > g").count() == 12

    manage = f"{dash}/credentials/{failed}"
    _shots(page, phone_page, screenshot, "staff-2-delivery-failed", manage + "#delivery")
    assert page.locator("#delivery-state").inner_text() == "Envoi impossible"
    assert "552" in page.locator("#delivery-error").inner_text()
    smtp.accept("yann@exemple.fr")
    page.fill("#resend-email", "yann@exemple.fr")
    page.locator("#confirm-resend summary").click()
    screenshot(page, "journeys/staff-3-resend-confirm-1280")
    page.get_by_role("button", name="Oui, renvoyer l’e-mail").click()
    page.get_by_text("L’e-mail est en file d’attente").wait_for()
    deadline = 0
    while page.locator("#delivery-state").inner_text() != "Envoyé" and deadline < 40:
        page.wait_for_timeout(250)
        page.reload()
        deadline += 1
    assert page.locator("#delivery-state").inner_text() == "Envoyé"
    assert any(m["To"] == "yann@exemple.fr" for m in smtp.messages)
    _shots(page, phone_page, screenshot, "staff-4-delivery-sent", manage + "#delivery")
    _shots(page, phone_page, screenshot, "staff-5-emails", dash + "/emails")

    # The editor: an error found by the server (an alignment's address) keeps the chosen image.
    for p, width in ((page, 1280), (phone_page, 390)):
        p.goto(dash + "/badges/new")
        p.fill("#name", "Animer une fresque du climat (niveau 2)")
        p.fill("#alignments-0-target_name", "Sensibiliser aux enjeux climatiques")
        p.fill("#alignments-0-target_url", "francecompetences.fr, fiche RS5432")
        p.fill("#description", "Une fresque du climat animée.")
        p.fill("#criteria", "Animer une fresque.")
        p.set_input_files(
            "#image", files=[{"name": "badge.png", "mimeType": "image/png", "buffer": badge_png((160, 30, 90))}]
        )
        with p.expect_navigation():
            p.locator("form button[type=submit]").last.click()
        assert p.locator("#kept-image").is_visible() and _image_loaded(p, "#kept-image img")
        assert "https://" in p.locator("ul.errors, .errors").first.inner_text()
        p.locator("#kept-image").scroll_into_view_if_needed()
        if width == 390:
            _no_horizontal_scroll(p)
        screenshot(p, f"journeys/staff-6-editor-kept-image-{width}")

    # The pathway form in two steps: the chosen badge is not among its requirements.
    _shots(page, phone_page, screenshot, "staff-7-pathway-step1", dash + "/programmes/pathways")
    page.select_option("#pathway-badge", label=BADGE)
    with page.expect_navigation():
        page.get_by_role("button", name="Suivant : les badges exigés").click()
    offered = page.locator("input[name=requirements]")
    assert offered.count() == 1 and page.locator("#pathway-target").inner_text() == BADGE
    screenshot(page, "journeys/staff-8-pathway-step2-1280")
    phone_page.goto(page.url)
    _no_horizontal_scroll(phone_page)
    screenshot(phone_page, "journeys/staff-8-pathway-step2-390")
    expected = "status of 400 (BAD REQUEST) (" + dash + "/badges/new)"  # the form with an error
    assert [e for e in page.console_errors + phone_page.console_errors if not e.endswith(expected)] == []

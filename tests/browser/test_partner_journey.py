"""Issue 5, must-show 1: a partner's staff member, in a real browser, signs in, creates a badge
class with an image, previews and publishes it, issues one credential, bulk-issues a CSV file
with bad rows (sees the dry run, fixes the file, confirms, watches the progress to the end,
downloads the result), revokes one credential with a reason and sees it revoked on its public
page and on the verify page. Screenshots go to test-artifacts/screenshots/partner-journey/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
EMAIL = "claire@cec-ouest.example.org"
SLUG = "cec-ouest"

BAD_CSV = (
    "email,name,evidence_url,narrative\n"
    "camille@example.org,Camille Le Goff,https://example.org/fresque,A animé une fresque\n"
    "pas-une-adresse,Yann Le Bihan,,\n"
    "nolwenn@example.org,Nolwenn Guégan,,\n"
    "nolwenn@example.org,Nolwenn (doublon),,\n"
    "erwan@example.org,Erwan Kerlann,ftp://example.org/preuve,\n"
    "gwen@example.org,Gwenaëlle Le Du,,\n"
)
FIXED_CSV = (
    "email,name,evidence_url,narrative\n"
    "camille@example.org,Camille Le Goff,https://example.org/fresque,A animé une fresque\n"
    "yann@example.org,Yann Le Bihan,,\n"
    "nolwenn@example.org,Nolwenn Guégan,,\n"
    "erwan@example.org,Erwan Kerlann,https://example.org/preuve,\n"
    "gwen@example.org,Gwenaëlle Le Du,,\n"
)


def _png(path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, 240, 240), fill=(22, 110, 70))
    draw.ellipse((70, 70, 186, 186), fill=(250, 200, 40))
    image.save(path, format="PNG")
    return path


@pytest.fixture(scope="module")
def staff(live_server):
    """The CEC Ouest partner and one staff member with the issuer role."""
    from badger.accounts import service as accounts
    from badger.core import audit
    from badger.issuers import service as issuers

    with live_server.badger.transaction() as session:
        issuer = issuers.create_issuer(
            live_server.badger, session, name="CEC Ouest 2023", url="https://cec-ouest.example", slug=SLUG
        )
        user = accounts.create_user(live_server.badger, session, email=EMAIL, name="Claire Le Roux", password=PASSWORD)
        accounts.add_membership(live_server.badger, session, user, issuer, "issuer", actor=audit.SYSTEM)
    return EMAIL


def test_partner_journey(live_server, staff, browser, page, phone_page, screenshot, tmp_path):
    base = live_server.url
    dash = f"{base}/dashboard/{SLUG}"

    # Sign in.
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", staff)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    # Create a badge class with an image and an alignment: a draft, previewed, then published.
    page.goto(f"{dash}/badges/new")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Nom", exact=True).fill("Animer une fresque du climat")
    page.get_by_label("Description", exact=True).fill("Avoir animé une fresque du climat au fresquathon de Vannes.")
    page.get_by_label("Critères d'obtention (Markdown)").fill(
        "- Animer **une fresque** complète\n- Débriefer avec le groupe\n\n<script>alert('x')</script>"
    )
    page.get_by_label("Nom en anglais").fill("Facilitate a Climate Fresk")
    page.get_by_label("Type de badge").select_option("Competency")
    page.get_by_label("Mots-clés").fill("climat, fresque")
    page.get_by_label("Durée de validité (jours)").fill("730")
    page.set_input_files("input[name=image]", str(_png(tmp_path / "fresque.png")))
    page.fill("#alignments-0-target_name", "Sensibiliser aux enjeux climatiques")
    page.fill("#alignments-0-target_url", "https://www.francecompetences.fr/recherche/rs/5432/")
    page.fill("#alignments-0-target_framework", "RS")
    page.fill("#alignments-0-target_code", "RS5432")
    screenshot(page, "partner-journey/01-badge-editor")
    page.get_by_role("button", name="Enregistrer le brouillon et voir l'aperçu").click()
    page.wait_for_url(re.compile(r".*/badges/[0-9a-f-]{36}/preview$"))
    badge_id = re.search(r"/badges/([0-9a-f-]{36})/preview", page.url).group(1)
    assert page.locator(".status-draft").first.is_visible()
    assert page.locator(".preview-frame strong", has_text="une fresque").count() == 1
    assert page.locator(".preview-frame script").count() == 0
    assert page.locator(".preview-frame img").evaluate("img => img.naturalWidth") == 256
    screenshot(page, "partner-journey/02-badge-preview-draft")
    assert live_server.get(f"/achievements/{badge_id}")[0] == 404
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").is_visible()
    assert live_server.get(f"/achievements/{badge_id}")[0] == 200

    # Issue one credential.
    page.goto(f"{dash}/issue?achievement={badge_id}")
    page.get_by_label("Adresse e-mail du ou de la titulaire").fill("morgane@example.org")
    page.get_by_label("Nom du ou de la titulaire").fill("Morgane Le Gall")
    page.get_by_label("Preuve : adresse (URL)").fill("https://example.org/fresquathon/morgane")
    page.get_by_label("Preuve : ce que la personne a fait").fill("A animé la fresque du 14 octobre 2023.")
    page.get_by_label("Envoyer le badge par e-mail au ou à la titulaire").uncheck()
    screenshot(page, "partner-journey/03-issue-one")
    page.get_by_role("button", name="Délivrer le badge").click()
    page.wait_for_url(re.compile(r".*/dashboard/cec-ouest/credentials/[0-9a-f-]{36}$"))
    public_url = page.locator("#public-link").get_attribute("href")
    assert public_url.startswith(f"{base}/credentials/")
    assert "Morgane Le Gall" in page.inner_text("main")
    screenshot(page, "partner-journey/04-issued")
    manage_url = page.url

    # Bulk issuance: a file with bad rows, the dry run, the fixed file, confirm, progress, result.
    page.goto(f"{dash}/bulk")
    page.get_by_label("Badge", exact=True).select_option(badge_id)
    bad = tmp_path / "session-fresque.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_selector("#dry-run")
    problems = page.locator("#dry-run tr.row-problem")
    assert problems.count() == 3
    table = page.inner_text("#dry-run")
    assert "Adresse e-mail invalide" in table
    assert "Même adresse e-mail qu'à la ligne 4" in table
    assert "https://" in table
    screenshot(page, "partner-journey/05-bulk-dry-run-with-problems")
    page.get_by_role("link", name="Déposer un fichier corrigé").click()
    fixed = tmp_path / "session-fresque-corrige.csv"
    fixed.write_text(FIXED_CSV, encoding="utf-8")
    assert page.get_by_label("Badge", exact=True).input_value() == badge_id
    page.set_input_files("input[name=file]", str(fixed))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_selector("#dry-run")
    assert page.locator("#dry-run tr.row-problem").count() == 0
    screenshot(page, "partner-journey/06-bulk-dry-run-fixed")
    page.get_by_role("button", name="Délivrer 5 badges").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    screenshot(page, "partner-journey/07-bulk-job-started")
    page.locator("#job-result").wait_for(state="visible", timeout=60_000)
    assert page.locator("#job-issued").inner_text() == "5"
    assert page.locator("#job-bar").evaluate("bar => bar.value === bar.max")
    screenshot(page, "partner-journey/08-bulk-job-finished")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le résultat (CSV)").click()
    # For French spreadsheets (issue 15): BOM, semicolons, French headers and values.
    text = Path(download.value.path()).read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["Résultat"] for r in rows] == ["Badge délivré"] * 5

    # The credentials list, on a phone too.
    page.goto(f"{dash}/credentials")
    assert page.locator("#credentials tbody tr").count() == 6
    screenshot(page, "partner-journey/09-credentials")
    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(f"{dash}/credentials")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone_page, "partner-journey/10-credentials-phone")

    # Revoke the one credential with a reason.
    page.goto(manage_url)
    # Issue 15: a confirmation step first (no JavaScript: a <details> panel says what happens).
    page.locator("#confirm-revoke summary").click()
    assert "définitive" in page.inner_text("#confirm-revoke")
    page.get_by_role("button", name="Oui, révoquer ce badge").click()  # no reason: refused, nothing changes
    assert page.locator("#reason-revoke").evaluate("el => !el.checkValidity()")
    page.fill("#reason-revoke", "Délivré par erreur : Morgane n'a pas animé cette session")
    page.get_by_role("button", name="Oui, révoquer ce badge").click()
    page.wait_for_load_state()
    assert "Révoqué" in page.inner_text("#credential-status")
    assert "Délivré par erreur" in page.inner_text("#credential-reason")
    screenshot(page, "partner-journey/11-revoked")

    # A visitor (another browser context, not signed in) sees it revoked, with the reason.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    visitor = context.new_page()
    try:
        visitor.goto(public_url)
        text = visitor.inner_text("main")
        assert "révoqué" in text.lower()
        assert "Délivré par erreur" in text
        screenshot(visitor, "partner-journey/12-public-page-revoked")
        visitor.goto(f"{base}/verify")
        visitor.fill("#credential", public_url)
        visitor.get_by_role("button", name="Vérifier").click()
        visitor.wait_for_load_state()
        text = visitor.inner_text("main")
        assert "révoqué" in text.lower()
        screenshot(visitor, "partner-journey/13-verify-revoked")
    finally:
        context.close()
    assert [e for e in page.console_errors if not e.endswith("/favicon.ico)")] == []
    live_server.check_alive()

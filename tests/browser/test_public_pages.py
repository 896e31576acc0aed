"""Learners and employers, in a real browser (Debian's Chromium through Playwright) against a
real `badger serve`: open a credential page, download its baked PNG, drop it on the verify page
and read the green verdict; a tampered PNG gets a red verdict and its reason; the language
switcher; a revoked credential explained with the issuer's reason. Screenshots of the
credential and verify pages, French and English, desktop (1280) and phone (390), are saved
under test-artifacts/screenshots/public/ for people to look at.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from badger.baking import unbake
from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.web.pages.pages import revoke

pytestmark = pytest.mark.browser

REASON = "Présence non confirmée par l'animatrice."


@pytest.fixture(scope="module")
def site(live_server, cec_partner):
    """One issuer, one badge class with a PNG image, a valid and a revoked credential."""
    badger = live_server.badger
    slug, achievement_id = cec_partner(
        badger,
        achievement_type="Competency",
        alignments=[
            {
                "target_name": "Gérer les impacts environnementaux",
                "target_framework": "ESCO",
                "target_url": "http://data.europa.eu/esco/skill/0a1b2c3d-0000-4000-8000-000000000000",
            }
        ],
    )

    def issue(name):
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, slug),
                issuing.IssueRequest(achievement=achievement_id, email="elodie@exemple.fr", name=name),
            )

    valid, revoked = issue("Élodie Le Goff"), issue("Camille Martin")
    revoke(badger, revoked.id, REASON)
    return {"valid": valid.id, "revoked": revoked.id, "url": live_server.url}


def _tampered(png: bytes) -> bytes:
    """The same PNG with one byte of the embedded credential changed ("Session 1" -> "Session 7")
    and the chunk's CRC fixed, so that the image still reads and only the signature can tell."""
    out, pos = bytearray(png[:8]), 8
    changed = False
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = bytearray(png[pos + 8 : pos + 8 + length])
        if kind == b"iTXt" and data.startswith(b"openbadgecredential\x00") and b"Session 1" in data:
            index = data.index(b"Session 1") + len("Session ")
            data[index] ^= ord("1") ^ ord("7")
            changed = True
        out += struct.pack(">I4s", length, kind) + data + struct.pack(">I", zlib.crc32(kind + bytes(data)) & 0xFFFFFFFF)
        pos += 12 + length
    assert changed, "no credential text in the PNG"
    return bytes(out)


def _drop(page, selector: str, data: bytes, name: str, mime: str) -> None:
    """Drop a file on ``selector`` the way a person does: a drop event carrying a DataTransfer."""
    page.evaluate(
        """([selector, b64, name, mime]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: mime}));
            const zone = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
            }
        }""",
        [selector, base64.b64encode(data).decode(), name, mime],
    )


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def test_download_the_baked_png_and_verify_it(page, site, tmp_path, screenshot):
    page.goto(f"{site['url']}/credentials/{site['valid']}")
    assert page.locator("html").get_attribute("lang") == "fr"
    banner = page.locator("#status")
    assert "Badge valide" in banner.inner_text()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Session 1")
    assert "Élodie Le Goff" in page.locator("article").inner_text()
    screenshot(page, "public/credential-fr-desktop")

    with page.expect_download() as info:
        page.get_by_role("link", name="Image du badge (PNG)").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    baked = path.read_bytes()
    kind, payload = unbake(baked)
    assert kind == "png" and json.loads(payload)["id"].endswith(site["valid"])

    # Drop the PNG on the verify page: the page submits it and answers.
    page.goto(f"{site['url']}/verify")
    screenshot(page, "public/verify-fr-desktop")
    with page.expect_navigation():
        _drop(page, "#dropzone", baked, "badge.png", "image/png")
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("class").split() == ["banner", "ok"]
    assert "Badge vérifié" in verdict.inner_text()
    facts = page.locator("#verdict-facts").inner_text()
    assert "CEC Ouest 2023" in facts and "did:web:" in facts and "#key-" in facts and "Signé le" in facts
    assert "Badge extrait d'une image PNG." in page.locator("#checks").inner_text()
    screenshot(page, "public/verify-ok-fr-desktop")

    # The tampered image, through the plain file input (what works without JavaScript).
    page.goto(f"{site['url']}/verify")
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(_tampered(baked))
    page.set_input_files("#file", str(tampered))
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier").click()
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("class").split() == ["banner", "ko"]
    assert "Badge non vérifié" in verdict.inner_text()
    assert "La signature ne correspond pas au contenu du badge." in page.locator("#verdict-reason").inner_text()
    screenshot(page, "public/verify-ko-fr-desktop")
    assert page.console_errors == []


def test_switch_language(page, site, screenshot):
    page.goto(f"{site['url']}/credentials/{site['valid']}")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == f"{site['url']}/credentials/{site['valid']}"
    assert "Valid badge" in page.locator("#status").inner_text()
    assert page.get_by_role("link", name="Add to my LinkedIn profile").is_visible()
    screenshot(page, "public/credential-en-desktop")
    # remembered on the next page (cookie badger_lang)
    page.get_by_role("link", name="Verify a badge").first.click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Verify a badge"
    screenshot(page, "public/verify-en-desktop")
    with page.expect_navigation():
        page.get_by_role("link", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.console_errors == []


def test_revoked_credential_is_explained(page, site, screenshot):
    page.goto(f"{site['url']}/credentials/{site['revoked']}")
    banner = page.locator("#status")
    assert banner.get_attribute("class").split() == ["banner", "ko"]
    text = banner.inner_text()
    assert "Badge révoqué" in text and "CEC Ouest 2023 a révoqué ce badge" in text
    assert f"Motif indiqué par l'émetteur\u00a0: {REASON}" in text
    screenshot(page, "public/credential-revoked-fr-desktop")
    page.goto(f"{site['url']}/credentials/{site['revoked']}?lang=en")
    assert f"Reason given by the issuer: {REASON}" in page.locator("#status").inner_text()


def test_copy_link_and_keyboard(page, site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["url"])
    page.goto(f"{site['url']}/credentials/{site['valid']}")
    button = page.get_by_role("button", name="Copier le lien")
    assert button.is_visible()  # shown by the script; without it the read-only field remains
    button.click()
    expect(page.locator("#copy-status")).to_have_text("Lien copié")
    assert page.evaluate("navigator.clipboard.readText()") == f"{site['url']}/credentials/{site['valid']}"
    # keyboard: the skip link comes first
    page.reload()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Aller au contenu"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_phone_layout(phone_page, site, screenshot, lang):
    phone_page.goto(f"{site['url']}/credentials/{site['valid']}?lang={lang}")
    _no_horizontal_scroll(phone_page)
    assert phone_page.locator(".badge-head img").is_visible()
    screenshot(phone_page, f"public/credential-{lang}-phone")
    phone_page.goto(f"{site['url']}/verify?lang={lang}")
    _no_horizontal_scroll(phone_page)
    assert phone_page.locator("#file").is_visible()
    screenshot(phone_page, f"public/verify-{lang}-phone")
    phone_page.goto(f"{site['url']}/credentials/{site['valid']}/print?lang={lang}")
    _no_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []


def test_print_view_on_a4(page, site, tmp_path, screenshot):
    page.goto(f"{site['url']}/credentials/{site['valid']}/print")
    screenshot(page, "public/print-fr-desktop")
    pdf = page.pdf(path=str(tmp_path / "certificate.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # One A4 sheet (595 x 842 points): the @page rule wins over Chromium's default Letter size.
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    boxes = {tuple(round(float(x)) for x in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}
    assert len(pages) == 1, f"{len(pages)} pages"
    assert boxes == {(0, 0, 595, 842)}, boxes

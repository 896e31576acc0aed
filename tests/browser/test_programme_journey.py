"""Issue 6, must show 3: a coordinator ticks attendance and confirms a webinar in the dashboard
(real server, Debian's chromium); the learner opens their private page and sees the new badge
and their progress on the pathway "Parcours CEC Ouest 2023 complet"."""

from __future__ import annotations

import json
import re
import time

import pytest

pytestmark = pytest.mark.browser

WEBINAR = "Webinaire — Marketing éco-compatible"


def test_coordinator_confirms_and_learner_sees_badge_and_progress(live_server, page, screenshot):
    summary = json.loads(live_server.cli("demo").stdout)
    learner = summary["learners"][1]  # missed a session: the pathway is in progress
    assert learner["pathway_complete"] is False
    coordinator = next(
        a for a in summary["login"]["accounts"] if a["role"] == "owner" and a["partner"] == "cec-ouest-2023"
    )
    learner_path = learner["url"][len(live_server.url) :]

    # The coordinator signs in and opens the programme.
    page.goto(live_server.url + "/account/login")
    page.fill("input[name=email]", coordinator["email"])
    page.fill("input[name=password]", summary["login"]["password"])
    page.click("button[type=submit]")
    page.goto(live_server.url + "/dashboard/cec-ouest-2023/programmes/")
    page.locator("table.data a", has_text="CEC Ouest 2023").click()
    page.locator("table.data a", has_text=WEBINAR).click()
    assert page.locator("h1").inner_text() == WEBINAR

    # Ticks the learner (by their name's label) and saves, then confirms.
    name = page.locator("label", has_text=re.compile(r"Hervé Le Du")).first
    name.click()
    page.click("text=Enregistrer les présences")
    assert page.locator(".flash-success").first.inner_text() == "Présences enregistrées."
    checkbox_id = page.locator("label", has_text="Hervé Le Du").first.get_attribute("for")
    assert page.locator(f"#{checkbox_id}").is_checked()
    screenshot(page, "programmes/attendance")
    # Issue 15: a confirmation step (a <details> panel) before issuing to the whole milestone.
    page.locator("#confirm-milestone summary").click()
    assert "sera délivré à 1 participant coché" in page.inner_text("#confirm-milestone")
    page.locator("#confirm-milestone button[type=submit]").click()
    assert "Étape confirmée" in page.locator(".flash-success").first.inner_text()

    # The badge is issued by the bulk job in the server; the learner's page shows it.
    deadline = time.monotonic() + 30
    while True:
        page.goto(live_server.url + learner_path)
        if page.locator(".learner-badges li", has_text="Marketing éco-compatible").count():
            break
        assert time.monotonic() < deadline, "the badge did not appear on the learner page"
        time.sleep(0.5)
    assert page.locator("h1").inner_text() == "Badges de Hervé Le Du"
    pathway = page.locator("section.pathway", has_text="Parcours CEC Ouest 2023 complet")
    assert pathway.count() == 1
    text = pathway.inner_text()
    assert re.search(r"\d badge\(s\) obtenu\(s\) sur 7 requis", text), text
    assert "Reste à obtenir" in text and "Feuille de route remise" in text
    screenshot(page, "programmes/learner-page")
    with page.expect_download() as download:
        page.click("text=Télécharger tous mes badges (ZIP)")
    assert download.value.suggested_filename.endswith(".zip")
    assert [e for e in page.console_errors if not e.endswith("/favicon.ico)")] == []
    live_server.check_alive()

"""Issue 12, must show 3: the learner's page shows the wallet QR code; decoded by zxing-cpp it
leads Sphereon's OpenID4VCI client (npm) to the credential; the page then says the badge is in
a wallet; revoking the original makes both credentials refused by Digital Bazaar's vc and DCC's
verifier-core. The offer block also shows on the credential page to the learner (who came from
their page), and to nobody else."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import learners
from badger.wallets import repository as wallet_repo
from tests.interop import node

pytestmark = pytest.mark.browser

EMAIL = "nolwenn@example.org"


def _decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_learner_page_qr_to_wallet_then_revocation(live_server, browser, page, screenshot):
    from badger.achievements import service as achievements

    app = live_server.badger
    with app.transaction() as session:
        issuer = issuers.create_issuer(app, session, name="CEC Ouest 2023", url="https://cec-ouest.example", slug="cec")
        achievement = achievements.create_achievement(
            app, session, issuer, name="Session 2 — Cap au large", description="Brest, 2023.", criteria="Présence."
        )
        row = issuing.issue(
            app, session, issuer, issuing.IssueRequest(achievement=achievement.id, email=EMAIL, name="Nolwenn Kerleau")
        )
        credential_id = row.id
        learner_url = learners.link_url(app, session, email=EMAIL)

    page.goto(learner_url)
    qr = page.locator(".wallet-offer img.wallet-qr")
    qr.wait_for()
    screenshot(page, "wallet-learner-offer")
    [interaction] = _decode_qr(qr.screenshot())
    assert interaction.startswith(live_server.url + "/wallets/offers/")
    request = urllib.request.Request(interaction, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        protocols = json.loads(response.read())["protocols"]
    assert set(protocols) == {"vcapi", "OID4VCI"}

    # The credential page shows the block to the learner (cookie from their page), not to others.
    page.goto(f"{live_server.url}/credentials/{credential_id}")
    page.locator(".wallet-offer img.wallet-qr").wait_for()
    stranger = browser.new_context(locale="fr-FR").new_page()
    stranger.console_errors = []
    stranger.on("console", lambda m: stranger.console_errors.append(m.text) if m.type == "error" else None)
    stranger.goto(f"{live_server.url}/credentials/{credential_id}")
    stranger.wait_for_load_state("networkidle")
    assert stranger.locator(".wallet-offer").is_hidden()
    assert stranger.locator(".wallet-offer img").count() == 0
    assert stranger.console_errors == []
    stranger.context.close()

    [got] = node.run_node_many(
        "wallet.mjs",
        [{"action": "oid4vci", "uri": protocols["OID4VCI"], "config": "OpenBadgeCredential", "key": "did:key"}],
    )
    assert got["ok"], got
    copy = got["credential"]

    page.goto(learner_url)
    page.locator(".wallet-offer .wallet-held").wait_for()
    screenshot(page, "wallet-learner-held")
    assert page.console_errors == []

    # Revoking the original revokes the copy too; both refused by the independent verifiers.
    live_server.cli("revoke", credential_id, "--reason", "Erreur de saisie")
    with urllib.request.urlopen(f"{live_server.url}/credentials/{credential_id}.json", timeout=10) as response:
        original = json.loads(response.read())
    with app.transaction() as session:
        [link] = wallet_repo.copies_of(session, credential_id)
        assert issuing.get_credential(session, link.id).status == "revoked"
    items = [{"credential": c, "live": [live_server.url]} for c in (original, copy)]
    for result in node.run_node_many("db-verify.mjs", items):
        assert not result["verified"] and any('"revocation" is set' in e for e in result["errors"]), result
    for result in node.run_node_many("dcc-verify.mjs", items):
        assert not result["verified"] and any(e.startswith("revocation_status") for e in result["errors"]), result
    live_server.check_alive()

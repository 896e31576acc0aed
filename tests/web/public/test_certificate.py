"""Issue 15: the certificate PDF, the baked images in both formats whatever the class image,
the share card, revoked badges offer none of them, and verification counts that count
verifications, not page views. Runs on SQLite and PostgreSQL (the ``badger`` fixture)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from PIL import Image

from badger.baking import unbake
from badger.issuance import issuing, status_lists
from badger.issuers import service as issuers
from badger.verifying import service as verifying
from badger.verifying import stats

SVG_IMAGE = b"""<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<circle cx="100" cy="100" r="90" fill="#1f6f5c"/><text x="100" y="112" text-anchor="middle" font-size="30" fill="#fff">CEC</text>
</svg>"""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 110, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def issue(badger, create_issuer, create_achievement):
    pinned = badger.clock()
    badger.clock = lambda: pinned  # one "now" for the verification and the status list it signs
    made = {}

    def make(fmt="ldp", image=None, name="Élodie Le Goff"):
        if "issuer" not in made:
            made["issuer"], _ = create_issuer()
        achievement = create_achievement(made["issuer"], image=image) if image else create_achievement(made["issuer"])
        with badger.transaction() as session:
            row = issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, made["issuer"].slug),
                issuing.IssueRequest(achievement=achievement.id, email="elodie@exemple.fr", name=name, format=fmt),
            )
        return made["issuer"], achievement, row

    return make


def _decode_qr(image: Image.Image) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_certificate_pdf_carries_holder_badge_date_url_and_a_qr_of_the_url(badger, client, issue, lang):
    import pypdf
    import pypdfium2

    _, achievement, row = issue()
    response = client.get(f"/credentials/{row.id}/certificate.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.data[:300]
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox  # A4: 595 x 842 points
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = " ".join(reader.pages[0].extract_text().split())
    url = badger.url("credentials", row.id)
    document = json.loads(row.document)
    # The pages show dates in the instance's time zone (badger.web.i18n: Europe/Paris).
    valid_from = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    awarded = valid_from.astimezone(ZoneInfo("Europe/Paris")).date()
    date_text = format_date(awarded, "long", locale=lang)  # "3 décembre 2026", "December 3, 2026"
    assert "Élodie Le Goff" in text
    assert document["credentialSubject"]["achievement"]["name"] in text
    assert date_text in text, text
    assert url in text.replace(" ", "")  # a long URL may be wrapped across lines
    assert ("Critères" if lang == "fr" else "Criteria") in text and "Présence aux deux journées." in text
    # The QR code on the page, drawn at 200 dpi by PDFium, decodes to the same URL.
    page = pypdfium2.PdfDocument(response.data)[0]
    image = page.render(scale=200 / 72).to_pil()
    assert _decode_qr(image) == [url]


def test_revoked_badge_offers_no_certificate_nor_images(badger, client, issue):
    _, _, row = issue()
    with badger.transaction() as session:
        status_lists.set_status(session, issuing.get_credential(session, row.id), True)
    page = client.get(f"/credentials/{row.id}").get_data(as_text=True)
    for path in (f"/credentials/{row.id}/certificate.pdf", f"/credentials/{row.id}.png", f"/credentials/{row.id}.svg"):
        assert f'href="{path}' not in page, path
    assert "og:image" not in page
    for path in (f"/credentials/{row.id}/certificate.pdf", f"/credentials/{row.id}/card.png"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404 and response.get_json()["code"] == "credential.revoked"


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_both_baked_images_verify_whatever_the_class_image(badger, client, issue, kind):
    _, _, row = issue(image=SVG_IMAGE if kind == "svg" else _png())
    for extension in ("png", "svg"):
        response = client.get(f"/credentials/{row.id}.{extension}")
        assert response.status_code == 200 and response.mimetype.startswith("image/"), response.data[:200]
        assert unbake(response.data) == (extension, row.document)
        with badger.transaction() as session:
            result = verifying.verify_credential(badger, session, response.data)
        assert result.verified and result.check("format").code == f"format.{extension}", result.as_dict("en")
        if extension == "png":
            with Image.open(io.BytesIO(response.data)) as picture:
                assert picture.format == "PNG" and min(picture.size) >= 64
    card = client.get(f"/credentials/{row.id}/card.png")
    assert card.status_code == 200 and card.mimetype == "image/png"
    with Image.open(io.BytesIO(card.data)) as picture:
        assert (picture.format, picture.size) == ("PNG", (1200, 630))


def test_verification_count_counts_verifications_not_page_views(badger, client, issue):
    issuer, achievement, row = issue()

    def count() -> int:
        with badger.transaction() as session:
            rows = stats.overview(session, issuers.get_issuer(session, issuer.slug))["achievements"]
        return next(r["verifications"] for r in rows if r["id"] == achievement.id)

    before = count()
    for _ in range(20):
        assert client.get(f"/credentials/{row.id}", headers={"Accept": "text/html"}).status_code == 200
    assert count() == before  # page views move nothing
    for _ in range(20):
        response = client.post("/api/v1/verify", json={"credential": json.loads(row.document)})
        assert response.status_code == 200 and response.get_json()["verified"] is True
    assert count() == before + 20

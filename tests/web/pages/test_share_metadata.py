"""What a shared credential carries: the LinkedIn "Add to profile" link, the OpenGraph and
Twitter card tags, the e-mail link, the copy field and the QR code all point at the
credential's public URL. Assertions are made on the parsed HTML (html.parser) and on the QR
code decoded by a real decoder (zxing-cpp), never on substrings of the markup."""

from __future__ import annotations

import io
import json
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest


class _Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


class Page:
    def __init__(self, html: str):
        parser = _Tags()
        parser.feed(html)
        self.tags = parser.tags

    def find_all(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def one(self, tag: str, **attrs) -> dict:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def meta(self, key: str) -> str:
        found = self.find_all("meta", property=key) or self.find_all("meta", name=key)
        assert len(found) == 1, f"expected one meta {key}, found {len(found)}"
        return found[0]["content"]


def _page(client, path: str) -> Page:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:300]
    return Page(response.get_data(as_text=True))


def _local(badger, url: str) -> str:
    assert url.startswith(badger.base_url + "/"), url
    return url[len(badger.base_url) :]


def _decode_qr(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (a test dependency) decodes the QR codes")
    from PIL import Image

    # QR codes only: with every format on, a linear-barcode reader now and then "finds" a few
    # digits inside the QR modules (a false positive that depends on the URL drawn).
    image = Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def _document(badger, credential_id: str) -> dict:
    from badger.issuance import issuing

    with badger.transaction() as session:
        return json.loads(issuing.get_credential(session, credential_id).document)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_opengraph_and_twitter_card_carry_the_public_url(client, badger, public_site, lang):
    public_url = badger.url("credentials", public_site.credential_id)
    document = _document(badger, public_site.credential_id)
    name = document["credentialSubject"]["achievement"]["name"]
    page = _page(client, f"/credentials/{public_site.credential_id}?lang={lang}")

    assert page.one("link", rel="canonical")["href"] == public_url
    assert page.meta("og:url") == public_url
    assert page.meta("og:title") == name == page.meta("twitter:title")
    assert page.meta("og:type") == "website"
    assert page.meta("og:description") and page.meta("og:description") == page.meta("twitter:description")
    assert page.meta("twitter:card") in ("summary", "summary_large_image")
    assert page.meta("og:locale") == ("fr_FR" if lang == "fr" else "en_GB")
    alternate = page.one("link", rel="alternate", type="application/vc+ld+json")
    assert alternate["href"] == f"/credentials/{public_site.credential_id}.json"

    # og:image: an absolute URL of the 1200x630 PNG share card a link preview can fetch.
    image = page.meta("og:image")
    assert image == page.meta("twitter:image") == public_url + "/card.png"
    assert page.meta("og:image:alt") and page.meta("twitter:image:alt")
    assert (page.meta("og:image:width"), page.meta("og:image:height")) == ("1200", "630")
    assert page.meta("twitter:card") == "summary_large_image"
    response = client.get(_local(badger, image))
    assert response.status_code == 200 and response.mimetype == "image/png"
    from PIL import Image

    with Image.open(io.BytesIO(response.data)) as card:
        assert (card.format, card.size) == ("PNG", (1200, 630))


def test_linkedin_add_to_profile_link(client, badger, public_site):
    public_url = badger.url("credentials", public_site.credential_id)
    document = _document(badger, public_site.credential_id)
    page = _page(client, f"/credentials/{public_site.credential_id}")
    link = urlsplit(page.one("a", id="linkedin")["href"])
    assert (link.scheme, link.netloc, link.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {k: v[0] for k, v in parse_qs(link.query, strict_parsing=True).items()}
    issued = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": document["credentialSubject"]["achievement"]["name"],
        "organizationName": document["issuer"]["name"],
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": public_url,
        "certId": public_site.credential_id,
    }


def test_linkedin_link_of_a_credential_with_an_end_date(client, badger, public_site):
    credential_id = public_site.extra["expiring_id"]
    document = _document(badger, credential_id)
    until = datetime.fromisoformat(document["validUntil"].replace("Z", "+00:00"))
    page = _page(client, f"/credentials/{credential_id}")
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.one("a", id="linkedin")["href"]).query).items()}
    assert params["expirationYear"] == str(until.year) and params["expirationMonth"] == str(until.month)
    assert params["certUrl"] == badger.url("credentials", credential_id)


@pytest.mark.parametrize("which", ["revoked_id", "expired_id"])
def test_no_invitation_to_share_a_badge_that_is_not_valid(client, public_site, which):
    page = _page(client, f"/credentials/{getattr(public_site, which)}")
    assert page.find_all("a", id="linkedin") == [] and page.find_all("a", id="share-mail") == []
    assert page.one("input", id="public-url")  # its address can still be given to a verifier


@pytest.mark.parametrize("lang, word", [("fr", "Voici le badge"), ("en", "Here is the badge")])
def test_mail_and_copy_carry_the_public_url(client, badger, public_site, lang, word):
    public_url = badger.url("credentials", public_site.credential_id)
    page = _page(client, f"/credentials/{public_site.credential_id}?lang={lang}")
    mail = urlsplit(page.one("a", id="share-mail")["href"])
    assert mail.scheme == "mailto"
    fields = {k: v[0] for k, v in parse_qs(mail.query).items()}
    assert public_url in fields["body"] and fields["body"].startswith(word)
    assert "Session 1" in fields["subject"]
    copy = page.one("input", id="public-url")
    assert copy["value"] == public_url and "readonly" in copy and copy["type"] == "url"
    assert page.find_all("label", **{"for": "public-url"})


def test_qr_codes_decode_to_the_public_url(client, badger, public_site):
    public_url = badger.url("credentials", public_site.credential_id)
    for path in (f"/credentials/{public_site.credential_id}", f"/credentials/{public_site.credential_id}/print"):
        page = _page(client, path)
        qr_images = [img for img in page.find_all("img") if "/qr." in img["src"]]
        assert len(qr_images) == 1 and qr_images[0]["alt"], path
        assert qr_images[0]["src"] == f"/credentials/{public_site.credential_id}/qr.svg"
    png = client.get(f"/credentials/{public_site.credential_id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert _decode_qr(png.data) == [public_url]
    from PIL import Image

    with Image.open(io.BytesIO(png.data)) as image:  # for print: at least 1000 px
        assert image.width == image.height and image.width >= 1000
    # the SVG draws the same symbol (segno, same data and error level) and names the URL
    svg = client.get(f"/credentials/{public_site.credential_id}/qr.svg").get_data(as_text=True)
    assert f"<title>{public_url}</title>" in svg
    from badger.core.qr import qr_print_png

    assert qr_print_png(public_url) == png.data


def test_print_view_shows_the_public_url_and_the_learner(client, badger, public_site):
    from tests.web.pages.test_i18n import visible_text

    public_url = badger.url("credentials", public_site.credential_id)
    response = client.get(f"/credentials/{public_site.credential_id}/print")
    html = response.get_data(as_text=True)
    text = visible_text(html, "fr")
    assert public_url in text and "Élodie Le Goff" in text and "Session 1" in text and "CEC Ouest 2023" in text
    assert "@page" in html and "A4" in html
    page = Page(html)
    assert page.one("link", rel="canonical")["href"] == public_url
    credential_page = _page(client, f"/credentials/{public_site.credential_id}")
    assert any(
        unquote(a.get("href", "")).startswith(f"/credentials/{public_site.credential_id}/print")
        for a in credential_page.find_all("a")
    )

"""What the public pages say beyond the basics: holder counts only when the issuer allows it,
endorsements read from the documents, alignments linked to their framework, criteria in
Markdown rendered safely, the state banners explained."""

from __future__ import annotations

import json

import pytest

from badger.achievements.models import Achievement
from badger.core.markdown import render
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.public import service as public_pages
from tests.web.pages.test_i18n import visible_text
from tests.web.pages.test_share_metadata import Page

ENDORSEMENT = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": "urn:uuid:2b8f6a52-0d1e-4b8c-9a57-1c3d5e7f9a0b",
    "type": ["VerifiableCredential", "EndorsementCredential"],
    "name": "Recommandation du Labo de l'ESS",
    "issuer": {
        "id": "did:web:labo-ess.example",
        "type": ["Profile"],
        "name": "Labo de l'ESS",
        "url": "https://labo-ess.example",
    },
    "validFrom": "2023-10-19T09:00:00Z",
    "credentialSubject": {
        "id": "urn:example:badge-class",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Un camp de base exigeant, animé avec sérieux.",
    },
}


def _text(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:300]
    text = visible_text(response.get_data(as_text=True), "en" if "lang=en" in path else "fr")
    return " ".join(text.split())  # a link inside a sentence is a chunk of its own


def test_holder_count_only_when_the_issuer_allows_it(badger, client, public_site):
    page = _text(client, f"/achievements/{public_site.achievement_id}")
    assert "1 personne détient ce badge." in page  # the revoked holder does not count
    assert "1 titulaire" in _text(client, f"/issuers/{public_site.issuer_slug}")
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, public_site.issuer_slug)
        public_pages.set_show_holder_count(badger, session, issuer, False, actor=_system())
    assert "détient" not in _text(client, f"/achievements/{public_site.achievement_id}")
    assert "titulaire" not in _text(client, f"/issuers/{public_site.issuer_slug}")


def test_holder_count_is_hidden_by_default(badger, create_issuer):
    issuer, _ = create_issuer("Labo de l'ESS", slug="labo-ess")
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        assert row.show_holder_count is False
        assert public_pages.holder_counts(session, row) is None


def test_endorsements_from_the_documents(badger, client, public_site):
    with badger.transaction() as session:
        row = session.get(Achievement, public_site.achievement_id)
        document = json.loads(row.document)
        document["endorsement"] = [ENDORSEMENT]
        row.document = json.dumps(document, ensure_ascii=False)
    page = _text(client, f"/achievements/{public_site.achievement_id}")
    assert "Recommandé par Labo de l'ESS" in page and "Un camp de base exigeant, animé avec sérieux." in page
    english = _text(client, f"/achievements/{public_site.achievement_id}?lang=en")
    assert "Recommended by Labo de l'ESS" in english
    html = client.get(f"/achievements/{public_site.achievement_id}").get_data(as_text=True)
    assert any(a.get("href") == "https://labo-ess.example" for a in Page(html).find_all("a"))
    # the same endorsement, embedded in a credential's signed achievement
    with badger.transaction() as session:
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, public_site.issuer_slug),
            issuing.IssueRequest(achievement=public_site.achievement_id, email="x@exemple.fr"),
        )
    assert "Recommandé par Labo de l'ESS" in _text(client, f"/credentials/{row.id}")


def test_endorsements_ignore_what_is_not_one():
    assert public_pages.endorsements(
        {"endorsement": [{"type": ["VerifiableCredential"]}, "x", ENDORSEMENT, ENDORSEMENT]},
        None,
        {"endorsement": [ENDORSEMENT]},
    ) == [
        {
            "endorser": "Labo de l'ESS",
            "endorser_url": "https://labo-ess.example",
            "comment": "Un camp de base exigeant, animé avec sérieux.",
            "date": public_pages._moment("2023-10-19T09:00:00Z"),
        }
    ]


def test_alignments_link_to_their_framework(client, public_site):
    html = client.get(f"/credentials/{public_site.credential_id}").get_data(as_text=True)
    links = {a["href"] for a in Page(html).find_all("a")}
    assert "http://data.europa.eu/esco/skill/0a1b2c3d-0000-4000-8000-000000000000" in links
    assert "https://www.francecompetences.fr/recherche/rncp/36000/" in links
    text = visible_text(html, "fr")
    assert "(ESCO)" in text and "(RNCP · RNCP36000)" in text
    coded = public_pages.alignments(
        {
            "alignment": [
                {"targetName": "Animer", "targetCode": "RS 5678"},
                {"targetName": "X", "targetUrl": "javascript:alert(1)"},
            ]
        }
    )
    assert coded[0]["url"] == "https://www.francecompetences.fr/recherche/rs/5678/" and coded[0]["framework"] == "RS"
    assert coded[1]["url"] is None


@pytest.mark.parametrize(
    "source, expected",
    [
        ("**deux** journées", "<p><strong>deux</strong> journées</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        (
            "[site](https://exemple.fr)",
            '<p><a href="https://exemple.fr" rel="nofollow noopener noreferrer">site</a></p>',
        ),
        ("# Titre", "<h3>Titre</h3>"),
        ("ligne 1\nligne 2", "<p>ligne 1<br>\nligne 2</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        ("", ""),
    ],
)
def test_markdown_is_rendered_safely(source, expected):
    assert str(render(source)).strip() == expected


def test_criteria_markdown_on_the_page(client, public_site):
    html = client.get(f"/achievements/{public_site.achievement_id}").get_data(as_text=True)
    assert "<strong>deux journées</strong>" in html and "<li>atelier <em>donut</em></li>" in html


@pytest.mark.parametrize(
    "which, fr, en",
    [
        ("credential_id", "Badge valide", "Valid badge"),
        ("revoked_id", "Badge révoqué", "Revoked badge"),
        ("expired_id", "Badge expiré", "Expired badge"),
    ],
)
def test_status_banner_explains_the_state(client, public_site, which, fr, en):
    credential_id = getattr(public_site, which)
    for lang, title in (("fr", fr), ("en", en)):
        html = client.get(f"/credentials/{credential_id}?lang={lang}").get_data(as_text=True)
        banner = html[html.index('id="status"') : html.index("</section>")]
        assert title in visible_text("<div " + banner, lang)
    if which == "revoked_id":
        text = _text(client, f"/credentials/{credential_id}")
        assert f"Motif indiqué par l'émetteur : {public_site.revoke_reason}" in text


def _system():
    from badger.core import audit

    return audit.SYSTEM


def test_english_texts_of_the_badge_class_on_english_pages(client, public_site, create_achievement):
    issuer = type("Issuer", (), {"slug": public_site.issuer_slug})  # create_achievement only needs .slug
    try:
        achievement = create_achievement(
            issuer,
            name="Fresque du climat",
            description="Animer une fresque.",
            criteria="Avoir animé une fresque.",
            name_en="Climate Fresk",
            description_en="Facilitate a Climate Fresk.",
            criteria_en="Facilitated one.",
        )
    except TypeError:
        pytest.skip("the badge class editor's English texts are not there yet")
    english = _text(client, f"/achievements/{achievement.id}?lang=en")
    assert "Climate Fresk" in english and "Facilitate a Climate Fresk." in english and "Facilitated one." in english
    french = _text(client, f"/achievements/{achievement.id}")
    assert "Fresque du climat" in french and "Climate Fresk" not in french
    served = client.get(f"/achievements/{achievement.id}?lang=en", headers={"Accept": "application/json"}).get_json()
    assert served["name"] == "Fresque du climat"  # the document itself is never rewritten


def test_endorsements_signed_by_another_partner(badger, client, public_site, create_issuer):
    """Through the endorsements service: the badge class and the issuer endorsed by another
    partner, shown on the badge class, issuer and credential pages."""
    from badger.programmes import endorsements

    create_issuer("Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    with badger.transaction() as session:
        labo = issuers.get_issuer(session, "labo-ess")
        endorsements.endorse(
            badger, session, labo, comment="Un parcours exigeant.", achievement_id=public_site.achievement_id
        )
        endorsements.endorse(
            badger, session, labo, comment="Un partenaire sérieux.", issuer_slug=public_site.issuer_slug
        )
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, public_site.issuer_slug),
            issuing.IssueRequest(achievement=public_site.achievement_id, email="y@exemple.fr"),
        )
    achievement = _text(client, f"/achievements/{public_site.achievement_id}")
    assert "Recommandé par Labo de l'ESS" in achievement and "Un parcours exigeant." in achievement
    issuer = _text(client, f"/issuers/{public_site.issuer_slug}")
    assert "Recommandé par Labo de l'ESS" in issuer and "Un partenaire sérieux." in issuer
    credential = _text(client, f"/credentials/{row.id}?lang=en")
    assert "Recommended by Labo de l'ESS" in credential
    assert "Un parcours exigeant." in credential and "Un partenaire sérieux." in credential


def test_partner_texts_keep_their_language(client, public_site, create_achievement):
    issuer = type("Issuer", (), {"slug": public_site.issuer_slug})
    try:
        achievement = create_achievement(issuer, name="Faire écosystème", in_language="fr")
    except TypeError:
        pytest.skip("the badge class editor's inLanguage is not there yet")
    english = Page(client.get(f"/achievements/{achievement.id}?lang=en").get_data(as_text=True))
    assert english.find_all("h1", lang="fr") and english.find_all("p", lang="fr")
    french = Page(client.get(f"/achievements/{achievement.id}").get_data(as_text=True))
    assert french.find_all("h1") and not french.find_all("h1", lang="fr")  # the page is already French

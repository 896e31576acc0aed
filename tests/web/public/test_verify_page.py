"""Issue 15: the verify page for employers. What a verified badge states (holder, image,
description, criteria, issuer and how Badger knows it); a revoked badge's reason and date; a
failed check shows nothing of the document as a fact, only the page it claims; text that is
not a badge at all is an input error on the form. Assertions on the parsed page text."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from badger.core import audit
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, dict] = {}
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] = {"tag": tag, **attrs}
        if tag in ("script", "style", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _parse(response):
    doc = _Doc()
    doc.feed(response.get_data(as_text=True))
    return doc, re.sub(r"\s+", " ", " ".join(doc.text))


@pytest.fixture
def issued(badger, create_issuer, create_achievement):
    pinned = badger.clock()
    badger.clock = lambda: pinned
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer, criteria="Avoir animé **deux** ateliers.")

    def make():
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, issuer.slug),
                issuing.IssueRequest(achievement=achievement.id, email="e@exemple.fr", name="Élodie Le Goff"),
            )

    return achievement, make


def test_verified_badge_states_holder_image_meaning_criteria_and_issuer(client, issued):
    achievement, make = issued
    row = make()
    doc, text = _parse(client.post("/verify", data={"credential": row.document}))
    assert "Badge vérifié" in text
    assert doc.ids["verdict-holder"] and "Élodie Le Goff" in text
    assert doc.ids["verdict-image"]["src"].endswith(f"/achievements/{achievement.id}/image")
    assert "Camp de base à Rennes" in text and "Avoir animé deux ateliers." in text
    assert "Un partenaire de ce Badger" in text


def test_revoked_badge_shows_reason_and_date(badger, client, issued):
    _, make = issued
    row = make()
    with badger.transaction() as session:
        revocation.revoke(
            badger, session, issuing.get_credential(session, row.id), reason="Fraude constatée.", actor=audit.SYSTEM
        )
    doc, text = _parse(client.post("/verify", data={"credential": row.document}))
    assert "verdict-status" in doc.ids
    assert "Fraude constatée." in text and "Révoqué le" in text, text


def test_tampered_badge_states_nothing_but_links_its_claimed_page(badger, client, issued):
    _, make = issued
    row = make()
    tampered = json.loads(row.document)
    tampered["credentialSubject"]["achievement"]["name"] = "Doctorat en physique"
    response = client.post("/verify", data={"credential": json.dumps(tampered)})
    doc, text = _parse(response)
    assert "Badge non vérifié" in text
    assert "verdict-facts" not in doc.ids and "verdict-holder" not in doc.ids
    # the forged name appears nowhere as a fact (only inside the expert JSON and the form)
    visible = text.split("Résultat complet")[0]
    assert "Doctorat en physique" not in visible and "Élodie Le Goff" not in visible
    link = doc.ids["verdict-claimed"]
    assert link and badger.url("credentials", row.id) in text
    # no check after the failed signature is shown as passed: the document's dates and status
    # entry were judged on altered content
    checks = response.get_data(as_text=True).split('id="checks"')[1].split("</ul>")[0]
    assert checks.count('class="check-passed"') == 2  # format and the schema, before the proof
    assert checks.count('class="check-skipped"') == 4  # issuer, dates, status, recipient


@pytest.mark.parametrize("given", ["bonjour", "{not json", "https"])
def test_text_that_is_not_a_badge_is_an_input_error(client, given):
    response = client.post("/verify", data={"credential": given})
    doc, text = _parse(response)
    assert response.status_code == 400
    assert "verify-error" in doc.ids and doc.ids["verify-error"]["role"] == "alert"
    assert "Badge non vérifié" not in text and "verdict" not in doc.ids

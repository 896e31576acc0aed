"""The learner's pages are valid HTML5 (the Nu Html Checker, as test_html5.py runs it), signed
in and out: the collection with every form (and an endorsement to decide on), the consent page,
the public profile, the one-time link's button, endorsing another learner's badge (the form, a
refused one, the page once done, the credential page's action), the message after deletion."""

from __future__ import annotations

import pytest

from badger.issuers import service as issuers
from badger.recognition import endorsements
from tests.learners.conftest import issue_to
from tests.obapi.helpers import REDIRECT, register
from tests.web.pages.test_html5 import validate


@pytest.mark.parametrize("database", ["sqlite"])  # the markup does not depend on the database
def test_learner_pages_are_valid_html5(web, mail_badger, mailbox, network, tmp_path):
    own = issue_to(mail_badger, network["a"], network["badge_a"], "lou@example.org")
    other = issue_to(mail_badger, network["b"], network["badge_b"], "max@example.org", name="Max")
    with mail_badger.transaction() as session:
        partner = issuers.get_issuer(session, network["b"].slug)
        endorsements.endorse_credential(mail_badger, session, partner, own, comment="Lou a **bien** travaillé.")
    client = web.test_client()
    client.post("/me/sign-in", data={"email": "lou@example.org"})
    link = mailbox.next_link("lou@example.org")
    pages = {"confirm": client.get(link)}
    client.post(link)
    client.post("/me/profile", data={"name": "Lou", "public_slug": "lou"})
    registered = register(client, name="Appli")
    query = (
        f"response_type=code&client_id={registered['client_id']}&redirect_uri={REDIRECT}"
        f"&code_challenge={'c' * 43}&code_challenge_method=S256&scope="
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
    )
    pages["consent"] = client.get("/ims/ob/v3p0/auth/authorize?" + query)
    pages["endorse"] = client.get(f"/credentials/{other}/endorse")
    pages["endorse-refused"] = client.post(f"/credentials/{other}/endorse", data={"name": "Lou", "comment": " "})
    assert pages["endorse-refused"].status_code == 400
    assert client.post(f"/credentials/{other}/endorse", data={"name": "Lou", "comment": "Bien."}).status_code == 303
    pages["endorsed"] = client.get(f"/credentials/{other}/endorse")
    pages["credential-endorsed"] = client.get(f"/credentials/{other}")
    pages["me"] = client.get("/me")
    assert 'id="endorse-action"' in pages["credential-endorsed"].get_data(as_text=True)
    assert 'id="received-endorsements"' in pages["me"].get_data(as_text=True)
    assert "travaillé" in pages["me"].get_data(as_text=True)
    pages["profile"] = client.get("/profiles/lou")
    pages["deleted"] = client.post("/me/delete", data={"confirm": "yes"})
    pages["sign-in"] = client.get("/me")
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400) and response.mimetype == "text/html", name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    errors = validate(files)
    assert errors == {}, {name: [m["message"] for m in messages] for name, messages in errors.items()}

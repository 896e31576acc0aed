"""The learner's pages are valid HTML5 (the Nu Html Checker, as test_html5.py runs it), signed
in and out: the collection with every form, the consent page, the public
profile, the one-time link's button, the message after deletion."""

from __future__ import annotations

import pytest

from tests.learners.conftest import issue_to
from tests.obapi.helpers import REDIRECT, register
from tests.web.pages.test_html5 import validate


@pytest.mark.parametrize("database", ["sqlite"])  # the markup does not depend on the database
def test_learner_pages_are_valid_html5(web, mail_badger, mailbox, network, tmp_path):
    issue_to(mail_badger, network["a"], network["badge_a"], "lou@example.org")
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
    pages["me"] = client.get("/me")
    pages["profile"] = client.get("/profiles/lou")
    pages["deleted"] = client.post("/me/delete", data={"confirm": "yes"})
    pages["sign-in"] = client.get("/me")
    files = []
    for name, response in pages.items():
        assert response.status_code == 200 and response.mimetype == "text/html", name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    errors = validate(files)
    assert errors == {}, {name: [m["message"] for m in messages] for name, messages in errors.items()}

"""The learner controls what they granted: withdrawing an app's access ends its tokens at once;
deleting the account erases the grants with it. Codes are single use and bound to the client."""

from __future__ import annotations

import base64

from badger.obapi.models import OAuthToken
from tests.learners.conftest import issue_to
from tests.obapi.helpers import REDIRECT, register, token_for


def _signed_in(web, mailbox, email):
    client = web.test_client()
    client.post("/me/sign-in", data={"email": email})
    client.post(mailbox.next_link(email))
    return client


def test_withdrawn_access_and_deleted_account_end_the_tokens(web, mail_badger, mailbox, network):
    issue_to(mail_badger, network["a"], network["badge_a"], "ines@example.org")
    client = _signed_in(web, mailbox, "ines@example.org")
    registered = register(client, name="Appli régionale")
    token = token_for(client, registered)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/ims/ob/v3p0/credentials", headers=bearer).headers["X-Total-Count"] == "1"
    assert "Appli régionale" in client.get("/me").get_data(as_text=True)

    client.post(f"/me/apps/{registered['client_id']}/revoke")
    denied = client.get("/ims/ob/v3p0/credentials", headers=bearer)
    assert denied.status_code == 401 and denied.get_json()["imsx_codeMajor"] == "failure"
    basic = base64.b64encode(f"{registered['client_id']}:{registered['client_secret']}".encode()).decode()
    refreshed = client.post(
        "/ims/ob/v3p0/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert refreshed.status_code == 400

    token_for(client, registered)  # granted again
    client.post("/me/delete", data={"confirm": "yes"})
    with mail_badger.transaction() as session:
        assert session.query(OAuthToken).count() == 0


def test_a_code_works_once_for_its_client_and_redirect_uri_only(web, mailbox):
    client = _signed_in(web, mailbox, "jo@example.org")
    registered = register(client)
    wrong = client.get(
        "/ims/ob/v3p0/auth/authorize",
        query_string={
            "response_type": "code",
            "client_id": registered["client_id"],
            "redirect_uri": REDIRECT + "/other",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert wrong.status_code == 400  # never redirected to an unregistered address
    no_name = client.post("/ims/ob/v3p0/auth/register", json={"redirect_uris": [REDIRECT]})
    assert no_name.status_code == 400 and no_name.get_json()["error"] == "invalid_client_metadata"


def test_registration_is_rate_limited_per_client_address(web):
    client = web.test_client()
    answers = [
        client.post("/ims/ob/v3p0/auth/register", json={"client_name": "x", "redirect_uris": [REDIRECT]}).status_code
        for _ in range(41)
    ]
    # 20 a minute: 41 requests meet the limit even if a minute ends in the middle of them.
    assert answers[0] == 201 and 429 in answers and set(answers) == {201, 429}


def test_a_signed_out_learner_signs_in_and_comes_back_to_the_consent_page(web, mailbox):
    client = web.test_client()
    registered = register(client, name="Passeport compétences")
    query = (
        f"response_type=code&client_id={registered['client_id']}&redirect_uri={REDIRECT}"
        f"&code_challenge={'b' * 43}&code_challenge_method=S256"
    )
    first = client.get("/ims/ob/v3p0/auth/authorize?" + query)
    assert first.status_code == 303 and first.headers["Location"].endswith("/me")
    client.post("/me/sign-in", data={"email": "kim@example.org"})
    back = client.post(mailbox.next_link("kim@example.org"))
    assert back.status_code == 303 and "/ims/ob/v3p0/auth/authorize?" in back.headers["Location"]
    consent = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Passeport compétences" in consent

"""Must show 3: two Badger servers. A learner of server A sends their badges to server B through
the consumer flow (discovery, registration, authorization with PKCE, token, upsert); B lists
them; revoking the connection on A revokes the tokens at B and stops further pushes.

Each server is a real process (tests/live_server.py); the learner's two browsers are two
``requests`` sessions (one cookie jar per server), which follow the redirects between them."""

from __future__ import annotations

import re

import pytest
import requests

from badger.learners import repository as learner_repo
from badger.learners import service as learners
from badger.obapi import consumer
from badger.obapi.models import OAuthToken
from tests.obapi.live import seed, sign_in_link

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def hosts(make_live_server):
    # A reaches B's API over http on 127.0.0.1; B resolves A's did:web keys over http (host:port):
    # BADGER_HTTP_HOSTS, for local servers only.
    a = make_live_server({"BADGER_HTTP_HOSTS": "127.0.0.1"})
    return a, make_live_server({"BADGER_HTTP_HOSTS": f"127.0.0.1,127.0.0.1:{a.port}"})


def csrf(session: requests.Session, url: str) -> str:
    return CSRF.search(session.get(url, timeout=10).text).group(1)


def signed_in(server, email: str) -> requests.Session:
    browser = requests.Session()
    link = sign_in_link(server, email)
    answer = browser.post(link, data={"csrf_token": csrf(browser, link)}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    return browser


def learner_of(server, email):
    app = server.badger
    with app.transaction() as session:
        address = learner_repo.address_by_lookup(session, learners.recipient_lookup(app, email))
        learner = learners.get(session, address.learner_id)
        return learner, learners.collection(app, session, learner), consumer.connections(session, learner)


def test_a_learner_sends_badges_from_a_to_b_and_revokes(hosts):
    a, b = hosts
    seed(a, ["nina@example.org", "nina@example.org", "someone@example.org"], issuer_name="Réseau A", slug="reseau-a")
    on_a, on_b = signed_in(a, "nina@example.org"), signed_in(b, "nina@example.fr")

    # On A: "send my badges to another Open Badges host" -> B's consent page.
    token = csrf(on_a, a.url + "/me")
    to_b = on_a.post(a.url + "/me/connections", data={"host": b.url, "csrf_token": token}, allow_redirects=False)
    assert to_b.status_code == 303, re.findall(r"banner[^>]*><p>([^<]*)", on_a.get(a.url + "/me").text)
    assert to_b.headers["Location"].startswith(b.url + "/ims/ob/v3p0/auth/authorize?"), re.findall(
        r"banner[^>]*><p>([^<]*)", on_a.get(a.url + "/me").text
    )
    consent = on_b.get(to_b.headers["Location"], timeout=10)
    assert "Badger (127.0.0.1:" in consent.text and "code_challenge_method=S256" in to_b.headers["Location"]
    back = on_b.post(
        to_b.headers["Location"],
        data={"decision": "allow", "csrf_token": CSRF.search(consent.text).group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302 and back.headers["Location"].startswith(a.url + "/me/connections/callback?")
    done = on_a.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert done.status_code == 303
    messages = re.findall(r"banner[^>]*><p>([^<]*)", on_a.get(a.url + "/me", timeout=10).text)
    assert messages and ("2 badge(s)" in messages[0]), messages

    # B lists them, exactly as A signed them; never the other learner's.
    _, on_a_items, [connection] = learner_of(a, "nina@example.org")
    _, on_b_items, _ = learner_of(b, "nina@example.fr")
    assert connection.status == "active" and connection.pushed == 2
    assert sorted(i.payload for i in on_b_items) == sorted(i.payload for i in on_a_items)
    assert all(i.kind == "imported" for i in on_b_items) and len(on_b_items) == 2

    # A new badge on A, sent again: upserts (the first two are replaced, not doubled).
    seed(a, ["nina@example.org"], issuer_name="Réseau A bis", slug="reseau-a-bis")
    push_url = f"{a.url}/me/connections/{connection.id}/push"
    assert on_a.post(push_url, data={"csrf_token": csrf(on_a, a.url + "/me")}, allow_redirects=False).status_code == 303
    assert len(learner_of(b, "nina@example.fr")[1]) == 3

    # Revoked on A: B's tokens are revoked (RFC 7009) and A sends nothing more.
    revoke_url = f"{a.url}/me/connections/{connection.id}/revoke"
    on_a.post(revoke_url, data={"csrf_token": csrf(on_a, a.url + "/me")}, allow_redirects=False)
    with b.badger.transaction() as session:
        assert all(t.revoked_at is not None for t in session.query(OAuthToken).all())
    seed(a, ["nina@example.org"], issuer_name="Réseau A ter", slug="reseau-a-ter")
    refused = on_a.post(push_url, data={"csrf_token": csrf(on_a, a.url + "/me")}, allow_redirects=False)
    assert refused.status_code == 409
    assert len(learner_of(b, "nina@example.fr")[1]) == 3
    assert learner_of(a, "nina@example.org")[2][0].status == "revoked"

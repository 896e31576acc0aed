"""Must show 4: one learner with two addresses sees all their badges in one collection after
confirming the second; nobody else's badge ever appears (several learners and issuers). Sign-in
links are one-time, short-lived and rate-limited; deletion erases the account, not the badges."""

from __future__ import annotations

from datetime import timedelta

from badger.issuance.models import Credential
from badger.learners import service as learners
from badger.learners.models import LearnerAddress
from tests.learners.conftest import issue_to


def sign_in(client, mailbox, email):
    assert client.post("/me/sign-in", data={"email": email}).status_code == 200
    link = mailbox.next_link(email)
    assert b'id="confirm"' in client.get(link).data  # the link opens a button, it does not sign in alone
    assert client.post(link).status_code == 303
    return link


def collection_names(client) -> list[str]:
    page = client.get("/me").get_data(as_text=True)
    return sorted(name for name in ("Badge A", "Badge B") for _ in range(page.count(f"<strong>{name}</strong>")))


def test_two_addresses_one_collection_never_someone_elses(web, mail_badger, mailbox, network):
    issue_to(mail_badger, network["a"], network["badge_a"], "alice@example.org", name="Alice")
    issue_to(mail_badger, network["b"], network["badge_b"], "Alice.Pro@Example.NET")  # case differs
    issue_to(mail_badger, network["a"], network["badge_a"], "bob@example.org", name="Alice")  # same name, not hers
    issue_to(mail_badger, network["b"], network["badge_b"], "carol@example.org")

    alice, bob = web.test_client(), web.test_client()
    sign_in(alice, mailbox, "alice@example.org")
    assert collection_names(alice) == ["Badge A"]

    assert alice.post("/me/addresses", data={"email": "alice.pro@example.net"}).status_code == 303
    confirm = mailbox.next_link("alice.pro@example.net")
    assert collection_names(alice) == ["Badge A"]  # not before confirming
    alice.post(confirm)
    assert collection_names(alice) == ["Badge A", "Badge B"]

    sign_in(bob, mailbox, "bob@example.org")
    assert collection_names(bob) == ["Badge A"]
    # Bob asks for Alice's second address: the link goes to Alice's mailbox, and even that link
    # would not work in Bob's session; the address stays Alice's.
    bob.post("/me/addresses", data={"email": "carol@example.org"})
    carol_link = mailbox.next_link("carol@example.org")
    alice.post(carol_link)  # the wrong learner follows it: refused
    assert collection_names(alice) == ["Badge A", "Badge B"]
    bob.post(carol_link)
    assert collection_names(bob) == ["Badge A", "Badge B"]  # Bob's own confirmed link: carol's badge B
    assert collection_names(alice) == ["Badge A", "Badge B"]

    bob.post("/me/addresses", data={"email": "alice@example.org"})
    taken = mailbox.next_link("alice@example.org")
    page = bob.post(taken, follow_redirects=True).get_data(as_text=True)
    assert "already belongs to an account" in page
    assert collection_names(bob) == ["Badge A", "Badge B"]


def test_sign_in_links_are_single_use_short_lived_and_rate_limited(web, mail_badger, mailbox):
    client = web.test_client()
    link = sign_in(client, mailbox, "dana@example.org")
    other = web.test_client()
    assert other.post(link).status_code == 404  # used once already

    with mail_badger.transaction() as session:
        late = learners.request_sign_in(mail_badger, session, "dana@example.org")
    mailbox.next_link("dana@example.org")
    real_clock = mail_badger.clock
    mail_badger.clock = lambda: real_clock() + learners.LINK_LIFETIME + timedelta(seconds=1)
    try:
        assert other.post(late[len("http://127.0.0.1:5000") :]).status_code == 404  # expired
    finally:
        mail_badger.clock = real_clock

    assert other.post("/me/sign-in", data={"email": "dana@example.org"}).status_code == 200  # third in the window
    mailbox.next_link("dana@example.org")
    assert other.post("/me/sign-in", data={"email": "DANA@example.org"}).status_code == 429
    assert other.post("/me/sign-in", data={"email": "not an address"}).status_code == 400


def test_public_profile_and_deletion(web, mail_badger, mailbox, network):
    first = issue_to(mail_badger, network["a"], network["badge_a"], "erin@example.org")
    issue_to(mail_badger, network["b"], network["badge_b"], "erin@example.org")
    client = web.test_client()
    sign_in(client, mailbox, "erin@example.org")
    assert client.post("/me/profile", data={"name": "Erin", "public_slug": "erin"}).status_code == 303
    assert "Badge A" not in client.get("/profiles/erin").get_data(as_text=True)
    client.post("/me/visibility", data={"key": f"issued:{first}", "public": "1"})
    page = client.get("/profiles/erin").get_data(as_text=True)
    assert "Badge A" in page and "Badge B" not in page

    assert client.post("/me/delete", data={"confirm": "yes"}).status_code == 200
    assert client.get("/profiles/erin").status_code == 404
    assert b'name="email"' in client.get("/me").data  # signed out
    with mail_badger.transaction() as session:
        assert session.query(LearnerAddress).count() == 0
        assert session.query(Credential).count() == 2  # the issued badges stay valid

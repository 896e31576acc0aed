"""A Badger with a real SMTP server (tests/mailserver.py) and a Flask client, for the learner
space; helpers to issue badges and to follow the links the e-mails carry."""

from __future__ import annotations

import re

import pytest

from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.fixtures import achievement_factory, issuer_factory, make_badger

LINK = re.compile(r"http://127\.0\.0\.1:5000(/me/(?:sign-in|addresses/confirm)/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail_badger(database, tmp_path, smtp_server):
    app, close = make_badger(database, tmp_path, smtp_url=smtp_server.url)
    yield app
    close()


@pytest.fixture
def web(mail_badger):
    from badger.web import create_app

    flask_app = create_app(badger=mail_badger)
    flask_app.testing = True
    flask_app.config["WTF_CSRF_ENABLED"] = False
    return flask_app


def issue_to(app, issuer, achievement, email, name=None):
    with app.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        credential = issuing.issue(
            app, session, row, issuing.IssueRequest(achievement=achievement.id, email=email, name=name)
        )
        return credential.id


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return LINK.search(body).group(1)


class Mailbox:
    def __init__(self, smtp):
        self.smtp = smtp
        self.seen = 0

    def next_link(self, to: str) -> str:
        messages = self.smtp.wait_for(self.seen + 1)
        message = messages[self.seen]
        self.seen += 1
        assert message["To"] == to
        return link_in(message)


@pytest.fixture
def mailbox(smtp_server):
    return Mailbox(smtp_server)


@pytest.fixture
def network(mail_badger):
    """Two issuers, a badge class each."""
    make_issuer, make_achievement = issuer_factory(mail_badger), achievement_factory(mail_badger)
    a, _ = make_issuer("Réseau A", slug="reseau-a")
    b, _ = make_issuer("Réseau B", slug="reseau-b")
    return {
        "a": a,
        "b": b,
        "badge_a": make_achievement(a, name="Badge A"),
        "badge_b": make_achievement(b, name="Badge B"),
    }

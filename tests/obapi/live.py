"""Helpers for the tests that drive a running Badger (tests/live_server.py) as an OB 3.0 host:
seed badges through the server's own container, mint a learner's sign-in link (the e-mail's
link, without reading the e-mail), and the bundled 1EdTech JSON Schemas the answers must meet."""

from __future__ import annotations

import json
from functools import cache

from jsonschema import Draft201909Validator

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.learners import service as learners
from badger.resources import schemas_dir
from tests.fixtures import achievement_factory, issuer_factory


def seed(server, emails: list[str], *, issuer_name="Réseau Live", slug="reseau-live") -> list[str]:
    """One issuer, one badge class, one credential per e-mail -> credential ids."""
    app = server.badger
    issuer, _ = issuer_factory(app)(issuer_name, slug=slug)
    achievement = achievement_factory(app)(issuer, name=f"Badge {issuer_name}")
    ids = []
    with app.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        for email in emails:
            ids.append(
                issuing.issue(app, session, row, issuing.IssueRequest(achievement=achievement.id, email=email)).id
            )
    return ids


def sign_in_link(server, email: str) -> str:
    with server.badger.transaction() as session:
        return learners.request_sign_in(server.badger, session, email)


@cache
def schema(name: str) -> Draft201909Validator:
    path = schemas_dir() / "jsonschema" / f"ob_v3p0_{name}_schema.json"
    return Draft201909Validator(json.loads(path.read_text("utf-8")))


def _status_views(credential):
    """The 1EdTech schemas allow one ``credentialStatus`` object where VC Data Model 2.0 allows a
    list, and Badger's credentials carry two entries (revocation, suspension): each entry is
    checked in its own view, as badger.credentials.validation does."""
    entries = credential.get("credentialStatus") if isinstance(credential, dict) else None
    if not isinstance(entries, list):
        return [credential]
    return [{**credential, "credentialStatus": entry} for entry in entries]


def assert_valid(name: str, document) -> None:
    if name == "getopenbadgecredentialsresponse":
        views = [{**document, "credential": [v for c in document.get("credential", []) for v in _status_views(c)]}]
    elif name == "achievementcredential":
        views = _status_views(document)
    else:
        views = [document]
    for view in views:
        errors = sorted(schema(name).iter_errors(view), key=str)
        assert not errors, [f"{list(e.path)}: {e.message[:300]}" for e in errors[:5]]

"""Issue 11, "Must show" 5: domain linkage end to end (DIF Well Known DID Configuration).

A second local HTTP server plays the partner's web site. The partner downloads its
did-configuration.json from the dashboard and publishes it at /.well-known/; the verifier
(POST /api/v1/verify, and `badger verify`) fetches it through the container's fetcher and reports
``credential.issuer.domainLinkage``: linked; not linked (the file links another DID); a
tampered linkage credential; an unreachable site.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from badger.accounts import service as accounts
from badger.cli import cli
from badger.core import audit
from badger.issuance import issuing
from badger.issuers import service as issuers
from tests.accounts.test_accounts import PASSWORD, login
from tests.fixtures import achievement_factory, issuer_factory, make_badger


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the partner site's access log would clutter the test output
        pass


@pytest.fixture
def partner_site(tmp_path):
    """The partner's web site: static files from a folder, on 127.0.0.1 and a free port."""
    root = tmp_path / "site"
    (root / ".well-known").mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"origin": f"http://127.0.0.1:{server.server_address[1]}", "root": root, "server": server}
    server.shutdown()
    server.server_close()


@pytest.fixture
def world(database, tmp_path, partner_site):
    host = partner_site["origin"].split("//", 1)[1]
    # The fetcher reaches loopback only for hosts the settings allow (like a development origin).
    badger, close = make_badger(database, tmp_path / "badger", http_did_hosts=(host,))
    from badger.web import create_app

    flask_app = create_app(badger=badger)
    flask_app.testing = True
    cec, _ = issuer_factory(badger)("CEC Ouest 2023", slug="cec-ouest", url=partner_site["origin"] + "/accueil")
    labo, _ = issuer_factory(badger)("Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    achievement = achievement_factory(badger)(cec)
    with badger.transaction() as session:
        owner = accounts.create_user(badger, session, email="owner@cec.example.org", name="Camille", password=PASSWORD)
        accounts.add_membership(
            badger, session, owner, issuers.get_issuer(session, "cec-ouest"), "owner", actor=audit.SYSTEM
        )
        accounts.add_membership(
            badger, session, owner, issuers.get_issuer(session, "labo-ess"), "owner", actor=audit.SYSTEM
        )
        row = issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(achievement=achievement.id, email="elodie@exemple.fr"),
        )
        credential = json.loads(row.document)
    client = flask_app.test_client()
    login(client, "owner@cec.example.org")
    yield {"badger": badger, "client": client, "credential": credential, "cec": cec, "labo": labo}
    close()


def _publish(world, partner_site, document) -> None:
    path = partner_site["root"] / ".well-known" / "did-configuration.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    # The fetcher keeps answers a short while (badger.keys.fetch): the site changed just now.
    world["badger"].fetcher.forget()


def _download(client, slug: str) -> dict:
    response = client.get(f"/dashboard/{slug}/keys/did-configuration.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.data)


def _linkage(client, credential) -> dict:
    result = client.post("/api/v1/verify", json={"credential": credential}).get_json()
    assert result["verified"], result
    return result["credential"]["issuer"]["domainLinkage"]


def test_domain_linkage_linked_not_linked_tampered_unreachable(world, partner_site, tmp_path):
    client, credential, origin = world["client"], world["credential"], partner_site["origin"]

    # Nothing published yet: the site answers 404.
    first = _linkage(client, credential)
    assert (first["status"], first["origin"]) == ("unreachable", origin)

    # The partner publishes the file Badger made: linked.
    configuration = _download(client, "cec-ouest")
    assert configuration["@context"] == "https://identity.foundation/.well-known/did-configuration/v1"
    [dlc] = configuration["linked_dids"]
    assert dlc["type"] == ["VerifiableCredential", "DomainLinkageCredential"]
    assert dlc["issuer"] == dlc["credentialSubject"]["id"] == world["cec"].did
    assert dlc["credentialSubject"]["origin"] == origin  # the web site's origin, not its page
    assert dlc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    _publish(world, partner_site, configuration)
    assert _linkage(client, credential) == {"origin": origin, "status": "linked"}

    # The command line reports the same.
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    out = CliRunner().invoke(cli, ["verify", str(path)], obj=world["badger"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["credential"]["issuer"]["domainLinkage"]["status"] == "linked"

    # Another partner's file at this site: not linked.
    _publish(world, partner_site, _download(client, "labo-ess"))
    assert _linkage(client, credential)["status"] == "not_linked"

    # A tampered linkage credential: one character of its signed data changed, or another
    # origin written in: invalid.
    def expiry_changed(dlc):
        year = int(dlc["expirationDate"][:4])
        dlc["expirationDate"] = str(year + 1) + dlc["expirationDate"][4:]

    def origin_changed(dlc):
        dlc["credentialSubject"]["origin"] = "https://autre.example"

    for change in (expiry_changed, origin_changed):
        own = _download(client, "cec-ouest")
        change(own["linked_dids"][0])
        _publish(world, partner_site, own)
        assert _linkage(client, credential)["status"] == "invalid", change.__name__

    # The site is down: unreachable (and the credential itself still verifies).
    partner_site["server"].shutdown()
    partner_site["server"].server_close()
    world["badger"].fetcher.forget()
    assert _linkage(client, credential)["status"] == "unreachable"

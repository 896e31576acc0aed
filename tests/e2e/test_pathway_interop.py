"""Issue 6, must show 2: the pathway credential (awarded by the pathway hook) and the
endorsement credentials (Achievement.endorsement, Profile.endorsement) verify in Badger and in
Digital Bazaar's and DCC's verifiers, resolving did:web against a real server started by the
test on 127.0.0.1 (`badger demo` loads the CEC network on its database)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.test_flow_from_outside import _cli
from tests.interop import node

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def demo_server(make_live_server):
    """A real server (tests/live_server.py) with the CEC demo loaded: (origin, env, summary)."""
    with make_live_server() as live:
        summary = json.loads(live.cli("demo", timeout=300).stdout)
        yield live.url, live.env, summary


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/ld+json"})) as r:
        return json.loads(r.read())


def test_pathway_and_endorsement_credentials_verify_everywhere(demo_server, tmp_path):
    origin, env, summary = demo_server
    assert summary["pathway"]["awarded"] >= 1
    pathway = _get_json(summary["pathway"]["credentials"][0])
    achievement = pathway["credentialSubject"]["achievement"]
    assert achievement["name"] == "Parcours CEC Ouest 2023 complet"
    assert len(pathway["evidence"]) == 7
    assert all(e["id"].startswith(origin + "/credentials/") for e in pathway["evidence"])

    # The endorsements, as published: in the badge class (and so in the pathway credential),
    # and in the Territoire apprenant's profile.
    badge_class = _get_json(achievement["id"])
    endorsement = badge_class["endorsement"][0]
    assert achievement["endorsement"] == [endorsement]
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credentialSubject"]["id"] == achievement["id"]
    assert endorsement["issuer"]["name"] == "Labo de l'ESS"
    profile = _get_json(origin + "/issuers/territoire-apprenant-vannes")
    profile_endorsement = profile["endorsement"][0]
    assert profile_endorsement["credentialSubject"]["id"] == profile["id"]

    documents = [pathway, endorsement, profile_endorsement]
    db = node.run_node_many("db-verify.mjs", [{"credential": d, "live": [origin]} for d in documents])
    for result in db:
        assert result["verified"], result["errors"]
    dcc = node.run_node_many("dcc-verify.mjs", [{"credential": d, "live": [origin]} for d in documents])
    for result in dcc:
        assert result["verified"] and result["signatureValid"], result["errors"]

    for name, document in zip(("pathway", "endorsement", "profile-endorsement"), documents, strict=True):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        result = json.loads(_cli(env, "verify", str(path)).stdout)
        assert result["verified"] is True, (name, [c for c in result["checks"] if c["status"] == "failed"])
    assert json.loads(_cli(env, "verify", summary["pathway"]["credentials"][0]).stdout)["verified"] is True

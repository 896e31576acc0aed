"""Issue 6, must show 2: the pathway credential (awarded by the pathway hook) and the
endorsement credentials (Achievement.endorsement, Profile.endorsement) verify in Badger and in
Digital Bazaar's and DCC's verifiers, resolving did:web against a real server started by the
test on 127.0.0.1 (`badger demo` loads the CEC network on its database)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.interop import node

pytestmark = pytest.mark.interop
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env, *args, stdin: str | None = None):
    result = subprocess.run([sys.executable, "-m", "badger.cli", *args], env=env, cwd=ROOT, input=stdin,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), f"badger {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BADGER_")}
    env.update({"BADGER_BASE_URL": origin,
                "BADGER_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('pathway') / 'badger.sqlite3'}",
                "BADGER_SECRET_KEY": "e2e-secret-key-0123456789abcdef", "PYTHONWARNINGS": "ignore"})
    _cli(env, "db", "upgrade")
    summary = json.loads(_cli(env, "demo").stdout)
    proc = subprocess.Popen([sys.executable, "-m", "badger.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(origin + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the server did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield origin, env, summary
    proc.terminate()
    proc.wait(timeout=10)


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

    for name, document in zip(("pathway", "endorsement", "profile-endorsement"), documents):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        result = json.loads(_cli(env, "verify", str(path)).stdout)
        assert result["verified"] is True, (name, [c for c in result["checks"] if c["status"] == "failed"])
    assert json.loads(_cli(env, "verify", summary["pathway"]["credentials"][0]).stdout)["verified"] is True

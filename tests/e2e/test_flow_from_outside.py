"""Issue 3, must show 2: the whole flow from outside. A real server started by the test on
127.0.0.1; `badger issuer create` → `badger achievement create` → `badger issue` (ldp and jwt);
the credential verifies in Digital Bazaar's and DCC's verifiers resolving did:web against the
running server (they fetch its did.json over loopback), and in `badger verify`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.interop import node

pytestmark = pytest.mark.interop
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(make_live_server):
    """(origin, environment) of a real server on its own SQLite database (tests/live_server.py)."""
    with make_live_server() as live:
        yield live.url, live.env


def _cli(env, *args, stdin: str | None = None, check: bool = True):
    result = subprocess.run(
        [sys.executable, "-m", "badger.cli", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"badger {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def test_cli_flow_verifies_in_independent_verifiers(server, tmp_path):
    origin, env = server

    def run(*args, stdin=None, check=True):
        return _cli(env, *args, stdin=stdin, check=check)

    profile = json.loads(
        run(
            "issuer", "create", "--name", "CEC Ouest 2023", "--url", "https://cec-ouest.example", "--slug", "cec-ouest"
        ).stdout
    )
    assert profile["id"] == f"did:web:127.0.0.1%3A{origin.rsplit(':', 1)[1]}:issuers:cec-ouest"
    achievement = json.loads(
        run(
            "achievement",
            "create",
            "--issuer",
            "cec-ouest",
            "--name",
            "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
            "--description",
            "Premier camp de base, Rennes, 20-21 janvier 2023.",
            "--criteria",
            "Présence aux deux journées.",
        ).stdout
    )
    ldp = json.loads(
        run(
            "issue",
            "--achievement",
            achievement["id"],
            "--email",
            "élodie.martin@exemple.fr",
            "--name",
            "Élodie Martin",
        ).stdout
    )
    jwt = run(
        "issue", "--achievement", achievement["id"], "--email", "yann@exemple.fr", "--format", "jwt"
    ).stdout.strip()
    assert ldp["proof"]["verificationMethod"].startswith(profile["id"] + "#")
    assert jwt.count(".") == 2

    # The public URL serves the same bytes the CLI printed.
    with urllib.request.urlopen(urllib.request.Request(ldp["id"], headers={"Accept": "application/vc+ld+json"})) as r:
        assert json.loads(r.read()) == ldp

    # Independent verifiers fetch the DID document (and the status list) from the running server.
    [db] = node.run_node_many("db-verify.mjs", [{"credential": ldp, "live": [origin]}])
    assert db["verified"], db["errors"]
    [dcc] = node.run_node_many("dcc-verify.mjs", [{"credential": ldp, "live": [origin]}])
    assert dcc["verified"] and dcc["signatureValid"], dcc["errors"]
    with urllib.request.urlopen(f"{origin}/issuers/cec-ouest/did.json") as r:
        did_document = json.loads(r.read())
    header_kid = json.loads(_b64(jwt.split(".")[0]))["kid"]
    jwk = next(m["publicKeyJwk"] for m in did_document["verificationMethod"] if m["id"] == header_kid)
    [jose] = node.jose_verify_many([{"jwt": jwt, "jwk": jwk}])
    assert jose["verified"], jose["errors"]

    # And in Badger's own CLI, from a file, from stdin, and by URL; a tampered copy fails (exit 1).
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(ldp), "utf-8")
    assert json.loads(run("verify", str(path)).stdout)["verified"] is True
    assert json.loads(run("verify", "-", stdin=jwt).stdout)["verified"] is True
    assert json.loads(run("verify", ldp["id"]).stdout)["verified"] is True
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**ldp, "name": ldp["name"] + "!"}), "utf-8")
    result = run("verify", str(tampered), check=False)
    assert result.returncode == 1 and json.loads(result.stdout)["verified"] is False


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))

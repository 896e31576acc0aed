"""Issue 5, must show 3: revocation and suspension seen from outside.

A real server on 127.0.0.1; a partner on the VC 2.0 status form (both entries; the default,
one revocation object, is tested in tests/issuance/test_status_form.py); credentials issued
through the command line and the API; Badger's
verifier (`badger verify URL`), Digital Bazaar's (@digitalbazaar/vc with
@digitalbazaar/vc-bitstring-status-list, tests/interop/js/db-verify.mjs) and the DCC's
(@digitalcredentials/verifier-core, whose @digitalcredentials/vc-bitstring-status-list checks
every BitstringStatusListEntry) each fetch the signed status lists from the running server:

- before any change: verified everywhere, both entries (revocation, suspension) checked;
- revoked through the API: refused everywhere, on the revocation entry;
- a second credential suspended through the command line: refused, on the suspension entry;
- that suspension lifted through the API: verified everywhere again.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.test_flow_from_outside import _cli, server  # noqa: F401 - the live server fixture
from tests.interop import node

pytestmark = pytest.mark.interop


def _api(origin: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        origin + path,
        method=method,
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _badger(env, url: str) -> dict:
    """`badger verify URL` -> {"verified", "status": code of the status check}."""
    result = _cli(env, "verify", url, "--lang", "en", check=False)
    out = json.loads(result.stdout)
    assert result.returncode == (0 if out["verified"] else 1)
    return {"verified": out["verified"], "status": next(c["code"] for c in out["checks"] if c["check"] == "status")}


def _independent(origin: str, credentials: list[dict]) -> tuple[list[dict], list[dict]]:
    items = [{"credential": c, "live": [origin]} for c in credentials]
    return node.run_node_many("db-verify.mjs", items), node.run_node_many("dcc-verify.mjs", items)


def test_revoke_suspend_unsuspend_seen_by_three_verifiers(server):  # noqa: F811 - pytest fixture
    origin, env = server

    def run(*args, **kw):
        return _cli(env, *args, **kw)

    run(
        "issuer",
        "create",
        "--name",
        "Territoire apprenant pays de Vannes",
        "--url",
        "https://vannes.example",
        "--slug",
        "vannes",
    )
    # This partner opted in to the VC 2.0 form: both entries, so other verifiers see a suspension.
    assert json.loads(run("issuer", "status-form", "--issuer", "vannes", "--form", "vc2").stdout)["statusForm"] == "vc2"
    token = json.loads(run("token", "create", "--issuer", "vannes", "--label", "e2e").stdout)["token"]
    achievement = json.loads(
        run(
            "achievement",
            "create",
            "--issuer",
            "vannes",
            "--name",
            "Animer une fresque du climat",
            "--description",
            "Fresquathon d'octobre 2023 : une journée, dix fresques.",
            "--criteria",
            "Avoir animé une fresque complète.",
        ).stdout
    )
    # One credential through the command line, one through the API.
    first = json.loads(run("issue", "--achievement", achievement["id"], "--email", "maela@exemple.fr").stdout)
    second = _api(
        origin,
        token,
        "POST",
        "/api/v1/credentials",
        {"achievement": achievement["id"], "recipient": {"email": "gwen@exemple.fr"}},
    )["credential"]
    for credential in (first, second):
        assert [e["statusPurpose"] for e in credential["credentialStatus"]] == ["revocation", "suspension"]
    first_id, second_id = first["id"].rsplit("/", 1)[1], second["id"].rsplit("/", 1)[1]

    # Before: verified everywhere; both status entries were checked by each independent verifier.
    assert _badger(env, first["id"]) == {"verified": True, "status": "status.ok"}
    db, dcc = _independent(origin, [first, second])
    for result in db:
        assert result["verified"], result["errors"]
        assert sorted((s["statusPurpose"], s["status"]) for s in result["status"]) == [
            ("revocation", False),
            ("suspension", False),
        ]
    for result in dcc:
        assert result["verified"] and result["signatureValid"], result["errors"]

    # Revoked through the API: refused on the revocation entry.
    revoked = _api(origin, token, "POST", f"/api/v1/credentials/{first_id}/revoke", {"reason": "Erreur de lauréate"})
    assert revoked["status"] == "revoked"
    assert _badger(env, first["id"]) == {"verified": False, "status": "status.revoked"}
    [db_revoked], [dcc_revoked] = _independent(origin, [first])
    assert not db_revoked["verified"] and any('"revocation" is set' in e for e in db_revoked["errors"])
    assert not dcc_revoked["verified"] and any(e.startswith("revocation_status") for e in dcc_revoked["errors"])
    assert not any(e.startswith("suspension_status") for e in dcc_revoked["errors"])

    # The second credential suspended through the command line: refused on the suspension entry.
    suspended = json.loads(run("suspend", second_id, "--reason", "Vérification de la présence").stdout)
    assert suspended["status"] == "suspended"
    assert _badger(env, second["id"]) == {"verified": False, "status": "status.suspended"}
    [db_suspended], [dcc_suspended] = _independent(origin, [second])
    assert not db_suspended["verified"] and any('"suspension" is set' in e for e in db_suspended["errors"])
    assert not dcc_suspended["verified"] and any(e.startswith("suspension_status") for e in dcc_suspended["errors"])

    # Suspension lifted through the API: verified everywhere again (no stale list anywhere).
    assert _api(origin, token, "POST", f"/api/v1/credentials/{second_id}/unsuspend")["status"] == "active"
    assert _badger(env, second["id"]) == {"verified": True, "status": "status.ok"}
    [db_back], [dcc_back] = _independent(origin, [second])
    assert db_back["verified"], db_back["errors"]
    assert dcc_back["verified"], dcc_back["errors"]

    # The revocation stays: final, for the API and the command line alike.
    result = run("unsuspend", first_id, check=False)
    assert result.returncode == 2 and "final" in result.stderr

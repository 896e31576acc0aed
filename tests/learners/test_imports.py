"""Must show 2: badges imported by URL, JSON, compact JWS, baked PNG and baked SVG (the 1EdTech
fixtures and Badger's own) come back byte for byte through the OB 3.0 API and the export; a
badge that does not verify is refused with the verifier's reasons.

The 1EdTech fixtures name keys at ``https://example.edu/...``: the container's fetcher (the one
seam the verifier reaches the network through) answers those URLs with the documents the
fixtures' keys imply (tests/verification/conftest.py), as the 1EdTech validator's own tests do;
everything else is fetched for real (a local HTTP server for the URL import)."""

from __future__ import annotations

import http.server
import io
import json
import re
import threading
from datetime import UTC, datetime

import pytest

from badger import baking
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.learners import repository as learner_repo
from badger.learners import service as learners
from tests.fixtures import achievement_factory, issuer_factory, make_badger
from tests.learners.conftest import issue_to
from tests.obapi.helpers import register, token_for
from tests.verification.conftest import FIXTURES, _fixture_documents

FIXTURE_NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def files_server():
    """A real HTTP server on 127.0.0.1 serving the 1EdTech fixture directory."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(FIXTURES), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def backpack(database, tmp_path):
    app, close = make_badger(database, tmp_path, http_did_hosts=("127.0.0.1",))
    app.clock = lambda: FIXTURE_NOW
    documents = {url: json.dumps(doc).encode() for url, doc in _fixture_documents().items()}
    real_fetch = app.fetcher

    def fetch(url: str) -> bytes:
        base = url.split("#", 1)[0]
        return documents[base] if base in documents else real_fetch(url)

    app.fetcher = fetch
    yield app
    close()


def _learner_client(app, email):
    from badger.web import create_app

    flask_app = create_app(badger=app)
    flask_app.testing = True
    flask_app.config["WTF_CSRF_ENABLED"] = False
    client = flask_app.test_client()
    with app.transaction() as session:
        url = learners.request_sign_in(app, session, email)
    assert client.post(url[len(app.base_url) :]).status_code == 303
    return client


def test_import_round_trip_byte_for_byte(backpack, files_server):
    app = backpack
    issuer, _ = issuer_factory(app)("Réseau A", slug="reseau-a")
    achievement = achievement_factory(app)(issuer, name="Badge A")
    own_id = issue_to(app, issuer, achievement, "zoe@example.org")
    with app.transaction() as session:  # a VC-JWT issued to another address of hers, not attached
        row = issuers.get_issuer(session, issuer.slug)
        request = issuing.IssueRequest(achievement=achievement.id, email="zoe.old@example.org", format="jwt")
        other_id = issuing.issue(app, session, row, request).id
    client = _learner_client(app, "zoe@example.org")
    jws = baking.unbake((FIXTURES / "simple-jwt.png").read_bytes())[1]

    sources = {
        "json": ("text", (FIXTURES / "simple.json").read_bytes()),
        "jws": ("text", jws.encode()),
        "png": ("file", (FIXTURES / "simple-json.png").read_bytes()),
        "svg": ("file", (FIXTURES / "simple-json.svg").read_bytes()),
        "jwt png": ("file", (FIXTURES / "simple-jwt.png").read_bytes()),
        "jwt svg": ("file", (FIXTURES / "simple-jwt.svg").read_bytes()),
        "url": ("url", files_server + "/simple-eddsa-2022.json"),
        "own url": ("url", f"{app.base_url}/credentials/{other_id}"),  # by its public URL
    }
    for label, (kind, value) in sources.items():
        if kind == "file":
            data = {"file": (io.BytesIO(value), "badge")}
        else:
            data = {kind: value if isinstance(value, str) else value.decode()}
        page = client.post("/me/import", data=data, follow_redirects=True).get_data(as_text=True)
        assert "Badge verified and added" in page or "Badge vérifié et ajouté" in page, (
            label,
            re.findall(r"banner[^>]*><p>([^<]*)", page),
        )

    registered = register(client)
    token = token_for(client, registered)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    listed = client.get("/ims/ob/v3p0/credentials", headers=bearer)
    assert listed.status_code == 200
    body = listed.get_data()
    document = json.loads(body)
    # simple-json.png and .svg carry the same credential as simple.json (same id): an upsert.
    # simple-jwt.png/.svg carry the same JWS as "jws".
    assert listed.headers["X-Total-Count"] == str(
        len(document["credential"]) + len(document.get("compactJwsString", []))
    )
    with app.transaction() as session:
        address = learner_repo.address_by_lookup(session, issuing.recipient_lookup(app, "zoe@example.org"))
        learner = learners.get(session, address.learner_id)
        items = learners.collection(app, session, learner)
    assert {i.kind for i in items} == {"issued", "imported"}
    for item in items:
        assert item.payload.encode() in body  # byte for byte in the API's answer
        if item.kind == "imported":
            exported = client.get(f"/me/badges/{item.row_id}/download")
            assert exported.status_code == 200
            assert exported.data in {
                (FIXTURES / name).read_bytes()
                for name in (
                    "simple.json",
                    "simple-json.png",
                    "simple-json.svg",
                    "simple-jwt.png",
                    "simple-jwt.svg",
                    "simple-eddsa-2022.json",
                )
            } | {jws.encode()} | {item.payload.encode()}
    # The last baked image of each credential is what is kept, exactly.
    by_format = {i.format for i in items if i.kind == "imported"}
    assert by_format >= {"svg", "json"}
    assert any(i.credential_id and i.credential_id.endswith(own_id) for i in items)
    assert any(i.kind == "imported" and i.format == "jwt" and i.credential_id.endswith(other_id) for i in items)


def test_a_badge_that_does_not_verify_is_refused_with_the_reasons(backpack):
    app = backpack
    client = _learner_client(app, "yan@example.org")
    bad = (FIXTURES / "simple-err-proof-value.json").read_bytes()
    page = client.post("/me/import", data={"text": bad.decode()}, follow_redirects=True).get_data(as_text=True)
    assert "This badge was not added" in page or "Ce badge n’a pas été ajouté" in page
    registered = register(client)
    token = token_for(client, registered)
    bearer = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}
    refused = client.post("/ims/ob/v3p0/credentials", data=bad, headers=bearer)
    assert refused.status_code == 422
    info = refused.get_json()
    assert info["imsx_codeMajor"] == "failure" and "does not verify" in info["imsx_description"]
    expired = client.post(
        "/ims/ob/v3p0/credentials", data=(FIXTURES / "simple-err-expired.json").read_bytes(), headers=bearer
    )
    assert expired.status_code == 422
    listed = client.get("/ims/ob/v3p0/credentials", headers={"Authorization": bearer["Authorization"]})
    assert listed.headers["X-Total-Count"] == "0"

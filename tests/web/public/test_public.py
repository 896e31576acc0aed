"""The public web: credential, achievement and issuer pages and documents, baked images, QR
codes, DID documents, JWKS, status lists, the verify page, POST /api/v1/verify and the W3C VC
API verifier endpoints. Runs on SQLite and PostgreSQL (the ``badger`` fixture)."""

from __future__ import annotations

import base64
import io
import json
import socket
from datetime import timedelta

import pytest

from badger.achievements import service as achievements
from badger.achievements.images import default_badge_png
from badger.baking import PNG_SIGNATURE, unbake
from badger.issuance import issuing, status_lists
from badger.issuers import service as issuers
from badger.verifying import service as verifying

HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")


# ------------------------------------------------------------------------------------- helpers


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 48), (20, 110, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def issue(badger, create_issuer, create_achievement):
    """Factory: issue one credential -> (issuer, achievement, credential row).

    The clock is pinned: verify_credential reads it once for "now" and the status list it
    signs on the fly reads it again, so a second ticking in between would make the list
    "not valid yet" (reported to the verifying service's owner)."""
    pinned = badger.clock()
    badger.clock = lambda: pinned
    made = {}

    def make(fmt="ldp", image=None, valid_until=None, email="élodie@exemple.fr", name="Élodie"):
        if "issuer" not in made:
            made["issuer"], _ = create_issuer()
        issuer = made["issuer"]
        achievement = create_achievement(issuer, image=image) if image else create_achievement(issuer)
        with badger.transaction() as session:
            row = issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, issuer.slug),
                issuing.IssueRequest(
                    achievement=achievement.id, email=email, name=name, format=fmt, valid_until=valid_until
                ),
            )
        return issuer, achievement, row

    return make


def _verify(badger, data, **kw):
    with badger.transaction() as session:
        return verifying.verify_credential(badger, session, data, **kw)


def _tampered(document: str) -> dict:
    doc = json.loads(document)
    doc["credentialSubject"]["achievement"]["name"] = "Parcours CEC Ouest 2023 complet"
    return doc


def _jwt_header(token: str) -> dict:
    head = token.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def _assert_problem(response, status: int, code: str | None = None):
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


# ---------------------------------------------------------------------------- credential URLs


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_credential_negotiation_serves_the_stored_bytes(client, issue, fmt):
    _, _, row = issue(fmt)
    url = f"/credentials/{row.id}"
    for media_type in JSON_TYPES:
        response = client.get(url, headers={"Accept": media_type})
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert response.data == row.document.encode("utf-8")  # never re-serialised
        assert "Accept" in response.headers["Vary"]
    # a client that prefers JSON-LD but takes JSON gets JSON-LD
    response = client.get(url, headers={"Accept": "application/ld+json;q=0.9, application/json;q=0.5"})
    assert response.mimetype == "application/ld+json"
    # browsers and */* get the page
    for accept in (HTML_ACCEPT, "*/*"):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == "text/html"
    response = client.get(url, headers={"Accept": "application/vc+jwt"})
    if fmt == "jwt":
        assert response.mimetype == "application/vc+jwt" and response.data == row.jwt.encode()
    else:
        assert response.mimetype == "text/html"


def test_credential_page(client, issue):
    _, achievement, row = issue()
    response = client.get(f"/credentials/{row.id}", headers={"Accept": HTML_ACCEPT})
    page = response.get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert f'<link rel="alternate" type="application/vc+ld+json" href="/credentials/{row.id}.json">' in page
    assert "Session 1 — Montée à bord" in page and "Élodie" in page
    assert 'class="banner ok"' in page and "Badge valide" in page
    assert f"/achievements/{achievement.id}/image" in page and 'alt="Image du badge' in page
    assert 'href="/issuers/cec-ouest-2023"' in page
    assert f"/credentials/{row.id}/qr.svg" in page and f"/credentials/{row.id}.png" in page
    # both baked images whatever the class image's format (here the generated default PNG)
    assert f"/credentials/{row.id}.svg" in page
    english = client.get(f"/credentials/{row.id}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Valid badge" in english
    english = client.get(f"/credentials/{row.id}", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in english


def test_credential_page_shows_revoked_and_expired(badger, client, issue):
    _, _, revoked = issue()
    with badger.transaction() as session:
        status_lists.set_status(session, issuing.get_credential(session, revoked.id), True)
    page = client.get(f"/credentials/{revoked.id}").get_data(as_text=True)
    assert 'class="banner ko"' in page and "révoqué" in page

    now = badger.clock()
    _, _, expiring = issue(valid_until=(now + timedelta(days=1)).isoformat().replace("+00:00", "Z"))
    badger.clock = lambda: now + timedelta(days=2)
    page = client.get(f"/credentials/{expiring.id}?lang=en").get_data(as_text=True)
    assert 'class="banner ko"' in page and "Expired badge" in page and "no longer certifies anything" in page


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_json_and_jwt_suffixes(client, issue, fmt):
    _, _, row = issue(fmt)
    response = client.get(f"/credentials/{row.id}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.data == row.document.encode("utf-8")
    assert (
        client.get(f"/credentials/{row.id}.json", headers={"Accept": "application/vc+ld+json"}).mimetype
        == "application/vc+ld+json"
    )
    response = client.get(f"/credentials/{row.id}.jwt", headers={"Accept": "application/json"})
    if fmt == "jwt":
        assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
        assert response.get_data(as_text=True) == row.jwt
    else:
        _assert_problem(response, 404, "credential.no_jwt")


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_baked_png_from_the_default_image_verifies(badger, client, issue, fmt):
    _, _, row = issue(fmt)
    response = client.get(f"/credentials/{row.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="session-1-montee-a-bord')
    assert response.headers["Content-Disposition"].endswith('.png"')
    kind, payload = unbake(response.data)
    assert kind == "png" and payload == (row.jwt or row.document)
    result = _verify(badger, response.data)
    assert result.verified, result.as_dict("en")
    assert result.check("format").code == "format.png"
    # and the same credential baked into an SVG (the PNG wrapped): it verifies too
    svg = client.get(f"/credentials/{row.id}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert unbake(svg.data) == ("svg", row.jwt or row.document)
    result = _verify(badger, svg.data)
    assert result.verified and result.check("format").code == "format.svg", result.as_dict("en")


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_baked_png_verifies(badger, client, issue, fmt):
    image = _png()
    _, achievement, row = issue(fmt, image=image)
    response = client.get(f"/credentials/{row.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(PNG_SIGNATURE)
    assert response.headers["Content-Disposition"].endswith('.png"')
    assert unbake(response.data) == ("png", row.jwt or row.document)
    result = _verify(badger, response.data)
    assert result.verified, result.as_dict("en")
    assert result.check("format").code == "format.png"
    # and the same credential baked into an SVG (the PNG wrapped): it verifies too
    svg = client.get(f"/credentials/{row.id}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert unbake(svg.data) == ("svg", row.jwt or row.document)
    result = _verify(badger, svg.data)
    assert result.verified and result.check("format").code == "format.svg", result.as_dict("en")
    # the class image, as uploaded
    image_response = client.get(f"/achievements/{achievement.id}/image")
    assert image_response.mimetype == "image/png" and image_response.data == image


def test_qr_codes(badger, client, issue):
    _, _, row = issue()
    png = client.get(f"/credentials/{row.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(PNG_SIGNATURE) and len(png.data) > 200
    svg = client.get(f"/credentials/{row.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert text.startswith("<svg") and f"<title>{badger.url('credentials', row.id)}</title>" in text
    assert "max-age" in svg.headers["Cache-Control"]
    _assert_problem(
        client.get("/credentials/00000000-0000-4000-8000-000000000000/qr.png", headers={"Accept": "application/json"}),
        404,
    )


# ------------------------------------------------------------------------- achievements, issuers


def test_achievement_page_json_and_default_image(client, issue):
    issuer, achievement, _ = issue()
    for media_type in ("application/ld+json", "application/json"):
        response = client.get(f"/achievements/{achievement.id}", headers={"Accept": media_type})
        assert response.status_code == 200 and response.mimetype == media_type
        assert response.data == achievement.document.encode("utf-8")
    page = client.get(f"/achievements/{achievement.id}").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Présence aux deux journées." in page
    assert f'href="/issuers/{issuer.slug}"' in page
    image = client.get(f"/achievements/{achievement.id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == default_badge_png(achievement.name, issuer.name)
    assert achievements.check_image(image.data, 1024 * 1024) == "image/png"  # valid by our own rules
    assert image.headers["X-Content-Type-Options"] == "nosniff"


def test_default_image_depends_on_the_name():  # more in test_default_images.py
    a, b = default_badge_png("Coach", "CEC"), default_badge_png("Facilitateur·rice", "CEC")
    assert a != b and a == default_badge_png("Coach", "CEC")


def test_issuer_page_profile_did_and_jwks(badger, client, issue, create_issuer):
    issuer, achievement, ldp = issue("ldp")
    _, _, jwt_row = issue("jwt")
    page = client.get(f"/issuers/{issuer.slug}").get_data(as_text=True)
    assert "CEC Ouest 2023" in page and f"/achievements/{achievement.id}" in page

    profile = client.get(f"/issuers/{issuer.slug}", headers={"Accept": "application/json"})
    assert profile.mimetype == "application/json" and profile.get_json()["id"] == issuer.did

    did = client.get(f"/issuers/{issuer.slug}/did.json", headers={"Accept": "application/did+json"})
    assert did.status_code == 200 and did.mimetype == "application/did+json"
    document = json.loads(did.data)
    assert document["id"] == issuer.did
    vm = json.loads(ldp.document)["proof"]["verificationMethod"]
    assert vm in [m["id"] for m in document["verificationMethod"]]
    assert client.get(f"/issuers/{issuer.slug}/did.json", headers={"Accept": "application/json"}).status_code == 200

    kid = _jwt_header(jwt_row.jwt)["kid"]
    jwks = client.get(f"/issuers/{issuer.slug}/jwks.json")
    assert jwks.mimetype == "application/json" and kid in [k["kid"] for k in jwks.get_json()["keys"]]
    assert all("d" not in k for k in jwks.get_json()["keys"])
    other, _ = create_issuer("Labo de l'ESS", slug="labo-ess")
    everyone = client.get("/.well-known/jwks.json").get_json()["keys"]
    kids = [k["kid"] for k in everyone]
    assert kid in kids and any(k.startswith(other.did + "#") for k in kids)


def test_status_list_is_served_signed(badger, client, issue):
    _, _, row = issue()
    # One revocation entry, the strict OB 3.0 form (W3C Bitstring Status List §2.1).
    entry = json.loads(row.document)["credentialStatus"]
    assert entry["statusPurpose"] == "revocation"
    list_url = entry["statusListCredential"]
    assert list_url.startswith(badger.base_url + "/status/")
    response = client.get(list_url[len(badger.base_url) :])
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    assert response.headers["Cache-Control"] == "public, no-cache" and response.headers["ETag"].startswith('W/"')
    document = json.loads(response.data)
    assert "BitstringStatusListCredential" in document["type"]
    # The verifier checks the proof of any VC (an OB-only schema check aside).
    result = _verify(badger, document)
    assert result.check("proof").status == "passed", result.as_dict("en")
    assert result.check("issuer").status == "passed"
    assert result.check("dates").status == "passed"


# ------------------------------------------------------------------------------- unknown things


@pytest.mark.parametrize(
    "path",
    [
        "/credentials/{uuid}",
        "/credentials/{uuid}.json",
        "/credentials/{uuid}.jwt",
        "/credentials/{uuid}.png",
        "/credentials/{uuid}.svg",
        "/credentials/{uuid}/qr.svg",
        "/credentials/not-a-uuid",
        "/credentials/%00",
        "/achievements/{uuid}",
        "/achievements/nope/image",
        "/issuers/nobody",
        "/issuers/NO%00BODY/did.json",
        "/issuers/nobody/jwks.json",
        "/status/{uuid}",
        "/status/x'--",
    ],
)
def test_unknown_things_are_404(client, path):
    path = path.format(uuid="5a1f2d3e-0000-4000-8000-000000000000")
    for accept in ("application/json", "application/vc+ld+json"):
        _assert_problem(client.get(path, headers={"Accept": accept}), 404)
    response = client.get(path, headers={"Accept": HTML_ACCEPT})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<!DOCTYPE html>" in response.get_data(as_text=True)


# ------------------------------------------------------------------------------ the verify page


def test_verify_page_form(client):
    response = client.get("/verify")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="fr">' in page
    assert 'enctype="multipart/form-data"' in page
    for field in ("credential", "file", "email"):
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    assert '<html lang="en">' in client.get("/verify?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_verify_page_pasted_credential(client, issue, fmt):
    _, _, row = issue(fmt)
    page = client.post("/verify", data={"credential": row.jwt or row.document}).get_data(as_text=True)
    assert 'class="banner ok"' in page and "Badge vérifié" in page
    assert "<details>" in page and "&#34;verified&#34;: true" in page
    assert "La signature est valide" in page  # the check messages, in French
    tampered = client.post("/verify?lang=en", data={"credential": json.dumps(_tampered(row.document))})
    page = tampered.get_data(as_text=True)
    assert tampered.status_code == 200 and 'class="banner ko"' in page and "Badge not verified" in page


def test_verify_page_url_file_and_errors(client, issue, badger):
    _, _, row = issue()
    page = client.post("/verify", data={"credential": badger.url("credentials", row.id)}).get_data(as_text=True)
    assert 'class="banner ok"' in page
    baked = client.get(f"/credentials/{row.id}.png").data  # the default image is a PNG
    response = client.post(
        "/verify",
        data={"file": (io.BytesIO(baked), "badge.png"), "email": "Élodie@exemple.fr"},
        content_type="multipart/form-data",
    )
    assert 'class="banner ok"' in response.get_data(as_text=True)
    wrong = client.post(
        "/verify",
        data={"file": (io.BytesIO(baked), "badge.png"), "email": "autre@exemple.fr"},
        content_type="multipart/form-data",
    )
    assert 'class="banner ko"' in wrong.get_data(as_text=True)
    empty = client.post("/verify", data={"credential": "  "})
    assert empty.status_code == 400 and 'role="alert"' in empty.get_data(as_text=True)
    for bad_url in ("http://[::1", badger.url("credentials", "\u0000")):
        response = client.post("/verify", data={"credential": bad_url})
        assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)
    # text that is not a badge is an input error on the form (issue 15), not a red verdict
    garbage = client.post("/verify", data={"credential": "n'importe quoi"})
    assert garbage.status_code == 400 and 'role="alert"' in garbage.get_data(as_text=True)
    assert 'id="verdict"' not in garbage.get_data(as_text=True)


# --------------------------------------------------------------------------- POST /api/v1/verify


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_api_verify_body_forms(client, issue, badger, fmt):
    _, _, row = issue(fmt)
    bodies = [{"url": badger.url("credentials", row.id)}, {"url": badger.url("credentials", row.id) + ".json"}]
    bodies.append({"jwt": row.jwt} if fmt == "jwt" else {"credential": json.loads(row.document)})
    for body in bodies:
        response = client.post("/api/v1/verify", json=body)
        assert response.status_code == 200, response.data
        result = response.get_json()
        assert result["verified"] is True, result
        assert [c["check"] for c in result["checks"]] == [
            "format",
            "schema",
            "proof",
            "issuer",
            "dates",
            "status",
            "recipient",
        ]
    with_email = client.post("/api/v1/verify?lang=en", json={**bodies[-1], "email": "ÉLODIE@Exemple.FR"}).get_json()
    recipient = with_email["checks"][-1]
    assert recipient["code"] == "recipient.ok" and recipient["message"].startswith("The")
    baked = client.get(f"/credentials/{row.id}.png").data  # the default image is a PNG
    response = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(baked), "b.png"), "email": "Élodie@exemple.fr"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.get_json()["verified"] is True
    assert response.get_json()["checks"][0]["code"] == "format.png"


def test_api_verify_multipart_png(client, issue):
    _, _, row = issue(image=_png())
    baked = client.get(f"/credentials/{row.id}.png").data
    response = client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(baked), "badge.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    result = response.get_json()
    assert result["verified"] is True and result["checks"][0]["code"] == "format.png"
    # the class image itself carries no badge: a clean "not verified"
    plain = client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(_png()), "x.png")}, content_type="multipart/form-data"
    )
    assert plain.status_code == 200 and plain.get_json()["checks"][0]["code"] == "format.not_baked"


def test_api_verify_not_verified_is_200(client, issue):
    _, _, row = issue()
    response = client.post("/api/v1/verify", json={"credential": _tampered(row.document)})
    assert response.status_code == 200
    result = response.get_json()
    assert result["verified"] is False
    proof = next(c for c in result["checks"] if c["check"] == "proof")
    assert proof["status"] == "failed" and proof["message"].startswith("La signature")


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "verify.invalid_body"),
        (b"[1, 2]", "verify.invalid_body"),
        (b"{}", "verify.invalid_body"),
        (json.dumps({"credential": "{}"}).encode(), "verify.invalid_credential"),
        (json.dumps({"jwt": 5}).encode(), "verify.invalid_jwt"),
        (json.dumps({"url": ["http://x"]}).encode(), "verify.invalid_url"),
        (json.dumps({"jwt": "a.b.c", "url": "http://x"}).encode(), "verify.invalid_body"),
        (json.dumps({"jwt": "a.b.c", "email": 3}).encode(), "verify.invalid_email"),
        (json.dumps({"url": "ftp://example.org/x"}).encode(), "input.invalid_url"),
        # must not reach the database (PostgreSQL refuses NUL) nor urllib (broken IPv6 literal, port)
        (json.dumps({"url": "http://127.0.0.1:5000/credentials/\u0000abc"}).encode(), "input.invalid_url"),
        (json.dumps({"url": "http://[::1"}).encode(), "input.invalid_url"),
        (json.dumps({"url": "http://127.0.0.1:99999/x"}).encode(), "input.invalid_url"),
    ],
)
def test_api_verify_bad_bodies_are_400(client, body, code):
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    problem = _assert_problem(response, 400, code)
    assert problem["title"] == "Requête invalide"


def test_api_verify_multipart_without_file_is_400(client):
    response = client.post("/api/v1/verify", data={"email": "a@b.fr"}, content_type="multipart/form-data")
    _assert_problem(response, 400, "verify.missing_file")


def test_api_verify_unreachable_url_is_a_clean_400(client):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    response = client.post("/api/v1/verify?lang=en", json={"url": f"http://127.0.0.1:{port}/x"})
    problem = _assert_problem(response, 400, "verify.fetch_failed")
    assert problem["title"] == "Bad request"


def test_api_verify_url_that_times_out_is_a_clean_400(client, badger):
    from badger.keys.fetch import HttpFetcher

    badger.fetcher = HttpFetcher(timeout=0.3)
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        response = client.post("/api/v1/verify", json={"url": f"http://127.0.0.1:{port}/badge.json"})
    _assert_problem(response, 400, "verify.fetch_failed")


def test_api_verify_unknown_own_url_is_404(client, badger):
    response = client.post(
        "/api/v1/verify", json={"url": badger.url("credentials", "5a1f2d3e-0000-4000-8000-000000000000")}
    )
    _assert_problem(response, 404, "credential.not_found")


# ------------------------------------------------------------------------------ W3C VC API verify


@pytest.mark.parametrize("fmt", ["ldp", "jwt"])
def test_vcapi_credentials_verify(client, issue, fmt):
    _, _, row = issue(fmt)
    vc = (
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "EnvelopedVerifiableCredential",
            "id": "data:application/vc+jwt," + row.jwt,
        }
        if fmt == "jwt"
        else json.loads(row.document)
    )
    response = client.post("/credentials/verify", json={"verifiableCredential": vc, "options": {}})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["verified"] is True and "proof" in body["checks"]
    assert body["errors"] == [] and body["warnings"] == []

    if fmt == "ldp":
        bad = client.post("/credentials/verify", json={"verifiableCredential": _tampered(row.document)})
        assert bad.status_code == 422
        body = bad.get_json()
        assert body["verified"] is False and "proof.signature_mismatch" in body["errors"]
        assert "proof" not in body["checks"] and body["problemDetails"][0]["code"] == "proof.signature_mismatch"


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"{}",
        json.dumps({"verifiableCredential": 3}).encode(),
        json.dumps({"verifiableCredential": {}, "options": "x"}).encode(),
        json.dumps(
            {"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": "data:text/plain,x"}}
        ).encode(),
    ],
)
def test_vcapi_credentials_verify_bad_requests_are_400(client, body):
    _assert_problem(client.post("/credentials/verify", data=body, content_type="application/json"), 400)


def _presentation(*credentials, holder=None) -> dict:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }
    if holder:
        vp["holder"] = holder
    return vp


def _sign_presentation(badger, issuer, vp: dict) -> dict:
    from badger.proofs.data_integrity import add_proof

    with badger.transaction() as session:
        vm, pair = issuers.signing_key(badger, issuers.get_issuer(session, issuer.slug))
    return add_proof(
        vp, keypair=pair, verification_method=vm, created="2024-01-16T09:00:00Z", proof_purpose="authentication"
    )


def test_vcapi_presentations_verify(badger, client, issue):
    issuer, _, ldp = issue("ldp")
    _, _, jwt_row = issue("jwt")
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + jwt_row.jwt,
    }
    unsigned = _presentation(json.loads(ldp.document), enveloped)
    response = client.post("/presentations/verify", json={"verifiablePresentation": unsigned})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["verified"] is True and body["warnings"] == ["presentation.unsigned"]
    assert [r["verified"] for r in body["credentialResults"]] == [True, True]

    with_bad = _presentation(json.loads(ldp.document), _tampered(ldp.document))
    response = client.post("/presentations/verify", json={"verifiablePresentation": with_bad})
    assert response.status_code == 422
    assert [r["verified"] for r in response.get_json()["credentialResults"]] == [True, False]

    signed = _sign_presentation(badger, issuer, _presentation(json.loads(ldp.document), holder=issuer.did))
    response = client.post("/presentations/verify", json={"verifiablePresentation": signed})
    assert response.status_code == 200, response.data
    assert response.get_json()["checks"] == ["proof", "credentials"]

    response = client.post(
        "/presentations/verify", json={"verifiablePresentation": signed, "options": {"challenge": "abc"}}
    )
    assert response.status_code == 422 and "presentation.challenge_mismatch" in response.get_json()["errors"]

    forged = {**signed, "holder": "did:example:someone-else"}
    response = client.post("/presentations/verify", json={"verifiablePresentation": forged})
    assert response.status_code == 422 and response.get_json()["checks"] == ["credentials"]

    someone_else = _sign_presentation(
        badger, issuer, _presentation(json.loads(ldp.document), holder="did:example:other")
    )
    response = client.post("/presentations/verify?lang=en", json={"verifiablePresentation": someone_else})
    assert response.status_code == 422 and response.get_json()["errors"] == ["presentation.holder_mismatch"]
    assert response.get_json()["problemDetails"][0]["title"] == "The presentation is not signed by its holder."

    response = client.post("/presentations/verify", json={"verifiablePresentation": _presentation()})
    assert response.status_code == 422 and "presentation.empty" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"{}",
        json.dumps({"verifiablePresentation": {"type": "VerifiableCredential"}}).encode(),
        json.dumps(
            {"verifiablePresentation": {"type": "VerifiablePresentation", "verifiableCredential": [7]}}
        ).encode(),
        json.dumps(
            {"verifiablePresentation": {"type": "VerifiablePresentation"}, "options": {"challenge": 1}}
        ).encode(),
    ],
)
def test_vcapi_presentations_verify_bad_requests_are_400(client, body):
    _assert_problem(client.post("/presentations/verify", data=body, content_type="application/json"), 400)

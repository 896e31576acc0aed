"""Bad input never gets a 500 nor writes anything (must-show 5).

Each case sends something a careless or hostile client could send and expects an
application/problem+json 4xx with a stable ``type`` (PROBLEM_BASE + code), a ``detail`` that
says what is wrong, the bad field in ``errors`` where there is one, and the database exactly
as it was (rows and stored documents compared).
"""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.web.errors import PROBLEM_BASE
from tests.web.api.test_api import SVG, png_bytes
from tests.web.test_isolation import snapshot

PROBLEM = "application/problem+json"


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    achievement = create_achievement(issuer)
    with badger.transaction() as session:
        issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(achievement=achievement.id, email="camille@exemple.fr"),
        )
    return {
        "issuer": issuer,
        "auth": {"Authorization": f"Bearer {token}"},
        "achievement": achievement.id,
        "max_upload": badger.settings.max_upload_bytes,
    }


def _issue(w, **changes):
    body = {"achievement": w["achievement"], "recipient": {"email": "dominique@exemple.fr"}}
    body.update(changes)
    return ("POST", "/api/v1/credentials", {"json": body})


def _raw(path, data, content_type="application/json", method="POST"):
    return (method, path, {"data": data, "content_type": content_type})


def _upload(w, image: bytes, filename="badge.png", **fields):
    # Encoded here, in memory: the test client would spool a large body to a temporary file that
    # nothing closes (a ResourceWarning, an error under `filterwarnings = error`).
    form = {
        "name": "N",
        "description": "D",
        "criteria": "C",
        **fields,
        "image": FileStorage(io.BytesIO(image), filename=filename),
    }
    boundary, body = encode_multipart(form)
    return ("POST", "/api/v1/achievements", {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"})


def _vc(w, credential, **extra):
    if isinstance(credential, dict) and "issuer" not in credential and "@context" in credential:
        credential = {**credential, "issuer": w["issuer"].did}  # the token's issuer, unless the case says
    return ("POST", "/credentials/issue", {"json": {"credential": credential, **extra}})


VC2 = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner"},
}
PNG = png_bytes()

# name: (request builder, status, code, field or None)
CASES = {
    # Malformed bodies
    "malformed json": (lambda w: _raw("/api/v1/credentials", b'{"achievement": '), 400, "input.malformed_json", None),
    "empty json body": (lambda w: _raw("/api/v1/credentials", b""), 400, "input.malformed_json", None),
    "json NaN": (lambda w: _raw("/api/v1/achievements", b'{"name": NaN}'), 400, "input.malformed_json", None),
    "json not utf-8": (
        lambda w: _raw("/api/v1/achievements", b'{"name": "\xff\xfe"}'),
        400,
        "input.malformed_json",
        None,
    ),
    "json nested too deeply": (
        lambda w: _raw("/api/v1/credentials", b"[" * 100_000 + b"]" * 100_000),
        400,
        "input.malformed_json",
        None,
    ),
    "json array body": (lambda w: _raw("/api/v1/credentials", b"[]"), 400, "input.invalid_fields", "body"),
    "form to a json endpoint": (
        lambda w: _raw("/api/v1/credentials", b"achievement=x", "application/x-www-form-urlencoded"),
        415,
        "input.unsupported_media_type",
        None,
    ),
    "no content type": (
        lambda w: ("POST", "/api/v1/credentials", {"data": b'{"a": 1}'}),
        415,
        "input.unsupported_media_type",
        None,
    ),
    "text/plain achievement": (
        lambda w: _raw("/api/v1/achievements", b"{}", "text/plain"),
        415,
        "input.unsupported_media_type",
        None,
    ),
    "body too large": (
        lambda w: _raw("/api/v1/credentials", b'{"x": "' + b"a" * (w["max_upload"] + 200_000) + b'"}'),
        413,
        "input.too_large",
        None,
    ),
    # Wrong types and unknown fields
    "name is a number": (
        lambda w: ("POST", "/api/v1/achievements", {"json": {"name": 12, "description": "D", "criteria": "C"}}),
        400,
        "input.invalid_fields",
        "name",
    ),
    "tags is a string": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {"json": {"name": "N", "description": "D", "criteria": "C", "tags": "a,b"}},
        ),
        400,
        "input.invalid_fields",
        "tags",
    ),
    "missing criteria": (
        lambda w: ("POST", "/api/v1/achievements", {"json": {"name": "N", "description": "D"}}),
        400,
        "input.invalid_fields",
        "criteria",
    ),
    "unknown field": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {"json": {"name": "N", "description": "D", "criteria": "C", "descripton": "typo"}},
        ),
        400,
        "input.invalid_fields",
        "descripton",
    ),
    "name too long": (
        lambda w: ("POST", "/api/v1/achievements", {"json": {"name": "N" * 301, "description": "D", "criteria": "C"}}),
        400,
        "input.invalid_name",
        "name",
    ),
    "NUL in a name": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {"json": {"name": "Ses\u0000sion", "description": "D", "criteria": "C"}},
        ),
        400,
        "input.invalid_fields",
        "name",
    ),
    "unknown achievement type": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {"json": {"name": "N", "description": "D", "criteria": "C", "achievementType": "Trophy"}},
        ),
        400,
        "input.invalid_fields",
        "achievementType",
    ),
    "alignment without url": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {
                "json": {
                    "name": "N",
                    "description": "D",
                    "criteria": "C",
                    "alignments": [{"targetName": "x", "targetUrl": "ftp://x"}],
                }
            },
        ),
        400,
        "input.invalid_fields",
        "alignments.0.targetUrl",
    ),
    "recipient is a string": (
        lambda w: _issue(w, recipient="camille@exemple.fr"),
        400,
        "input.invalid_fields",
        "recipient",
    ),
    "evidence is an object": (
        lambda w: _issue(w, evidence={"id": "https://x.example"}),
        400,
        "input.invalid_fields",
        "evidence",
    ),
    "evidence not http": (
        lambda w: _issue(w, evidence=["javascript:alert(1)"]),
        400,
        "input.invalid_fields",
        "evidence.0.id",
    ),
    "patch with a wrong type": (
        lambda w: ("PATCH", f"/api/v1/achievements/{w['achievement']}", {"json": {"tags": [1, 2]}}),
        400,
        "input.invalid_fields",
        "tags.0",
    ),
    # References
    "unknown achievement": (
        lambda w: _issue(w, achievement="6f1e8c1a-0000-4000-8000-000000000000"),
        404,
        "achievement.not_found",
        None,
    ),
    "achievement not an id": (lambda w: _issue(w, achievement="session-1"), 400, "input.invalid_fields", "achievement"),
    "unknown achievement path": (
        lambda w: ("GET", "/api/v1/achievements/6f1e8c1a-0000-4000-8000-000000000000", {}),
        404,
        "achievement.not_found",
        None,
    ),
    "achievement path not a uuid": (lambda w: ("GET", "/api/v1/achievements/%00", {}), 404, "http.404", None),
    # Recipients, dates, formats
    "invalid e-mail": (
        lambda w: _issue(w, recipient={"email": "camille.exemple.fr"}),
        400,
        "input.invalid_fields",
        "recipient.email",
    ),
    "e-mail and did": (
        lambda w: _issue(w, recipient={"email": "a@exemple.fr", "did": "did:key:z6Mk"}),
        400,
        "input.invalid_fields",
        "recipient",
    ),
    "no recipient identity": (
        lambda w: _issue(w, recipient={"name": "Camille"}),
        400,
        "input.invalid_fields",
        "recipient",
    ),
    "invalid DID": (
        lambda w: _issue(w, recipient={"did": "did:Example:with space"}),
        400,
        "input.invalid_fields",
        "recipient.did",
    ),
    "not a DID": (
        lambda w: _issue(w, recipient={"did": "https://camille.example"}),
        400,
        "input.invalid_fields",
        "recipient.did",
    ),
    "validUntil without timezone": (
        lambda w: _issue(w, validUntil="2030-06-30T23:59:59"),
        400,
        "input.invalid_fields",
        "validUntil",
    ),
    "validUntil not a date": (lambda w: _issue(w, validUntil="bientôt"), 400, "input.invalid_fields", "validUntil"),
    "validUntil before validFrom": (
        lambda w: _issue(w, validUntil="2001-01-01T00:00:00Z"),
        422,
        "schema.invalid",
        None,
    ),
    "unknown format": (lambda w: _issue(w, format="pdf"), 400, "input.invalid_fields", "format"),
    "control character in a name": (
        lambda w: _issue(w, recipient={"email": "a@exemple.fr", "name": "A\u0007"}),
        400,
        "input.invalid_fields",
        "recipient.name",
    ),
    "idempotency key too long": (
        lambda w: (
            "POST",
            "/api/v1/credentials",
            {"json": _issue(w)[2]["json"], "headers": {"Idempotency-Key": "k" * 201}},
        ),
        400,
        "input.invalid_fields",
        "Idempotency-Key",
    ),
    # Query strings
    "unknown status filter": (
        lambda w: ("GET", "/api/v1/credentials?status=deleted", {}),
        400,
        "input.invalid_fields",
        "status",
    ),
    "invalid e-mail filter": (
        lambda w: ("GET", "/api/v1/credentials?email=nobody", {}),
        400,
        "input.invalid_fields",
        "email",
    ),
    "NUL in achievement filter": (
        lambda w: ("GET", "/api/v1/credentials?achievement=%00", {}),
        400,
        "input.invalid_fields",
        "achievement",
    ),
    "unknown filter": (
        lambda w: ("GET", "/api/v1/credentials?emial=camille@exemple.fr", {}),
        400,
        "input.invalid_fields",
        "emial",
    ),
    # Uploads
    "image larger than the limit": (
        lambda w: _upload(w, PNG + b"\0" * w["max_upload"]),
        413,
        "image.too_large",
        "image",
    ),
    "upload larger than the body limit": (
        lambda w: _upload(w, b"\0" * (w["max_upload"] + 200_000)),
        413,
        "input.too_large",
        None,
    ),
    "not an image": (
        lambda w: _upload(w, b"%PDF-1.7 not a badge", "badge.pdf"),
        400,
        "image.unsupported_type",
        "image",
    ),
    "empty image": (lambda w: _upload(w, b"", "badge.png"), 400, "image.empty", "image"),
    "truncated png": (lambda w: _upload(w, PNG[: len(PNG) // 2]), 400, "image.invalid", "image"),
    "svg with script": (
        lambda w: _upload(
            w, SVG.replace("</svg>", "<script>alert(document.cookie)</script></svg>").encode(), "badge.svg"
        ),
        400,
        "image.unsafe_svg",
        "image",
    ),
    "svg with onload": (
        lambda w: _upload(w, SVG.replace("<svg ", '<svg onload="alert(1)" ').encode(), "badge.svg"),
        400,
        "image.unsafe_svg",
        "image",
    ),
    "svg with external image": (
        lambda w: _upload(
            w, SVG.replace("</svg>", '<image href="https://tracker.example/pixel.png"/></svg>').encode(), "badge.svg"
        ),
        400,
        "image.unsafe_svg",
        "image",
    ),
    "svg with entities": (
        lambda w: _upload(
            w,
            (
                b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
            ),
            "badge.svg",
        ),
        400,
        "image.invalid",
        "image",
    ),
    "unknown upload field": (
        lambda w: (
            "POST",
            "/api/v1/achievements",
            {
                "data": {"name": "N", "description": "D", "criteria": "C", "logo": (io.BytesIO(PNG), "l.png")},
                "content_type": "multipart/form-data",
            },
        ),
        400,
        "input.invalid_fields",
        "logo",
    ),
    "alignments not json in a form": (
        lambda w: _upload(w, PNG, alignments="[{"),
        400,
        "input.invalid_fields",
        "alignments",
    ),
    # VC-API
    "vc-api: not a credential": (lambda w: _vc(w, {"name": "x"}), 400, "vcdm.context_missing", None),
    "vc-api: no VerifiableCredential type": (
        lambda w: _vc(w, {**VC2, "type": ["Diploma"]}),
        400,
        "vcdm.type_missing",
        None,
    ),
    "vc-api: credential is a string": (lambda w: _vc(w, "eyJhbGciOi..."), 400, "input.invalid_fields", "credential"),
    "vc-api: another issuer": (
        lambda w: _vc(w, {**VC2, "issuer": "did:web:autre.example"}),
        400,
        "vcapi.issuer_mismatch",
        "credential.issuer",
    ),
    "vc-api: proof present": (
        lambda w: _vc(w, {**VC2, "proof": {"type": "DataIntegrityProof"}}),
        400,
        "vcapi.proof_present",
        "credential.proof",
    ),
    "vc-api: unknown option": (
        lambda w: _vc(w, VC2, options={"proofType": "Ed25519Signature2018"}),
        400,
        "input.invalid_fields",
        "options.proofType",
    ),
    "vc-api: selective disclosure": (
        lambda w: _vc(w, VC2, options={"mandatoryPointers": ["/issuer"]}),
        400,
        "vcapi.unsupported_option",
        "options.mandatoryPointers",
    ),
    "vc-api: unknown context": (
        lambda w: _vc(w, {**VC2, "@context": VC2["@context"] + ["https://contexts.example/unknown/v1"]}),
        400,
        "jsonld.unknown_context",
        None,
    ),
    "vc-api: term dropped (safe mode)": (
        lambda w: _vc(
            w,
            {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:x", "undefinedTerm": "silently unsigned"},
            },
        ),
        400,
        "jsonld.dropped_term",
        None,
    ),
    "vc-api: bad validFrom": (
        lambda w: _vc(w, {**VC2, "validFrom": "yesterday"}),
        400,
        "vcdm.date_invalid",
        None,
    ),
    "vc-api: invalid open badge": (
        lambda w: _vc(
            w,
            {
                "@context": [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                ],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "credentialSubject": {"id": "did:example:x"},
            },
        ),
        400,
        "schema.type",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_problem_and_changes_nothing(client, badger, world, case):
    build, status, code, field = CASES[case]
    method, path, kwargs = build(world)
    kwargs = dict(kwargs)
    headers = {**world["auth"], **kwargs.pop("headers", {})}
    before = snapshot(badger)
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["code"] == code and body["type"] == PROBLEM_BASE + code
    assert body["title"] and body["detail"], body
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, body
        assert all(e["message"] for e in body["errors"])
        assert field.split(".")[0] in body["detail"] or code.startswith(("image.", "vcapi.")), body
    assert snapshot(badger) == before


def test_every_field_error_is_listed(client, world):
    response = client.post(
        "/api/v1/credentials",
        headers=world["auth"],
        json={
            "achievement": 42,
            "recipient": {"email": "x", "did": "y"},
            "format": "pdf",
            "validUntil": "demain",
            "evidence": [{"narrative": 3}],
            "extra": True,
        },
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {
        "achievement",
        "recipient.email",
        "recipient.did",
        "format",
        "validUntil",
        "evidence.0.narrative",
        "extra",
    } <= fields
    assert "(and " in response.get_json()["detail"]


def test_the_detail_of_a_bad_email_names_it(client, world):
    response = client.post(
        "/api/v1/credentials",
        headers={**world["auth"], "Accept-Language": "en"},
        json={"achievement": world["achievement"], "recipient": {"email": "camille.exemple.fr"}},
    )
    body = response.get_json()
    assert body["title"] == "Bad request"
    assert body["detail"].startswith("invalid recipient.email: not an e-mail address")


def test_idempotent_retry_of_a_bad_request_is_still_refused(client, badger, world):
    headers = {**world["auth"], "Idempotency-Key": "retry-1"}
    bad = {"achievement": world["achievement"], "recipient": {"email": "nobody"}}
    before = snapshot(badger)
    for _ in range(2):
        assert client.post("/api/v1/credentials", headers=headers, json=bad).status_code == 400
    assert snapshot(badger) == before


def test_unknown_api_paths_and_methods_are_problems(client, world):
    missing = client.get("/api/v1/nothing-here", headers=world["auth"])
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    method = client.delete(f"/api/v1/achievements/{world['achievement']}", headers=world["auth"])
    assert method.status_code == 405 and method.mimetype == PROBLEM


def test_json_body_accepted_with_a_charset_and_a_json_suffix(client, world):
    body = json.dumps({"name": "N", "description": "D", "criteria": "C"}).encode()
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/api/v1/achievements", headers=world["auth"], data=body, content_type=content_type)
        assert response.status_code == 201, (content_type, response.get_data(as_text=True))

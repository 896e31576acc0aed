"""Must show 1: every attack of the hardening issue, through gunicorn, on SQLite and PostgreSQL.

Each hostile request must get a 4xx (never a 5xx) in under a second, while /healthz, asked
over and over during it, answers in under 100 ms; the workers' peak memory stays bounded.

These are the *security bounds* the issue names, not performance measurements (those live in
bench/): an unbounded verification took 13 to 58 s and stalled /healthz for 11 to 30 s, so
1 s and 100 ms are ten to a hundred times what the guards need here, and fail only when a
guard stops guarding.
"""

from __future__ import annotations

import base64
import io
import json
import statistics
import threading
import time
import urllib.error
import urllib.request

import pytest
from PIL import Image

from badger.keys.did import did_key
from badger.keys.ed25519 import Ed25519KeyPair

HOSTILE_BOUND = 1.0  # seconds
HEALTHZ_BOUND = 0.1  # seconds
PEAK_RSS_BOUND_KB = 400 * 1024  # a worker: ~100 MB at rest; a 10000x10000 image would be 400 MB more


def _request(server, method, path, body=None, headers=None, timeout=30):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None and not request.has_header("Content-type"):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _attack(server, method, path, body=None, headers=None, *, client=None):
    """Send the hostile request while probing /healthz; -> (status, headers, body)."""
    client = client or f"198.51.100.{time.monotonic_ns() % 250 + 1}"  # one rate-limit bucket each
    headers = {"X-Forwarded-For": client, **(headers or {})}
    result: dict = {}

    def hostile():
        started = time.monotonic()
        result["answer"] = _request(server, method, path, body, headers)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=hostile)
    thread.start()
    probes = []
    while thread.is_alive() or len(probes) < 3:
        started = time.monotonic()
        status, _, _ = _request(server, "GET", "/healthz")
        probes.append(time.monotonic() - started)
        assert status == 200
        time.sleep(0.01)
    thread.join()
    status, answer_headers, answer = result["answer"]
    assert 400 <= status < 500, (status, answer[:300])
    assert result["seconds"] < HOSTILE_BOUND, result["seconds"]
    # The median probe: one probe can lose its CPU to another program of the machine; a stalled
    # server loses all of them.
    assert statistics.median(probes) < HEALTHZ_BOUND and max(probes) < 5 * HEALTHZ_BOUND, probes
    assert server.worker_peak_rss_kb() < PEAK_RSS_BOUND_KB
    server.check_alive()
    return status, answer_headers, answer


def _code(answer: bytes) -> str:
    return json.loads(answer)["code"]


def _signed_looking(document: dict, proofs: int = 1) -> dict:
    """A credential with Data Integrity proofs by a did:key: canonicalization happens before
    the signature can be checked, so the proof value does not need to be right."""
    pair = Ed25519KeyPair.generate()
    did = did_key(pair)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": f"{did}#{did.split(':')[-1]}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 86,
    }
    return {**document, "issuer": did, "proof": [dict(proof) for _ in range(proofs)] if proofs > 1 else proof}


def _credential(subject_extra: dict) -> dict:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], **subject_extra},
    }


def _clique(n: int) -> dict:
    knows = "https://example.org/knows"
    nodes = [{"@id": f"_:b{i}", knows: [{"@id": f"_:b{j}"} for j in range(n) if j != i]} for i in range(n)]
    return _signed_looking(_credential({knows: nodes}))


@pytest.mark.parametrize("nodes", [40, 100])
def test_canonicalization_poison(gunicorn_server, nodes):
    poison = _clique(nodes)
    status, _, answer = _attack(gunicorn_server, "POST", "/api/v1/verify", {"credential": poison})
    assert status == 400 and _code(answer) == "verify.budget_exceeded"
    status, _, answer = _attack(gunicorn_server, "POST", "/credentials/verify", {"verifiableCredential": poison})
    assert status == 400 and _code(answer) == "verify.budget_exceeded"


def test_canonicalization_poison_on_the_form(gunicorn_server):
    body = "credential=" + urllib.request.quote(json.dumps(_clique(40)))
    status, headers, page = _attack(
        gunicorn_server,
        "POST",
        "/verify",
        body.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert status == 400 and headers["Content-Type"].startswith("text/html")


def test_two_hundred_proofs(gunicorn_server):
    many = _signed_looking(_credential({"id": "did:example:learner"}), proofs=200)
    status, _, answer = _attack(gunicorn_server, "POST", "/api/v1/verify", {"credential": many})
    assert status == 400 and _code(answer) == "verify.budget_exceeded"


@pytest.mark.parametrize(
    ("path", "wrap"),
    [
        ("/api/v1/verify", lambda deep: '{"credential": ' + deep + "}"),
        ("/credentials/verify", lambda deep: '{"verifiableCredential": ' + deep + "}"),
        ("/presentations/verify", lambda deep: '{"verifiablePresentation": ' + deep + "}"),
    ],
)
def test_json_nested_100000_deep(gunicorn_server, path, wrap):
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    status, _, answer = _attack(gunicorn_server, "POST", path, wrap(deep).encode())
    assert status == 400 and _code(answer) == "input.json_too_deep"


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]:18599/x",  # NAT64 of 127.0.0.1
        "http://[::ffff:127.0.0.1]:18599/x",  # IPv4-mapped
        "http://[::7f00:1]:18599/x",  # IPv4-compatible
        "http://[2002:7f00:1::1]:18599/x",  # 6to4
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x",
    ],
)
def test_ssrf(gunicorn_server, url):
    status, _, answer = _attack(gunicorn_server, "POST", "/api/v1/verify", {"url": url})
    assert status == 400 and _code(answer) == "verify.fetch_failed"
    assert b"not a public address" in answer


def test_huge_page_number(gunicorn_server):
    server = gunicorn_server
    token = _token(server)
    path = "/api/v1/jobs/00000000-0000-4000-8000-000000000000?page=10000000000000000000"
    status, _, answer = _attack(server, "GET", path, headers={"Authorization": f"Bearer {token}"})
    assert status == 400 and _code(answer) == "input.invalid_fields"


def test_rate_limit_on_public_verify(gunicorn_server):
    client = "203.0.113.77"
    headers = {"X-Forwarded-For": client, "Content-Type": "application/json"}
    body = json.dumps({"jwt": "a.b.c"}).encode()
    statuses = [_request(gunicorn_server, "POST", "/api/v1/verify", body, headers)[0] for _ in range(70)]
    assert 429 in statuses and 500 not in statuses


def test_a_verification_of_our_own_credential_fetches_nothing_and_holds_no_lock(gunicorn_server):
    """Our own credential: its keys and status lists come from the database, not over HTTP."""
    server = gunicorn_server
    token = _token(server)
    auth = {"Authorization": f"Bearer {token}"}
    status, _, body = _request(
        server,
        "POST",
        "/api/v1/achievements",
        {"name": "Atelier", "description": "Un atelier.", "criteria": "Présence."},
        auth,
    )
    assert status == 201, body
    achievement = json.loads(body)["id"]
    status, _, body = _request(
        server,
        "POST",
        "/api/v1/credentials",
        {"achievement": achievement, "recipient": {"email": "a@exemple.fr"}},
        auth,
    )
    assert status == 201, body
    credential = json.loads(body)
    url = credential["url"]
    for payload in ({"credential": credential["credential"]}, {"url": url}):
        started = time.monotonic()
        status, _, answer = _request(server, "POST", "/api/v1/verify", payload, {"X-Forwarded-For": "192.0.2.200"})
        assert status == 200 and json.loads(answer)["verified"] is True, answer[:500]
        assert time.monotonic() - started < HOSTILE_BOUND


def test_hostile_svg_and_huge_png(gunicorn_server):
    server = gunicorn_server
    auth = {"Authorization": f"Bearer {_token(server)}"}
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle r="30" cx="32" cy="32"/>'
        b'<set attributeName="onmouseover" to="alert(1)"/><style>@import url(http://evil.example/x.css);</style>'
        b'<rect width="9" height="9" style="fill:url(http://evil.example/p)"/></svg>'
    )
    status, _, body = _multipart(server, "/api/v1/achievements", svg, "badge.svg", auth)
    assert status == 201, body
    image_url = json.loads(body)["image"]["id"]
    status, _, stored = _request(server, "GET", image_url[len(server.url) :])
    assert status == 200 and b"evil.example" not in stored and b"onmouseover" not in stored
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    status, _, body = _multipart(server, "/api/v1/achievements", out.getvalue(), "badge.png", auth)
    assert status == 413 and _code(body) == "image.too_large", body[:300]


def test_sign_in_guessing_is_slowed_not_locked(gunicorn_server):
    server = gunicorn_server
    import re

    email = "guess-target@exemple.fr"
    with server.badger.transaction() as session:
        from badger.accounts import service as accounts

        accounts.create_user(server.badger, session, email=email, name="Target", password="the right password!")
    statuses = []
    # Delays double from the 5th failure (1 s, 2 s, 4 s...): by the 10th attempt even a slow
    # machine (an attempt hashes a password) meets one.
    for _ in range(10):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.addheaders = [("X-Forwarded-For", "198.18.0.9")]
        page = opener.open(server.url + "/account/login").read().decode()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": "wrong guess", "csrf_token": csrf}).encode()
        try:
            with opener.open(server.url + "/account/login", data=form) as response:
                statuses.append((response.status, None))
        except urllib.error.HTTPError as error:
            statuses.append((error.code, error.headers.get("Retry-After")))
    limited = [retry for status, retry in statuses if status == 429]
    assert limited and all(0 < int(retry) <= 30 for retry in limited), statuses  # seconds, not 15 minutes
    assert all(status in (200, 429) for status, _ in statuses)


# ---------------------------------------------------------------------------------- helpers


def _token(server) -> str:
    if not hasattr(server, "_test_token"):
        from tests.fixtures import issuer_factory

        _issuer, token = issuer_factory(server.badger)(name="Attaques", slug=f"attaques-{int(time.time() * 1000)}")
        server._test_token = token
    return server._test_token


def _multipart(server, path, data: bytes, filename: str, headers: dict):
    boundary = "badger" + base64.b16encode(filename.encode()).decode()
    fields = {"name": "Badge piégé", "description": "Une image.", "criteria": "Aucun."}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return _request(
        server, "POST", path, body, {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    )

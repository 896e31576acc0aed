"""The verification budget and the fetcher's address rules, at library level (no server).

The time bounds below are the security bounds the hardening issue names ("a hostile input is
refused in well under a second"), not performance figures: each is generous (5x to 10x what
the guard needs here) and fails only if a guard stops guarding. They count this thread's CPU
time (``time.thread_time``), the work the guard lets through: on a machine busy with other
tests, wall time also counts the waits for a core (a 40-node clique once took 1.4 s of wall
time and 0.08 s of work).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from badger.errors import CanonicalizationLimit, InvalidInput, ResolutionError
from badger.jsonld import budget
from badger.jsonld.canonical import canonicalize
from badger.keys.fetch import HttpFetcher, is_public_address

BOUND = 1.0  # seconds: "well under a second" for a hostile input


def clique(n: int) -> dict:
    """A document whose n blank nodes all point at each other (the RDFC-1.0 poison graph)."""
    knows = "https://example.org/knows"
    nodes = [{"@id": f"_:b{i}", knows: [{"@id": f"_:b{j}"} for j in range(n) if j != i]} for i in range(n)]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", knows: nodes},
    }


@pytest.mark.parametrize("nodes", [10, 40, 100])
def test_poison_graphs_are_refused_quickly(nodes):
    started = time.thread_time()
    with pytest.raises(CanonicalizationLimit):
        canonicalize(clique(nodes))
    assert time.thread_time() - started < BOUND


def test_small_symmetric_graphs_still_canonicalize():
    # Four interlinked blank nodes: real N-degree work, within the bound.
    assert canonicalize(clique(4)).count(" <https://example.org/knows> ") == 4 + 4 * 3


def test_work_is_summed_over_a_whole_verification():
    spent = budget.Budget(work_floor=1_000, work_per_quad=0)
    with budget.use(spent), pytest.raises(budget.BudgetExceeded):
        for _ in range(100):  # each alone is within canonicalize's own limit
            canonicalize(clique(4))
    assert spent.exceeded is not None
    with pytest.raises(budget.BudgetExceeded):  # sticky: every later charge fails at once
        spent.check()


def test_deadline_fetch_and_proof_caps():
    now = [0.0]
    spent = budget.Budget(seconds=2, max_fetches=2, max_proofs=3, clock=lambda: now[0])
    assert spent.fetch("https://a") == 2
    spent.fetch("https://b")
    with pytest.raises(budget.BudgetExceeded):
        spent.fetch("https://c")
    with pytest.raises(budget.BudgetExceeded):
        budget.Budget(max_proofs=3).proofs(200)
    late = budget.Budget(seconds=1, clock=lambda: now[0])
    now[0] = 5.0
    with pytest.raises(budget.BudgetExceeded, match="longer than"):
        late.check()


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"credential": ' + "[" * 65 + "]" * 65 + "}",
    ],
)
def test_deep_json_is_refused_before_parsing(text):
    started = time.thread_time()
    with pytest.raises(budget.JsonTooDeep):
        budget.check_json_text(text, max_bytes=10**7)
    assert time.thread_time() - started < BOUND


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        '{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\"}',
        json.dumps({"a": [[[[{"b": [1, 2, {"c": "]]]]]"}]}]]]]}),
    ],
)
def test_brackets_inside_strings_do_not_count(text):
    budget.check_json_text(text, max_bytes=10**6)
    json.loads(text)


def test_json_size_limit():
    with pytest.raises(InvalidInput) as err:
        budget.check_json_text(b"{}" + b" " * 100, max_bytes=50)
    assert err.value.code == "input.too_large"


# ------------------------------------------------------------------------------------ SSRF


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:8.8.8.8",  # mapped, even to a public IPv4: refused as a form
        "64:ff9b::7f00:1",  # NAT64 -> 127.0.0.1
        "64:ff9b::808:808",  # NAT64, even to a public IPv4
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4007:80f::200e"])
def test_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]:18599/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[2002:7f00:1::1]/x",
        "http://[::7f00:1]/x",
    ],
)
def test_the_public_fetcher_refuses_embedded_ipv4_forms(url):
    with pytest.raises(ResolutionError) as err:
        HttpFetcher(timeout=1, public_only=True)(url)
    assert err.value.code == "key.fetch_refused"


class _Handler(BaseHTTPRequestHandler):
    hits = 0
    cache_control = "max-age=30"

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).hits += 1
        body = json.dumps({"host": self.headers.get("Host"), "hit": type(self).hits}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.cache_control:
            self.send_header("Cache-Control", self.cache_control)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _Handler.hits = 0
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_resolves_once_and_connects_to_the_checked_address(origin, monkeypatch):
    """DNS rebinding: the first answer is checked and used; a second lookup never happens."""
    answers = iter(["127.0.0.1", "10.9.9.9"])  # a rebinding resolver would answer the second
    calls = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    body = HttpFetcher(timeout=2)(f"http://rebind.test:{origin}/x.json")
    assert json.loads(body)["host"] == f"rebind.test:{origin}"  # the name is kept for Host (and SNI)
    assert calls == ["rebind.test"]


def test_cache_honours_max_age_and_no_store(origin):
    fetcher = HttpFetcher(timeout=2, cache_seconds=60)
    url = f"http://127.0.0.1:{origin}/did.json"
    assert fetcher(url) == fetcher(url) and _Handler.hits == 1
    _Handler.cache_control = "no-store"
    try:
        other = f"http://127.0.0.1:{origin}/status.json"
        fetcher(other)
        fetcher(other)
        assert _Handler.hits == 3
    finally:
        _Handler.cache_control = "max-age=30"
    _Handler.cache_control = "max-age=0"
    try:
        short = f"http://127.0.0.1:{origin}/short.json"
        fetcher(short)
        fetcher(short)
        assert _Handler.hits == 5
    finally:
        _Handler.cache_control = "max-age=30"


def test_fetches_are_charged_to_the_budget(origin):
    fetcher = HttpFetcher(timeout=2)
    spent = budget.Budget(max_fetches=2)
    with budget.use(spent):
        fetcher(f"http://127.0.0.1:{origin}/1")
        fetcher(f"http://127.0.0.1:{origin}/2")
        with pytest.raises(budget.BudgetExceeded):
            fetcher(f"http://127.0.0.1:{origin}/3")
    assert _Handler.hits == 2

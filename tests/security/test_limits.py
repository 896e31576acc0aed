"""Request rate limits (badger.web.limits): 429 with Retry-After, a problem body for programs
and a page for browsers, counters shared between workers through Redis when configured."""

from __future__ import annotations

import uuid

import pytest

from badger.web import limits


def _exhaust(client, path, **kwargs):
    burst = int(limits.LIMITS["public.api_verify"].split("/", 1)[0])
    answers = [client.post(path, **kwargs).status_code for _ in range(burst + 1)]
    return answers


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_public_verify_is_limited_with_a_problem_body(client):
    answers = _exhaust(client, "/api/v1/verify", json={"jwt": "a.b.c"})
    assert set(answers[:-1]) == {200} and answers[-1] == 429
    limited = client.post("/api/v1/verify", json={"jwt": "a.b.c"})
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 61
    assert limited.mimetype == "application/problem+json"
    assert limited.get_json()["code"] == "http.too_many_requests"
    # Another address is counted apart.
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    assert other.post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code == 200


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_verify_form_answers_a_readable_page(client):
    answers = _exhaust(client, "/verify", data={"credential": "x"}, headers={"Accept": "text/html"})
    assert answers[-1] == 429
    page = client.post("/verify", data={"credential": "x"}, headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and "Trop de requêtes" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers
    assert client.get("/verify").status_code == 200  # reading the page is not limited


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_redis_shares_the_counters_between_workers(badger):
    """Two apps (two gunicorn workers) on one Redis: the limit is one."""
    import dataclasses

    import redis

    from badger.web import create_app

    prefix_db = "redis://127.0.0.1:6379/11"  # not 13: tests/e2e/test_bulk_10k.py flushes that one
    settings = dataclasses.replace(badger.settings, ratelimit_storage_url=prefix_db)
    badger.settings = settings
    address = f"192.0.2.{uuid.uuid4().int % 200 + 20}"
    first, second = (create_app(badger=badger).test_client() for _ in range(2))
    for client in (first, second):
        client.environ_base["REMOTE_ADDR"] = address
    try:
        burst = int(limits.LIMITS["public.api_verify"].split("/", 1)[0])
        for n in range(burst):
            assert (first if n % 2 else second).post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code == 200
        assert first.post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code == 429
        assert second.post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code == 429
    finally:
        connection = redis.Redis.from_url(prefix_db)
        for key in connection.scan_iter("*badger-limits*"):
            connection.delete(key)

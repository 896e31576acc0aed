"""BADGER_BULK_RUNNERS: how many queue messages a bulk job gets, so that a deployment with many
`badger worker` processes lets more of them share one job's chunks (real Redis, RQ's queue)."""

from __future__ import annotations

import os

import pytest
import redis

from badger.bulk import service as bulk
from badger.config import load_settings
from badger.core import audit, queue
from badger.errors import InvalidInput
from badger.issuers import service as issuers
from tests.fixtures import achievement_factory, issuer_factory, make_badger

REDIS_URL = os.environ.get("BADGER_TEST_REDIS_RUNNERS", "redis://127.0.0.1:6379/12")  # a database of its own


def test_the_setting_is_read_and_checked():
    assert load_settings(environ={}).bulk_runners == 4
    assert load_settings(environ={"BADGER_BULK_RUNNERS": "16"}).bulk_runners == 16
    for bad in ("0", "65", "four", "-1"):
        with pytest.raises(InvalidInput, match="BADGER_BULK_RUNNERS"):
            load_settings(environ={"BADGER_BULK_RUNNERS": bad})


def test_a_job_gets_that_many_queue_messages(tmp_path):
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    app, close = make_badger("sqlite", tmp_path, queue_url=REDIS_URL, bulk_runners=7)
    try:
        issuer, _token = issuer_factory(app)(slug="cec-ouest")
        achievement = achievement_factory(app)(issuer).id
        with app.transaction() as session:
            issuer = issuers.get_issuer(session, "cec-ouest")
            bulk.start(
                app, session, issuer, achievement, [bulk.BulkRow("anne@exemple.fr", "Anne", line=1)], actor=audit.CLI
            )
        assert len(queue.redis_queue(app)) == 7
    finally:
        connection.flushdb()
        close()

"""Must show 2: property-based fuzzing of the published OpenAPI description (schemathesis).

Every operation of ``/api/v1/openapi.json`` is called with generated requests (valid and
invalid), authenticated with a partner's token, against the app on SQLite: no answer may be a
5xx, and every answer must be one the description documents (status code, media type, body
schema). The suite runs a small number of examples per operation; ``make fuzz`` runs the same
test with ``BADGER_FUZZ_EXAMPLES`` examples per operation (>= 10,000 requests in all) and
prints the count.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

EXAMPLES = int(os.environ.get("BADGER_FUZZ_EXAMPLES", "5"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
] + ([checks.positive_data_acceptance] if os.environ.get("BADGER_FUZZ_STRICT") else [])
CALLS = {"count": 0}


def _world():
    """The app under test (SQLite in a temporary folder), a partner, its token, a badge class.
    Built when the module is imported: schemathesis needs the schema to generate the tests."""
    import atexit
    import dataclasses
    import shutil
    import tempfile
    from pathlib import Path

    from badger.web import create_app
    from tests.fixtures import achievement_factory, issuer_factory, make_badger

    folder = Path(tempfile.mkdtemp(prefix="badger-fuzz-"))
    badger, close = make_badger("sqlite", folder)
    # Fuzzing checks what the API answers, not how often: no rate limit in the way.
    badger.settings = dataclasses.replace(badger.settings, rate_limits=False)
    issuer, token = issuer_factory(badger)(name="Fuzz", slug="fuzz")
    achievement_factory(badger)(issuer)
    app = create_app(badger=badger)
    app.testing = True

    def cleanup():
        close()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(cleanup)
    return app, token


APP, TOKEN = _world()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _count():
    yield
    print(f"\nschemathesis: {CALLS['count']} generated requests")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="BADGER_FUZZ_EXAMPLES" not in os.environ,  # reproducible in the suite; make fuzz varies
    suppress_health_check=list(HealthCheck),
)
def test_published_api(case):
    CALLS["count"] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

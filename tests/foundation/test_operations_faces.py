"""The faces an operator's tools use: health checks, JSON errors on the API, the API docs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from ketaclinic.api import api
from support import ApiClient


def test_liveness_answers_without_login_or_audit(db: Any) -> None:
    from ketaclinic.records.audit.models import AuditEvent

    before = AuditEvent.objects.count()
    answer = Client().get("/health/live")
    assert answer.status_code == 200
    assert answer.json() == {"status": "live"}
    assert AuditEvent.objects.count() == before


def test_readiness_checks_the_database_and_migrations(db: Any) -> None:
    answer = Client().get("/health/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}


def test_readiness_is_503_when_the_database_cannot_answer(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the server closed the connection")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", broken)
        answer = Client().get("/health/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": False, "migrations": False}


def test_health_refuses_writes(db: Any) -> None:
    assert Client().post("/health/live").status_code == 405


def test_an_unexpected_api_error_is_json_with_an_id_in_the_log(
    api_as: Callable[[Any], ApiClient],
    users: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ketaclinic.records.patients import services

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "search_patients", crash)
    client = api_as(users["nurse"])
    with caplog.at_level(logging.ERROR, logger="ketaclinic.api"):
        answer = client.get("/api/patients", q="x")
    assert answer.status_code == 500
    assert answer["Content-Type"].startswith("application/json")
    error_id = answer.json()["error_id"]
    assert error_id in answer.json()["detail"]
    assert any(error_id in record.getMessage() for record in caplog.records)


def test_an_integrity_clash_is_a_409_that_says_what_to_do(
    api_as: Callable[[Any], ApiClient],
    users: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import IntegrityError

    from ketaclinic.records.patients import services

    def clash(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "search_patients", clash)
    answer = api_as(users["nurse"]).get("/api/patients", q="x")
    assert answer.status_code == 409
    assert "reload" in answer.json()["detail"]


def test_an_html_error_from_django_under_the_api_becomes_json(db: Any) -> None:
    answer = Client().get("/api/no-such-endpoint")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["detail"] == "not found"


def test_the_api_documentation_is_for_logged_in_staff(
    db: Any, users: dict[str, Any], web_as: Callable[[Any], Client], patient_user: Any
) -> None:
    anonymous = Client()
    answer = anonymous.get("/api/openapi.json")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/api/docs").status_code == 302
    assert web_as(patient_user).get("/api/openapi.json").status_code == 403
    staff = web_as(users["front_desk"])
    assert staff.get("/api/openapi.json").json()["info"]["title"] == "ketaclinic API"
    page = staff.get("/api/docs")
    assert page.status_code == 200
    assert b"cdn" not in page.content.lower()  # Swagger UI from the app's own static files


def test_the_openapi_document_is_built_once_per_process(db: Any) -> None:
    first = api.get_openapi_schema(path_prefix="/api/")
    assert api.get_openapi_schema(path_prefix="/api/") is first

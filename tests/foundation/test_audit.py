"""The audit trail: an entry for every read and write path, append-only, viewable, exportable."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.cli import main as cli
from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.audit.models import AuditEvent
from support import PATIENT_DATA


def _last() -> AuditEvent:
    entry = AuditEvent.objects.order_by("-id").first()
    assert entry is not None
    return entry


def test_api_read_and_write_paths_are_audited(
    api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = api_as(users["nurse"])
    steps = [
        (lambda: client.get("/api/patients", q="Example"), "patient.search", None),
        (lambda: client.get(f"/api/patients/{patient.pk}"), "patient.view", patient.pk),
        (
            lambda: client.patch(f"/api/patients/{patient.pk}", {"phone": "1"}),
            "patient.update",
            patient.pk,
        ),
        (
            lambda: client.post(f"/api/patients/{patient.pk}/measurements", {"weight_kg": 66}),
            "patient.record_measurement",
            patient.pk,
        ),
    ]
    for call, action, patient_id in steps:
        assert call().status_code in (200, 201)
        entry = _last()
        assert (entry.action, entry.username, entry.role, entry.face, entry.patient_id) == (
            action,
            "nurse-user",
            "nurse",
            "api",
            patient_id,
        )
        assert entry.source_address == "127.0.0.1"
    physician = api_as(users["physician"])
    physician.post("/api/patients", {**PATIENT_DATA, "mrn": "AUD-1"})
    assert _last().action == "patient.register"


def test_web_read_and_write_paths_are_audited(
    web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = web_as(users["physician"])
    client.get("/patients/", {"q": "Example"})
    assert (_last().action, _last().face) == ("patient.search", "web")
    before = _last().pk
    client.get(f"/patients/{patient.pk}/")
    opened = AuditEvent.objects.filter(pk__gt=before).values_list("action", "patient_id")
    assert ("patient.view", patient.pk) in set(opened)
    client.post(f"/patients/{patient.pk}/measurements/", {"weight_kg": "69"})
    assert _last().action == "patient.record_measurement"


def test_cli_writes_are_audited(db: Any, tmp_path: Any) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-password\n")
    assert (
        cli(
            [
                "createuser",
                "--role",
                "nurse",
                "--username",
                "cli-nurse",
                "--password-file",
                str(secret),
            ]
        )
        == 0
    )
    entry = _last()
    assert (entry.action, entry.face, entry.username) == ("account.create", "system", "system")
    assert entry.detail["username"] == "cli-nurse"


def test_entries_cannot_be_changed_or_deleted_through_the_app(
    users: dict[str, Any], patient: Any
) -> None:
    entry = _last()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=entry.pk).action != "tampered"


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_in_sql(users: dict[str, Any], patient: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    entry = _last()
    for statement in (
        "UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AuditEvent.objects.get(pk=entry.pk).action == entry.action


def test_manager_views_and_filters_the_trail(
    web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = web_as(users["manager"])
    page = client.get("/audit/", {"action": "patient.register"})
    assert page.status_code == 200
    assert b"patient.register" in page.content
    assert b"patient.view" not in page.content.split(b"<tbody>")[1]
    assert _last().action == "audit.view"


def test_the_trail_names_patients_and_filters_by_mrn(
    web_as: Any, users: dict[str, Any], register: Any
) -> None:
    first = register(mrn="AU-1", family_name="Auditson", given_name="Ada")
    register(mrn="AU-2", family_name="Elsewhere", given_name="Eve")
    client = web_as(users["manager"])
    body = client.get("/audit/", {"patient": "au-1"}).content.decode().split("<tbody>")[1]
    assert "Auditson, Ada (AU-1)" in body
    assert "Elsewhere" not in body
    assert "Physician" in body  # the role in words
    assert _last().detail["patient_id"] == str(first.pk)
    nobody = client.get("/audit/", {"patient": "NO-SUCH"}).content.decode()
    assert "No entries." in nobody


def test_manager_exports_csv(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    client = web_as(users["manager"])
    answer = client.get("/audit.csv", {"username": "physician-user"})
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows
    assert {row["username"] for row in rows} == {"physician-user"}
    assert "patient.register" in {row["action"] for row in rows}
    assert _last().action == "audit.export"


def test_csv_neutralises_formulas(users: dict[str, Any], web_as: Any) -> None:
    from django.test import Client

    Client().post(
        "/api/auth/token",
        {"username": "=HYPERLINK(1)", "password": "x"},
        content_type="application/json",
    )
    answer = web_as(users["manager"]).get("/audit.csv", {"action": "auth.token"})
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert [row["username"] for row in rows] == ["'=HYPERLINK(1)"]


def test_non_manager_cannot_see_the_trail(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["physician"]).get("/audit/")
    assert answer.status_code == 403
    assert _last().outcome == "denied"

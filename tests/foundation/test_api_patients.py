"""The patient API: every endpoint, its answers and its error cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.patients.models import BodyMeasurement, Patient
from support import PATIENT_DATA, ApiClient


@pytest.fixture
def physician_api(api_as: Any, users: dict[str, Any]) -> ApiClient:
    return api_as(users["physician"])


def test_create_returns_the_record_with_its_first_measurement(physician_api: ApiClient) -> None:
    answer = physician_api.post(
        "/api/patients", {**PATIENT_DATA, "mrn": "A-1", "allergies": ["latex"]}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["mrn"] == "A-1"
    assert [(a["allergen"], a["label"], a["flagged"]) for a in body["allergies"]] == [
        ("latex", "Latex", False)
    ]
    assert body["latest_weight_kg"] == 70
    assert body["latest_height_cm"] == 165
    assert len(body["measurements"]) == 1


def test_create_assigns_an_mrn_when_none_is_given(physician_api: ApiClient) -> None:
    answer = physician_api.post("/api/patients", PATIENT_DATA)
    assert answer.status_code == 201
    assert answer.json()["mrn"].startswith("KC-")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": -5}, "weight_kg"),
        ({"weight_kg": 400.1}, "weight_kg"),
        ({"weight_kg": "heavy"}, "weight_kg"),
        ({"height_cm": 49.9}, "height_cm"),
        ({"height_cm": 250.5}, "height_cm"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "17/05/1970"}, "date_of_birth"),
        ({"sex": "x"}, "sex"),
        ({"given_name": ""}, "given_name"),
        ({"email": "not-an-address"}, "email"),
        ({"history_flags": ["made_up_condition"]}, "history_flags"),
        ({"medications": [{"dose_text": "10 mg"}]}, "medications.0.name"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    physician_api: ApiClient, change: dict[str, Any], field: str
) -> None:
    answer = physician_api.post("/api/patients", {**PATIENT_DATA, **change})
    assert answer.status_code == 422, answer.content
    assert field in [error["field"] for error in answer.json()["errors"]]
    assert Patient.objects.count() == 0
    assert BodyMeasurement.objects.count() == 0


def test_missing_required_field_is_named(physician_api: ApiClient) -> None:
    data = {k: v for k, v in PATIENT_DATA.items() if k != "family_name"}
    answer = physician_api.post("/api/patients", data)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "family_name", "message": "is required"}]


def test_malformed_json_is_400(physician_api: ApiClient) -> None:
    answer = physician_api.post("/api/patients", "{not json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"
    assert Patient.objects.count() == 0


def test_duplicate_mrn_is_refused(physician_api: ApiClient, patient: Any) -> None:
    answer = physician_api.post("/api/patients", {**PATIENT_DATA, "mrn": patient.mrn.lower()})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "mrn", "message": "is already in use"}]
    assert Patient.objects.count() == 1


def test_search_and_pagination(physician_api: ApiClient, register: Any) -> None:
    for index in range(30):
        register(mrn=f"P-{index:02d}", family_name="Paged" if index < 27 else "Other")
    first = physician_api.get("/api/patients", q="paged", page_size=10).json()
    assert (first["total"], first["pages"], len(first["items"])) == (27, 3, 10)
    last = physician_api.get("/api/patients", q="paged", page_size=10, page=3).json()
    assert len(last["items"]) == 7
    by_mrn = physician_api.get("/api/patients", q="p-28").json()
    assert [item["mrn"] for item in by_mrn["items"]] == ["P-28"]
    by_birth = physician_api.get("/api/patients", q="1970-05-17").json()
    assert by_birth["total"] == 30
    assert by_mrn["items"][0]["latest_weight_kg"] == 70


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 101}, {"page": "two"}])
def test_bad_paging_is_refused(physician_api: ApiClient, params: dict[str, Any]) -> None:
    answer = physician_api.get("/api/patients", **params)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] in params


def test_detail_and_404(physician_api: ApiClient, patient: Any) -> None:
    answer = physician_api.get(f"/api/patients/{patient.pk}")
    assert answer.status_code == 200
    assert answer.json()["family_name"] == "Example"
    assert physician_api.get("/api/patients/999999").status_code == 404


def test_update_changes_only_the_named_fields(physician_api: ApiClient, patient: Any) -> None:
    answer = physician_api.patch(
        f"/api/patients/{patient.pk}", {"phone": "555-0142", "history_flags": ["hypertension"]}
    )
    assert answer.status_code == 200, answer.content
    patient.refresh_from_db()
    assert (patient.phone, patient.history_flags, patient.family_name) == (
        "555-0142",
        ["hypertension"],
        "Example",
    )
    entry = AuditEvent.objects.get(action="patient.update")
    assert entry.detail == {"changed": ["history_flags", "phone"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_kg": 80}, "weight_kg"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"mrn": None}, "mrn"),
        ({}, "body"),
    ],
)
def test_bad_update_writes_nothing(
    physician_api: ApiClient, patient: Any, changes: dict[str, Any], field: str
) -> None:
    before = Patient.objects.values().get(pk=patient.pk)
    answer = physician_api.patch(f"/api/patients/{patient.pk}", changes)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert Patient.objects.values().get(pk=patient.pk) == before


def test_update_to_a_taken_mrn_is_refused(
    physician_api: ApiClient, patient: Any, register: Any
) -> None:
    other = register(mrn="MRN-0002")
    answer = physician_api.patch(f"/api/patients/{other.pk}", {"mrn": "MRN-0001"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "mrn"


def test_measurements_keep_the_history(physician_api: ApiClient, patient: Any) -> None:
    answer = physician_api.post(
        f"/api/patients/{patient.pk}/measurements",
        {"weight_kg": 68.4, "measured_at": "2026-01-05T09:00:00-05:00"},
    )
    assert answer.status_code == 201, answer.content
    detail = physician_api.get(f"/api/patients/{patient.pk}").json()
    assert detail["latest_weight_kg"] == 70  # the earlier date does not replace today's weight
    assert [m["weight_kg"] for m in detail["measurements"]] == [70, 68.4]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": 401}, "weight_kg"),
        ({"height_cm": 20}, "height_cm"),
        ({}, "weight_kg"),
        ({"weight_kg": 70, "measured_at": "2026-01-05T09:00:00"}, "measured_at"),
        ({"weight_kg": 70, "measured_at": "2999-01-05T09:00:00Z"}, "measured_at"),
    ],
)
def test_bad_measurement_writes_nothing(
    physician_api: ApiClient, patient: Any, body: dict[str, Any], field: str
) -> None:
    answer = physician_api.post(f"/api/patients/{patient.pk}/measurements", body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert BodyMeasurement.objects.count() == 1


def test_unauthenticated_is_401(db: Any) -> None:
    for path in ("/api/patients", "/api/patients/1"):
        answer = ApiClient(None).get(path)
        assert answer.status_code == 401
        assert "Bearer" in answer.json()["detail"]
    assert ApiClient("forged").get("/api/patients").status_code == 401


def test_wrong_role_is_403_and_audited(api_as: Any, users: dict[str, Any], patient: Any) -> None:
    manager = api_as(users["manager"])
    answer = manager.get(f"/api/patients/{patient.pk}")
    assert answer.status_code == 403
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.username, denial.action, denial.face, denial.patient_id) == (
        "manager-user",
        "patient.view",
        "api",
        patient.pk,
    )
    front_desk = api_as(users["front_desk"])
    answer = front_desk.patch(f"/api/patients/{patient.pk}", {"allergies": ["latex"]})
    assert answer.status_code == 403
    patient.refresh_from_db()
    assert patient.allergies == []


def test_patient_account_reads_its_own_record_only(
    api_as: Any, patient_user: Any, register: Any
) -> None:
    other = register(mrn="MRN-OTHER")
    client = api_as(patient_user)
    assert client.get(f"/api/patients/{patient_user.patient_id}").status_code == 200
    assert client.get(f"/api/patients/{other.pk}").status_code == 403
    assert client.get("/api/patients").status_code == 403


def test_openapi_document_lists_the_endpoints(
    api_as: Callable[[Any], ApiClient], users: dict[str, Any]
) -> None:
    document = api_as(users["nurse"]).get("/api/openapi.json").json()
    assert {"/api/auth/token", "/api/patients", "/api/patients/{patient_id}"} <= set(
        document["paths"]
    )


def test_responsible_physician_must_be_an_active_physician(
    physician_api: ApiClient, users: dict[str, Any], patient: Any
) -> None:
    ok = physician_api.patch(f"/api/patients/{patient.pk}", {"physician_id": users["physician"].pk})
    assert ok.status_code == 200
    assert ok.json()["physician_id"] == users["physician"].pk
    wrong = physician_api.patch(f"/api/patients/{patient.pk}", {"physician_id": users["nurse"].pk})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "physician_id"

"""Test results through the API: record, list, refuse bad input naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.results.models import TestResult

TODAY = timezone.localdate


@pytest.fixture
def doctor(api_as: Any, users: dict[str, Any]) -> Any:
    return api_as(users["physician"])


def test_record_and_list_a_liver_test(doctor: Any, patient: Any) -> None:
    path = f"/api/patients/{patient.pk}/results"
    body = {
        "test": "alt",
        "taken_on": TODAY().isoformat(),
        "value": 80,
        "unit": "U/L",
        "reference_low": 7,
        "reference_high": 56,
    }
    answer = doctor.post(path, body)
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert (data["loinc"], data["abnormal"], data["entered_by"]) == (
        "1742-6",
        True,
        "physician-user",
    )
    listed = doctor.get(path).json()
    assert [r["id"] for r in listed] == [data["id"]]
    assert AuditEvent.objects.filter(action="result.record", patient_id=patient.pk).exists()


def test_a_coded_result_is_flagged_by_its_code(doctor: Any, patient: Any) -> None:
    path = f"/api/patients/{patient.pk}/results"
    day = TODAY().isoformat()
    normal = doctor.post(path, {"test": "ecg", "taken_on": day, "code": "normal"}).json()
    positive = doctor.post(path, {"test": "pregnancy_test", "taken_on": day, "code": "positive"})
    assert normal["abnormal"] is False
    assert positive.json()["abnormal"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"test": "cholesterol", "value": 5, "unit": "mmol/L"}, "test"),
        ({"test": "alt", "value": 30, "unit": "mg/dL"}, "unit"),
        ({"test": "bilirubin", "value": 10, "unit": "U/L"}, "unit"),
        ({"test": "alt", "unit": "U/L"}, "value"),
        ({"test": "ecg", "code": "fine"}, "code"),
        ({"test": "ecg", "value": 1, "unit": "", "code": "normal"}, "value"),
        (
            {"test": "alt", "value": 30, "unit": "U/L", "reference_low": 50, "reference_high": 10},
            "reference_low",
        ),
        ({"test": "alt", "value": 30, "unit": "U/L", "taken_on": "2999-01-01"}, "taken_on"),
        ({"test": "alt", "value": 30, "unit": "U/L", "colour": "red"}, "colour"),
    ],
)
def test_bad_results_are_refused_naming_the_field(
    doctor: Any, patient: Any, body: dict[str, Any], field: str
) -> None:
    answer = doctor.post(
        f"/api/patients/{patient.pk}/results", {"taken_on": TODAY().isoformat(), **body}
    )
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not TestResult.objects.exists()


def test_front_desk_and_patients_cannot_read_results(
    api_as: Any, users: dict[str, Any], patient: Any, patient_user: Any
) -> None:
    for user in (users["front_desk"], patient_user):
        assert api_as(user).get(f"/api/patients/{patient.pk}/results").status_code == 403

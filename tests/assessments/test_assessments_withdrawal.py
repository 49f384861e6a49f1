"""Withdrawing a bundle request the patient will not complete: it stays on record with its
reason, stops blocking a new request, and can no longer be answered."""

from __future__ import annotations

from typing import Any

import pytest
from assessments_support import phq9

from ketaclinic.records.assessments import services
from ketaclinic.records.assessments.models import AssessmentRequest, RequestWithdrawal
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound


@pytest.fixture
def asked(users: dict[str, Any], actor_for: Any, patient: Any) -> AssessmentRequest:
    return services.request_bundle(
        actor_for(users["front_desk"]), patient.pk, {"bundle": "baseline_intake"}
    )


def _withdraw(actor: Any, patient: Any, asked: AssessmentRequest, reason: str = "moved away"):
    return services.withdraw_request(actor, patient.pk, asked.pk, {"reason": reason})


def test_a_withdrawn_request_is_closed_kept_and_audited(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, patient: Any, record: Any
) -> None:
    desk = actor_for(users["front_desk"])
    record("phq9", phq9(), context="baseline", request_id=asked.pk)
    status = _withdraw(desk, patient, asked)
    assert status.withdrawn
    assert not status.open
    assert not status.complete
    assert status.done == {"phq9"}
    assert services.list_requests(desk, patient.pk, open_only=True) == []
    assert [s.request for s in services.list_requests(desk, patient.pk)] == [asked]
    entry = AuditEvent.objects.get(action="assessment.request_withdraw")
    assert entry.detail == {"reason": "moved away", "done": ["phq9"]}
    again = services.request_bundle(desk, patient.pk, {"bundle": "baseline_intake"})
    assert [s.request for s in services.list_requests(desk, patient.pk, open_only=True)] == [again]


def test_a_withdrawn_request_cannot_be_answered(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, patient: Any, record: Any
) -> None:
    _withdraw(actor_for(users["nurse"]), patient, asked)
    with pytest.raises(InvalidInput) as error:
        record("phq9", phq9(), context="baseline", request_id=asked.pk)
    assert error.value.errors[0].field == "request_id"
    answered = record("phq9", phq9(), context="baseline")
    assert answered.request_id is None


def test_only_an_open_request_can_be_withdrawn(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    nurse = actor_for(users["nurse"])
    _withdraw(nurse, patient, asked)
    with pytest.raises(Conflict, match="already withdrawn"):
        _withdraw(nurse, patient, asked)
    assert RequestWithdrawal.objects.count() == 1


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "x", "extra": 1}])
def test_a_withdrawal_needs_a_reason_and_writes_nothing_without_one(
    asked: AssessmentRequest,
    users: dict[str, Any],
    actor_for: Any,
    patient: Any,
    data: dict[str, Any],
) -> None:
    with pytest.raises(InvalidInput):
        services.withdraw_request(actor_for(users["nurse"]), patient.pk, asked.pk, data)
    assert not RequestWithdrawal.objects.exists()


def test_who_may_withdraw(
    asked: AssessmentRequest,
    users: dict[str, Any],
    actor_for: Any,
    patient: Any,
    other_patient: Any,
    patient_user: Any,
) -> None:
    for who in (users["manager"], patient_user):
        with pytest.raises(Forbidden):
            _withdraw(actor_for(who), patient, asked)
    with pytest.raises(NotFound):
        services.withdraw_request(
            actor_for(users["nurse"]), other_patient.pk, asked.pk, {"reason": "r"}
        )
    assert not RequestWithdrawal.objects.exists()


def test_the_api_withdraws_and_refuses_bad_input(
    asked: AssessmentRequest, api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    api = api_as(users["front_desk"])
    path = f"/api/patients/{patient.pk}/assessment-requests/{asked.pk}/withdraw"
    assert api.post(path, {}).status_code == 422
    answer = api.post(path, {"reason": "asked in error"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["withdrawn"] is True
    assert answer.json()["withdrawal_reason"] == "asked in error"
    assert api.post(path, {"reason": "again"}).status_code == 409
    listed = api.get(f"/api/patients/{patient.pk}/assessment-requests", open_only="true")
    assert listed.json() == []


def test_the_web_withdraws_from_the_chart(
    asked: AssessmentRequest, web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    desk = web_as(users["front_desk"])
    path = f"/patients/{patient.pk}/assessment-requests/{asked.pk}/withdraw/"
    assert path.encode() in desk.get(f"/patients/{patient.pk}/").content
    refused = desk.post(path, {"reason": "  "})
    assert refused.status_code == 422
    assert not RequestWithdrawal.objects.exists()
    done = desk.post(path, {"reason": "patient declined"})
    assert done.status_code == 302
    chart = desk.get(done.url).content.decode()
    assert "withdrawn" in chart
    assert "patient declined" in chart
    assert web_as(users["manager"]).post(path, {"reason": "x"}).status_code == 403


def test_a_patient_lands_on_what_the_clinic_is_waiting_for(
    users: dict[str, Any], actor_for: Any, patient: Any, patient_user: Any, web_as: Any
) -> None:
    client = web_as(patient_user)
    assert client.get("/").url == f"/patients/{patient.pk}/"
    asked = services.request_bundle(
        actor_for(users["front_desk"]), patient.pk, {"bundle": "baseline_intake"}
    )
    assert client.get("/").url == "/my/questionnaires/"
    _withdraw(actor_for(users["front_desk"]), patient, asked)
    assert client.get("/").url == f"/patients/{patient.pk}/"

"""Bundle requests: staff ask, the patient answers, completion is derived from what was
submitted against the request; the front desk sees progress, never a score."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from assessments_support import NRS_SET, acr_met, every_item, phq9
from django.utils import timezone

from ketaclinic.records.assessments import history, services
from ketaclinic.records.assessments.models import AssessmentRequest
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound

BASELINE = {
    "acr2016": acr_met(),
    "fiqr": every_item("fiqr", 3),
    "phq9": phq9(),
    "gad7": every_item("gad7", 1),
    **{instrument: {instrument: 5} for instrument in NRS_SET},
}


@pytest.fixture
def asked(users: dict[str, Any], actor_for: Any, patient: Any) -> AssessmentRequest:
    """The front desk asks for the baseline intake."""
    return services.request_bundle(
        actor_for(users["front_desk"]), patient.pk, {"bundle": "baseline_intake"}
    )


def _status(actor: Any, patient: Any) -> services.RequestStatus:
    (status,) = services.list_requests(actor, patient.pk)
    return status


def test_the_front_desk_asks_and_sees_progress_but_no_scores(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, patient: Any, record: Any
) -> None:
    desk = actor_for(users["front_desk"])
    assert asked.instruments == list(BASELINE)
    assert (asked.bundle_version, asked.context) == ("1.0.0", "baseline")
    record("phq9", BASELINE["phq9"], context="baseline", request_id=asked.pk)
    status = _status(desk, patient)
    assert status.done == {"phq9"}
    assert not status.complete
    assert status.remaining == [i for i in BASELINE if i != "phq9"]
    with pytest.raises(Forbidden):
        history.list_assessments(desk, patient.pk)
    entry = AuditEvent.objects.get(action="assessment.request")
    assert entry.detail == {"bundle": "baseline_intake", "version": "1.0.0", "context": "baseline"}
    assert AuditEvent.objects.filter(action="assessment.request_view", username="front_desk-user")


def test_completion_is_derived_and_survives_amendment(
    asked: AssessmentRequest,
    users: dict[str, Any],
    actor_for: Any,
    patient: Any,
    patient_user: Any,
    record: Any,
) -> None:
    # Without request_id, a baseline submission completes the open request asking for it.
    stored = {
        instrument: record(instrument, answers, by=patient_user, context="baseline")
        for instrument, answers in BASELINE.items()
    }
    assert {a.request_id for a in stored.values()} == {asked.pk}
    nurse = actor_for(users["nurse"])
    assert _status(nurse, patient).complete
    services.amend_assessment(
        nurse, patient.pk, stored["gad7"].pk, {"answers": every_item("gad7", 0), "reason": "typo"}
    )
    assert _status(nurse, patient).complete
    # A follow-up does not attach to the baseline request.
    assert record("nrs_mood", {"nrs_mood": 1}).request is None


def test_an_open_request_blocks_a_second_one_until_complete(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, patient: Any, record: Any
) -> None:
    nurse = actor_for(users["nurse"])
    with pytest.raises(Conflict):
        services.request_bundle(nurse, patient.pk, {"bundle": "baseline_intake"})
    for instrument, answers in BASELINE.items():
        record(instrument, answers, context="baseline", request_id=asked.pk)
    again = services.request_bundle(nurse, patient.pk, {"bundle": "baseline_intake"})
    assert [s.request for s in services.list_requests(nurse, patient.pk, open_only=True)] == [again]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"request_id": 999_999}, "request_id"),
        ({"context": "follow_up"}, "context"),
        ({"instrument": "pgic", "answers": {"pgic": 3}}, "request_id"),
    ],
)
def test_a_submission_must_fit_its_request(
    asked: AssessmentRequest, record: Any, change: dict[str, Any], field: str
) -> None:
    fields = {"instrument": "phq9", "answers": phq9(), "context": "baseline"}
    fields |= {"request_id": asked.pk} | change
    with pytest.raises(InvalidInput) as error:
        record(fields.pop("instrument"), fields.pop("answers"), **fields)
    assert error.value.errors[0].field == field


def test_another_patients_request_cannot_be_answered(
    users: dict[str, Any], actor_for: Any, other_patient: Any, record: Any
) -> None:
    theirs = services.request_bundle(
        actor_for(users["nurse"]), other_patient.pk, {"bundle": "baseline_intake"}
    )
    with pytest.raises(InvalidInput) as error:
        record("phq9", phq9(), context="baseline", request_id=theirs.pk)
    assert error.value.errors[0].field == "request_id"


def test_an_instrument_is_answered_once_per_request(asked: AssessmentRequest, record: Any) -> None:
    record("phq9", phq9(), context="baseline", request_id=asked.pk)
    with pytest.raises(Conflict):
        record("phq9", phq9(), context="baseline", request_id=asked.pk)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"bundle": "everything"}, "bundle"),
        ({}, "bundle"),
        ({"bundle": "baseline_intake", "context": "someday"}, "context"),
        (
            {"bundle": "baseline_intake", "due_on": str(timezone.localdate() - timedelta(days=1))},
            "due_on",
        ),
        ({"bundle": "baseline_intake", "note": "hi"}, "note"),
    ],
)
def test_a_bad_request_names_the_field_and_writes_nothing(
    users: dict[str, Any], actor_for: Any, patient: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        services.request_bundle(actor_for(users["front_desk"]), patient.pk, data)
    assert [e.field for e in error.value.errors] == [field]
    assert not AssessmentRequest.objects.exists()


def test_requests_for_a_missing_patient_or_request_are_not_found(
    asked: AssessmentRequest, users: dict[str, Any], actor_for: Any, other_patient: Any
) -> None:
    nurse = actor_for(users["nurse"])
    with pytest.raises(NotFound):
        services.request_bundle(nurse, 999_999, {"bundle": "baseline_intake"})
    with pytest.raises(NotFound):
        services.get_request(nurse, other_patient.pk, asked.pk)


def test_a_patient_sees_only_their_own_requests(
    asked: AssessmentRequest,
    patient_user: Any,
    actor_for: Any,
    patient: Any,
    other_patient: Any,
) -> None:
    mine = actor_for(patient_user)
    assert services.get_request(mine, patient.pk, asked.pk).request == asked
    with pytest.raises(Forbidden):
        services.list_requests(mine, other_patient.pk)
    with pytest.raises(Forbidden):
        services.request_bundle(mine, patient.pk, {"bundle": "baseline_intake"})


def test_managers_neither_ask_nor_see(users: dict[str, Any], actor_for: Any, patient: Any) -> None:
    manager = actor_for(users["manager"])
    for call in (
        lambda: services.request_bundle(manager, patient.pk, {"bundle": "baseline_intake"}),
        lambda: services.list_requests(manager, patient.pk),
    ):
        with pytest.raises(Forbidden):
            call()

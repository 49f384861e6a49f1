"""Fixtures for the assessment tests: a patient cared for by the physician, and recording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def patient(register: Callable[..., Any], users: dict[str, Any]) -> Any:
    """Overrides the shared fixture: the patient's responsible physician is set, so alerts
    are addressed to them."""
    return register(mrn="MRN-0001", physician_id=users["physician"].pk)


@pytest.fixture
def other_patient(register: Callable[..., Any]) -> Any:
    return register(mrn="MRN-0002", given_name="Blake", family_name="Other")


@pytest.fixture
def record(
    users: dict[str, Any], actor_for: Callable[..., Any], patient: Any
) -> Callable[..., Any]:
    """Record an assessment through the service (as the nurse unless ``by`` is given)."""
    from ketaclinic.records.assessments import services

    def make(instrument: str, answers: dict[str, Any], by: Any = None, **fields: Any) -> Any:
        patient_id = fields.pop("patient_id", patient.pk)
        data = {"instrument": instrument, "answers": answers, "context": "follow_up", **fields}
        who = actor_for(by if by is not None else users["nurse"])
        return services.record_assessment(who, patient_id, data)

    return make

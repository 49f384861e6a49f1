"""Test results under /patients/{id}/results: ECG and laboratory results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ketaclinic.records.results import services
from ketaclinic.records.results.inputs import ResultIn

from .auth import actor
from .errors import ERRORS

router = Router(tags=["results"])


class ResultOut(Schema):
    id: int
    patient_id: int
    test: str
    loinc: str
    taken_on: date
    value: float | None
    unit: str
    code: str
    reference_low: float | None
    reference_high: float | None
    abnormal: bool
    note: str
    entered_by: str
    entered_at: datetime


@router.post("/{patient_id}/results", response={201: ResultOut, **ERRORS})
def record_result(request: HttpRequest, patient_id: int, data: ResultIn) -> Status[dict[str, Any]]:
    """Record a result: a number with a UCUM unit the test accepts, or one of its codes; an
    unknown test or a unit that does not fit it is refused (422 naming the field)."""
    found = services.record_result(actor(request), patient_id, data.model_dump(exclude_unset=True))
    return Status(201, services.result_as_dict(found))


@router.get("/{patient_id}/results", response={200: list[ResultOut], **ERRORS})
def list_results(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The patient's results, newest first."""
    return [
        services.result_as_dict(found)
        for found in services.list_results(actor(request), patient_id)
    ]

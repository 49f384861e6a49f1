"""Recording and reading test results (ECG, laboratory)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ketaclinic.core import DomainInputError
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.toolkit import audits_refusals, validate
from ketaclinic.screening.lab_tests import check_result, lab_catalog

from .inputs import ResultIn
from .models import TestResult

HISTORY_SHOWN = 100


@audits_refusals(Action.RESULT_RECORD)
def record_result(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> TestResult:
    """Store one result; an unknown test or a unit that does not fit it names the field."""
    authorize(actor, Action.RESULT_RECORD, patient_id=patient_id)
    fields = validate(ResultIn, data)
    patient = patient_or_404(patient_id)
    if fields.taken_on > timezone.localdate():
        raise InvalidInput.single("taken_on", "cannot be in the future")
    try:
        reading = check_result(
            fields.test,
            value=fields.value,
            unit=fields.unit,
            code=fields.code,
            reference_low=fields.reference_low,
            reference_high=fields.reference_high,
            flagged_abnormal=fields.abnormal,
        )
    except DomainInputError as error:
        raise InvalidInput.single(error.field, error.message) from None
    with transaction.atomic():
        result = TestResult.objects.create(
            patient=patient,
            test_id=reading.test.id,
            loinc=reading.test.loinc,
            taken_on=fields.taken_on,
            value=reading.value,
            unit=reading.unit,
            code=reading.code,
            reference_low=reading.reference_low,
            reference_high=reading.reference_high,
            abnormal=reading.abnormal,
            note=fields.note,
            catalog_version=lab_catalog().version,
            entered_by=actor.user,
        )
        audit.record(
            actor,
            Action.RESULT_RECORD,
            obj=result,
            patient_id=patient_id,
            detail={"test": result.test_id, "taken_on": result.taken_on.isoformat()},
        )
    return result


def list_results(actor: Actor, patient_id: int) -> list[TestResult]:
    """The patient's results, newest first."""
    authorize(actor, Action.RESULT_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    found = list(
        TestResult.objects.filter(patient_id=patient_id).select_related("entered_by")[
            :HISTORY_SHOWN
        ]
    )
    audit.record(actor, Action.RESULT_VIEW, patient_id=patient_id)
    return found


def result_as_dict(result: TestResult) -> dict[str, Any]:
    """One result as the API and the command line show it (``entered_by`` selected)."""
    return {
        "id": result.pk,
        "patient_id": result.patient_id,
        "test": result.test_id,
        "loinc": result.loinc,
        "taken_on": result.taken_on,
        "value": result.value,
        "unit": result.unit,
        "code": result.code,
        "reference_low": result.reference_low,
        "reference_high": result.reference_high,
        "abnormal": result.abnormal,
        "note": result.note,
        "entered_by": result.entered_by.username,
        "entered_at": result.entered_at,
    }


def latest_taken_on(patient_id: int) -> dict[str, date]:
    """The date of each test's latest result (internal: for gates, which audit their caller)."""
    rows = (
        TestResult.objects.filter(patient_id=patient_id)
        .values("test_id")
        .annotate(latest=Max("taken_on"))
        .values_list("test_id", "latest")
    )
    return dict(rows)


def taken_after(patient_id: int, test_ids: tuple[str, ...], day: date) -> set[str]:
    """Which of ``test_ids`` have a result taken after ``day`` (internal)."""
    rows = TestResult.objects.filter(
        patient_id=patient_id, test_id__in=test_ids, taken_on__gt=day
    ).values_list("test_id", flat=True)
    return set(rows)


def results_for_export(patient_id: int) -> list[TestResult]:
    """Every result, oldest first (internal: the export authorizes and audits its read)."""
    return list(TestResult.objects.filter(patient_id=patient_id).order_by("taken_on", "id"))

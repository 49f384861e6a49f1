"""Patient endpoints: list with search and pagination, detail, create, update, measurements."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema, Status

from ketaclinic.records.pages import Page
from ketaclinic.records.patients import services
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.inputs import MeasurementIn, MedicationIn, PatientCreate

from .auth import actor
from .errors import ERRORS
from .params import PageNumber
from .schemas import PageCountsOut, RecordedByOut

if TYPE_CHECKING:
    from ketaclinic.records.patients.models import BodyMeasurement, Patient

router = Router(tags=["patients"])


class MeasurementOut(RecordedByOut):
    id: int
    measured_at: datetime
    weight_kg: float | None
    height_cm: float | None


class AllergyOut(Schema):
    """A coded allergy; ``flagged`` is free text naming no known allergen."""

    allergen: str
    label: str
    reaction: str
    severity: str
    text: str
    flagged: bool


class _PatientIdentityOut(Schema):
    id: int
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str


class PatientSummaryOut(_PatientIdentityOut):
    latest_weight_kg: float | None = None
    latest_height_cm: float | None = None


class PatientOut(_PatientIdentityOut):
    phone: str
    email: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    emergency_contact_relationship: str
    allergies: list[AllergyOut] | None = Field(
        description="null for a role that may not see the clinical part (front desk)"
    )
    medications: list[MedicationIn] | None = Field(
        description="null for a role that may not see the clinical part (front desk)"
    )
    history_flags: list[str] | None = Field(
        description="null for a role that may not see the clinical part (front desk)"
    )
    physician_id: int | None
    coverage: str
    latest_weight_kg: float | None
    latest_height_cm: float | None
    measurements: list[MeasurementOut]
    created_at: datetime
    updated_at: datetime


class PatientPageOut(PageCountsOut):
    items: list[PatientSummaryOut]


class PatientSearch(Schema):
    q: str = ""
    page: PageNumber = 1
    page_size: int = 25


CLINICAL = ("allergies", "medications", "history_flags")


def _detail(chart: services.Chart) -> dict[str, Any]:
    patient = chart.patient
    return {
        **{
            name: getattr(patient, name)
            for name in PatientOut.model_fields
            if hasattr(patient, name)
        },
        "allergies": [a.as_dict() for a in patient_allergies(patient)],
        **({} if chart.clinical else dict.fromkeys(CLINICAL, None)),
        "latest_weight_kg": chart.latest_weight_kg,
        "latest_height_cm": chart.latest_height_cm,
        "measurements": chart.measurements,
    }


@router.get("", response={200: PatientPageOut, **ERRORS})
def list_patients(request: HttpRequest, params: Query[PatientSearch]) -> Page[Patient]:
    """Search by MRN, name or date of birth (YYYY-MM-DD); paginated."""
    return services.search_patients(actor(request), params.q, params.page, params.page_size)


@router.get("/{patient_id}", response={200: PatientOut, **ERRORS})
def get_patient(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    return _detail(services.get_chart(actor(request), patient_id))


@router.post("", response={201: PatientOut, **ERRORS})
def create_patient(request: HttpRequest, data: PatientCreate) -> Status[dict[str, Any]]:
    """Register a patient; ``weight_kg`` and ``height_cm`` start the measurement history."""
    who = actor(request)
    patient = services.register_patient(who, data.model_dump(exclude_unset=True))
    return Status(201, _detail(services.chart_of(patient, who)))


@router.patch("/{patient_id}", response={200: PatientOut, **ERRORS})
def update_patient(
    request: HttpRequest, patient_id: int, changes: Body[dict[str, Any]]
) -> dict[str, Any]:
    """Change the named fields only; weight and height go to /measurements."""
    who = actor(request)
    patient = services.update_patient(who, patient_id, changes)
    return _detail(services.chart_of(patient, who))


@router.post("/{patient_id}/measurements", response={201: MeasurementOut, **ERRORS})
def add_measurement(
    request: HttpRequest, patient_id: int, data: MeasurementIn
) -> Status[BodyMeasurement]:
    """Record a weight and/or height; the history keeps every earlier value."""
    return Status(
        201,
        services.record_measurement(
            actor(request), patient_id, data.model_dump(exclude_unset=True)
        ),
    )

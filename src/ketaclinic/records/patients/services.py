"""Patient services: every read and write of a patient record goes through here."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date

from ketaclinic.records.accounts.permissions import CLINICAL_PART_ROLES, Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.pages import Page
from ketaclinic.records.toolkit import atomic_or, audits_refusals, get_or_404, validate

from .inputs import CLINICAL_FIELDS, DEMOGRAPHIC_FIELDS, MeasurementIn, PatientCreate, PatientFields
from .models import BodyMeasurement, Patient

PAGE_SIZE_MAX = 100
CHART_MEASUREMENTS = 50


@dataclass(frozen=True)
class Chart:
    """A patient and the most recent measurements, newest first; ``clinical`` says whether
    the reader may see the clinical part (allergies, medications, history)."""

    patient: Patient
    measurements: list[BodyMeasurement]
    clinical: bool = True

    @property
    def latest_weight_kg(self) -> float | None:
        return next((m.weight_kg for m in self.measurements if m.weight_kg is not None), None)

    @property
    def latest_height_cm(self) -> float | None:
        return next((m.height_cm for m in self.measurements if m.height_cm is not None), None)


def with_latest_body_values(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate ``latest_weight_kg`` and ``latest_height_cm`` in the same query."""
    newest = BodyMeasurement.objects.filter(patient=OuterRef("pk")).order_by("-measured_at", "-id")
    return patients.annotate(
        latest_weight_kg=Subquery(newest.filter(weight_kg__isnull=False).values("weight_kg")[:1]),
        latest_height_cm=Subquery(newest.filter(height_cm__isnull=False).values("height_cm")[:1]),
    )


def search_patients(
    actor: Actor, query: str = "", page: int = 1, page_size: int = 25
) -> Page[Patient]:
    """Patients whose MRN, name or date of birth matches ``query``, a page at a time."""
    authorize(actor, Action.PATIENT_SEARCH)
    if page < 1:
        raise InvalidInput.single("page", "must be 1 or more")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise InvalidInput.single("page_size", f"must be between 1 and {PAGE_SIZE_MAX}")
    patients = Patient.objects.all()
    query = query.strip()
    if query:
        patients = patients.filter(_matching(query))
    total = patients.count()
    start = (page - 1) * page_size
    items = list(with_latest_body_values(patients)[start : start + page_size])
    audit.record(
        actor,
        Action.PATIENT_SEARCH,
        detail={"query": query, "page": page, "shown": [p.pk for p in items]},
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


def _matching(query: str) -> Q:
    condition = Q(mrn__iexact=query)
    for term in query.replace(",", " ").split():
        condition |= Q(family_name__icontains=term) | Q(given_name__icontains=term)
    born = _parse_date(query)
    if born is not None:
        condition |= Q(date_of_birth=born)
    return condition


US_DATE_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")


def _parse_date(text: str) -> date | None:
    """A date of birth as typed: ISO (1980-03-15) or the US order (03/15/1980, 3/15/1980)."""
    try:
        found = parse_date(text)
    except ValueError:
        return None
    if found is not None:
        return found
    for layout in US_DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def get_chart(actor: Actor, patient_id: int) -> Chart:
    """Open a patient's record: the read is audited."""
    authorize(actor, Action.PATIENT_VIEW, patient_id=patient_id)
    patient = _get(patient_id, related=("physician",))
    chart = chart_of(patient, actor)
    audit.record_on(actor, Action.PATIENT_VIEW, patient)
    return chart


def sees_clinical(actor: Actor) -> bool:
    """Whether ``actor`` may see a record's clinical part (minimum necessary: the front desk
    sees demographics, contacts and scheduling only)."""
    return actor.user.is_active and actor.role in CLINICAL_PART_ROLES


def chart_of(patient: Patient, actor: Actor) -> Chart:
    """The chart of a patient a service has just returned, as ``actor`` may see it (a write's
    own audit entry covers showing it back)."""
    measurements = list(patient.measurements.select_related("recorded_by")[:CHART_MEASUREMENTS])
    return Chart(patient=patient, measurements=measurements, clinical=sees_clinical(actor))


@audits_refusals(Action.PATIENT_REGISTER)
def register_patient(actor: Actor, data: Mapping[str, Any]) -> Patient:
    """Create a patient record, with a first weight and height when given."""
    authorize(actor, Action.PATIENT_REGISTER)
    fields = validate(PatientCreate, data)
    clinical = fields.model_fields_set & CLINICAL_FIELDS
    if clinical:
        authorize(actor, Action.PATIENT_EDIT_CLINICAL)
    values = fields.model_dump(exclude={"weight_kg", "height_cm"})
    values["mrn"] = values["mrn"] or _new_mrn()
    _check_mrn_free(values["mrn"])
    with atomic_or(InvalidInput.single("mrn", "is already in use")):
        patient = Patient.objects.create(**values)
        if fields.weight_kg is not None or fields.height_cm is not None:
            BodyMeasurement.objects.create(
                patient=patient,
                measured_at=timezone.now(),
                weight_kg=fields.weight_kg,
                height_cm=fields.height_cm,
                recorded_by=actor.user,
            )
        audit.record_on(
            actor,
            Action.PATIENT_REGISTER,
            patient,
            detail={"fields": sorted(fields.model_fields_set)},
        )
    return patient


@audits_refusals(Audited.PATIENT_UPDATE)
@audits_refusals(Audited.PATIENT_UPDATE)
def update_patient(actor: Actor, patient_id: int, changes: Mapping[str, Any]) -> Patient:
    """Change some fields of a record; the roles that may edit each field group differ."""
    if not isinstance(changes, Mapping) or not changes:
        # Nothing named (a form the role may fill no field of): the caller must still be one
        # who may edit this record, so a refused edit of another's record is a recorded denial.
        if not may(actor, Action.PATIENT_EDIT_CLINICAL):
            authorize(actor, Action.PATIENT_EDIT_DEMOGRAPHICS, patient_id=patient_id)
        raise InvalidInput.single("body", "name at least one field to change")
    unknown = sorted(set(changes) - DEMOGRAPHIC_FIELDS - CLINICAL_FIELDS)
    if unknown:
        raise InvalidInput.single(unknown[0], "is not a field that can be changed")
    if set(changes) & DEMOGRAPHIC_FIELDS:
        authorize(actor, Action.PATIENT_EDIT_DEMOGRAPHICS, patient_id=patient_id)
    if set(changes) & CLINICAL_FIELDS:
        authorize(actor, Action.PATIENT_EDIT_CLINICAL, patient_id=patient_id)
    patient = _get(patient_id)
    current = {name: getattr(patient, name) for name in PatientFields.model_fields}
    merged = validate(PatientFields, {**current, **changes}).model_dump()
    changed = sorted(name for name in changes if merged[name] != current[name])
    if "mrn" in changed:
        if merged["mrn"] is None:
            raise InvalidInput.single("mrn", "cannot be removed")
        _check_mrn_free(merged["mrn"], exclude=patient.pk)
    with atomic_or(InvalidInput.single("mrn", "is already in use")):
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        for name in changed:
            setattr(locked, name, merged[name])
        locked.save()
        audit.record_on(actor, Audited.PATIENT_UPDATE, locked, detail={"changed": changed})
    return locked


@audits_refusals(Action.PATIENT_RECORD_MEASUREMENT)
def record_measurement(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> BodyMeasurement:
    """Add a weight and/or height to the patient's dated history."""
    authorize(actor, Action.PATIENT_RECORD_MEASUREMENT, patient_id=patient_id)
    fields = validate(MeasurementIn, data)
    if fields.weight_kg is None and fields.height_cm is None:
        raise InvalidInput.single("weight_kg", "give a weight, a height or both")
    patient = _get(patient_id)
    with transaction.atomic():
        measurement = BodyMeasurement.objects.create(
            patient=patient,
            measured_at=fields.measured_at or timezone.now(),
            weight_kg=fields.weight_kg,
            height_cm=fields.height_cm,
            recorded_by=actor.user,
        )
        audit.record(
            actor,
            Action.PATIENT_RECORD_MEASUREMENT,
            obj=measurement,
            patient_id=patient.pk,
        )
    return measurement


def _get(patient_id: int, related: tuple[str, ...] = ()) -> Patient:
    return get_or_404(Patient.objects.select_related(*related), patient_id, "patient")


def _check_mrn_free(mrn: str, exclude: int | None = None) -> None:
    clash = Patient.objects.filter(mrn__iexact=mrn)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise InvalidInput.single("mrn", "is already in use")


def _new_mrn() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        mrn = "KC-" + "".join(secrets.choice(alphabet) for _ in range(8))
        if not Patient.objects.filter(mrn=mrn).exists():
            return mrn

"""Patients' whole records a chunk of patients at a time, for a bulk export: a few queries per
chunk (not per patient), so memory stays flat and 100,000 patients take minutes, not hours.

Mirrors ``outcomes.exchange.patient_record`` (which reads one patient, authorized and audited);
a new part of ``PatientRecord`` is loaded here too. The caller authorizes and audits the export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.bookings.models import Appointment
from ketaclinic.records.outcomes import infusions
from ketaclinic.records.outcomes.exchange import PatientRecord, amendment_lines
from ketaclinic.records.patients.models import BodyMeasurement, Patient
from ketaclinic.records.results.models import TestResult
from ketaclinic.records.sessions.models import RescueMedication, VitalSigns
from ketaclinic.records.sessions.visits import session_visits

CHUNK = 200
"""Patients read together (one query per part of the record per chunk)."""


def _by_patient(rows: Iterable[Any], key: str = "patient_id") -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _chunk_records(ids: list[int]) -> Iterator[PatientRecord]:
    patients = Patient.objects.in_bulk(ids)
    measurements = _by_patient(
        BodyMeasurement.objects.filter(patient_id__in=ids).order_by("measured_at", "id")
    )
    assessments = _by_patient(
        Assessment.objects.current()
        .filter(patient_id__in=ids)
        .select_related("amends")
        .order_by("completed_at", "id")
    )
    chains = _by_patient(
        Assessment.objects.filter(patient_id__in=ids).only("pk", "amends_id", "patient_id")
    )
    given = _by_patient(infusions.infusion_events(ids, None, None))
    appointments = _by_patient(
        Appointment.objects.filter(patient_id__in=ids)
        .select_related("location", "physician")
        .order_by("starts_at", "id")
    )
    rescues = defaultdict(list)
    for rescue in (
        RescueMedication.objects.current()
        .filter(session__patient_id__in=ids)
        .select_related("prn_order", "session")
        .order_by("at", "id")
    ):
        rescues[rescue.session.patient_id].append(rescue)
    vitals = defaultdict(list)
    for signs in (
        VitalSigns.objects.current()
        .filter(session__patient_id__in=ids)
        .select_related("session")
        .order_by("at", "id")
    ):
        vitals[signs.session.patient_id].append(signs)
    results = _by_patient(TestResult.objects.filter(patient_id__in=ids).order_by("taken_on", "id"))
    sessions = defaultdict(list)
    for visit in session_visits(ids):
        sessions[visit.patient_id].append(visit)
    for pk in ids:
        if pk not in patients:
            continue
        yield PatientRecord(
            patient=patients[pk],
            measurements=measurements[pk],
            assessments=assessments[pk],
            infusions=given[pk],
            appointments=appointments[pk],
            rescue_medications=rescues[pk],
            test_results=results[pk],
            vital_signs=vitals[pk],
            versions=amendment_lines({a.pk: a.amends_id for a in chains[pk]}),
            sessions=sessions[pk],
        )


def patient_records(patient_ids: Iterable[int], chunk: int = CHUNK) -> Iterator[PatientRecord]:
    """Each patient's record, in the order of ``patient_ids`` (an iterator is read lazily)."""
    batch: list[int] = []
    for pk in patient_ids:
        batch.append(pk)
        if len(batch) == chunk:
            yield from _chunk_records(batch)
            batch = []
    if batch:
        yield from _chunk_records(batch)

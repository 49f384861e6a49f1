"""What leaves and enters in standard forms: one patient's whole record (for the FHIR export and
the FHIR read endpoints) and patients to import (from a FHIR Bundle, already read by the face)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Lower

from ketaclinic.instruments import Definition, InstrumentError
from ketaclinic.outcomes import InfusionEvent
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.inputs import PatientCreate
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import BodyMeasurement, Patient
from ketaclinic.records.results.services import results_for_export
from ketaclinic.records.toolkit import audits_refusals, validate

from . import infusions


@dataclass(frozen=True)
class PatientRecord:
    """One patient's record as the exports read it; lists are oldest first."""

    patient: Patient
    measurements: list[BodyMeasurement]
    assessments: list[Assessment]
    """Current assessments only (an amendment replaces what it corrects)."""
    infusions: list[InfusionEvent]
    appointments: list[Any]
    rescue_medications: list[Any] = field(default_factory=list)
    """Rescue drugs given in sessions (current entries), each against its PRN order."""
    test_results: list[Any] = field(default_factory=list)
    """ECG and laboratory results (records.results), oldest first."""
    vital_signs: list[Any] = field(default_factory=list)
    """Vital signs taken in infusion sessions (current entries), oldest first."""
    sessions: list[Any] = field(default_factory=list)
    """Infusion sessions as visits (``records.sessions.visits.SessionVisit``), oldest first."""

    versions: dict[int, tuple[int, int]] = field(default_factory=dict)
    """For each current assessment: the id of the first record of its line of amendments and
    its version number in that line (1 for a record never amended)."""

    def version(self, assessment: Assessment) -> tuple[int, int]:
        """(the original's id, this version's number): one resource, amended in versions."""
        return self.versions.get(assessment.pk, (assessment.pk, 1))

    def definition(self, assessment: Assessment) -> Definition | None:
        """The definition version the assessment was scored with, if still loaded."""
        try:
            return registry().get(assessment.instrument_id, assessment.instrument_version)
        except InstrumentError:
            return None


def patient_record(
    actor: Actor, patient_id: int, *, action: Action = Action.EXPORT_FHIR, view: str = "bundle"
) -> PatientRecord:
    """Demographics, measurements, current assessments, infusions and appointments; ``action``
    is the permission the read needs and the name it is audited under."""
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.sessions.models import RescueMedication, VitalSigns
    from ketaclinic.records.sessions.visits import session_visits

    authorize(actor, action, patient_id=patient_id)
    patient = patient_or_404(patient_id)
    record = PatientRecord(
        patient=patient,
        measurements=list(patient.measurements.order_by("measured_at", "id")),
        assessments=list(
            Assessment.objects.current()
            .filter(patient=patient)
            .select_related("amends")
            .order_by("completed_at", "id")
        ),
        infusions=infusions.infusion_events([patient.pk], None, None),
        appointments=list(
            Appointment.objects.filter(patient=patient)
            .select_related("location", "physician")
            .order_by("starts_at", "id")
        ),
        rescue_medications=list(
            RescueMedication.objects.current()
            .filter(session__patient=patient)
            .select_related("prn_order", "session")
            .order_by("at", "id")
        ),
        test_results=results_for_export(patient.pk),
        vital_signs=list(
            VitalSigns.objects.current().filter(session__patient=patient).order_by("at", "id")
        ),
        versions=_amendment_lines(patient),
        sessions=session_visits([patient.pk]),
    )
    audit.record_on(actor, action, patient, detail={"view": view})
    return record


def _amendment_lines(patient: Patient) -> dict[int, tuple[int, int]]:
    return amendment_lines(
        dict(Assessment.objects.filter(patient=patient).values_list("pk", "amends_id"))
    )


def amendment_lines(amends: dict[int, int | None]) -> dict[int, tuple[int, int]]:
    """Each assessment's original and version number, from the chain of amendments
    (assessment id → the id it amends)."""
    lines: dict[int, tuple[int, int]] = {}
    for pk in amends:
        original, number = pk, 1
        while (earlier := amends.get(original)) is not None:
            original, number = earlier, number + 1
        lines[pk] = (original, number)
    return lines


IMPORT_BATCH = 100
"""At most this many patients registered per transaction during an import …"""
BATCH_SECONDS = 0.25
"""… and a transaction takes no longer than about this (on a busy machine, fewer patients)."""
BATCH_PAUSE_S = 0.12
"""On SQLite, the pause between batches that lets other users' writes in."""


class ImportMode(StrEnum):
    DRY_RUN = "dry_run"
    """Report what would happen; write nothing."""
    ALL_OR_NOTHING = "all_or_nothing"
    """Import every patient, or none when any is invalid."""
    VALID_ONLY = "valid_only"
    """Import the valid patients; report the invalid ones."""


@dataclass(frozen=True)
class ImportCandidate:
    """One entry of the file: the patient fields read from it, or why it could not be read."""

    position: int
    label: str
    fields: dict[str, Any] | None
    errors: tuple[FieldError, ...] = ()
    skipped: str = ""
    """Why the entry is not a patient to import (e.g. another resource type)."""
    paths: dict[str, str] = field(default_factory=dict)
    """Where in the file each field came from (its FHIR path), to name it in messages."""
    not_kept: tuple[str, ...] = ()
    """What the file holds that the patient record cannot (FHIR paths)."""

    def where(self, name: str) -> str:
        """The file's name for a record field (its FHIR path, when the reader said)."""
        return self.paths.get(name) or self.paths.get(name.split(".")[0], name)


@dataclass
class ImportLine:
    position: int
    label: str
    status: str
    """valid, invalid, skipped, imported or not_imported."""
    messages: list[str] = field(default_factory=list)
    mrn: str = ""
    patient_id: int | None = None
    not_kept: list[str] = field(default_factory=list)
    """What the entry holds that the record could not keep (FHIR paths)."""


@dataclass(frozen=True)
class ImportReport:
    mode: ImportMode
    lines: tuple[ImportLine, ...]

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def invalid(self) -> int:
        return self.count("invalid")

    @property
    def imported(self) -> int:
        return self.count("imported")


def _check(candidates: Sequence[ImportCandidate]) -> list[ImportLine]:
    """Validate every candidate as a new patient; MRNs must be new and not repeat."""
    given = [str(c.fields["mrn"]).lower() for c in candidates if c.fields and c.fields.get("mrn")]
    repeats = Counter(given)
    taken = set(
        Patient.objects.annotate(lower_mrn=Lower("mrn"))
        .filter(lower_mrn__in=given)
        .values_list("lower_mrn", flat=True)
    )
    lines = []
    for candidate in candidates:
        line = ImportLine(
            candidate.position, candidate.label, "valid", not_kept=list(candidate.not_kept)
        )
        if candidate.skipped:
            line.status, line.messages = "skipped", [candidate.skipped]
        else:
            messages = [f"{e.field}: {e.message}" for e in candidate.errors]
            if not messages and candidate.fields is not None:
                try:
                    checked = validate(PatientCreate, candidate.fields)
                except InvalidInput as error:
                    messages = [f"{candidate.where(e.field)}: {e.message}" for e in error.errors]
                else:
                    line.mrn = checked.mrn or ""
                    mrn = candidate.where("mrn")
                    if checked.mrn and checked.mrn.lower() in taken:
                        messages.append(f"{mrn}: {checked.mrn} is already in use")
                    elif checked.mrn and repeats[checked.mrn.lower()] > 1:
                        messages.append(f"{mrn}: {checked.mrn} appears more than once in the file")
            if messages:
                line.status, line.messages = "invalid", messages
        lines.append(line)
    return lines


@audits_refusals(Action.IMPORT_PATIENTS)
def import_patients(
    actor: Actor, candidates: Sequence[ImportCandidate], mode: ImportMode
) -> ImportReport:
    """Check every candidate, then (unless a dry run) register them: all of them, or only the
    valid ones when asked; each registration is audited as usual.

    The registrations are written in batches (``IMPORT_BATCH``, ``BATCH_SECONDS``), each a
    short transaction of its own, so that a large file (up to 10,000 entries) never holds the
    database for long: on SQLite one writer at a time holds the lock, and others wait. Every
    entry is checked before the first batch; an entry that another user's registration made
    invalid meanwhile (its MRN taken) is reported invalid and the others are imported."""
    authorize(actor, Action.IMPORT_PATIENTS)
    lines = _check(candidates)
    by_position = {c.position: c for c in candidates}
    any_invalid = any(line.status == "invalid" for line in lines)
    importing = mode == ImportMode.VALID_ONLY or (
        mode == ImportMode.ALL_OR_NOTHING and not any_invalid
    )
    if importing:
        _register_in_batches(actor, [line for line in lines if line.status == "valid"], by_position)
        audit.record(actor, Action.IMPORT_PATIENTS, detail=_summary(mode, lines))
    else:
        if mode != ImportMode.DRY_RUN:
            for line in lines:
                if line.status == "valid":
                    line.status = "not_imported"
                    line.messages.append("not imported: another entry is invalid")
        audit.record(actor, Action.IMPORT_PATIENTS, detail=_summary(mode, lines))
    return ImportReport(mode, tuple(lines))


def _register_in_batches(
    actor: Actor, valid: Sequence[ImportLine], by_position: dict[int, ImportCandidate]
) -> None:
    start = 0
    while start < len(valid):
        start = _register_batch(actor, valid, start, by_position)
        if connection.vendor == "sqlite" and start < len(valid):
            # SQLite's lock is not fair: a writer waiting for it checks every 100 ms at most,
            # so without a pause the next batch would take it again before any of them.
            time.sleep(BATCH_PAUSE_S)


def _register_batch(
    actor: Actor, valid: Sequence[ImportLine], start: int, by_position: dict[int, ImportCandidate]
) -> int:
    """Register ``valid[start:]`` in one transaction for at most ``BATCH_SECONDS`` (and
    ``IMPORT_BATCH`` patients); where the next batch starts."""
    deadline = time.monotonic() + BATCH_SECONDS
    end = start
    try:
        with transaction.atomic():
            while end < len(valid) and end - start < IMPORT_BATCH:
                _register(actor, valid[end], by_position[valid[end].position])
                end += 1
                if time.monotonic() > deadline:
                    break
    except InvalidInput:  # a registration made meanwhile clashes: one at a time, to name it
        end = min(end + 1, len(valid))
        for line in valid[start:end]:
            line.status, line.patient_id = "valid", None
            try:
                with transaction.atomic():
                    _register(actor, line, by_position[line.position])
            except InvalidInput as error:
                line.status = "invalid"
                candidate = by_position[line.position]
                line.messages = [f"{candidate.where(e.field)}: {e.message}" for e in error.errors]
    return end


def _register(actor: Actor, line: ImportLine, candidate: ImportCandidate) -> None:
    patient = patients.register_patient(actor, candidate.fields or {})
    line.status, line.mrn, line.patient_id = "imported", patient.mrn, patient.pk


def _summary(mode: ImportMode, lines: list[ImportLine]) -> dict[str, Any]:
    return {"mode": str(mode), **Counter(line.status for line in lines)}

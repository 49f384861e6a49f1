"""The patient fills in their own intake, section by section, then sends it to the clinic.

Each section is validated by the patient record's own rules and kept in the intake, marked as
the patient's, until a physician or nurse confirms it (``review.confirm``): nothing the patient
enters reaches the record the screening reads before then."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.assessments.services import RequestStatus, get_request
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.inputs import PatientFields
from ketaclinic.records.toolkit import audits_refusals, validate

from .choices import IntakeStatus, Section
from .inputs import SECTION_FIELDS
from .models import Intake


@dataclass(frozen=True)
class MyIntake:
    """The patient's intake with what they have entered and the questionnaires asked."""

    intake: Intake
    questionnaires: RequestStatus

    def saved(self, section: str) -> bool:
        return section in self.intake.entries

    @property
    def sections(self) -> list[tuple[Section, bool]]:
        return [(section, self.saved(section)) for section in Section]

    @property
    def missing(self) -> list[Section]:
        return [section for section in Section if not self.saved(section)]

    @property
    def editable(self) -> bool:
        return self.intake.status == IntakeStatus.IN_PROGRESS


def _own(actor: Actor) -> int:
    patient_id = actor.user.patient_id
    authorize(actor, Action.INTAKE_FILL, patient_id=patient_id)
    assert patient_id is not None  # authorize lets a patient act on their own record only
    return patient_id


def _latest(patient_id: int) -> Intake:
    intake = (
        Intake.objects.filter(patient_id=patient_id)
        .select_related("invitation__assessment_request")
        .first()
    )
    if intake is None:
        raise NotFound("you have no online intake: the clinic sends you a link to start one")
    return intake


def my_intake(actor: Actor) -> MyIntake:
    """The patient's own intake (audited as a read of their record)."""
    patient_id = _own(actor)
    intake = _latest(patient_id)
    audit.record(actor, Action.INTAKE_FILL, obj=intake, patient_id=patient_id)
    request = get_request(actor, patient_id, intake.invitation.assessment_request_id)
    return MyIntake(intake=intake, questionnaires=request)


def section_values(actor: Actor, section: Section) -> dict[str, Any]:
    """What the form shows: the patient's saved answer, else what the record holds."""
    patient_id = _own(actor)
    intake = _latest(patient_id)
    patient = intake.patient
    audit.record(
        actor, Action.INTAKE_FILL, obj=intake, patient_id=patient_id, detail={"open": section}
    )
    saved = intake.entries.get(section)
    if saved is not None:
        return dict(saved)
    return {name: getattr(patient, name) for name in SECTION_FIELDS[section]}


def checked_section(patient: Any, section: Section, data: Mapping[str, Any]) -> dict[str, Any]:
    """The section's fields as the record would store them; ``InvalidInput`` names the field."""
    fields = SECTION_FIELDS[section]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidInput.single(unknown[0], "is not a field of this part of the form")
    current = {name: getattr(patient, name) for name in PatientFields.model_fields}
    current["physician_id"] = patient.physician_id
    checked = validate(PatientFields, {**current, **data}).model_dump()
    values = {name: checked[name] for name in fields}
    if "medications" in values:
        values["medications"] = [
            {**item, "entered_by": "patient"} for item in values["medications"]
        ]
    return values


@audits_refusals(Audited.INTAKE_SAVE)
def save_section(actor: Actor, section: str, data: Mapping[str, Any]) -> Intake:
    """Keep one section of the patient's intake; 409 once it has been sent."""
    patient_id = _own(actor)
    if section not in Section.values:
        raise InvalidInput.single("section", f"must be one of {', '.join(Section.values)}")
    intake = _latest(patient_id)
    values = checked_section(intake.patient, Section(section), data)
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        if locked.status != IntakeStatus.IN_PROGRESS:
            raise Conflict("your intake has been sent to the clinic: call us to change it")
        locked.entries = {**locked.entries, section: values}
        locked.save(update_fields=["entries"])
        audit.record(
            actor,
            Audited.INTAKE_SAVE,
            obj=locked,
            patient_id=patient_id,
            detail={"section": section, "fields": sorted(values)},
        )
    return locked


@audits_refusals(Audited.INTAKE_SUBMIT)
def submit(actor: Actor) -> Intake:
    """Send the intake to the clinic for review; every section must have been saved."""
    patient_id = _own(actor)
    intake = _latest(patient_id)
    missing = [section for section in Section if section not in intake.entries]
    if missing:
        raise InvalidInput.single(missing[0].value, f"please fill in “{missing[0].label}” first")
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        if locked.status != IntakeStatus.IN_PROGRESS:
            raise Conflict("your intake has already been sent to the clinic")
        locked.status = IntakeStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit.record(actor, Audited.INTAKE_SUBMIT, obj=locked, patient_id=patient_id)
    return locked

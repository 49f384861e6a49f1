"""A physician or nurse reviews what the patient entered online and confirms it.

Confirming writes the patient's entries into the record through the patient service (audited
as the clinician's change): contact details the patient gave replace the record's, and their
medicines, allergies and history are added to what the record already lists. Until then the
screening refuses to run on the record (``patients.review``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.patients.services import update_patient
from ketaclinic.records.toolkit import audits_refusals, authorize_on, get_or_404, validate

from .choices import IntakeStatus
from .inputs import SECTION_FIELDS, ConfirmationIn
from .models import Intake

LIST_MAX = 200


@dataclass(frozen=True)
class IntakeReview:
    intake: Intake
    changes: dict[str, Any]
    """What confirming would change in the record, by field."""


def awaiting_review(actor: Actor) -> list[Intake]:
    """Intakes patients have sent and no clinician has confirmed, oldest first."""
    authorize(actor, Action.INTAKE_REVIEW)
    found = list(
        Intake.objects.filter(status=IntakeStatus.SUBMITTED)
        .select_related("patient")
        .order_by("submitted_at", "id")[:LIST_MAX]
    )
    audit.record(actor, Action.INTAKE_REVIEW, detail={"shown": [i.pk for i in found]})
    return found


def review(actor: Actor, intake_id: int) -> IntakeReview:
    """One intake as the patient entered it, and what confirming it would change."""
    authorize_on(actor, Action.INTAKE_REVIEW, Intake, intake_id, "patient_id")
    intake = get_or_404(
        Intake.objects.select_related("patient", "confirmed_by"), intake_id, "intake"
    )
    audit.record_on(actor, Action.INTAKE_REVIEW, intake)
    return IntakeReview(intake=intake, changes=changes_for(intake.patient, intake.entries))


@audits_refusals(Action.INTAKE_CONFIRM)
def confirm(actor: Actor, intake_id: int, data: Mapping[str, Any]) -> Intake:
    """Confirm a sent intake into the record (409 unless it is awaiting review)."""
    authorize_on(actor, Action.INTAKE_CONFIRM, Intake, intake_id, "patient_id")
    fields = validate(ConfirmationIn, data or {})
    get_or_404(Intake.objects.all(), intake_id, "intake")
    with transaction.atomic():
        intake = Intake.objects.select_for_update().select_related("patient").get(pk=intake_id)
        if intake.status != IntakeStatus.SUBMITTED:
            raise Conflict(
                f"this intake is {intake.get_status_display().lower()}: only a sent intake "
                "awaiting review can be confirmed"
            )
        changes = changes_for(intake.patient, intake.entries)
        if changes:
            update_patient(actor, intake.patient_id, changes)
        intake.status = IntakeStatus.CONFIRMED
        intake.confirmed_by = actor.user
        intake.confirmed_at = timezone.now()
        intake.confirmation_note = fields.note
        intake.save(update_fields=["status", "confirmed_by", "confirmed_at", "confirmation_note"])
        audit.record_on(
            actor,
            Action.INTAKE_CONFIRM,
            intake,
            detail={"changed": sorted(changes), "note": fields.note},
        )
    return intake


def changes_for(patient: Patient, entries: Mapping[str, Any]) -> dict[str, Any]:
    """The record's fields the patient's entries change: contact details they gave replace
    the record's; medicines, allergies and history are added to the record's lists."""
    changes: dict[str, Any] = {}
    for section, fields in SECTION_FIELDS.items():
        entered = entries.get(section) or {}
        for name in fields:
            if name not in entered:
                continue
            current = getattr(patient, name)
            value = entered[name]
            if isinstance(current, list):
                merged = _merged(name, current, value)
                if merged != current:
                    changes[name] = merged
            elif value not in ("", None, "unknown") and value != current:
                changes[name] = value
    return changes


def _merged(name: str, current: list[Any], entered: list[Any]) -> list[Any]:
    if name == "history_flags":
        return sorted({*current, *entered})
    key = _medication_key if name == "medications" else _allergy_key
    known = {key(item) for item in current}
    return [*current, *(item for item in entered if key(item) not in known)]


def _medication_key(item: Mapping[str, Any]) -> str:
    return str(item.get("name", "")).casefold().strip()


def _allergy_key(item: Mapping[str, Any]) -> tuple[str, str]:
    return str(item.get("allergen", "")), str(item.get("text", "")).casefold().strip()

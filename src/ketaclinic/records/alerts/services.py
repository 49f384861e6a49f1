"""Raising, listing and acknowledging clinical alerts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import atomic_or, audits_refusals, get_or_404

from .models import Acknowledgement, Alert

NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class NewAlert:
    code: str
    message: str
    severity: str
    suggested_action: str = ""


def raise_alerts(
    actor: Actor, patient: Patient, source: models.Model, alerts: list[NewAlert]
) -> list[Alert]:
    """Record the alerts a new record raised; call inside that record's transaction."""
    created = Alert.objects.bulk_create(
        Alert(
            patient=patient,
            code=alert.code,
            message=alert.message,
            severity=alert.severity,
            suggested_action=alert.suggested_action,
            source_type=source._meta.label_lower,
            source_id=str(source.pk),
            addressed_to_id=patient.physician_id,
            raised_by=actor.user,
        )
        for alert in alerts
    )
    for alert in created:
        audit.record(
            actor,
            Audited.ALERT_RAISE,
            obj=alert,
            patient_id=patient.pk,
            detail={"code": alert.code},
        )
    return created


def open_alerts(actor: Actor, patient_id: int | None = None) -> QuerySet[Alert]:
    """Unacknowledged alerts, urgent first, newest first; for one patient or clinic-wide."""
    authorize(actor, Action.ALERT_VIEW, patient_id=patient_id)
    alerts = Alert.objects.filter(acknowledgement__isnull=True).select_related(
        "patient", "addressed_to"
    )
    if patient_id is not None:
        alerts = alerts.filter(patient_id=patient_id)
    audit.record(actor, Action.ALERT_VIEW, patient_id=patient_id)
    urgent_first = models.Case(models.When(severity="urgent", then=0), default=1)
    return alerts.order_by(urgent_first, "-raised_at", "-id")


@audits_refusals(Action.ALERT_ACKNOWLEDGE)
def acknowledge(actor: Actor, alert_id: int, note: str) -> Acknowledgement:
    """A clinician has seen the alert and says what was done about it."""
    authorize(actor, Action.ALERT_ACKNOWLEDGE)
    note = (note or "").strip()
    if not note:
        raise InvalidInput.single("note", "say what was done (a note is required)")
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInput.single("note", f"must be at most {NOTE_MAX_CHARS} characters")
    alert = get_or_404(Alert.objects.all(), alert_id, "alert")
    with atomic_or(Conflict(f"alert {alert_id} has already been acknowledged")):
        acknowledgement = Acknowledgement.objects.create(
            alert=alert, acknowledged_by=actor.user, note=note
        )
        audit.record(actor, Action.ALERT_ACKNOWLEDGE, obj=alert, patient_id=alert.patient_id)
    return acknowledgement

"""Raising, listing and acknowledging clinical alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import atomic_or, audits_refusals, get_or_404
from ketaclinic.sessions import session_rules

from .models import Acknowledgement, Alert, AlertNote, Severity

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


def escalation_cutoff(now: datetime) -> datetime:
    """An urgent alert raised before this and still open is escalated: it shows as such to
    every clinician (the minutes are data: the session rules' ``[alerts]``)."""
    return now - timedelta(minutes=session_rules().escalate_after_min.value)


def _escalated(now: datetime) -> Q:
    return Q(severity=Severity.URGENT, raised_at__lt=escalation_cutoff(now))


def open_alerts(actor: Actor, patient_id: int | None = None) -> QuerySet[Alert]:
    """Unacknowledged alerts, escalated first, then urgent, newest first; for one patient or
    clinic-wide. Each carries ``escalated`` and its ``notes``."""
    authorize(actor, Action.ALERT_VIEW, patient_id=patient_id)
    alerts = (
        Alert.objects.filter(acknowledgement__isnull=True)
        .select_related("patient", "addressed_to")
        .prefetch_related("notes__written_by")
        .annotate(
            escalated=models.ExpressionWrapper(
                _escalated(timezone.now()), output_field=models.BooleanField()
            )
        )
    )
    if patient_id is not None:
        alerts = alerts.filter(patient_id=patient_id)
    audit.record(actor, Action.ALERT_VIEW, patient_id=patient_id)
    urgent_first = models.Case(models.When(severity="urgent", then=0), default=1)
    return alerts.order_by("-escalated", urgent_first, "-raised_at", "-id")


def open_alert_count(actor: Actor) -> int:
    """The open alerts that are the actor's to act on, for the navigation: a physician's are
    those addressed to them or to no one, and every escalated one; another clinician's, all
    open alerts. Not audited: a count shows no patient."""
    if not may(actor, Action.ALERT_VIEW):
        return 0
    return actionable(actor, Alert.objects.filter(acknowledgement__isnull=True)).count()


def actionable(actor: Actor, alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """The alerts that are the actor's to act on (see ``open_alert_count``)."""
    if may(actor, Action.ALERT_CLOSE_ADDRESSED):
        mine = Q(addressed_to=actor.user) | Q(addressed_to__isnull=True)
        return alerts.filter(mine | _escalated(timezone.now()))
    return alerts


def _note_text(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput.single("note", "say what was done (a note is required)")
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInput.single("note", f"must be at most {NOTE_MAX_CHARS} characters")
    return note


@audits_refusals(Action.ALERT_ACKNOWLEDGE)
def add_note(actor: Actor, alert_id: int, note: str) -> AlertNote:
    """What was done about an open alert, by a clinician who does not close it (a nurse on an
    alert for the physician); the alert stays open for its addressee."""
    authorize(actor, Action.ALERT_ACKNOWLEDGE)
    text = _note_text(note)
    alert = get_or_404(Alert.objects.all(), alert_id, "alert")
    if hasattr(alert, "acknowledgement"):
        raise Conflict(f"alert {alert_id} has already been closed")
    with atomic_or(Conflict(f"alert {alert_id} has already been closed")):
        written = AlertNote.objects.create(alert=alert, written_by=actor.user, note=text)
        audit.record_on(actor, Action.ALERT_ACKNOWLEDGE, alert, detail={"what": "note"})
    return written


@audits_refusals(Action.ALERT_ACKNOWLEDGE)
def acknowledge(actor: Actor, alert_id: int, note: str) -> Acknowledgement:
    """A clinician has seen the alert and says what was done about it. An alert addressed to
    a physician is closed by a physician; anyone else adds a note (``add_note``)."""
    addressed = Alert.objects.filter(pk=alert_id, addressed_to__isnull=False).exists()
    authorize(actor, Action.ALERT_CLOSE_ADDRESSED if addressed else Action.ALERT_ACKNOWLEDGE)
    note = _note_text(note)
    alert = get_or_404(Alert.objects.all(), alert_id, "alert")
    with atomic_or(Conflict(f"alert {alert_id} has already been acknowledged")):
        acknowledgement = Acknowledgement.objects.create(
            alert=alert, acknowledged_by=actor.user, note=note
        )
        audit.record_on(actor, Action.ALERT_ACKNOWLEDGE, alert)
    return acknowledgement

"""Alert endpoints: open alerts (clinic-wide or for a patient) and acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ketaclinic.records.alerts import services

from .auth import actor
from .errors import ERRORS

if TYPE_CHECKING:
    from ketaclinic.records.alerts.models import Acknowledgement, Alert, AlertNote

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    patient_id: int
    code: str
    message: str
    severity: str
    suggested_action: str
    source_type: str
    source_id: str
    addressed_to_id: int | None
    raised_at: datetime
    escalated: bool = False
    """Urgent and not acknowledged within the rules' minutes."""

    @staticmethod
    def resolve_escalated(obj: Alert) -> bool:
        return bool(getattr(obj, "escalated", False))


class AlertFilter(Schema):
    patient_id: int | None = None


class AcknowledgementIn(Schema):
    model_config = {"extra": "forbid"}

    note: str


class AcknowledgementOut(Schema):
    alert_id: int
    acknowledged_by_id: int
    acknowledged_at: datetime
    note: str


class AlertNoteOut(Schema):
    alert_id: int
    written_by_id: int
    written_at: datetime
    note: str


@router.get("", response={200: list[AlertOut], **ERRORS})
def list_alerts(request: HttpRequest, filters: Query[AlertFilter]) -> list[Alert]:
    """Unacknowledged alerts, urgent first."""
    return list(services.open_alerts(actor(request), filters.patient_id)[:500])


@router.post("/{alert_id}/acknowledge", response={200: AcknowledgementOut, **ERRORS})
def acknowledge(request: HttpRequest, alert_id: int, data: AcknowledgementIn) -> Acknowledgement:
    """Acknowledge with a note saying what was done; audited."""
    return services.acknowledge(actor(request), alert_id, data.note)


@router.post("/{alert_id}/notes", response={201: AlertNoteOut, **ERRORS})
def add_note(request: HttpRequest, alert_id: int, data: AcknowledgementIn) -> Status[AlertNote]:
    """What was done about an alert someone else closes (a nurse's note on an alert for the
    physician); the alert stays open."""
    return Status(201, services.add_note(actor(request), alert_id, data.note))

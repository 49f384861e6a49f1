"""Closing visits: a cancellation, a whole series cancelled, a no-show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict
from ketaclinic.records.toolkit import audits_refusals, get_or_404, validate

from . import checks, waitlist
from .common import (
    appointment_or_404,
    close,
    patient_of,
    require_booked,
    self_service_rules,
)
from .inputs import (
    CancelIn,
)
from .models import Appointment, Series, Status


@audits_refusals(Action.BOOKING_CANCEL)
def cancel(actor: Actor, appointment_id: int, data: Mapping[str, Any] | None = None) -> Appointment:
    """Cancel a booked visit; a patient only their own, well ahead. The freed slot goes to the
    waitlist."""
    authorize(actor, Action.BOOKING_CANCEL, patient_id=patient_of(appointment_id))
    fields = validate(CancelIn, data or {})
    appointment = appointment_or_404(appointment_id)
    require_booked(appointment, "cancelled")
    self_service_rules(actor, appointment, None)
    with transaction.atomic():
        checks.lock_locations([appointment.location_id])
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        require_booked(locked, "cancelled")
        close(appointment, Status.CANCELLED, actor, fields.reason)
        waitlist.offer_freed_slot(actor, appointment)
        audit.record_on(
            actor,
            Action.BOOKING_CANCEL,
            appointment,
            detail={"start": appointment.starts_at.isoformat(), "reason": fields.reason},
        )
    return appointment


@audits_refusals(Audited.BOOKING_CANCEL_SERIES)
def cancel_series(actor: Actor, series_id: int, data: Mapping[str, Any] | None = None) -> Series:
    """Cancel every future booked session of a series (the front desk, not the patient)."""
    patient_id = Series.objects.filter(pk=series_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.BOOKING_BOOK, patient_id=patient_id)
    fields = validate(CancelIn, data or {})
    series = get_or_404(Series.objects.select_related("location"), series_id, "series")
    with transaction.atomic():
        checks.lock_locations([series.location_id])
        future = list(
            series.appointments.select_for_update(of=("self",))  # a consultation has no chair
            .filter(status=Status.BOOKED, starts_at__gt=timezone.now())
            .select_related("location", "chair")
        )
        for appointment in future:
            close(appointment, Status.CANCELLED, actor, fields.reason)
            waitlist.offer_freed_slot(actor, appointment)
        audit.record_on(
            actor,
            Audited.BOOKING_CANCEL_SERIES,
            series,
            detail={"cancelled": [a.pk for a in future], "reason": fields.reason},
        )
    return series


@audits_refusals(Action.BOOKING_NO_SHOW)
def mark_no_show(
    actor: Actor, appointment_id: int, data: Mapping[str, Any] | None = None
) -> Appointment:
    """The patient did not come: only once the visit has begun."""
    authorize(actor, Action.BOOKING_NO_SHOW, patient_id=patient_of(appointment_id))
    fields = validate(CancelIn, data or {})
    appointment = appointment_or_404(appointment_id)
    require_booked(appointment, "marked as a no-show")
    if appointment.starts_at > timezone.now():
        raise Conflict(f"appointment {appointment.pk} has not begun yet: cancel it instead")
    with transaction.atomic():
        close(appointment, Status.NO_SHOW, actor, fields.reason)
        audit.record_on(actor, Action.BOOKING_NO_SHOW, appointment)
    return appointment

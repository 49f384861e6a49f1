"""The booking services as the faces call them: reading a patient's appointments and series
here; booking, proposing, moving and cancelling in the modules named for them, re-exported."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.toolkit import get_or_404

from .booking import book_appointment, book_series
from .cancellations import cancel, cancel_series, mark_no_show
from .common import (
    appointment_or_404,
    patient_of,
)
from .models import Appointment, Series, Status
from .moves import FreeSlot, FreeSlots, free_slots, reschedule
from .proposals import PlanChoice, Proposal, ProposedSession, bookable_plans, propose

__all__ = [
    "FreeSlot",
    "FreeSlots",
    "PlanChoice",
    "Proposal",
    "ProposedSession",
    "SeriesDetail",
    "book_appointment",
    "book_series",
    "bookable_plans",
    "cancel",
    "cancel_series",
    "free_slots",
    "get_appointment",
    "get_series",
    "list_appointments",
    "mark_no_show",
    "propose",
    "reschedule",
]

APPOINTMENTS_SHOWN = 200


def _with_relations(rows: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return rows.select_related("location", "chair", "room", "series", "replaces")


def list_appointments(
    actor: Actor, patient_id: int, *, upcoming_only: bool = False
) -> list[Appointment]:
    """A patient's appointments (every status), soonest first; audited."""
    authorize(actor, Action.BOOKING_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    rows = _with_relations(Appointment.objects.filter(patient_id=patient_id))
    if upcoming_only:
        rows = rows.filter(ends_at__gt=timezone.now())
    shown = list(rows.order_by("starts_at", "id")[:APPOINTMENTS_SHOWN])
    audit.record(
        actor,
        Action.BOOKING_VIEW,
        patient_id=patient_id,
        detail={"appointments": len(shown), "upcoming_only": upcoming_only},
    )
    return shown


def get_appointment(actor: Actor, appointment_id: int) -> Appointment:
    authorize(actor, Action.BOOKING_VIEW, patient_id=patient_of(appointment_id))
    appointment = appointment_or_404(appointment_id)
    audit.record_on(actor, Action.BOOKING_VIEW, appointment)
    return appointment


@dataclass(frozen=True)
class SeriesDetail:
    series: Series
    appointments: list[Appointment]
    """Every row, moved and cancelled ones too, by session then time."""

    @property
    def booked(self) -> list[Appointment]:
        return [a for a in self.appointments if a.status == Status.BOOKED]


def get_series(actor: Actor, series_id: int) -> SeriesDetail:
    patient_id = Series.objects.filter(pk=series_id).values_list("patient_id", flat=True).first()
    authorize(actor, Action.BOOKING_VIEW, patient_id=patient_id)
    series = get_or_404(Series.objects.select_related("location", "patient"), series_id, "series")
    rows = list(_with_relations(series.appointments.all()).order_by("session", "starts_at", "id"))
    audit.record_on(actor, Action.BOOKING_VIEW, series)
    return SeriesDetail(series, rows)

"""What the booking services share: the records a request names, the domain's view of a
visit, the rules every change keeps (not in the past, a patient's own changes well ahead),
and a booking transaction whose constraint refusal becomes a named clash."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError
from django.utils import timezone

from ketaclinic import scheduling
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.clinics.calendars import chair_key
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.toolkit import get_or_404

from . import checks, reminders
from .models import Appointment, Series, Status
from .policy import booking_policy

T = TypeVar("T")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def patient_id_in(data: Any) -> int | None:
    """The ``patient_id`` a body names, to authorize on before validating it."""
    return _int(data.get("patient_id")) if isinstance(data, Mapping) else None


def location_field(location_id: int) -> Location:
    location = Location.objects.prefetch_related("hours").filter(pk=location_id).first()
    if location is None:
        raise InvalidInput.single("location_id", f"{location_id} is not a location")
    return location


def appointment_or_404(appointment_id: int) -> Appointment:
    rows = Appointment.objects.select_related("location", "chair", "room", "series", "patient")
    return get_or_404(rows, appointment_id, "appointment")


def patient_of(appointment_id: int) -> int | None:
    return (
        Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True).first()
    )


def domain_appointment(
    patient: Patient,
    location: Location,
    kind: str,
    chair_id: int | None,
    start: datetime,
    end: datetime,
    session: int = 1,
    plan_id: int | None = None,
) -> scheduling.Appointment:
    return scheduling.Appointment(
        patient_id=str(patient.pk),
        plan_id=str(plan_id or ""),
        session=session,
        location_id=location.slug,
        chair_id=chair_key(chair_id) if chair_id is not None else "",
        appointment_type_id=kind,
        start=start,
        end=end,
        zone=location.zone,
    )


def not_in_past(start: datetime, field: str) -> None:
    if start < timezone.now():
        raise InvalidInput.single(field, "is in the past")


def guarded(
    run: Callable[[], T],
    new: Sequence[scheduling.Appointment],
    location: Location,
    exclude: Sequence[int] = (),
) -> T:
    """Run a booking transaction; a database constraint's refusal becomes a named clash."""
    try:
        return run()
    except IntegrityError:
        raise checks.clash_after_integrity_error(new, location, exclude) from None


def require_booked(appointment: Appointment, doing: str) -> None:
    if appointment.status != Status.BOOKED:
        raise Conflict(
            f"appointment {appointment.pk} is {appointment.get_status_display().lower()}: "
            f"only a booked appointment can be {doing}"
        )


def self_service_rules(actor: Actor, appointment: Appointment, new_start: datetime | None) -> None:
    """A patient changes their own visit only well ahead of it (clinic policy)."""
    if actor.role != Role.PATIENT:
        return
    cutoff = booking_policy().self_service_cutoff
    hours = f"{cutoff.total_seconds() / 3600:g} h"
    now = timezone.now()
    if appointment.starts_at < now + cutoff:
        raise InvalidInput.single(
            "appointment_id",
            f"starts within {hours}: please call {appointment.location.name} to change it",
        )
    if new_start is not None and new_start < now + cutoff:
        raise InvalidInput.single("start", f"must be at least {hours} from now")


def close(appointment: Appointment, status: str, actor: Actor, reason: str) -> None:
    appointment.status = status
    appointment.status_changed_by = actor.user
    appointment.status_changed_at = timezone.now()
    appointment.status_reason = reason
    appointment.save(
        update_fields=["status", "status_changed_by", "status_changed_at", "status_reason"]
    )
    reminders.cancel_for(appointment)


def series_sessions(series: Series, zone: Any) -> list[scheduling.Appointment]:
    rows = series.appointments.filter(status=Status.BOOKED).order_by("session")
    return [
        scheduling.Appointment(
            patient_id=str(series.patient_id),
            plan_id=str(series.plan_id),
            session=row.session or 0,
            location_id=series.location.slug,
            chair_id=chair_key(row.chair_id) if row.chair_id else "",
            appointment_type_id=row.appointment_type,
            start=row.starts_at,
            end=row.ends_at,
            zone=zone,
        )
        for row in rows
    ]


def series_rule(series: Series, count: int) -> scheduling.SeriesRule:
    """The series' stored rule for ``count`` booked sessions (a cancelled one leaves fewer)."""
    return scheduling.SeriesRule(
        count, series.min_spacing_h, series.max_spacing_h, series.max_span_days
    )


def cancelled_session(appointment: Appointment) -> bool:
    """A cancelled session of a series with no booked row in its place: it may be booked again
    through ``reschedule``."""
    return (
        appointment.status == Status.CANCELLED
        and appointment.series is not None
        and not Appointment.objects.filter(replaces=appointment).exists()
        and not appointment.series.appointments.filter(
            session=appointment.session, status=Status.BOOKED
        ).exists()
    )

"""The hard rules checked against the current bookings, under the location's lock.

A booking service locks the location row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serialises writers at BEGIN IMMEDIATE), then reads what is booked, checks the new visits with
the pure domain's exact checker, and writes. Chair and patient overlaps are also refused by
PostgreSQL exclusion constraints, so even a writer that skipped the lock cannot double-book.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from ketaclinic import scheduling
from ketaclinic.records.clinics.calendars import chair_key, domain_location
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.scheduling.verify import (
    Violation,
    location_violations,
    patient_violations,
    series_violations,
)

from .models import Appointment, Status

# Violations that are the request's own fault (named fields, 422) rather than a clash with
# what is booked (409).
_FIELD_CODES = {"hours": "start", "closure": "start", "unknown_chair": "chair_id"}
_SERIES_CODES = {"spacing", "span", "count"}


@dataclass(frozen=True)
class Slot:
    chair_id: int
    chair: str
    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo

    def describe(self) -> str:
        start = self.starts_at.astimezone(self.zone)
        end = self.ends_at.astimezone(self.zone)
        return f"{self.chair}, {start:%a %Y-%m-%d %H:%M}–{end:%H:%M %Z}"


class SlotConflict(Conflict):
    """The chair is taken over the slot asked for; ``slot`` is the booking in the way."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__(f"the chair is already booked: {slot.describe()}")


def lock_locations(location_ids: Iterable[int]) -> None:
    """Take the booking lock of each location, in a fixed order (no deadlocks)."""
    list(
        Location.objects.select_for_update()
        .filter(pk__in=sorted(set(location_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def active_at(location: Location, start: datetime, end: datetime) -> Q:
    return Q(location=location, status=Status.BOOKED, starts_at__lt=end, ends_at__gt=start)


def chair_bookings(
    location: Location, start: datetime, end: datetime, exclude: Sequence[int] = ()
) -> list[scheduling.Booking]:
    """Booked chair visits at ``location`` overlapping [start, end), on its active chairs."""
    rows = (
        Appointment.objects.filter(active_at(location, start, end), chair__active=True)
        .exclude(pk__in=exclude)
        .values_list("chair_id", "starts_at", "ends_at", "patient_id")
    )
    return [scheduling.Booking(chair_key(c), s, e, str(p)) for c, s, e, p in rows]


def patient_elsewhere(
    patient_id: int, location: Location, start: datetime, end: datetime, exclude: Sequence[int]
) -> list[scheduling.Booking]:
    """The patient's other booked visits (other locations, or without a chair) in the window."""
    rows = (
        Appointment.objects.filter(
            patient_id=patient_id, status=Status.BOOKED, starts_at__lt=end, ends_at__gt=start
        )
        .filter(~Q(location=location) | Q(chair__isnull=True))
        .exclude(pk__in=exclude)
        .values_list("pk", "starts_at", "ends_at")
    )
    return [scheduling.Booking(f"elsewhere-{pk}", s, e, str(patient_id)) for pk, s, e in rows]


def window(appointments: Sequence[scheduling.Appointment]) -> tuple[datetime, datetime]:
    """A day either side of the visits, so shifts and closures around them are read."""
    day = timedelta(days=1)
    return min(a.start for a in appointments) - day, max(a.end for a in appointments) + day


def check_chair_visits(
    location: Location,
    new: Sequence[scheduling.Appointment],
    field_prefix: str,
    *,
    rule: scheduling.SeriesRule | None = None,
    series: Sequence[scheduling.Appointment] | None = None,
    exclude: Sequence[int] = (),
) -> None:
    """Refuse ``new`` chair visits that break hours, closures, chairs, the nurse ratio or the
    patient's other visits, and (with ``rule``) a series (``series``, else ``new``) that breaks
    its count, spacing or span; call under the lock."""
    start, end = window(new)
    domain = domain_location(location, start, end)
    here = chair_bookings(location, start, end, exclude)
    patient_id = int(new[0].patient_id)
    elsewhere = patient_elsewhere(patient_id, location, start, end, exclude)
    found = chair_visit_violations(domain, new, here, elsewhere, rule=rule, series=series)
    raise_for(found, new, field_prefix, location, exclude)


def chair_visit_violations(
    domain: scheduling.Location,
    new: Sequence[scheduling.Appointment],
    here: Sequence[scheduling.Booking],
    elsewhere: Sequence[scheduling.Booking],
    *,
    rule: scheduling.SeriesRule | None = None,
    series: Sequence[scheduling.Appointment] | None = None,
) -> list[Violation]:
    """Every hard rule ``new`` chair visits break against the location's bookings (``here``),
    the patient's other visits (``elsewhere``) and, with ``rule``, their series."""
    return [
        *location_violations(domain, new, here),
        *patient_violations(new, [*here, *elsewhere]),
        *(series_violations(new if series is None else series, rule) if rule else []),
    ]


def check_plain_visit(
    location: Location, new: scheduling.Appointment, exclude: Sequence[int] = ()
) -> None:
    """Refuse a visit without a chair outside hours, on a closure or over the patient's own."""
    start, end = window([new])
    calendar = domain_location(location, start, end).calendar
    lower, upper = scheduling.TimeRange(new.start, new.end).epoch_s
    errors = []
    if not calendar.within_hours(lower, upper):
        hours = ", ".join(str(w) for w in calendar.hours)
        errors.append(FieldError("start", f"is outside {location.name}'s opening hours ({hours})"))
    closure = calendar.closure_over(lower, upper)
    if closure is not None:
        errors.append(
            FieldError("start", f"falls in a closure of {location.name}: {closure.reason}")
        )
    if errors:
        raise InvalidInput(errors)
    mine = Appointment.objects.filter(
        patient_id=int(new.patient_id), status=Status.BOOKED, starts_at__lt=new.end
    ).filter(ends_at__gt=new.start)
    clash = mine.exclude(pk__in=exclude).select_related("location").first()
    if clash is not None:
        raise Conflict(f"the patient already has an appointment then: {describe(clash)}")


def raise_for(
    found: Sequence[Violation],
    new: Sequence[scheduling.Appointment],
    field_prefix: str,
    location: Location,
    exclude: Sequence[int] = (),
) -> None:
    """Turn violations into ``InvalidInput`` (the request's fields) or a ``Conflict``."""
    if not found:
        return
    errors = []
    for violation in found:
        if violation.code in _FIELD_CODES:
            name = _FIELD_CODES[violation.code]
            if field_prefix:
                name = f"{field_prefix}{new.index(violation.appointments[0])}.{name}"
            errors.append(FieldError(name, violation.message))
        elif violation.code in _SERIES_CODES:
            errors.append(FieldError(field_prefix.rstrip(".") or "start", violation.message))
    if errors:
        raise InvalidInput(_unique(errors))
    for violation in found:
        if violation.code == "chair_taken":
            for appointment in violation.appointments:
                slot = taken_slot(int(appointment.chair_id), appointment, location, exclude)
                if slot is not None:
                    raise SlotConflict(slot)
        if violation.code == "patient_overlap":
            clash = patient_clash(violation.appointments[0], exclude)
            if clash is not None:
                raise Conflict(f"the patient already has an appointment then: {describe(clash)}")
    raise Conflict("; ".join(v.message for v in found))


def _unique(errors: list[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


def taken_slot(
    chair_id: int, new: scheduling.Appointment, location: Location, exclude: Sequence[int] = ()
) -> Slot | None:
    """The booked visit on ``chair_id`` that overlaps ``new``, if any."""
    clash = (
        Appointment.objects.filter(
            chair_id=chair_id, status=Status.BOOKED, starts_at__lt=new.end, ends_at__gt=new.start
        )
        .exclude(pk__in=exclude)
        .select_related("chair")
        .first()
    )
    if clash is None or clash.chair is None:
        return None
    return Slot(clash.chair.pk, clash.chair.name, clash.starts_at, clash.ends_at, location.zone)


def patient_clash(new: scheduling.Appointment, exclude: Sequence[int] = ()) -> Appointment | None:
    return (
        Appointment.objects.filter(
            patient_id=int(new.patient_id),
            status=Status.BOOKED,
            starts_at__lt=new.end,
            ends_at__gt=new.start,
        )
        .exclude(pk__in=exclude)
        .select_related("location", "chair")
        .first()
    )


def describe(appointment: Appointment) -> str:
    """When and where, in the location's zone."""
    zone = appointment.location.zone
    start, end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    chair = f", {appointment.chair.name}" if appointment.chair else ""
    return f"{appointment.location.name}{chair}, {start:%a %Y-%m-%d %H:%M}–{end:%H:%M %Z}"


def clash_after_integrity_error(
    new: Sequence[scheduling.Appointment], location: Location, exclude: Sequence[int] = ()
) -> Conflict:
    """What a database constraint refused: the slot now taken, or the patient's own visit."""
    for appointment in new:
        if appointment.chair_id:
            slot = taken_slot(int(appointment.chair_id), appointment, location, exclude)
            if slot is not None:
                return SlotConflict(slot)
        clash = patient_clash(appointment, exclude)
        if clash is not None:
            return Conflict(f"the patient already has an appointment then: {describe(clash)}")
    return Conflict(
        "another booking was made at the same moment: nothing was booked; "
        "look at the calendar again and choose a free time"
    )


def active_chair(location: Location, chair_id: int, field: str) -> Chair:
    """An active chair of ``location``, or ``InvalidInput`` naming ``field``."""
    chair = Chair.objects.filter(pk=chair_id, location=location, active=True).first()
    if chair is None:
        raise InvalidInput.single(field, f"{chair_id} is not an active chair of {location.name}")
    return chair

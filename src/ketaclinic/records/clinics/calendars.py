"""A location's records as the pure scheduling domain's values, for a window of time."""

from __future__ import annotations

from datetime import datetime

from ketaclinic import scheduling

from .models import Chair, Closure, Location, StaffShift


def chair_key(chair_id: int) -> str:
    """The domain's id of a chair (its primary key as text)."""
    return str(chair_id)


def domain_location(location: Location, start: datetime, end: datetime) -> scheduling.Location:
    """The location's hours, closures, active chairs, nurse shifts and ratio over [start, end).

    Closures and shifts are read only where they overlap the window; the domain location's id
    is the slug, so messages name the location readably.
    """
    hours = tuple(
        scheduling.WeeklyWindow(h.weekday, h.opens_at, h.closes_at) for h in location.hours.all()
    )
    closures = tuple(
        scheduling.Closure(c.starts_at, c.ends_at, c.reason)
        for c in Closure.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
    )
    chairs = tuple(
        scheduling.Chair(chair_key(c.pk), c.name)
        for c in Chair.objects.filter(location=location, active=True)
    )
    shifts = tuple(
        scheduling.NurseShift(str(s.nurse_id), s.starts_at, s.ends_at)
        for s in StaffShift.objects.filter(location=location, starts_at__lt=end, ends_at__gt=start)
    )
    return scheduling.Location(
        id=location.slug,
        calendar=scheduling.LocationCalendar(location.zone, hours, closures),
        chairs=chairs,
        nurse_shifts=shifts,
        patients_per_nurse=location.patients_per_nurse,
        name=location.name,
    )

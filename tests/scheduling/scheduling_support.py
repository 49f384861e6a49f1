"""Small builders the scheduling tests share (importable as ``scheduling_support``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ketaclinic.scheduling import (
    Chair,
    Closure,
    Location,
    LocationCalendar,
    NurseShift,
    SeriesRequest,
    SeriesRule,
    WeeklyNurseShift,
    WeeklyWindow,
    demo_calendar,
    expand_weekly_shifts,
    infusion_visit,
)

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2025, 3, 3, tzinfo=NEW_YORK)  # the US spring-forward change is Sun 9 March
VISIT_120 = infusion_visit(infusion_min=45, recovery_min=60, preparation_min=15)


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    """Local wall-clock time ``day`` days after Monday 3 March 2025."""
    return datetime.combine(MONDAY.date() + timedelta(days=day), time(hour, minute), tzinfo=zone)


def location(
    chairs: int = 2,
    nurses: int = 1,
    patients_per_nurse: int = 4,
    closures: tuple[Closure, ...] = (),
    time_zone: str = "America/New_York",
    location_id: str = "loc",
    days: int = 35,
    extra_shifts: tuple[NurseShift, ...] = (),
) -> Location:
    """A location with the demo hours and ``nurses`` nurses during all of them."""
    hours = demo_calendar(time_zone)
    calendar = LocationCalendar(hours.zone, hours.hours, closures)
    pattern = [WeeklyNurseShift(window, nurses) for window in calendar.hours]
    start = MONDAY - timedelta(days=1)
    shifts = expand_weekly_shifts(pattern, calendar, start, start + timedelta(days=days))
    return Location(
        id=location_id,
        calendar=calendar,
        chairs=tuple(Chair(f"{location_id}-{n}") for n in range(1, chairs + 1)),
        nurse_shifts=(*shifts, *extra_shifts),
        patients_per_nurse=patients_per_nurse,
    )


def request(
    patient_id: str = "p1",
    count: int = 2,
    min_spacing_h: float = 20,
    max_spacing_h: float = 120,
    max_span_days: float | None = None,
    days: int = 28,
    not_before: datetime = MONDAY,
    **overrides: Any,
) -> SeriesRequest:
    fields: dict[str, Any] = {
        "patient_id": patient_id,
        "plan_id": f"plan-{patient_id}",
        "plan_signed": True,
        "series": SeriesRule(count, min_spacing_h, max_spacing_h, max_span_days),
        "appointment_type": VISIT_120,
        "not_before": not_before,
        "not_after": not_before + timedelta(days=days),
    }
    fields.update(overrides)
    return SeriesRequest(**fields)


def weekdays(begin: str, end: str, days: range = range(5)) -> tuple[WeeklyWindow, ...]:
    return tuple(WeeklyWindow(d, time.fromisoformat(begin), time.fromisoformat(end)) for d in days)
